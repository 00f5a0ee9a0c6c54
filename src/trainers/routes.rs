use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::model::{Trainer, TrainerChanges, TrainerFilter, TrainerInput, TrainerPatch};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, unique_ids, validation_error, IfMatch, PageParams,
    Paginated, RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

const SORTABLE: &[&str] = &["id", "name"];
const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

fn load(conn: &mut AnyConnection, id: i64) -> ApiResult<Trainer> {
    let row = queries::get(conn, id)?;
    let mut ids = queries::competency_ids(conn, &[id])?;
    Ok(Trainer::from_row(row, ids.remove(&id).unwrap_or_default()))
}

/// The referenced employee, partner and competencies must exist (422 otherwise).
fn save(conn: &mut AnyConnection, input: &TrainerInput, id: Option<i64>) -> ApiResult<i64> {
    let mut errors = FieldErrors::new();
    if let Some(e) = input.employee_id {
        if crate::employees::queries::get(conn, e).is_err() {
            errors.insert(
                "employee_id".into(),
                vec![format!("employee {e} does not exist")],
            );
        }
    }
    if let Some(p) = input.partner_id {
        if crate::partners::queries::get(conn, p).is_err() {
            errors.insert(
                "partner_id".into(),
                vec![format!("partner {p} does not exist")],
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let competencies = unique_ids(&input.competency_ids);
    crate::competencies::queries::require_existing(conn, &competencies, "competency_ids")?;
    let fields = TrainerChanges::from(input);
    let id = match id {
        Some(id) => id,
        None => queries::create(conn, &fields)?,
    };
    queries::replace_competencies(conn, id, &competencies)?;
    Ok(id)
}

/// List trainers. Sort by `id`, `name`.
#[utoipa::path(
    tag = "trainers",
    params(PageParams, TrainerFilter),
    responses((status = 200, description = "One page of trainers", body = Paginated<Trainer>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainers")]
pub async fn list_trainers(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<TrainerFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, items) = db(&state.pool, move |c| {
        let (total, rows) = queries::list(c, &filter, &sort, offset, limit)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut competencies = queries::competency_ids(c, &ids)?;
        let items: Vec<Trainer> = rows
            .into_iter()
            .map(|r| {
                let ids = competencies.remove(&r.id).unwrap_or_default();
                Trainer::from_row(r, ids)
            })
            .collect();
        Ok((total, items))
    })
    .await?;
    Ok(paginated(&req, &page, total, items))
}

/// One trainer.
#[utoipa::path(
    tag = "trainers",
    params(("id" = i64, Path, description = "Trainer id")),
    responses((status = 200, description = "The trainer", body = Trainer, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainers/{id}")]
pub async fn get_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let id = id.into_inner();
    let t = db(&state.pool, move |c| load(c, id)).await?;
    Ok(ok_versioned(&t, t.version))
}

/// Add a trainer (admin, operator).
#[utoipa::path(
    tag = "trainers",
    request_body = TrainerInput,
    responses((status = 201, description = "Created", body = Trainer, headers(("Location" = String, description = "URL of the new trainer"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainers")]
pub async fn create_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<TrainerInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let t = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let id = save(c, &body, None)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "trainer",
                Some(id),
                Outcome::Success,
            )?;
            load(c, id)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/trainers/{}", t.id), &t, t.version))
}

/// Change a trainer (admin, operator).
#[utoipa::path(
    tag = "trainers",
    params(("id" = i64, Path, description = "Trainer id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = TrainerPatch,
    responses((status = 200, description = "Updated", body = Trainer, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/trainers/{id}")]
pub async fn update_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<TrainerPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let t = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let current = load(c, id)?;
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            if !queries::update(c, id, version, &TrainerChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            save(c, &merged, Some(id))?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "trainer",
                Some(id),
                Outcome::Success,
            )?;
            load(c, id)
        })
    })
    .await?;
    Ok(ok_versioned(&t, t.version))
}

/// Delete a trainer (admin, operator). One named by a training answers 409: deactivate instead.
#[utoipa::path(
    tag = "trainers",
    params(("id" = i64, Path, description = "Trainer id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/trainers/{id}")]
pub async fn delete_trainer(
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
            crate::db::lock_row(c, "trainers", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            if queries::in_trainings(c, id)? {
                return Err(ApiError::conflict(
                    "the trainer is named by trainings; deactivate instead",
                ));
            }
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "trainer",
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
    cfg.service(list_trainers)
        .service(get_trainer)
        .service(create_trainer)
        .service(update_trainer)
        .service(delete_trainer);
}
