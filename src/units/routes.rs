use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::model::{Unit, UnitChanges, UnitFilter, UnitInput, UnitPatch, UnitRow, UnitTree};
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

const SORTABLE: &[&str] = &["id", "code", "name"];
const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

/// Unique code and an existing parent that is not the unit itself or one of its descendants.
fn check(conn: &mut AnyConnection, input: &UnitInput, id: Option<i64>) -> ApiResult<()> {
    if queries::code_taken(conn, &input.code, id)? {
        return Err(ApiError::conflict(format!(
            "a unit with code `{}` already exists",
            input.code
        )));
    }
    if let Some(parent) = input.parent_id {
        if queries::get(conn, parent).is_err() {
            return Err(ApiError::validation(
                "parent_id",
                format!("unit {parent} does not exist"),
            ));
        }
        if let Some(id) = id {
            if queries::subtree_ids(conn, id)?.contains(&parent) {
                return Err(ApiError::validation(
                    "parent_id",
                    "a unit cannot be placed under itself or its sub-units",
                ));
            }
        }
    }
    Ok(())
}

/// List units. Sort by `id`, `code`, `name`.
#[utoipa::path(
    tag = "units",
    params(PageParams, UnitFilter),
    responses((status = 200, description = "One page of units", body = Paginated<Unit>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/units")]
pub async fn list_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<UnitFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        Ok(queries::list(c, &filter, None, &sort, offset, limit)?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(Unit::from).collect(),
    ))
}

/// One unit.
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, description = "The unit", body = Unit, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?;
    let version = row.version;
    Ok(ok_versioned(&Unit::from(row), version))
}

fn build_tree(root: &UnitRow, rows: &[UnitRow]) -> UnitTree {
    UnitTree {
        id: root.id,
        code: root.code.clone(),
        name: root.name.clone(),
        active: root.active,
        children: rows
            .iter()
            .filter(|r| r.parent_id == Some(root.id))
            .map(|child| build_tree(child, rows))
            .collect(),
    }
}

/// The unit with all its sub-units, nested.
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, description = "The unit tree", body = UnitTree), ReadErrors),
    security(("bearer" = []))
)]
#[get("/units/{id}/tree")]
pub async fn unit_tree(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<web::Json<UnitTree>> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let id = id.into_inner();
    let rows = db(&state.pool, move |c| {
        let ids = queries::subtree_ids(c, id)?;
        Ok(queries::all_in(c, &ids)?)
    })
    .await?;
    let root = rows.iter().find(|r| r.id == id).ok_or(ApiError::NotFound)?;
    Ok(web::Json(build_tree(root, &rows)))
}

/// Create a unit (admin, operator).
#[utoipa::path(
    tag = "units",
    request_body = UnitInput,
    responses((status = 201, description = "Created", body = Unit, headers(("Location" = String, description = "URL of the new unit"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<UnitInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            check(c, &body, None)?;
            let id = queries::create(c, &UnitChanges::from(&body))?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "unit",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let version = row.version;
    Ok(created(
        format!("/api/v1/units/{}", row.id),
        &Unit::from(row),
        version,
    ))
}

/// Change a unit (admin, operator).
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "Unit id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = UnitPatch,
    responses((status = 200, description = "Updated", body = Unit, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<UnitPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "units", id)?;
            let current = Unit::from(queries::get(c, id)?);
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            check(c, &merged, Some(id))?;
            if !queries::update(c, id, version, &UnitChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "unit",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let version = row.version;
    Ok(ok_versioned(&Unit::from(row), version))
}

/// Delete a unit (admin, operator). A unit with sub-units, employees, positions or accounts answers 409.
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "Unit id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/units/{id}")]
pub async fn delete_unit(
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
            crate::db::lock_row(c, "units", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let (children, employees, positions, users) = queries::dependants(c, id)?;
            if children + employees + positions + users > 0 {
                return Err(ApiError::conflict(format!(
                    "the unit is in use ({children} sub-units, {employees} employees, {positions} positions, {users} accounts); deactivate it instead"
                )));
            }
            queries::delete(c, id)?;
            audit::record(c, caller.actor(), &meta, Action::Delete, "unit", Some(id), Outcome::Success)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_units)
        .service(unit_tree)
        .service(get_unit)
        .service(create_unit)
        .service(update_unit)
        .service(delete_unit);
}
