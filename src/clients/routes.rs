use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{
    ApiClient, ClientInput, ClientPatch, ClientToken, CreatedClient, Scope, TokenRequest,
};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::jwt::{expiry, now_secs, random_token, Claims, TokenType, AUDIENCE, ISSUER};
use crate::auth::{password, Actor, ActorKind, Caller};
use crate::db::write_tx;
use crate::error::{ApiError, ApiResult, Problem, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, parse_value, read_body, IfMatch, PageParams, Paginated,
    RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

fn scope_text(scopes: &[Scope]) -> String {
    let mut v: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v.join(" ")
}

/// API clients (admin).
#[utoipa::path(
    tag = "api-clients",
    params(PageParams),
    responses((status = 200, description = "One page of clients", body = Paginated<ApiClient>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api-clients")]
pub async fn list_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    page.sort_fields(&[])?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| Ok(queries::list(c, offset, limit)?)).await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(ApiClient::from).collect(),
    ))
}

/// One API client (admin).
#[utoipa::path(
    tag = "api-clients",
    params(("id" = i64, Path, description = "Client id")),
    responses((status = 200, description = "The client", body = ApiClient, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api-clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    let client = ApiClient::from(db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?);
    Ok(ok_versioned(&client, client.version))
}

/// Register an API client (admin). The secret is in this response only.
#[utoipa::path(
    tag = "api-clients",
    request_body = ClientInput,
    responses((status = 201, description = "Created, with its secret", body = CreatedClient), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api-clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<ClientInput>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let secret = random_token(32);
    let to_hash = secret.clone();
    let hash = web::block(move || password::hash(&to_hash))
        .await?
        .map_err(ApiError::Internal)?;
    let client_id = format!("kc_{}", random_token(12));
    let scopes = scope_text(&body.scopes);
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let id = queries::create(c, &body.name, &client_id, &hash, &scopes, body.active)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "api_client",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let version = row.version;
    let out = CreatedClient {
        client: ApiClient::from(row),
        client_secret: secret,
    };
    Ok(created(
        format!("/api/v1/api-clients/{}", out.client.id),
        &out,
        version,
    ))
}

/// Change an API client (admin): name, scopes, active.
#[utoipa::path(
    tag = "api-clients",
    params(("id" = i64, Path, description = "Client id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = ClientPatch,
    responses((status = 200, description = "Updated", body = ApiClient), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api-clients/{id}")]
pub async fn update_client(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<ClientPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "api_clients", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let name = body.name.unwrap_or(current.name);
            let scopes = body
                .scopes
                .map(|s| scope_text(&s))
                .unwrap_or(current.scopes);
            if !queries::update(
                c,
                id,
                current.version,
                &name,
                &scopes,
                body.active.unwrap_or(current.active),
            )? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "api_client",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let client = ApiClient::from(row);
    Ok(ok_versioned(&client, client.version))
}

/// Remove an API client (admin). Its tokens lapse within their lifetime.
#[utoipa::path(
    tag = "api-clients",
    params(("id" = i64, Path, description = "Client id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api-clients/{id}")]
pub async fn delete_client(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "api_clients", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "api_client",
                Some(id),
                Outcome::Success,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// OAuth 2.0 client-credentials grant for API clients, as a form or as JSON.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded", description = "Also accepted as application/json"),
    responses(
        (status = 200, description = "A token with the granted scopes", body = ClientToken),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown client, wrong secret or inactive client", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither a form nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unsupported grant type or scope not granted", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn token(
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
    if let Some(retry_after) = state.limiter.check(&limiter_key, meta.ip.as_deref()) {
        return Err(ApiError::RateLimited { retry_after });
    }
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
    let matches = web::block(move || password::verify(&secret, &hash)).await?;
    let Some(client) = client.filter(|c| matches && c.active) else {
        state
            .limiter
            .record_failure(&limiter_key, meta.ip.as_deref());
        let m = meta.clone();
        db(&state.pool, move |c| {
            Ok(audit::record(
                c,
                Actor::ANONYMOUS,
                &m,
                Action::Login,
                "api_client",
                None,
                Outcome::Failed,
            )?)
        })
        .await?;
        return Err(ApiError::Unauthorized("invalid client credentials".into()));
    };
    let granted: Vec<&str> = client.scopes.split_whitespace().collect();
    let scope = match body
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => granted.join(" "),
        Some(asked) => {
            if let Some(extra) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(ApiError::validation(
                    "scope",
                    format!("`{extra}` is not granted to this client"),
                ));
            }
            asked.split_whitespace().collect::<Vec<_>>().join(" ")
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
        jti: None,
    };
    let access_token = state.jwt.sign(&claims).map_err(ApiError::Internal)?;
    let id = client.id;
    db(&state.pool, move |c| {
        Ok(audit::record(
            c,
            Actor {
                kind: ActorKind::ApiClient,
                id: Some(id),
            },
            &meta,
            Action::Login,
            "api_client",
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

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(token)
        .service(list_clients)
        .service(get_client)
        .service(create_client)
        .service(update_client)
        .service(delete_client);
}
