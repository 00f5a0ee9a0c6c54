use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::api_clients;

pub const SCOPES: [&str; 5] = [
    "employees:read",
    "employees:write",
    "trainings:read",
    "records:read",
    "reports:read",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    #[serde(rename = "employees:read")]
    EmployeesRead,
    #[serde(rename = "employees:write")]
    EmployeesWrite,
    #[serde(rename = "trainings:read")]
    TrainingsRead,
    #[serde(rename = "records:read")]
    RecordsRead,
    #[serde(rename = "reports:read")]
    ReportsRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EmployeesRead => SCOPES[0],
            Scope::EmployeesWrite => SCOPES[1],
            Scope::TrainingsRead => SCOPES[2],
            Scope::RecordsRead => SCOPES[3],
            Scope::ReportsRead => SCOPES[4],
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub scopes: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A machine client (never its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: i64,
    pub name: String,
    pub client_id: String,
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl From<ClientRow> for ApiClient {
    fn from(r: ClientRow) -> Self {
        ApiClient {
            id: r.id,
            name: r.name,
            client_id: r.client_id,
            scopes: r.scopes.split_whitespace().map(str::to_string).collect(),
            active: r.active,
            created_at: r.created_at.and_utc(),
            version: r.version,
        }
    }
}

/// A new client; its secret is returned once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: ApiClient,
    /// Shown only now; stored hashed.
    pub client_secret: String,
}

fn some_scopes(list: &[Scope]) -> Result<(), ValidationError> {
    if list.is_empty() {
        Err(ValidationError::new("scopes").with_message("name at least one scope".into()))
    } else {
        Ok(())
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    #[schema(min_length = 1, max_length = 200, example = "SIASN BKN")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(min_items = 1)]
    #[validate(custom(function = "some_scopes"))]
    pub scopes: Vec<Scope>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[schema(nullable = false, min_items = 1)]
    #[validate(custom(function = "some_scopes"))]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub scopes: Option<Vec<Scope>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

/// `POST /auth/token`, as a form or as JSON.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Only `client_credentials`.
    #[schema(example = "client_credentials")]
    #[validate(length(min = 1, max = 64))]
    pub grant_type: String,
    #[schema(min_length = 1, max_length = 128)]
    #[validate(length(min = 1, max = 128))]
    pub client_id: String,
    #[schema(min_length = 1, max_length = 256, format = Password)]
    #[validate(length(min = 1, max = 256))]
    pub client_secret: String,
    /// Space-separated subset of the client's scopes; default all of them.
    #[schema(max_length = 200)]
    #[validate(length(max = 200))]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
}
