use super::revocations::{revoke, Principal};
use actix_web::{get, post, put, web, HttpResponse};

use super::jwt::{expiry, now_secs, random_token, Claims, TokenType, AUDIENCE, ISSUER};
use super::model::{LoginRequest, Me, PasswordChange, RefreshRequest, TokenPair};
use super::{op, password, queries, Actor, Allowed};
use crate::audit::{self, Action, Entity, Outcome};
use crate::db::write::{self, Tx};
use crate::error::{ActionErrors, ApiError, ApiResult, PasswordErrors, ReadErrors, SignInErrors};
use crate::types::UserId;
use crate::users::model::UserRow;
use crate::web::{db, RequestMeta, ValidJson, Write};
use crate::AppState;

/// An audit row of a sign-in event that changed nothing (a refusal).
async fn record_refusal(
    state: &AppState,
    meta: RequestMeta,
    user: Option<UserId>,
    outcome: Outcome,
) -> ApiResult<()> {
    db(&state.pool, move |c| {
        Ok(audit::queries::record(
            c,
            Actor::ANONYMOUS,
            &meta,
            Action::Login,
            Entity::User,
            user.map(|u| u.0),
            outcome,
        )?)
    })
    .await
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized("invalid username or password".into())
}

/// Signs an access token and a new refresh token (in `family`, or a new family), storing the latter.
fn issue_pair(
    state: &AppState,
    tx: &mut Tx,
    user: &UserRow,
    family: Option<&str>,
) -> ApiResult<TokenPair> {
    let iat = now_secs();
    let access = Claims {
        sub: user.id.to_string(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat,
        exp: expiry(state.config.access_ttl),
        typ: TokenType::Access,
        act: "user".into(),
        role: Some(user.role.as_str().into()),
        unit_id: user.unit_id.map(|u| u.0),
        employee_id: user.employee_id.map(|e| e.0),
        scope: None,
        ver: user.token_version,
        jti: None,
    };
    let family = family
        .map(str::to_string)
        .unwrap_or_else(|| random_token(16));
    let jti = random_token(24);
    let refresh_exp = expiry(state.config.refresh_ttl);
    let refresh_claims = Claims {
        typ: TokenType::Refresh,
        exp: refresh_exp,
        role: None,
        unit_id: None,
        employee_id: None,
        jti: Some(jti.clone()),
        ..access.clone()
    };
    let expires_at = chrono::DateTime::from_timestamp(refresh_exp as i64, 0)
        .map(|d| d.naive_utc())
        .ok_or_else(|| ApiError::Internal("refresh expiry out of range".into()))?;
    queries::store_refresh(tx, user.id, &family, &jti, expires_at)?;
    Ok(TokenPair {
        access_token: state.jwt.sign(&access).map_err(ApiError::Internal)?,
        token_type: "Bearer".into(),
        expires_in: state.config.access_ttl.as_secs(),
        refresh_token: state
            .jwt
            .sign(&refresh_claims)
            .map_err(ApiError::Internal)?,
    })
}

/// Sign in with username and password.
///
/// Failed attempts are limited per username and per client address; past the limit the answer
/// is 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = TokenPair), SignInErrors),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    ValidJson(body): ValidJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let username = body.username.to_lowercase();
    let attempt = match state.limiter.begin(&username, meta.ip.as_deref()) {
        Ok(attempt) => attempt,
        Err(retry_after) => {
            record_refusal(&state, meta, None, Outcome::Denied).await?;
            return Err(ApiError::RateLimited { retry_after });
        }
    };
    let name = username.clone();
    let user = db(&state.pool, move |c| {
        Ok(queries::user_by_username(c, &name)?)
    })
    .await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let pw = body.password;
    let matches = password::verify(pw, hash).await?;
    let st = state.clone();
    let known = user.as_ref().map(|u| u.id);
    match user.filter(|u| matches && u.active) {
        Some(user) => {
            attempt.succeeded();
            let pair = db(&state.pool, move |c| {
                write::run(c, Actor::user(user.id.0), &meta, |tx| {
                    let pair = issue_pair(&st, tx, &user, None)?;
                    tx.record(Action::Login, Entity::User, Some(user.id.0))?;
                    Ok(pair)
                })
            })
            .await?;
            Ok(HttpResponse::Ok().json(pair))
        }
        None => {
            attempt.failed();
            record_refusal(&state, meta, known, Outcome::Failed).await?;
            Err(invalid_credentials())
        }
    }
}

enum RefreshOutcome {
    Issued(TokenPair),
    Rejected,
}

