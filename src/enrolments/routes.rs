use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{
    BulkResult, BulkUpdate, EnrolRequest, Enrolment, EnrolmentChanges, EnrolmentFilter,
    EnrolmentPatch, EnrolmentRow, EnrolmentStatus, LearningItem, LearningRecord, YearParam,
};
use super::queries::{self, Scope};
use crate::audit::{self, Action, Outcome};
use crate::auth::{ActorKind, Caller, Role};
use crate::db::{now, write_tx, AnyConnection};
use crate::employees::routes::visible_employee;
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::reports::aggregates;
use crate::trainings::model::{Form, Status};
use crate::trainings::queries as trainings;
use crate::trainings::routes::visible_training;
use crate::web::{
    created, db, ok_versioned, paginated, IfMatch, PageParams, Paginated, RequestMeta, ValidJson,
    ValidQuery,
};
use crate::AppState;

const STAFF: &[Role] = &[Role::Admin, Role::Operator];
const EVERYONE: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];

/// The enrolments a caller may see: all (staff, clients with `records:read`), their units'
/// (unit managers), their own (employees).
fn scope(conn: &mut AnyConnection, caller: &Caller) -> ApiResult<Scope> {
    Ok(match (caller.kind, caller.role) {
        (ActorKind::ApiClient, _) | (_, Some(Role::Admin | Role::Operator)) => Scope::All,
        (_, Some(Role::UnitManager)) => Scope::Units(caller.unit_scope(conn)?.unwrap_or_default()),
        _ => Scope::Employee(caller.employee_id.unwrap_or(0)),
    })
}

