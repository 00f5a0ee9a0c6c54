//! Enrolment in trainings, attendance and completion (one at a time or in bulk), and the
//! learning record against the yearly JP target.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{
    BulkResult, BulkUpdate, EnrolRequest, Enrolment, EnrolmentFields, EnrolmentFilter,
    EnrolmentPage, EnrolmentPatch, EnrolmentStatus, LearningRecord, YearParam,
};
use super::queries::{self, Enrolments};
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed, Caller, Reach, Role};
use crate::db::resource::Resource;
use crate::db::write::Tx;
use crate::error::{
    ActionErrors, ApiError, ApiResult, CreateErrors, FieldErrors, ReadErrors, WriteErrors,
};
use crate::exemptions::target::Target;
use crate::settings::model::Settings;
use crate::trainings::model::{Training, TrainingStatus};
use crate::trainings::queries::Trainings;
use crate::types::{EmployeeId, EnrolmentId, TrainingId};
use crate::web::cache::{list_page, record, Keeping};
use crate::web::{
    ok_versioned, Created, IdempotencyKey, PageParams, Patch, SortBy, SortFields, ValidJson,
    ValidQuery, Write,
};
use crate::AppState;

/// The fields enrolment lists sort by.
pub struct EnrolmentSort;

impl SortFields for EnrolmentSort {
    const FIELDS: &'static [&'static str] = &["id", "status"];
}

/// Who may enrol whom, and when: staff anyone into a planned, open or ongoing training; unit
/// managers the people they see and employees themselves, while it is `open` and before its
/// deadline. A training with `nomination_required` takes nominations only: unit managers within
/// their unit's quota, staff freely, employees not at all (409 `nomination_required`).
fn enrol(
    tx: &mut Tx,
    caller: &Caller,
    training_id: TrainingId,
    employee_id: EmployeeId,
) -> ApiResult<EnrolmentId> {
    // Seats, quotas and the waiting list change with the training locked (see `nomination`).
    tx.lock(Entity::Training, &[training_id.0])?;
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
            TrainingStatus::Planned | TrainingStatus::Open | TrainingStatus::Ongoing
        ) {
            return Err(ApiError::conflict(format!(
                "a `{}` training takes no enrolments",
                training.status
            )));
        }
    } else {
        if training.status != TrainingStatus::Open {
            return Err(ApiError::conflict("the training is not open for enrolment"));
        }
        if training
            .enrolment_deadline
            .is_some_and(|d| crate::types::today() > d)
        {
            return Err(ApiError::conflict("the enrolment deadline has passed"));
        }
    }
    let status =
        if training.nomination_required {
            match caller.role {
                Some(Role::Employee) => return Err(ApiError::Conflict {
                    code: "nomination_required",
                    detail:
                        "the training takes participants only as nominations by their unit managers"
                            .into(),
                }),
                Some(Role::UnitManager) => {
                    crate::nomination::queries::check_quota(tx, training_id, employee.unit_id)?;
                }
                _ => {}
            }
            EnrolmentStatus::Nominated
        } else {
            EnrolmentStatus::Registered
        };
    queries::create(tx, training_id, employee_id, status)
}

/// Enrol an employee in a training.
///
/// Training staff enrol anyone (planned, open or ongoing trainings); unit managers their units'
/// employees and employees themselves, while the training is `open` and before its deadline.
/// Never more than `capacity`: the request that finds no seat gets 409 `capacity_full`. A
/// training with `nomination_required` takes nominations (`nominated`, decided by staff with
/// `POST /enrolments/{id}/decision`): a unit manager's within their unit's quota (409
/// `quota_exceeded`), an employee's not at all (409 `nomination_required`).
/// With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = EnrolRequest,
    responses((status = 201, description = "Enrolled", body = Enrolment,
               headers(("Location" = String, description = "URL of the enrolment"), ("ETag" = String, description = "Its version"))), CreateErrors),
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
    w.created(move |tx| {
        let e = tx
            .create::<Enrolments>(|tx| enrol(tx, &caller, training_id, body.employee_id))?
            .enrolment;
        Ok(Created {
            location: format!("/api/v1/enrolments/{}", e.id),
            version: e.version,
            body: e,
        })
    })
    .await
}

