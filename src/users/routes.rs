//! `/users` (admin): the standard reads and delete; create and update hash a password outside
//! the transaction first.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{User, UserCreate, UserFields, UserFilter, UserPage, UserPatch};
use super::queries::{self, Users};
use crate::auth::{op, password};
use crate::error::{ApiError, ApiResult, CreateErrors, DeleteErrors, WriteErrors};
use crate::types::UserId;
use crate::web::{ok_versioned, IdempotencyKey, Patch, ValidJson, Write};

crate::resource_routes! {
    Users at "/users", "/users/{id}" tagged "users";
    /// List accounts (admin). Sort by `id`, `username`, `created_at`.
    list list_users: ListUsers(UserFilter => UserPage)
        sorted UserSort ["id", "username", "created_at"];
    /// One account (admin).
    get get_user: GetUser(User);
    service create_user;
    service update_user;
    service delete_user;
}

/// Hashes on the hashing pool (argon2id takes tens of milliseconds by design).
async fn hash(password: String) -> ApiResult<String> {
    password::hash(password).await
}

/// Create an account (admin).
///
/// A `unit_manager` needs `unit_id`, an `employee` needs `employee_id`. The username is unique
/// whatever its case. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "users",
    params(IdempotencyKey),
    request_body = UserCreate,
    responses((status = 201, description = "Created", body = User,
               headers(("Location" = String, description = "URL of the new user"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    w: Write<op::CreateUser>,
    ValidJson(body): ValidJson<UserCreate>,
) -> ApiResult<HttpResponse> {
    let hash = hash(body.password.clone()).await?;
    let fields = body.fields();
    w.create_replayable::<Users, _>(
        |user| format!("/api/v1/users/{}", user.id),
        move |tx| queries::create(tx, &body.username, &hash, &fields),
    )
    .await
}

/// Change an account (admin).
///
/// Admins cannot demote or deactivate themselves, nor set their own `password` here (409: that
/// goes through `PUT /auth/password`, which asks for the current one, so a stolen access token
/// cannot take the account over). A new role, a deactivation or a new `password` revokes the
/// account's refresh tokens.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", minimum = 1, example = 1), crate::web::IfMatch),
    request_body = UserPatch,
    responses((status = 200, description = "Updated", body = User, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    w: Write<op::UpdateUser>,
    id: web::Path<UserId>,
    patch: Patch<UserFields>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let me = UserId(w.caller.id);
    if id == me && patch.get("password").is_some() {
        return Err(ApiError::conflict(
            "change your own password with PUT /api/v1/auth/password, which asks for the current one",
        ));
    }
    let new_hash = match patch.get("password").and_then(|p| p.as_str()) {
        Some(pw) => Some(hash(pw.to_string()).await?),
        None => None,
    };
    let user = w
        .update::<Users, _>(id, move |tx, current| {
            let fields = patch.apply(&current)?;
            if id == me && (fields.role != current.role || !fields.active) {
                return Err(ApiError::conflict(
                    "you cannot change your own role or deactivate yourself",
                ));
            }
            queries::update(tx, &current, &fields, new_hash.as_deref())
        })
        .await?;
    Ok(ok_versioned(&user, user.version))
}

fn delete_account(tx: &mut crate::db::write::Tx, me: UserId, current: &User) -> ApiResult<()> {
    if current.id == me {
        return Err(ApiError::conflict("you cannot delete your own account"));
    }
    queries::delete(tx, current)
}

/// Delete an account (admin).
///
/// Admins cannot delete themselves (409). With a stale `If-Match`, 412 and nothing is deleted.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", minimum = 1, example = 1), crate::web::IfMatch),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    w: Write<op::DeleteUser>,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let me = UserId(w.caller.id);
    w.delete::<Users, _>(id.into_inner(), move |tx, current| {
        delete_account(tx, me, &current)
    })
    .await
}
