//! Enrolment in trainings, attendance and completion (one at a time or in bulk), and the
//! learning record against the yearly JP target.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{
    BulkResult, BulkUpdate, EnrolRequest, Enrolment, EnrolmentFields, EnrolmentFilter,
    EnrolmentPatch, EnrolmentStatus, LearningItem, LearningRecord, YearParam,
};
use super::queries::{self, Enrolments};
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed, Caller, Reach, Role};
use crate::db::resource::Resource;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::trainings::model::Status;
use crate::trainings::queries::Trainings;
use crate::types::{EmployeeId, EnrolmentId, TrainingId};
use crate::web::{
    created, db, ok_versioned, paginated, PageParams, Paginated, Patch, ValidJson, ValidQuery,
    Write,
};
use crate::AppState;

const SORTABLE: [&str; 2] = ["id", "status"];

/// Who may enrol whom, and when: staff anyone into a planned, open or ongoing training; unit
/// managers the people they see and employees themselves, while it is `open` and before its
/// deadline.
fn enrol(
    tx: &mut Tx,
    caller: &Caller,
    training_id: TrainingId,
    employee_id: EmployeeId,
) -> ApiResult<EnrolmentId> {
    let training = crate::trainings::access::visible(tx, caller, training_id)?;
    let employee = match caller.role {
        Some(Role::Employee) if caller.employee_id != Some(employee_id) => {
            return Err(ApiError::Forbidden(
                "employees enrol themselves only".into(),
            ))
        }
        Some(Role::Admin | Role::Operator) => {
            crate::employees::queries::Employees::load(tx, employee_id).map_err(|_| {
                ApiError::validation(
                    "employee_id",
                    format!("employee {employee_id} does not exist"),
                )
            })?
        }
        _ => crate::employees::access::visible(tx, caller, employee_id)?,
    };
    if !employee.active {
        return Err(ApiError::validation(
            "employee_id",
            "the employee is inactive",
        ));
    }
    if caller.is_staff() {
        if !matches!(
            training.status,
            Status::Planned | Status::Open | Status::Ongoing
        ) {
            return Err(ApiError::conflict(format!(
                "a `{}` training takes no enrolments",
                training.status
            )));
        }
    } else {
        if training.status != Status::Open {
            return Err(ApiError::conflict("the training is not open for enrolment"));
        }
        if training
            .enrolment_deadline
            .is_some_and(|d| chrono::Utc::now().date_naive() > d)
        {
            return Err(ApiError::conflict("the enrolment deadline has passed"));
        }
    }
    queries::create(tx, training_id, employee_id)
}