/// A training's enrolments (those the caller may see).
///
/// Pages of `per_page` (at most 100), with the `Link` header: staff and clients see all, unit
/// managers their units' people, employees their own. Every page shows every write acknowledged
/// before it was asked for; `Cache-Control: no-cache` computes it afresh rather than from memory.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), PageParams, SortBy<EnrolmentSort>, EnrolmentFilter),
    responses((status = 200, description = "One page of enrolments", body = EnrolmentPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/enrolments")]
pub async fn list_enrolments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::ListEnrolments>,
    id: web::Path<TrainingId>,
    ValidQuery(page): ValidQuery<PageParams>,
    sort: SortBy<EnrolmentSort>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    let training_id = id.into_inner();
    let window = page.window();
    let params = format!("{training_id:?} {page:?} {:?} {filter:?}", sort.fields);
    list_page(
        &req,
        &state,
        caller.caller,
        ("list_enrolments", Keeping::Kept),
        (&page, params),
        move |c, caller| {
            crate::trainings::access::visible(c, caller, training_id)?;
            let reach = caller.reach(c)?;
            queries::list(
                c,
                Some(training_id),
                filter.status,
                &reach,
                &sort.fields,
                window,
            )
        },
    )
    .await
}

/// One enrolment.
///
/// Staff and clients read any; unit managers their units' people's, employees their own (404
/// otherwise). The `ETag` is the version.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1),
           ("If-None-Match" = Option<String>, Header, description = "The ETag read before: 304 while unchanged")),
    responses((status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Current version"))),
              (status = 304, description = "Unchanged since the ETag sent as If-None-Match"), ReadErrors),
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

/// Applies one patch to a locked enrolment of `training`, under the current `settings` (both
/// read once per request, also for a bulk update's many items).
fn change(
    tx: &mut Tx,
    training: &Training,
    settings: &Settings,
    current: &Enrolment,
    patch: &Patch<EnrolmentFields>,
) -> ApiResult<()> {
    let fields = patch.apply(current)?;
    let given = queries::Given {
        jp_credited: patch.contains("jp_credited"),
        certificate_number: patch.contains("certificate_number"),
    };
    queries::update(tx, current, training, settings, &fields, given)
}

/// Record attendance, scores, completion (admin, operator).
///
/// `completed` credits the training's JP unless `jp_credited` is given; withdrawing frees the
/// seat. Any subset of the fields; with a stale `If-Match`, 412 and nothing changes.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1), crate::web::IfMatch),
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
            let training = Trainings::load(tx, e.training_id)?;
            let settings = crate::settings::queries::get(tx)?;
            change(tx, &training, &settings, e, &patch)?;
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

/// Update many enrolments of one training in one transaction (admin, operator).
///
/// All or nothing: an invalid item (`errors` keyed `items[i].field`) leaves every enrolment as
/// it was. Each item is applied like a PATCH of it.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1)),
    request_body = BulkUpdate,
    responses((status = 200, description = "All updated", body = BulkResult), ActionErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/enrolments/bulk-update")]
pub async fn bulk_update_enrolments(
    w: Write<op::BulkUpdateEnrolments>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<BulkUpdate>,
) -> ApiResult<web::Json<BulkResult>> {
    let training_id = id.into_inner();
    let patches = bulk_patches(body.items)?;
    let items = w
        .run(move |tx| {
            // The training first, then all rows up front, in id order (the order of every
            // enrolment write): two bulk updates of overlapping sets cannot deadlock, whatever
            // order their items are in.
            tx.lock(Entity::Training, &[training_id.0])?;
            let training = Trainings::load(tx, training_id)?;
            let settings = crate::settings::queries::get(tx)?;
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
                if let Err(e) = change(tx, &training, &settings, &current, patch) {
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

/// The signed-in employee's enrolments.
///
/// Pages of `per_page` (at most 100), with the `Link` header; 404 for an account that is not an
/// employee's. Every page shows every write acknowledged before it was asked for; `Cache-Control:
/// no-cache` computes it afresh rather than from memory.
#[utoipa::path(
    tag = "me",
    params(PageParams, SortBy<EnrolmentSort>, EnrolmentFilter),
    responses((status = 200, description = "One page of enrolments", body = EnrolmentPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/enrolments")]
pub async fn list_my_enrolments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::MyEnrolments>,
    ValidQuery(page): ValidQuery<PageParams>,
    sort: SortBy<EnrolmentSort>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    let own = caller.employee_id.ok_or(ApiError::NotFound)?;
    let window = page.window();
    let params = format!("{page:?} {:?} {filter:?}", sort.fields);
    list_page(
        &req,
        &state,
        caller.caller,
        ("list_my_enrolments", Keeping::Kept),
        (&page, params),
        move |c, _| {
            queries::list(
                c,
                None,
                filter.status,
                &Reach::Employee(own),
                &sort.fields,
                window,
            )
        },
    )
    .await
}

/// The learning record, kept until a write (`web::cache::record`); the year asked, or none
/// (this year: the key's day moves it on).
async fn kept_learning_record(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    employee_id: EmployeeId,
    year: Option<i32>,
) -> ApiResult<HttpResponse> {
    let params = format!("{} {year:?}", employee_id.0);
    let compute = learning_record(state, caller, employee_id, year);
    record(req, state, caller, ("learning-record", params), compute).await
}

async fn learning_record(
    state: &AppState,
    caller: &Caller,
    employee_id: EmployeeId,
    year: Option<i32>,
) -> ApiResult<LearningRecord> {
    let year = year.unwrap_or_else(|| crate::types::today().year());
    let days = crate::types::year_days(year).ok_or(ApiError::NotFound)?;
    let parts = queries::learning_record(state, employee_id, days).await?;
    crate::employees::access::may_see_async(state, caller, parts.employee_id, parts.unit_id)
        .await?;
    // Completions count: their JP is what was credited.
    let jp_total = parts
        .items
        .iter()
        .filter(|i| i.status == EnrolmentStatus::Completed)
        .map(|i| i64::from(i.jp))
        .sum();
    let standing = Target::of(
        parts.rule,
        parts.asn_type,
        parts.appointed_on,
        &parts.exemptions,
        year,
    )
    .standing(jp_total);
    Ok(LearningRecord {
        employee_id,
        asn_type: parts.asn_type,
        year,
        jp_total,
        jp_target: standing.target.jp_target,
        jp_target_effective: standing.target.effective,
        months_active: standing.target.months_active,
        jp_cap: standing.target.cap,
        over_cap: standing.over_cap,
        compliant: standing.compliant,
        items: parts.items,
    })
}

/// An employee's learning record for a year: JP of completions against the JP target.
///
/// Staff and clients with `records:read` read any; unit managers their units' people's,
/// employees their own (404 otherwise).
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1), YearParam),
    responses((status = 200, description = "The learning record", body = LearningRecord), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/learning-record")]
pub async fn get_learning_record(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::LearningRecord>,
    id: web::Path<EmployeeId>,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<HttpResponse> {
    kept_learning_record(&req, &state, &caller, id.into_inner(), params.year).await
}

/// The signed-in employee's learning record.
///
/// As `GET /employees/{id}/learning-record` for the account's own employee.
#[utoipa::path(
    tag = "me",
    params(YearParam),
    responses((status = 200, description = "The learning record", body = LearningRecord), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/learning-record")]
pub async fn get_my_learning_record(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::MyLearningRecord>,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<HttpResponse> {
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
    kept_learning_record(&req, &state, &caller, id, params.year).await
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(create_enrolment)
        .service(list_enrolments)
        .service(bulk_update_enrolments)
        .service(get_enrolment)
        .service(update_enrolment)
        .service(list_my_enrolments)
        .service(get_learning_record)
        .service(get_my_learning_record);
}