/// Exchange a refresh token for a new pair.
///
/// Refresh tokens rotate: each works once, and reusing a spent one revokes its whole family
/// (every token descended from the same sign-in).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair", body = TokenPair), SignInErrors),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh_session(
    state: web::Data<AppState>,
    meta: RequestMeta,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let claims = state
        .jwt
        .verify(&body.refresh_token, TokenType::Refresh)
        .map_err(|_| ApiError::Unauthorized("the refresh token is invalid or expired".into()))?;
    let jti = claims
        .jti
        .ok_or_else(|| ApiError::Unauthorized("the refresh token is invalid or expired".into()))?;
    let st = state.clone();
    let outcome = db(&state.pool, move |c| {
        write::run(c, Actor::ANONYMOUS, &meta, |tx| {
            let Some(row) = queries::refresh_by_jti(tx, &jti)? else {
                let outcome = Outcome::Denied;
                tx.record_event(
                    Actor::ANONYMOUS,
                    Action::Refresh,
                    Entity::User,
                    None,
                    outcome,
                )?;
                return Ok(RefreshOutcome::Rejected);
            };
            let (actor, user) = (Actor::user(row.user_id.0), Some(row.user_id.0));
            if row.revoked || !queries::spend_refresh(tx, row.id)? {
                // A spent token presented again: someone else may hold it. Cut the whole family,
                // and the access tokens already issued.
                queries::revoke_family(tx, &row.family)?;
                revoke(tx, Principal::User(row.user_id.0), false)?;
                tx.record_event(actor, Action::Refresh, Entity::User, user, Outcome::Denied)?;
                return Ok(RefreshOutcome::Rejected);
            }
            let account = queries::user_by_id(tx, row.user_id)?;
            match account.filter(|u| u.active && row.expires_at >= crate::db::now()) {
                Some(account) => {
                    let pair = issue_pair(&st, tx, &account, Some(&row.family))?;
                    tx.record_event(actor, Action::Refresh, Entity::User, user, Outcome::Success)?;
                    Ok(RefreshOutcome::Issued(pair))
                }
                None => {
                    tx.record_event(actor, Action::Refresh, Entity::User, user, Outcome::Denied)?;
                    Ok(RefreshOutcome::Rejected)
                }
            }
        })
    })
    .await?;
    match outcome {
        RefreshOutcome::Issued(pair) => Ok(HttpResponse::Ok().json(pair)),
        RefreshOutcome::Rejected => Err(ApiError::Unauthorized(
            "the refresh token is invalid, revoked or already used".into(),
        )),
    }
}

/// Sign out.
///
/// Revokes the refresh token's family (every token descended from the same sign-in). A token
/// of another user is ignored, and the answer does not tell.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"), ActionErrors),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    w: Write<op::Logout>,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let claims = state
        .jwt
        .verify(&body.refresh_token, TokenType::Refresh)
        .map_err(|_| ApiError::validation("refresh_token", "is not a valid refresh token"))?;
    let jti = claims.jti.unwrap_or_default();
    let mine = UserId(w.caller.id);
    w.run(move |tx| {
        // Another user's token is left alone, and the answer does not tell.
        if let Some(row) = queries::refresh_by_jti(tx, &jti)?.filter(|r| r.user_id == mine) {
            queries::revoke_family(tx, &row.family)?;
        }
        // The access tokens end too: those of the account's other sessions as well, which
        // get new ones with their refresh tokens.
        revoke(tx, Principal::User(mine.0), false)?;
        tx.record(Action::Logout, Entity::User, Some(mine.0))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
///
/// The account behind the access token: its role and the unit or employee it is bound to.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The signed-in user", body = Me), ReadErrors), security(("bearer" = [])))]
#[get("/auth/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Allowed<op::Me>,
) -> ApiResult<web::Json<Me>> {
    let id = UserId(caller.id);
    let user = db(&state.pool, move |c| {
        queries::user_by_id(c, id)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(web::Json(Me {
        id: user.id,
        role: user.role,
        username: user.username,
        unit_id: user.unit_id,
        employee_id: user.employee_id,
        display_name: user.display_name,
    }))
}

/// Change the signed-in user's password.
///
/// The new password has at least 10 characters and is hard to guess; every token of the
/// account is revoked (other sessions end within a second). A wrong current password counts as
/// a failed sign-in: past the limit, 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed"), PasswordErrors),
    security(("bearer" = []))
)]
#[put("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    w: Write<op::ChangePassword>,
    ValidJson(body): ValidJson<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let id = UserId(w.caller.id);
    let user = db(&state.pool, move |c| {
        queries::user_by_id(c, id)?.ok_or(ApiError::NotFound)
    })
    .await?;
    // Wrong current passwords count as failed sign-ins: a stolen token is no password oracle.
    let attempt = state
        .limiter
        .begin(&user.username, w.meta.ip.as_deref())
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let (current, new) = (body.current_password, body.new_password);
    let stored = user.password_hash.clone();
    let verified = password::verify(current, stored).await?;
    if !verified {
        attempt.failed();
        return Err(ApiError::validation("current_password", "is not correct"));
    }
    attempt.succeeded();
    let new_hash = password::hash(new).await?;
    w.run(move |tx| {
        queries::set_password(tx, id, &new_hash)?;
        queries::revoke_all_for_user(tx, id)?;
        revoke(tx, Principal::User(id.0), false)?;
        tx.bump_version(Entity::User, id.0)?;
        tx.record(Action::Update, Entity::User, Some(id.0))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(login)
        .service(refresh_session)
        .service(logout)
        .service(get_me)
        .service(change_password);
}
