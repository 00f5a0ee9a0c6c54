use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{
    ApiClient, ApiClientPage, ClientInput, ClientPatch, ClientToken, CreatedClient, TokenRequest,
};
use super::queries::{self, Clients};
use crate::audit::{self, Action, Entity, Outcome};
use crate::auth::jwt::{expiry, now_secs, random_token, Claims, TokenType, AUDIENCE, ISSUER};
use crate::auth::{op, password, Actor, ActorKind, Scope, Scopes};
use crate::error::{ApiError, ApiResult, CreateErrors, SignInErrors};
use crate::web::{
    db, parse_value, read_body, Created, IdempotencyKey, NoFilter, RequestMeta, ValidJson, Write,
};
use crate::AppState;

crate::resource_routes! {
    Clients at "/api-clients", "/api-clients/{id}" tagged "api-clients";
    service issue_client_token;
    /// API clients (admin). Sort by `id`, `name`, `created_at`.
    list list_api_clients: ListClients(NoFilter => ApiClientPage)
        sorted ApiClientSort ["id", "name", "created_at"];
    /// One API client (admin).
    get get_api_client: GetClient(ApiClient);
    service create_api_client;
    /// Change an API client (admin): name, scopes, active.
    update update_api_client: UpdateClient(ClientInput, ClientPatch => ApiClient);
    /// Remove an API client (admin). Its tokens lapse within their lifetime.
    delete delete_api_client: DeleteClient;
}

/// Register an API client (admin).
///
/// The `client_secret` is in this answer only (stored hashed); exchange it at
/// `POST /auth/token`. With an `Idempotency-Key`, a retry gets the first answer, secret
/// included.
#[utoipa::path(
    tag = "api-clients",
    params(IdempotencyKey),
    request_body = ClientInput,
    responses((status = 201, description = "Created, with its secret", body = CreatedClient,
               headers(("Location" = String, description = "URL of the new client"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/api-clients")]
pub async fn create_api_client(
    w: Write<op::CreateClient>,
    ValidJson(body): ValidJson<ClientInput>,
) -> ApiResult<HttpResponse> {
    let secret = random_token(32);
    let to_hash = secret.clone();
    let hash = password::hash(to_hash).await?;
    let client_id = format!("kc_{}", random_token(12));
    w.created(move |tx| {
        let client = tx.create::<Clients>(|tx| queries::create(tx, &body, &client_id, &hash))?;
        Ok(Created {
            location: format!("/api/v1/api-clients/{}", client.id),
            version: client.version,
            body: CreatedClient {
                client,
                client_secret: secret.clone(),
            },
        })
    })
    .await
}

/// OAuth 2.0 client-credentials grant for API clients, as a form or as JSON.
///
/// Answers an access token with the granted scopes (all the client's, or the subset asked in
/// `scope`). Failed attempts are limited like sign-ins.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded", description = "Also accepted as application/json"),
    responses((status = 200, description = "A token with the granted scopes", body = ClientToken), SignInErrors),
    security(())
)]
#[post("/auth/token")]
pub async fn issue_client_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    meta: RequestMeta,
    payload: web::Payload,
) -> ApiResult<web::Json<ClientToken>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let raw = read_body(payload, 64 * 1024, "the body is larger than 64 KiB").await?;
    let mut value: serde_json::Value =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw)
                .map_err(|e| ApiError::BadRequest(format!("the form is invalid: {e}")))?;
            serde_json::Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect(),
            )
        } else if content_type.starts_with("application/json") {
            serde_json::from_slice(&raw)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?
        } else {
            return Err(ApiError::UnsupportedMediaType(
                "send a form (application/x-www-form-urlencoded) or JSON".into(),
            ));
        };
    let body: TokenRequest = parse_value(&mut value)?;
    if body.grant_type != "client_credentials" {
        return Err(ApiError::validation(
            "grant_type",
            "only `client_credentials` is supported",
        ));
    }
    let limiter_key = format!("client:{}", body.client_id);
    let attempt = state
        .limiter
        .begin(&limiter_key, meta.ip.as_deref())
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let client_id = body.client_id.clone();
    let client = db(&state.pool, move |c| {
        Ok(queries::by_client_id(c, &client_id)?)
    })
    .await?;
    let hash = client
        .as_ref()
        .map(|c| c.secret_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let secret = body.client_secret.clone();
    let matches = password::verify(secret, hash).await?;
    let Some(client) = client.filter(|c| matches && c.active) else {
        attempt.failed();
        let m = meta.clone();
        db(&state.pool, move |c| {
            Ok(audit::queries::record(
                c,
                Actor::ANONYMOUS,
                &m,
                Action::Login,
                Entity::ApiClient,
                None,
                Outcome::Failed,
            )?)
        })
        .await?;
        return Err(ApiError::Unauthorized("invalid client credentials".into()));
    };
    let granted = &client.scopes.0;
    let scope = match body
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Scopes::text(granted),
        Some(asked) => {
            let mut wanted = Vec::new();
            for name in asked.split_whitespace() {
                match name.parse::<Scope>() {
                    Ok(s) if granted.contains(&s) => wanted.push(s),
                    _ => {
                        return Err(ApiError::validation(
                            "scope",
                            format!("`{name}` is not granted to this client"),
                        ))
                    }
                }
            }
            Scopes::text(&wanted)
        }
    };
    let claims = Claims {
        sub: client.id.to_string(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now_secs(),
        exp: expiry(state.config.access_ttl),
        typ: TokenType::Access,
        act: "api_client".into(),
        role: None,
        unit_id: None,
        employee_id: None,
        scope: Some(scope.clone()),
        ver: client.token_version,
        jti: None,
    };
    let access_token = state.jwt.sign(&claims).map_err(ApiError::Internal)?;
    let id = client.id.0;
    db(&state.pool, move |c| {
        Ok(audit::queries::record(
            c,
            Actor {
                kind: ActorKind::ApiClient,
                id: Some(id),
            },
            &meta,
            Action::Login,
            Entity::ApiClient,
            Some(id),
            Outcome::Success,
        )?)
    })
    .await?;
    Ok(web::Json(ClientToken {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.config.access_ttl.as_secs(),
        scope,
    }))
}
