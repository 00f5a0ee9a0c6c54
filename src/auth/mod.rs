//! Who is calling: tokens, passwords, login limits and the `Caller` every handler receives.

pub mod jwt;
pub mod limiter;
pub mod model;
pub mod password;
pub mod queries;
pub mod routes;

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use jwt::TokenType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    UnitManager,
    Employee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::UnitManager => "unit_manager",
            Role::Employee => "employee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            "unit_manager" => Some(Role::UnitManager),
            "employee" => Some(Role::Employee),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiClient,
    Anonymous,
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiClient => "api_client",
            ActorKind::Anonymous => "anonymous",
            ActorKind::System => "system",
        }
    }
}

/// The authenticated caller, from a verified access token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub kind: ActorKind,
    pub id: i64,
    /// Users only.
    pub role: Option<Role>,
    pub unit_id: Option<i64>,
    pub employee_id: Option<i64>,
    /// API clients only.
    pub scopes: Vec<String>,
}

impl Caller {
    pub fn is(&self, role: Role) -> bool {
        self.role == Some(role)
    }

    /// 403 unless the caller is a user with one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> ApiResult<()> {
        match self.role {
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(ApiError::forbidden()),
        }
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        self.require_role(&[Role::Admin])
    }

    /// 403 unless the caller is a user with one of `roles` or an API client holding `scope`.
    pub fn require_role_or_scope(&self, roles: &[Role], scope: &str) -> ApiResult<()> {
        if self.kind == ActorKind::ApiClient && self.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        self.require_role(roles)
    }

    /// The units whose people the caller may see: `None` for everything (admin, operator, API
    /// clients that passed their scope check), the caller's unit and its sub-units for a unit
    /// manager, nothing otherwise.
    pub fn unit_scope(&self, conn: &mut crate::db::AnyConnection) -> ApiResult<Option<Vec<i64>>> {
        match (self.kind, self.role) {
            (ActorKind::ApiClient, _) | (_, Some(Role::Admin | Role::Operator)) => Ok(None),
            (_, Some(Role::UnitManager)) => match self.unit_id {
                Some(unit) => Ok(Some(crate::units::queries::subtree_ids(conn, unit)?)),
                None => Ok(Some(Vec::new())),
            },
            _ => Ok(Some(Vec::new())),
        }
    }

    /// The units a people-based figure covers: `unit` and its sub-units if asked, narrowed to
    /// what the caller may see. `None` means every unit.
    pub fn units_within(
        &self,
        conn: &mut crate::db::AnyConnection,
        unit: Option<i64>,
    ) -> ApiResult<Option<Vec<i64>>> {
        let visible = self.unit_scope(conn)?;
        let wanted = match unit {
            Some(unit) => Some(crate::units::queries::subtree_ids(conn, unit)?),
            None => None,
        };
        Ok(match (visible, wanted) {
            (None, w) => w,
            (Some(v), None) => Some(v),
            (Some(v), Some(w)) => Some(w.into_iter().filter(|u| v.contains(u)).collect()),
        })
    }

    pub fn actor(&self) -> Actor {
        Actor {
            kind: self.kind,
            id: Some(self.id),
        }
    }
}

/// The audit log's view of who acted.
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
}

impl Actor {
    pub const ANONYMOUS: Actor = Actor {
        kind: ActorKind::Anonymous,
        id: None,
    };
    pub const SYSTEM: Actor = Actor {
        kind: ActorKind::System,
        id: None,
    };

    pub fn user(id: i64) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: Some(id),
        }
    }
}

fn caller_from_request(req: &HttpRequest) -> ApiResult<Caller> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let raw = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("an access token is required (Authorization: Bearer <token>)".into())
    })?;
    let token = raw
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = state
        .jwt
        .verify(token, TokenType::Access)
        .map_err(|_| ApiError::Unauthorized("the access token is invalid or expired".into()))?;
    let invalid = || ApiError::Unauthorized("the access token is invalid or expired".into());
    let id: i64 = claims.sub.parse().map_err(|_| invalid())?;
    match claims.act.as_str() {
        "user" => Ok(Caller {
            kind: ActorKind::User,
            id,
            role: Some(
                claims
                    .role
                    .as_deref()
                    .and_then(Role::parse)
                    .ok_or_else(invalid)?,
            ),
            unit_id: claims.unit_id,
            employee_id: claims.employee_id,
            scopes: Vec::new(),
        }),
        "api_client" => Ok(Caller {
            kind: ActorKind::ApiClient,
            id,
            role: None,
            unit_id: None,
            employee_id: None,
            scopes: claims
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        }),
        _ => Err(invalid()),
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(caller_from_request(req).map_err(Into::into))
    }
}
