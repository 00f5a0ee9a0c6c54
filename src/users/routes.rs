use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{User, UserChanges, UserCreate, UserFilter, UserPatch, UserRow};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{password, queries as auth_queries, Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, IfMatch, PageParams, Paginated, RequestMeta, ValidJson,
    ValidQuery,
};
use crate::AppState;

const SORTABLE: &[&str] = &["id", "username", "created_at"];

/// The binding a role needs, and that the bound unit or employee exists (422 otherwise).
fn check_binding(conn: &mut AnyConnection, fields: &UserChanges) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    let role = Role::parse(&fields.role);
    if role == Some(Role::UnitManager) && fields.unit_id.is_none() {
        errors
            .entry("unit_id".into())
            .or_default()
            .push("is required for a unit_manager".into());
    }
    if role == Some(Role::Employee) && fields.employee_id.is_none() {
        errors
            .entry("employee_id".into())
            .or_default()
            .push("is required for an employee".into());
    }
    if let Some(unit) = fields.unit_id {
        if !queries::unit_exists(conn, unit)? {
            errors
                .entry("unit_id".into())
                .or_default()
                .push(format!("unit {unit} does not exist"));
        }
    }
    if let Some(employee) = fields.employee_id {
        if !queries::employee_exists(conn, employee)? {
            errors
                .entry("employee_id".into())
                .or_default()
                .push(format!("employee {employee} does not exist"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

/// List accounts (admin).
#[utoipa::path(
    tag = "users",
    params(PageParams, UserFilter),
    responses((status = 200, description = "One page of users; sort by id, username, created_at", body = Paginated<User>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<UserFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        Ok(queries::list(c, &filter, &sort, offset, limit)?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(User::from).collect(),
    ))
}

/// One account (admin).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "The user", body = User, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?;
    let version = row.version;
    Ok(ok_versioned(&User::from(row), version))
}

/// Create an account (admin).
#[utoipa::path(
    tag = "users",
    request_body = UserCreate,
    responses((status = 201, description = "Created", body = User, headers(("Location" = String, description = "URL of the new user"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<UserCreate>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let pw = body.password.clone();
    let hash = web::block(move || password::hash(&pw))
        .await?
        .map_err(ApiError::Internal)?;
    let username = body.username.to_lowercase();
    let fields = UserChanges {
        display_name: body.display_name,
        role: body.role.as_str().into(),
        unit_id: body.unit_id,
        employee_id: body.employee_id,
        active: body.active,
    };
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            check_binding(c, &fields)?;
            if auth_queries::user_by_username(c, &username)?.is_some() {
                return Err(ApiError::conflict(format!(
                    "the username `{username}` is taken"
                )));
            }
            let row = queries::create(c, &username, &hash, &fields)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "user",
                Some(row.id),
                Outcome::Success,
            )?;
            Ok(row)
        })
    })
    .await?;
    let version = row.version;
    Ok(created(
        format!("/api/v1/users/{}", row.id),
        &User::from(row),
        version,
    ))
}

fn merge(current: &UserRow, patch: &UserPatch) -> UserChanges {
    UserChanges {
        display_name: patch
            .display_name
            .clone()
            .unwrap_or_else(|| current.display_name.clone()),
        role: patch
            .role
            .map(|r| r.as_str().to_string())
            .unwrap_or_else(|| current.role.clone()),
        unit_id: patch.unit_id.unwrap_or(current.unit_id),
        employee_id: patch.employee_id.unwrap_or(current.employee_id),
        active: patch.active.unwrap_or(current.active),
    }
}

/// Change an account (admin). Admins cannot demote or deactivate themselves.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The ETag read before")),
    request_body = UserPatch,
    responses((status = 200, description = "Updated", body = User, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<UserPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    let new_hash = match body.password.clone() {
        Some(pw) => Some(
            web::block(move || password::hash(&pw))
                .await?
                .map_err(ApiError::Internal)?,
        ),
        None => None,
    };
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "users", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let fields = merge(&current, &body);
            if id == caller.id && (fields.role != current.role || !fields.active) {
                return Err(ApiError::conflict(
                    "you cannot change your own role or deactivate yourself",
                ));
            }
            check_binding(c, &fields)?;
            if !queries::update(c, id, current.version, &fields)? {
                return Err(ApiError::PreconditionFailed);
            }
            if let Some(hash) = &new_hash {
                queries::set_password(c, id, hash)?;
            }
            if new_hash.is_some() || !fields.active || fields.role != current.role {
                auth_queries::revoke_all_for_user(c, id)?;
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "user",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let version = row.version;
    Ok(ok_versioned(&User::from(row), version))
}

/// Delete an account (admin). Admins cannot delete themselves.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The ETag read before")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    if id == caller.id {
        return Err(ApiError::conflict("you cannot delete your own account"));
    }
    db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "users", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "user",
                Some(id),
                Outcome::Success,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(create_user)
        .service(update_user)
        .service(delete_user);
}
