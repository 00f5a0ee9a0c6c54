use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::auth::Role;
use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// An account as the API shows it (never the password hash).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            role: Role::parse(&r.role).unwrap_or(Role::Employee),
            username: r.username,
            display_name: r.display_name,
            unit_id: r.unit_id,
            employee_id: r.employee_id,
            active: r.active,
            created_at: r.created_at.and_utc(),
            version: r.version,
        }
    }
}

pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9._-]+$";

fn username_chars(v: &str) -> Result<(), ValidationError> {
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(ValidationError::new("username")
            .with_message("may contain only letters, digits, `.`, `_` and `-`".into()))
    }
}

/// A new account. `unit_manager` needs `unit_id`, `employee` needs `employee_id`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// Stored in lower case; sign-in ignores case.
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = r"^[A-Za-z0-9._-]+$",
        example = "siti.operator"
    )]
    #[validate(length(min = 3, max = 64), custom(function = "username_chars"))]
    pub username: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub display_name: String,
    #[schema(min_length = 10, max_length = 1024, format = Password)]
    #[validate(length(min = 10, max = 1024))]
    pub password: String,
    pub role: Role,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub unit_id: Option<i64>,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub employee_id: Option<i64>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Any subset of the writable fields; `null` clears `unit_id` / `employee_id`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub display_name: Option<String>,
    /// Sets a new password (signs the user out everywhere).
    #[schema(nullable = false, min_length = 10, max_length = 1024, format = Password)]
    #[validate(length(min = 10, max = 1024))]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    #[validate(range(min = 1))]
    pub unit_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    #[validate(range(min = 1))]
    pub employee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub unit_id: Option<i64>,
    /// Case-insensitive search in username and display name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// The columns a create or update writes.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChanges {
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub active: bool,
}
