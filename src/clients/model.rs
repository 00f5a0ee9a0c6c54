use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::auth::{Scope, Scopes};
use crate::db::schema::api_clients;
use crate::types::{ClientId, UtcTime};

/// A client with its secret's hash, for the token grant.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub id: ClientId,
    pub client_id: String,
    pub secret_hash: String,
    pub scopes: Scopes,
    pub active: bool,
    pub token_version: i64,
}

/// A machine client (never its secret).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = api_clients)]
pub struct ApiClient {
    pub id: ClientId,
    pub name: String,
    pub client_id: String,
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Scopes,
    pub active: bool,
    pub created_at: UtcTime,
    pub version: i64,
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = api_clients)]
#[schema(example = json!({"name": "SIASN BKN", "scopes": ["employees:read", "records:read"], "active": true}))]
pub struct ClientInput {
    #[schema(min_length = 1, max_length = 200, example = "SIASN BKN")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(min_items = 1)]
    #[validate(custom(function = "some_scopes"))]
    #[diesel(skip_insertion, skip_update)]
    pub scopes: Vec<Scope>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

crate::patch_schema!(
    ClientPatch = ClientInput,
    serde_json::json!({"name": "SIASN BKN (sinkronisasi riwayat kursus)"})
);

/// `POST /auth/token`, as a form or as JSON.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "the client_id from POST /api-clients", "client_secret": "the client_secret shown once by POST /api-clients"}))]
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

crate::page_type!(ApiClientPage = ApiClient);