/// Enrol an employee: training staff anyone (planned, open or ongoing trainings); unit managers
/// their unit's employees and employees themselves, while the training is `open` and before its
/// deadline. Never more than `capacity`: the request that finds no seat gets 409 `capacity_full`.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id")),
    request_body = EnrolRequest,
    responses((status = 201, description = "Enrolled", body = Enrolment, headers(("Location" = String, description = "URL of the enrolment"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/enrolments")]
pub async fn create_enrolment(
    w: Write<op::CreateEnrolment>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<EnrolRequest>,
) -> ApiResult<HttpResponse> {
    let training_id = id.into_inner();
    let caller = w.caller.clone();
    let record = w
        .create::<Enrolments, _>(move |tx| enrol(tx, &caller, training_id, body.employee_id))
        .await?;
    let e = record.enrolment;
    Ok(created(
        format!("/api/v1/enrolments/{}", e.id),
        &e,
        e.version,
    ))
}

/// A training's enrolments (those the caller may see). Sort by `id`, `status`.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id"), PageParams, EnrolmentFilter),
    responses((status = 200, description = "One page of enrolments", body = Paginated<Enrolment>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/enrolments")]
pub async fn list_enrolments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::ListEnrolments>,
    id: web::Path<TrainingId>,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    let sort = page.sort_fields(&SORTABLE)?;
    let training_id = id.into_inner();
    let window = page.window();
    let caller = caller.caller;
    let (total, rows) = db(&state.pool, move |c| {
        crate::trainings::access::visible(c, &caller, training_id)?;
        let reach = caller.reach(c)?;
        queries::list(c, Some(training_id), filter.status, &reach, &sort, window)
    })
    .await?;
    Ok(paginated(&req, &page, total, rows))
}

/// One enrolment.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The enrolment's id")),
    responses((status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    state: web::Data<AppState>,
    caller: Allowed<op::GetEnrolment>,
    id: web::Path<EnrolmentId>,
) -> ApiResult<HttpResponse> {
    let e = super::access::read_visible(&state, &caller, id.into_inner())
        .await?
        .enrolment;
    Ok(ok_versioned(&e, e.version))
}

/// Applies one patch to a locked enrolment of `training`.
fn change(tx: &mut Tx, current: &Enrolment, patch: &Patch<EnrolmentFields>) -> ApiResult<()> {
    let fields = patch.apply(current)?;
    let training = Trainings::load(tx, current.training_id)?;
    queries::update(
        tx,
        current,
        &training,
        &fields,
        patch.contains("jp_credited"),
    )
}

/// Record attendance, scores, completion (admin, operator). `completed` credits the training's
/// JP unless `jp_credited` is given.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The enrolment's id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = EnrolmentPatch,
    responses((status = 200, description = "Updated", body = Enrolment, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/enrolments/{id}")]
pub async fn update_enrolment(
    w: Write<op::UpdateEnrolment>,
    id: web::Path<EnrolmentId>,
    patch: Patch<EnrolmentFields>,
) -> ApiResult<HttpResponse> {
    let record = w
        .update::<Enrolments, _>(id.into_inner(), move |tx, current| {
            let e = &current.enrolment;
            change(tx, e, &patch)?;
            queries::after_changes(tx, e.training_id, &[e.employee_id])
        })
        .await?;
    let e = record.enrolment;
    Ok(ok_versioned(&e, e.version))
}

/// The items of a bulk update as patches: each names an enrolment of this training once.
fn bulk_patches(
    items: Vec<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Vec<(EnrolmentId, Patch<EnrolmentFields>)>> {
    let mut errors = FieldErrors::new();
    let mut out: Vec<(EnrolmentId, Patch<EnrolmentFields>)> = Vec::new();
    for (i, mut item) in items.into_iter().enumerate() {
        let field = format!("items[{i}].enrolment_id");
        match item.remove("enrolment_id").and_then(|v| v.as_i64()) {
            Some(id) if id >= 1 && out.iter().any(|(seen, _)| seen.0 == id) => {
                errors.insert(field, vec!["appears twice".into()]);
            }
            Some(id) if id >= 1 => out.push((EnrolmentId(id), Patch::from_fields(item))),
            _ => {
                errors.insert(
                    field,
                    vec!["must be an enrolment id (an integer from 1)".into()],
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::fields(errors))
    }
}

/// Update many enrolments of one training in one transaction (admin, operator): all or nothing.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id")),
    request_body = BulkUpdate,
    responses((status = 200, description = "All updated", body = BulkResult), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/enrolments/bulk-update")]
pub async fn bulk_update(
    w: Write<op::BulkUpdateEnrolments>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<BulkUpdate>,
) -> ApiResult<web::Json<BulkResult>> {
    let training_id = id.into_inner();
    let patches = bulk_patches(body.items)?;
    let items = w
        .run(move |tx| {
            Trainings::load(tx, training_id)?;
            // All rows locked up front, in id order: two bulk updates of overlapping sets
            // cannot deadlock, whatever order their items are in.
            let ids: Vec<i64> = patches.iter().map(|(id, _)| id.0).collect();
            tx.lock(Entity::Enrolment, &ids)?;
            let mut errors = FieldErrors::new();
            let mut people = Vec::new();
            for (i, (id, patch)) in patches.iter().enumerate() {
                let current = match Enrolments::load(tx, *id) {
                    Ok(r) if r.enrolment.training_id == training_id => r.enrolment,
                    _ => {
                        errors.insert(
                            format!("items[{i}].enrolment_id"),
                            vec![format!("no enrolment {id} in this training")],
                        );
                        continue;
                    }
                };
                if let Err(e) = change(tx, &current, patch) {
                    return Err(e.within(&format!("items[{i}]")));
                }
                tx.bump_version(Entity::Enrolment, id.0)?;
                tx.record(Action::Update, Entity::Enrolment, Some(id.0))?;
                people.push(current.employee_id);
            }
            if !errors.is_empty() {
                return Err(ApiError::fields(errors));
            }
            queries::after_changes(tx, training_id, &people)?;
            patches
                .iter()
                .map(|(id, _)| Ok(Enrolments::load(tx, *id)?.enrolment))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(BulkResult { items }))
}

/// The signed-in employee's enrolments. Sort by `id`, `status`.
#[utoipa::path(
    tag = "me",
    params(PageParams, EnrolmentFilter),
    responses((status = 200, description = "One page of enrolments", body = Paginated<Enrolment>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/enrolments")]
pub async fn my_enrolments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::MyEnrolments>,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    let sort = page.sort_fields(&SORTABLE)?;
    let own = caller.employee_id.ok_or(ApiError::NotFound)?;
    let window = page.window();
    let (total, rows) = db(&state.pool, move |c| {
        queries::list(c, None, filter.status, &Reach::Employee(own), &sort, window)
    })
    .await?;
    Ok(paginated(&req, &page, total, rows))
}

fn learning_record(
    conn: &mut AnyConnection,
    caller: &Caller,
    employee_id: EmployeeId,
    year: Option<i32>,
) -> ApiResult<LearningRecord> {
    crate::employees::access::visible(conn, caller, employee_id)?;
    let year = year.unwrap_or_else(|| chrono::Utc::now().year());
    let settings = crate::settings::queries::get(conn)?;
    let rows = queries::learning_record(conn, employee_id, year)?;
    let mut jp_total = 0i64;
    let items = rows
        .into_iter()
        .map(|r| {
            let completed = r.status == EnrolmentStatus::Completed;
            let jp = match completed {
                true => r.jp_credited.unwrap_or(r.training_jp),
                false => r.training_jp,
            };
            if completed {
                jp_total += i64::from(jp);
            }
            LearningItem {
                enrolment_id: r.enrolment_id,
                training_id: r.training_id,
                title: r.title,
                form: r.form,
                start_date: r.start_date,
                end_date: r.end_date,
                jp,
                status: r.status,
                certificate_number: r.certificate_number,
            }
        })
        .collect();
    Ok(LearningRecord {
        employee_id,
        year,
        jp_total,
        jp_target: settings.jp_target,
        compliant: jp_total >= i64::from(settings.jp_target),
        items,
    })
}

/// An employee's learning record for a year: JP of completions against the JP target.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The employee's id"), YearParam),
    responses((status = 200, description = "The learning record", body = LearningRecord), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/learning-record")]
pub async fn employee_learning_record(
    state: web::Data<AppState>,
    caller: Allowed<op::LearningRecord>,
    id: web::Path<EmployeeId>,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<web::Json<LearningRecord>> {
    let id = id.into_inner();
    let caller = caller.caller;
    Ok(web::Json(
        db(&state.pool, move |c| {
            learning_record(c, &caller, id, params.year)
        })
        .await?,
    ))
}

/// The signed-in employee's learning record.
#[utoipa::path(
    tag = "me",
    params(YearParam),
    responses((status = 200, description = "The learning record", body = LearningRecord), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/learning-record")]
pub async fn my_learning_record(
    state: web::Data<AppState>,
    caller: Allowed<op::MyLearningRecord>,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<web::Json<LearningRecord>> {
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
    let caller = caller.caller;
    Ok(web::Json(
        db(&state.pool, move |c| {
            learning_record(c, &caller, id, params.year)
        })
        .await?,
    ))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_enrolment)
        .service(list_enrolments)
        .service(bulk_update)
        .service(get_enrolment)
        .service(update_enrolment)
        .service(my_enrolments)
        .service(employee_learning_record)
        .service(my_learning_record);
}
