use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::model::{
    Position, PositionChanges, PositionFilter, PositionInput, PositionPatch, Standard, StandardSet,
};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, validation_error, IfMatch, PageParams, Paginated,
    RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

const SORTABLE: &[&str] = &["id", "name", "kind"];
const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

fn check_unit(conn: &mut AnyConnection, input: &PositionInput) -> ApiResult<()> {
    match input.unit_id {
        Some(unit) if crate::units::queries::get(conn, unit).is_err() => Err(ApiError::validation(
            "unit_id",
            format!("unit {unit} does not exist"),
        )),
        _ => Ok(()),
    }
}

/// List positions. Sort by `id`, `name`, `kind`.
#[utoipa::path(
    tag = "positions",
    params(PageParams, PositionFilter),
    responses((status = 200, description = "One page of positions", body = Paginated<Position>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/positions")]
pub async fn list_positions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<PositionFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "employees:read")?;
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
        rows.into_iter().map(Position::from).collect(),
    ))
}

/// One position.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 200, description = "The position", body = Position, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/positions/{id}")]
pub async fn get_position(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let id = id.into_inner();
    let p = Position::from(db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?);
    Ok(ok_versioned(&p, p.version))
}

/// Add a position (admin, operator).
#[utoipa::path(
    tag = "positions",
    request_body = PositionInput,
    responses((status = 201, description = "Created", body = Position, headers(("Location" = String, description = "URL of the new position"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/positions")]
pub async fn create_position(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<PositionInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            check_unit(c, &body)?;
            let id = queries::create(c, &PositionChanges::from(&body))?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "position",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let p = Position::from(row);
    Ok(created(
        format!("/api/v1/positions/{}", p.id),
        &p,
        p.version,
    ))
}

/// Change a position (admin, operator).
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "Position id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = PositionPatch,
    responses((status = 200, description = "Updated", body = Position, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/positions/{id}")]
pub async fn update_position(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<PositionPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "positions", id)?;
            let current = Position::from(queries::get(c, id)?);
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            check_unit(c, &merged)?;
            if !queries::update(c, id, version, &PositionChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "position",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let p = Position::from(row);
    Ok(ok_versioned(&p, p.version))
}

/// Delete a position (admin, operator). A position held by employees answers 409.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "Position id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/positions/{id}")]
pub async fn delete_position(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "positions", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let holders = queries::holders(c, id)?;
            if holders > 0 {
                return Err(ApiError::conflict(format!(
                    "{holders} employees hold this position"
                )));
            }
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "position",
                Some(id),
                Outcome::Success,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The competency standard of a position: the required level per competency.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 200, description = "The standard", body = Vec<Standard>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/positions/{id}/standards")]
pub async fn get_standards(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<Standard>>> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let id = id.into_inner();
    let items = db(&state.pool, move |c| {
        queries::get(c, id)?;
        Ok(queries::standards(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Replace the whole standard of a position (admin, operator), in one transaction.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "Position id"), ("If-Match" = Option<String>, Header, description = "The position's ETag; 412 when stale")),
    request_body = Vec<Standard>,
    responses((status = 200, description = "The new standard", body = Vec<Standard>), WriteErrors),
    security(("bearer" = []))
)]
#[put("/positions/{id}/standards")]
pub async fn put_standards(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<StandardSet>,
) -> ApiResult<web::Json<Vec<Standard>>> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let items = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "positions", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let ids: Vec<i64> = body.items.iter().map(|s| s.competency_id).collect();
            crate::competencies::queries::require_existing(c, &ids, "competency_id")?;
            queries::replace_standards(c, id, &body.items)?;
            queries::bump_version(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "position",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::standards(c, id)?)
        })
    })
    .await?;
    Ok(web::Json(items))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_positions)
        .service(get_position)
        .service(create_position)
        .service(update_position)
        .service(delete_position)
        .service(get_standards)
        .service(put_standards);
}
