use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::model::{
    Competency, CompetencyChanges, CompetencyFilter, CompetencyInput, CompetencyPatch,
};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::write_tx;
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

fn taken(code: &str) -> ApiError {
    ApiError::conflict(format!("a competency with code `{code}` already exists"))
}

/// List the competency dictionary. Sort by `id`, `code`, `name`.
#[utoipa::path(
    tag = "competencies",
    params(PageParams, CompetencyFilter),
    responses((status = 200, description = "One page of competencies", body = Paginated<Competency>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/competencies")]
pub async fn list_competencies(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<CompetencyFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
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
        rows.into_iter().map(Competency::from).collect(),
    ))
}

/// One competency with its levels.
#[utoipa::path(
    tag = "competencies",
    params(("id" = i64, Path, description = "Competency id")),
    responses((status = 200, description = "The competency", body = Competency, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/competencies/{id}")]
pub async fn get_competency(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let id = id.into_inner();
    let c = Competency::from(db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?);
    Ok(ok_versioned(&c, c.version))
}

/// Add a competency (admin, operator).
#[utoipa::path(
    tag = "competencies",
    request_body = CompetencyInput,
    responses((status = 201, description = "Created", body = Competency, headers(("Location" = String, description = "URL of the new competency"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/competencies")]
pub async fn create_competency(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<CompetencyInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            if queries::code_taken(c, &body.code, None)? {
                return Err(taken(&body.code));
            }
            let id = queries::create(c, &CompetencyChanges::from(&body))?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "competency",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let c = Competency::from(row);
    Ok(created(
        format!("/api/v1/competencies/{}", c.id),
        &c,
        c.version,
    ))
}

/// Change a competency (admin, operator).
#[utoipa::path(
    tag = "competencies",
    params(("id" = i64, Path, description = "Competency id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = CompetencyPatch,
    responses((status = 200, description = "Updated", body = Competency, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/competencies/{id}")]
pub async fn update_competency(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<CompetencyPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "competencies", id)?;
            let current = Competency::from(queries::get(c, id)?);
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            if queries::code_taken(c, &merged.code, Some(id))? {
                return Err(taken(&merged.code));
            }
            if !queries::update(c, id, version, &CompetencyChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "competency",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let c = Competency::from(row);
    Ok(ok_versioned(&c, c.version))
}

/// Delete a competency (admin, operator). One used by a standard, assessment, partner or training
/// answers 409: deactivate it instead.
#[utoipa::path(
    tag = "competencies",
    params(("id" = i64, Path, description = "Competency id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/competencies/{id}")]
pub async fn delete_competency(
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
            crate::db::lock_row(c, "competencies", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            if queries::in_use(c, id)? {
                return Err(ApiError::conflict(
                    "the competency is in use; deactivate it instead",
                ));
            }
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "competency",
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
    cfg.service(list_competencies)
        .service(get_competency)
        .service(create_competency)
        .service(update_competency)
        .service(delete_competency);
}
