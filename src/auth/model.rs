use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Role;
use crate::types::{EmployeeId, UnitId, UserId};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "kompetensi-demo"}))]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 64, example = "admin")]
    #[validate(length(min = 1, max = 64))]
    pub username: String,
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "the refresh_token from POST /auth/login"}))]
pub struct RefreshRequest {
    #[schema(min_length = 1, max_length = 4096)]
    #[validate(length(min = 1, max = 4096))]
    pub refresh_token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub employee_id: Option<EmployeeId>,
    pub display_name: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "kompetensi-demo", "new_password": "kompetensi-demo-baru"}))]
pub struct PasswordChange {
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    #[validate(length(min = 1, max = 1024))]
    pub current_password: String,
    #[schema(min_length = 10, max_length = 1024, format = Password)]
    /// At least 10 characters, and not easy to guess (zxcvbn score 3 of 4: no common word,
    /// name or keyboard pattern alone).
    #[validate(
        length(min = 10, max = 1024),
        custom(function = "crate::auth::password::hard_to_guess")
    )]
    pub new_password: String,
}
