//! Who is calling: tokens, passwords, login limits and the `Caller` every handler receives.

pub mod jwt;
pub mod limiter;
pub mod model;
pub mod password;
pub mod permissions;
pub mod queries;
pub mod revocations;
pub mod routes;

use actix_web::http::header;
use actix_web::{web, HttpRequest};

pub use permissions::{op, Allowed};

use crate::error::{ApiError, ApiResult};
use crate::types::{EmployeeId, UnitId};
use crate::AppState;
use jwt::TokenType;

crate::text_enum! {
    /// What a signed-in user may do (see the permission table).
    pub enum Role {
        Admin = "admin",
        Operator = "operator",
        UnitManager = "unit_manager",
        Employee = "employee",
    }
}

crate::text_enum! {
    /// Who acted, in the audit log.
    pub enum ActorKind {
        User = "user",
        ApiClient = "api_client",
        Anonymous = "anonymous",
        System = "system",
    }
}

crate::text_enum! {
    /// What an API client may be granted.
    pub enum Scope {
        EmployeesRead = "employees:read",
        EmployeesWrite = "employees:write",
        TrainingsRead = "trainings:read",
        RecordsRead = "records:read",
        ReportsRead = "reports:read",
    }
}

/// An API client's scopes, stored as one space-separated text and sent as a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, diesel::FromSqlRow)]
#[serde(transparent)]
pub struct Scopes(pub Vec<Scope>);

impl Scopes {
    /// The stored text: sorted, without repeats.
    pub fn text(scopes: &[Scope]) -> String {
        let mut v: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.join(" ")
    }

    fn parse(text: &str) -> Result<Self, crate::types::UnknownValue> {
        text.split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Scopes)
    }
}

/// A list, or (from PostgreSQL's JSON of a row) the stored text.
impl<'de> serde::Deserialize<'de> for Scopes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<Scope>),
            Text(String),
        }
        match Form::deserialize(d)? {
            Form::List(list) => Ok(Scopes(list)),
            Form::Text(text) => Scopes::parse(&text).map_err(serde::de::Error::custom),
        }
    }
}

impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for Scopes
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Ok(Scopes::parse(&text)?)
    }
}

/// The authenticated caller, from a verified access token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub kind: ActorKind,
    pub id: i64,
    /// Users only.
    pub role: Option<Role>,
    pub unit_id: Option<UnitId>,
    pub employee_id: Option<EmployeeId>,
    /// API clients only.
    pub scopes: Vec<Scope>,
}

/// Whose people and records a caller may see: the one place where roles become visibility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Admins, operators, and API clients that passed their scope check.
    All,
    /// A unit manager: their unit and its sub-units.
    Units(Vec<UnitId>),
    /// An employee: themself.
    Employee(EmployeeId),
    /// A user bound to nothing.
    Nothing,
}

impl Reach {
    pub fn sees_unit(&self, unit: UnitId) -> bool {
        match self {
            Reach::All => true,
            Reach::Units(units) => units.contains(&unit),
            Reach::Employee(_) | Reach::Nothing => false,
        }
    }

    pub fn sees_employee(&self, employee: EmployeeId, unit: UnitId) -> bool {
        match self {
            Reach::Employee(own) => *own == employee,
            other => other.sees_unit(unit),
        }
    }

    /// The units a people-based figure covers: `unit` and its sub-units if asked, narrowed to
    /// this reach. `None` means every unit.
    pub fn units_within(
        &self,
        conn: &mut crate::db::AnyConnection,
        unit: Option<UnitId>,
    ) -> ApiResult<Option<Vec<UnitId>>> {
        let wanted = match unit {
            Some(unit) => Some(crate::units::queries::subtree_ids(conn, unit)?),
            None => None,
        };
        Ok(match (self, wanted) {
            (Reach::All, w) => w,
            (Reach::Units(v), None) => Some(v.clone()),
            (Reach::Units(v), Some(w)) => Some(w.into_iter().filter(|u| v.contains(u)).collect()),
            (Reach::Employee(_) | Reach::Nothing, _) => Some(Vec::new()),
        })
    }
}

impl Caller {
    pub fn is(&self, role: Role) -> bool {
        self.role == Some(role)
    }

    /// The training staff (admin, operator).
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Operator))
    }

    /// Whose people this caller may see.
    pub fn reach(&self, conn: &mut crate::db::AnyConnection) -> ApiResult<Reach> {
        match self.unit_manager_of() {
            Some(unit) => Ok(Reach::Units(crate::units::queries::subtree_ids(
                conn, unit,
            )?)),
            None => Ok(self.reach_without_units()),
        }
    }

    /// [`Caller::reach`] from a handler: only a unit manager's needs the database.
    pub async fn reach_async(&self, state: &AppState) -> ApiResult<Reach> {
        match self.unit_manager_of() {
            Some(unit) => {
                crate::web::db(&state.pool, move |c| {
                    Ok(Reach::Units(crate::units::queries::subtree_ids(c, unit)?))
                })
                .await
            }
            None => Ok(self.reach_without_units()),
        }
    }

    fn unit_manager_of(&self) -> Option<UnitId> {
        self.unit_id.filter(|_| self.is(Role::UnitManager))
    }

    fn reach_without_units(&self) -> Reach {
        match (self.kind, self.role, self.employee_id) {
            (ActorKind::ApiClient, _, _) | (_, Some(Role::Admin | Role::Operator), _) => Reach::All,
            (_, Some(Role::Employee), Some(id)) => Reach::Employee(id),
            _ => Reach::Nothing,
        }
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

pub(crate) fn caller_from_request(req: &HttpRequest) -> ApiResult<Caller> {
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
    let kind = match claims.act.as_str() {
        "user" => ActorKind::User,
        "api_client" => ActorKind::ApiClient,
        _ => return Err(invalid()),
    };
    if !state.revocations.admits(kind, id, claims.ver) {
        return Err(ApiError::Unauthorized(
            "the access token was revoked; sign in again".into(),
        ));
    }
    match claims.act.as_str() {
        "user" => Ok(Caller {
            kind: ActorKind::User,
            id,
            role: Some(
                claims
                    .role
                    .as_deref()
                    .and_then(|r| r.parse().ok())
                    .ok_or_else(invalid)?,
            ),
            unit_id: claims.unit_id.map(UnitId),
            employee_id: claims.employee_id.map(EmployeeId),
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
                .filter_map(|s| s.parse().ok())
                .collect(),
        }),
        _ => Err(invalid()),
    }
}
