use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::auth::Role;
use crate::db::schema::users;
use crate::types::{EmployeeId, UnitId, UserId, UtcTime};

/// An account with its password hash, for signing in.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub employee_id: Option<EmployeeId>,
    pub active: bool,
    pub version: i64,
    pub token_version: i64,
}

/// An account as the API shows it (never the password hash).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub employee_id: Option<EmployeeId>,
    pub active: bool,
    pub created_at: UtcTime,
    pub version: i64,
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
#[schema(example = json!({"username": "pegawai.contoh", "display_name": "Pegawai Contoh", "password": "kompetensi-contoh-2026", "role": "employee", "unit_id": null, "employee_id": 2, "active": true}))]
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
    /// At least 10 characters, and not easy to guess (zxcvbn score 3 of 4: no common word,
    /// name or keyboard pattern alone).
    #[validate(
        length(min = 10, max = 1024),
        custom(function = "crate::auth::password::hard_to_guess")
    )]
    pub password: String,
    pub role: Role,
    #[schema(minimum = 1)]
    pub unit_id: Option<UnitId>,
    #[schema(minimum = 1)]
    pub employee_id: Option<EmployeeId>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

impl UserCreate {
    pub fn fields(&self) -> UserFields {
        UserFields {
            display_name: self.display_name.clone(),
            role: self.role,
            unit_id: self.unit_id,
            employee_id: self.employee_id,
            active: self.active,
            password: None,
        }
    }
}

/// What an admin sets on an account: a PATCH is any subset of these.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserFields {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub display_name: String,
    pub role: Role,
    #[schema(minimum = 1)]
    pub unit_id: Option<UnitId>,
    #[schema(minimum = 1)]
    pub employee_id: Option<EmployeeId>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
    /// Sets a new password (signs the user out everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 10, max_length = 1024, format = Password, nullable = false)]
    /// At least 10 characters, and not easy to guess (zxcvbn score 3 of 4: no common word,
    /// name or keyboard pattern alone).
    #[validate(
        length(min = 10, max = 1024),
        custom(function = "crate::auth::password::hard_to_guess")
    )]
    #[diesel(skip_insertion, skip_update)]
    pub password: Option<String>,
}

crate::patch_schema!(UserPatch = UserFields, serde_json::json!({"active": true}));

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub unit_id: Option<UnitId>,
    /// Case-insensitive search in username and display name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

crate::page_type!(UserPage = User);
