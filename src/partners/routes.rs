use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{Partner, PartnerChanges, PartnerFilter, PartnerInput, PartnerPatch};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, unique_ids, validation_error, IfMatch, PageParams,
    Paginated, RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;
use validator::Validate;

const SORTABLE: &[&str] = &["id", "name", "kind", "agreement_end", "created_at"];

/// Who may read partners: every signed-in role and clients with `trainings:read`.
const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
/// Who may change them: the training staff.
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

fn load(conn: &mut AnyConnection, id: i64) -> ApiResult<Partner> {
    let row = queries::get(conn, id)?;
    let mut ids = queries::competency_ids(conn, &[id])?;
    Ok(Partner::from_row(row, ids.remove(&id).unwrap_or_default()))
}

/// Validates the referenced competencies (422 naming the missing ids) and stores the partner's set.
fn save_competencies(conn: &mut AnyConnection, partner_id: i64, ids: &[i64]) -> ApiResult<()> {
    let ids = unique_ids(ids);
    crate::competencies::queries::require_existing(conn, &ids, "competency_ids")?;
    Ok(queries::replace_competencies(conn, partner_id, &ids)?)
}

/// List partners. Sort by `id`, `name`, `kind`, `agreement_end`, `created_at`.
#[utoipa::path(
    tag = "partners",
    params(PageParams, PartnerFilter),
    responses((status = 200, description = "One page of partners", body = Paginated<Partner>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/partners")]
pub async fn list_partners(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<PartnerFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, items) = db(&state.pool, move |c| {
        let (total, rows) = queries::list(c, &filter, &sort, offset, limit)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut competencies = queries::competency_ids(c, &ids)?;
        let items = rows
            .into_iter()
            .map(|r| {
                let ids = competencies.remove(&r.id).unwrap_or_default();
                Partner::from_row(r, ids)
            })
            .collect::<Vec<_>>();
        Ok((total, items))
    })
    .await?;
    Ok(paginated(&req, &page, total, items))
}

/// One partner.
#[utoipa::path(
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id")),
    responses((status = 200, description = "The partner", body = Partner, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let id = id.into_inner();
    let partner = db(&state.pool, move |c| load(c, id)).await?;
    Ok(ok_versioned(&partner, partner.version))
}

/// Create a partner (admin, operator).
#[utoipa::path(
    tag = "partners",
    request_body = PartnerInput,
    responses((status = 201, description = "Created", body = Partner, headers(("Location" = String, description = "URL of the new partner"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<PartnerInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let partner = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let id = queries::create(c, &PartnerChanges::from(&body))?;
            save_competencies(c, id, &body.competency_ids)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "partner",
                Some(id),
                Outcome::Success,
            )?;
            load(c, id)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/partners/{}", partner.id),
        &partner,
        partner.version,
    ))
}

/// Change a partner (admin, operator): any subset of fields; `null` clears a nullable field.
#[utoipa::path(
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = PartnerPatch,
    responses((status = 200, description = "Updated", body = Partner, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/partners/{id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<PartnerPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let partner = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let current = load(c, id)?;
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            if !queries::update(c, id, version, &PartnerChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            save_competencies(c, id, &merged.competency_ids)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "partner",
                Some(id),
                Outcome::Success,
            )?;
            load(c, id)
        })
    })
    .await?;
    Ok(ok_versioned(&partner, partner.version))
}

/// Delete a partner (admin, operator). A partner referenced by trainings answers 409; deactivate it instead.
#[utoipa::path(
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/partners/{id}")]
pub async fn delete_partner(
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
            crate::db::lock_row(c, "partners", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "partner",
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
    cfg.service(list_partners)
        .service(get_partner)
        .service(create_partner)
        .service(update_partner)
        .service(delete_partner);
}