/// The enrolment, when the caller may see it; 404 otherwise.
fn visible_enrolment(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: i64,
) -> ApiResult<EnrolmentRow> {
    let row = queries::get(conn, id)?;
    let allowed = match scope(conn, caller)? {
        Scope::All => true,
        Scope::Employee(own) => row.employee_id == own,
        Scope::Units(units) => crate::employees::queries::get(conn, row.employee_id)
            .is_ok_and(|e| units.contains(&e.unit_id)),
    };
    if allowed {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Applies a patch to an enrolment: completion stamps the time and credits the training's JP
/// unless JP is given; withdrawing frees the seat, un-withdrawing takes one (or 409 when full).
fn apply(
    conn: &mut AnyConnection,
    row: &EnrolmentRow,
    patch: EnrolmentPatch,
) -> ApiResult<EnrolmentChanges> {
    let old = EnrolmentStatus::parse(&row.status).unwrap_or(EnrolmentStatus::Registered);
    let new = patch.status.unwrap_or(old);
    let training = trainings::get(conn, row.training_id)?;
    let mut jp_credited = patch.jp_credited.unwrap_or(row.jp_credited);
    let completed_at = match (old, new) {
        (EnrolmentStatus::Completed, EnrolmentStatus::Completed) => row.completed_at,
        (_, EnrolmentStatus::Completed) => {
            if patch.jp_credited.is_none() {
                jp_credited = Some(training.jp);
            }
            Some(now())
        }
        _ => None,
    };
    if new == EnrolmentStatus::Completed && jp_credited.is_none() {
        jp_credited = Some(training.jp);
    }
    match (
        old == EnrolmentStatus::Withdrawn,
        new == EnrolmentStatus::Withdrawn,
    ) {
        (false, true) => trainings::free_seat(conn, row.training_id)?,
        (true, false) if !trainings::take_seat(conn, row.training_id)? => {
            return Err(ApiError::Conflict {
                code: "capacity_full",
                detail: "the training is full".into(),
            })
        }
        _ => {}
    }
    Ok(EnrolmentChanges {
        status: new.as_str().into(),
        attendance_percent: patch.attendance_percent.unwrap_or(row.attendance_percent),
        pre_test_score: patch.pre_test_score.unwrap_or(row.pre_test_score),
        post_test_score: patch.post_test_score.unwrap_or(row.post_test_score),
        certificate_number: patch
            .certificate_number
            .unwrap_or_else(|| row.certificate_number.clone()),
        jp_credited,
        completed_at,
    })
}

fn enrol(
    conn: &mut AnyConnection,
    caller: &Caller,
    training_id: i64,
    employee_id: i64,
) -> ApiResult<i64> {
    let training = visible_training(conn, caller, training_id)?;
    let staff = caller.role.is_some_and(|r| STAFF.contains(&r));
    let employee = match caller.role {
        Some(Role::Admin | Role::Operator) => crate::employees::queries::get(conn, employee_id)
            .map_err(|_| {
                ApiError::validation(
                    "employee_id",
                    format!("employee {employee_id} does not exist"),
                )
            })?,
        Some(Role::UnitManager) => visible_employee(conn, caller, employee_id)?,
        _ if caller.employee_id == Some(employee_id) => {
            visible_employee(conn, caller, employee_id)?
        }
        _ => {
            return Err(ApiError::Forbidden(
                "employees enrol themselves only".into(),
            ))
        }
    };
    if !employee.active {
        return Err(ApiError::validation(
            "employee_id",
            "the employee is inactive",
        ));
    }
    let status = Status::parse(&training.status).unwrap_or(Status::Draft);
    if staff {
        if !matches!(status, Status::Planned | Status::Open | Status::Ongoing) {
            return Err(ApiError::conflict(format!(
                "a `{}` training takes no enrolments",
                status.as_str()
            )));
        }
    } else {
        if status != Status::Open {
            return Err(ApiError::conflict("the training is not open for enrolment"));
        }
        if training
            .enrolment_deadline
            .is_some_and(|d| chrono::Utc::now().date_naive() > d)
        {
            return Err(ApiError::conflict("the enrolment deadline has passed"));
        }
    }
    if queries::exists(conn, training_id, employee_id)? {
        return Err(ApiError::conflict("the employee is already enrolled"));
    }
    if !trainings::take_seat(conn, training_id)? {
        return Err(ApiError::Conflict {
            code: "capacity_full",
            detail: "the training is full".into(),
        });
    }
    let id = queries::create(conn, training_id, employee_id)?;
    aggregates::enrolments_changed(conn, &[training_id], &[employee_id])?;
    Ok(id)
}

/// Enrol an employee: training staff anyone (planned, open or ongoing trainings); unit managers
/// their unit's employees and employees themselves, while the training is `open` and before its
/// deadline. Never more than `capacity`: the request that finds no seat gets 409 `capacity_full`.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "Training id")),
    request_body = EnrolRequest,
    responses((status = 201, description = "Enrolled", body = Enrolment, headers(("Location" = String, description = "URL of the enrolment"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/enrolments")]
pub async fn create_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<EnrolRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_role(EVERYONE)?;
    let training_id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let id = enrol(c, &caller, training_id, body.employee_id)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "enrolment",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/enrolments/{}", row.id),
        &Enrolment::from(row.clone()),
        row.version,
    ))
}

/// A training's enrolments (those the caller may see).
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "Training id"), PageParams, EnrolmentFilter),
    responses((status = 200, description = "One page of enrolments", body = Paginated<Enrolment>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/enrolments")]
pub async fn list_enrolments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(EVERYONE, "records:read")?;
    page.sort_fields(&[])?;
    let training_id = id.into_inner();
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        visible_training(c, &caller, training_id)?;
        let scope = scope(c, &caller)?;
        Ok(queries::list(
            c,
            Some(training_id),
            filter.status.map(|s| s.as_str()),
            &scope,
            offset,
            limit,
        )?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(Enrolment::from).collect(),
    ))
}

/// One enrolment.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "Enrolment id")),
    responses((status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(EVERYONE, "records:read")?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| visible_enrolment(c, &caller, id)).await?;
    let version = row.version;
    Ok(ok_versioned(&Enrolment::from(row), version))
}

/// Record attendance, scores, completion (admin, operator). `completed` credits the training's
/// JP unless `jp_credited` is given.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "Enrolment id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = EnrolmentPatch,
    responses((status = 200, description = "Updated", body = Enrolment, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/enrolments/{id}")]
pub async fn update_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<EnrolmentPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role(STAFF)?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "enrolments", id)?;
            let row = queries::get(c, id)?;
            if_match.check(row.version)?;
            let changes = apply(c, &row, body)?;
            if !queries::update(c, id, row.version, &changes)? {
                return Err(ApiError::PreconditionFailed);
            }
            aggregates::enrolments_changed(c, &[row.training_id], &[row.employee_id])?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "enrolment",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let version = row.version;
    Ok(ok_versioned(&Enrolment::from(row), version))
}

/// Update many enrolments of one training in one transaction (admin, operator): all or nothing.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = i64, Path, description = "Training id")),
    request_body = BulkUpdate,
    responses((status = 200, description = "All updated", body = BulkResult), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/enrolments/bulk-update")]
pub async fn bulk_update(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<BulkUpdate>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require_role(STAFF)?;
    let training_id = id.into_inner();
    let items = db(&state.pool, move |c| {
        write_tx(c, |c| {
            trainings::get(c, training_id)?;
            let mut seen = Vec::new();
            let mut errors = FieldErrors::new();
            let mut out = Vec::new();
            let mut people = Vec::new();
            for (i, item) in body.items.into_iter().enumerate() {
                let (enrolment_id, patch) = item.into_patch();
                let field = format!("items[{i}].enrolment_id");
                if seen.contains(&enrolment_id) {
                    errors.insert(field, vec!["appears twice".into()]);
                    continue;
                }
                seen.push(enrolment_id);
                crate::db::lock_row(c, "enrolments", enrolment_id)?;
                let Some(row) = queries::get(c, enrolment_id)
                    .ok()
                    .filter(|r| r.training_id == training_id)
                else {
                    errors.insert(
                        field,
                        vec![format!("no enrolment {enrolment_id} in this training")],
                    );
                    continue;
                };
                if !errors.is_empty() {
                    continue;
                }
                let changes = apply(c, &row, patch)?;
                if !queries::update(c, enrolment_id, row.version, &changes)? {
                    return Err(ApiError::conflict(
                        "an enrolment changed meanwhile; try again",
                    ));
                }
                audit::record(
                    c,
                    caller.actor(),
                    &meta,
                    Action::Update,
                    "enrolment",
                    Some(enrolment_id),
                    Outcome::Success,
                )?;
                out.push(enrolment_id);
                people.push(row.employee_id);
            }
            if !errors.is_empty() {
                return Err(ApiError::fields(errors));
            }
            aggregates::enrolments_changed(c, &[training_id], &people)?;
            out.into_iter()
                .map(|id| Ok(Enrolment::from(queries::get(c, id)?)))
                .collect::<ApiResult<Vec<_>>>()
        })
    })
    .await?;
    Ok(web::Json(BulkResult { items }))
}

/// The signed-in employee's enrolments.
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
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<EnrolmentFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role(EVERYONE)?;
    page.sort_fields(&[])?;
    let own = caller.employee_id.ok_or(ApiError::NotFound)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        Ok(queries::list(
            c,
            None,
            filter.status.map(|s| s.as_str()),
            &Scope::Employee(own),
            offset,
            limit,
        )?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(Enrolment::from).collect(),
    ))
}

