use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use validator::Validate;

use super::model::{
    Links, StatusChange, Training, TrainingChanges, TrainingFilter, TrainingInput, TrainingPatch,
    TrainingRow,
};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::schema::{partners, trainers};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::web::{
    created, db, ok_versioned, paginated, unique_ids, validation_error, IfMatch, PageParams,
    Paginated, RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

const SORTABLE: &[&str] = &["id", "title", "start_date", "end_date", "jp"];
const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

/// Training staff see drafts; everyone else sees the published catalogue only.
pub fn sees_drafts(caller: &Caller) -> bool {
    matches!(caller.role, Some(Role::Admin | Role::Operator))
}

/// The training, when the caller may see it (a draft is 404 to all but the training staff).
pub fn visible_training(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: i64,
) -> ApiResult<TrainingRow> {
    visible(queries::get(conn, id)?, caller)
}

fn visible(row: TrainingRow, caller: &Caller) -> ApiResult<TrainingRow> {
    if row.status == "draft" && !sees_drafts(caller) {
        return Err(ApiError::NotFound);
    }
    Ok(row)
}

fn missing(conn: &mut AnyConnection, ids: &[i64], partners_table: bool) -> QueryResult<Vec<i64>> {
    let found: Vec<i64> = if partners_table {
        partners::table
            .filter(partners::id.eq_any(ids))
            .select(partners::id)
            .load(conn)?
    } else {
        trainers::table
            .filter(trainers::id.eq_any(ids))
            .select(trainers::id)
            .load(conn)?
    };
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// Everything a training refers to must exist (422 naming the field otherwise).
fn check_refs(conn: &mut AnyConnection, t: &TrainingInput) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    if let Some(unit) = t.organizer_unit_id {
        if crate::units::queries::get(conn, unit).is_err() {
            errors.insert(
                "organizer_unit_id".into(),
                vec![format!("unit {unit} does not exist")],
            );
        }
    }
    for (field, ids, is_partner) in [
        ("partner_ids", &t.partner_ids, true),
        ("trainer_ids", &t.trainer_ids, false),
    ] {
        let gone = missing(conn, &unique_ids(ids), is_partner)?;
        if !gone.is_empty() {
            let list: Vec<String> = gone.iter().map(i64::to_string).collect();
            errors.insert(
                field.into(),
                vec![format!("unknown id {}", list.join(", "))],
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let competencies: Vec<i64> = t.competencies.iter().map(|c| c.competency_id).collect();
    crate::competencies::queries::require_existing(conn, &competencies, "competencies")
}

fn save_links(conn: &mut AnyConnection, id: i64, t: &TrainingInput) -> ApiResult<()> {
    let links = Links::new(&t.partner_ids, &t.trainer_ids, &t.competencies);
    Ok(queries::replace_links(conn, id, &links)?)
}

/// The training catalogue. Employees and unit managers never see drafts.
/// Sort by `id`, `title`, `start_date`, `end_date`, `jp`.
#[utoipa::path(
    tag = "trainings",
    params(PageParams, TrainingFilter),
    responses((status = 200, description = "One page of trainings", body = Paginated<Training>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings")]
pub async fn list_trainings(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<TrainingFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let drafts = sees_drafts(&caller);
    let (total, items) = db(&state.pool, move |c| {
        let (total, rows) = queries::list(c, &filter, drafts, &sort, offset, limit)?;
        Ok((
            total,
            rows.into_iter().map(Training::from_row).collect::<Vec<_>>(),
        ))
    })
    .await?;
    Ok(paginated(&req, &page, total, items))
}

/// One training.
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "Training id")),
    responses((status = 200, description = "The training", body = Training, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}")]
pub async fn get_training(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "trainings:read")?;
    let id = id.into_inner();
    let row = match &state.reader {
        Some(reader) => reader.training(id).await?.ok_or(ApiError::NotFound)?,
        None => db(&state.pool, move |c| Ok(queries::get(c, id)?)).await?,
    };
    let t = Training::from_row(visible(row, &caller)?);
    Ok(ok_versioned(&t, t.version))
}

/// Plan a training (admin, operator). It starts as a `draft`.
#[utoipa::path(
    tag = "trainings",
    request_body = TrainingInput,
    responses((status = 201, description = "Created", body = Training, headers(("Location" = String, description = "URL of the new training"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings")]
pub async fn create_training(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<TrainingInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let t = db(&state.pool, move |c| {
        write_tx(c, |c| {
            check_refs(c, &body)?;
            let id = queries::create(c, &TrainingChanges::from(&body))?;
            save_links(c, id, &body)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "training",
                Some(id),
                Outcome::Success,
            )?;
            let row = queries::get(c, id)?;
            Ok(Training::from_row(row))
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/trainings/{}", t.id),
        &t,
        t.version,
    ))
}

/// Change a training (admin, operator). The status changes only through `/status`; capacity
/// cannot drop below the seats already taken (409).
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "Training id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = TrainingPatch,
    responses((status = 200, description = "Updated", body = Training, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/trainings/{id}")]
pub async fn update_training(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<TrainingPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let t = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "trainings", id)?;
            let row = queries::get(c, id)?;
            if_match.check(row.version)?;
            let (version, taken, ended) = (row.version, row.enrolled_count, row.end_date);
            let merged = body.apply(Training::from_row(row));
            merged.validate().map_err(|e| validation_error(&e))?;
            if merged.capacity.is_some_and(|cap| cap < taken) {
                return Err(ApiError::conflict(format!(
                    "{taken} seats are taken; capacity cannot be lower"
                )));
            }
            check_refs(c, &merged)?;
            if !queries::update(c, id, version, &TrainingChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            save_links(c, id, &merged)?;
            if merged.end_date != ended {
                crate::reports::aggregates::training_dates_changed(c, id)?;
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "training",
                Some(id),
                Outcome::Success,
            )?;
            let row = queries::get(c, id)?;
            Ok(Training::from_row(row))
        })
    })
    .await?;
    Ok(ok_versioned(&t, t.version))
}

/// Move a training along draft → planned → open → ongoing → completed, or cancel it from any
/// non-final state (admin, operator). Any other move is 409.
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "Training id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = StatusChange,
    responses((status = 200, description = "The training in its new status", body = Training, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<StatusChange>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    let t = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "trainings", id)?;
            let row = queries::get(c, id)?;
            if_match.check(row.version)?;
            let current = super::model::Status::parse(&row.status)
                .ok_or_else(|| ApiError::Internal("stored status is invalid".into()))?;
            if !current.may_become(body.status) {
                return Err(ApiError::conflict(format!(
                    "a training cannot go from `{}` to `{}`",
                    current.as_str(),
                    body.status.as_str()
                )));
            }
            if !queries::set_status(c, id, current.as_str(), body.status.as_str())? {
                return Err(ApiError::conflict(
                    "the status changed meanwhile; read the training again",
                ));
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::StatusChange,
                "training",
                Some(id),
                Outcome::Success,
            )?;
            let row = queries::get(c, id)?;
            Ok(Training::from_row(row))
        })
    })
    .await?;
    Ok(ok_versioned(&t, t.version))
}

/// Delete a training (admin, operator). One with enrolments answers 409: cancel it instead.
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "Training id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/trainings/{id}")]
pub async fn delete_training(
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
            crate::db::lock_row(c, "trainings", id)?;
            let row = queries::get(c, id)?;
            if_match.check(row.version)?;
            if queries::enrolment_count(c, id)? > 0 {
                return Err(ApiError::conflict(
                    "the training has enrolments; cancel it instead",
                ));
            }
            queries::delete(c, id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "training",
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
    cfg.service(list_trainings)
        .service(get_training)
        .service(create_training)
        .service(update_training)
        .service(change_status)
        .service(delete_training);
}