fn learning_record(
    conn: &mut AnyConnection,
    caller: &Caller,
    employee_id: i64,
    year: Option<i32>,
) -> ApiResult<LearningRecord> {
    visible_employee(conn, caller, employee_id)?;
    let year = year.unwrap_or_else(|| chrono::Utc::now().year());
    let settings = crate::settings::queries::get(conn)?;
    let rows = queries::learning_record(conn, employee_id, year)?;
    let mut jp_total = 0i64;
    let items = rows
        .into_iter()
        .map(
            |(
                enrolment_id,
                training_id,
                title,
                form,
                start_date,
                end_date,
                training_jp,
                status,
                credited,
                certificate_number,
            )| {
                let status = EnrolmentStatus::parse(&status).unwrap_or(EnrolmentStatus::Registered);
                let jp = if status == EnrolmentStatus::Completed {
                    credited.unwrap_or(training_jp)
                } else {
                    training_jp
                };
                if status == EnrolmentStatus::Completed {
                    jp_total += i64::from(jp);
                }
                LearningItem {
                    enrolment_id,
                    training_id,
                    title,
                    form: Form::parse(&form).unwrap_or(Form::Other),
                    start_date,
                    end_date,
                    jp,
                    status,
                    certificate_number,
                }
            },
        )
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
    params(("id" = i64, Path, description = "Employee id"), YearParam),
    responses((status = 200, description = "The learning record", body = LearningRecord), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/learning-record")]
pub async fn employee_learning_record(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<web::Json<LearningRecord>> {
    caller.require_role_or_scope(EVERYONE, "records:read")?;
    let id = id.into_inner();
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
    caller: Caller,
    ValidQuery(params): ValidQuery<YearParam>,
) -> ApiResult<web::Json<LearningRecord>> {
    caller.require_role(EVERYONE)?;
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
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
