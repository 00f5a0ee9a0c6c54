//! An employee's assessments and competency profile (gaps and JPM against the standard).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{
    Assessment, AssessmentInput, AssessmentPage, AssessmentPatch, AssessmentRecord,
    CompetencyProfile, JpmBand, Method, ProfileItem,
};
use super::queries::{self, Assessments};
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed, Caller, Role};
use crate::db::AnyConnection;
use crate::employees::access;
use crate::error::{ApiError, ApiResult, CreateErrors, ReadErrors};
use crate::types::{AssessmentId, EmployeeId};
use crate::web::cache::record;
use crate::web::write::Created;
use crate::web::{ok_versioned, IdempotencyKey, Patch, ValidJson, Write};
use crate::AppState;

crate::employee_records_route!(
    /// An employee's assessment history, newest first.
    list_assessments, op::ListAssessments, "/employees/{id}/assessments", queries::list,
    AssessmentPage, AssessmentSort = ["assessed_on", "level", "id"], "assessments"
);

/// Record an assessment of an employee's competency level.
///
/// Admin, operator and clients with `employees:write`; unit managers record `supervisor`
/// assessments of their units' people. Only the methods of the setting `jpm_methods` set the
/// current level; the others are kept and shown beside it. With an `Idempotency-Key`, a retry
/// gets the first answer.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = AssessmentInput,
    responses((status = 201, description = "Recorded", body = Assessment, headers(("Location" = String, description = "The employee's assessments"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/employees/{id}/assessments")]
pub async fn create_assessment(
    w: Write<op::CreateAssessment>,
    id: web::Path<EmployeeId>,
    ValidJson(body): ValidJson<AssessmentInput>,
) -> ApiResult<HttpResponse> {
    if w.caller.is(Role::UnitManager) && body.method != Method::Supervisor {
        return Err(ApiError::Forbidden(
            "unit managers record supervisor assessments only".into(),
        ));
    }
    let id = id.into_inner();
    let caller = w.caller.clone();
    let created_by = caller.role.map(|_| caller.id);
    w.created(move |tx| {
        access::visible(tx, &caller, id)?;
        let aid = queries::create(tx, id, &body, created_by)?;
        tx.record(Action::Create, Entity::Assessment, Some(aid.0))?;
        Ok(Created {
            location: format!("/api/v1/employees/{id}/assessments"),
            version: 1,
            body: <Assessments as crate::db::resource::Resource>::load(tx, aid)?.assessment,
        })
    })
    .await
}

/// The profile, kept until a write (`web::cache::record`).
async fn kept_profile(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    employee_id: EmployeeId,
) -> ApiResult<HttpResponse> {
    let params = employee_id.0.to_string();
    let compute = profile(state, caller, employee_id);
    record(req, state, caller, ("competency-profile", params), compute).await
}

async fn profile(
    state: &AppState,
    caller: &Caller,
    employee_id: EmployeeId,
) -> ApiResult<CompetencyProfile> {
    let parts = queries::profile(state, employee_id).await?;
    access::may_see_async(state, caller, parts.employee_id, parts.unit_id).await?;
    let items: Vec<ProfileItem> = parts
        .standard
        .into_iter()
        .map(|(competency_id, code, name, required, level)| ProfileItem {
            competency_id,
            code,
            name,
            required_level: required,
            current_level: level.map(|c| c.0),
            assessed_on: level.map(|c| c.1),
            gap: level.map(|(level, _)| required - level),
        })
        .collect();
    let (jpm, coverage) = match_of(&items);
    let jpm_band = coverage.map(|_| match jpm {
        Some(v) => JpmBand::of(v, parts.jpm_optimal_min, parts.jpm_cukup_min),
        None => JpmBand::Unassessed,
    });
    Ok(CompetencyProfile {
        employee_id,
        position_id: parts.position_id,
        items,
        jpm,
        jpm_band,
        coverage,
        other_assessments: parts.other_assessments,
    })
}

/// (JPM, coverage) of a profile: JPM = 100 × Σ min(current, required) / Σ required over the
/// assessed items (null when none is), coverage = assessed items / items; both null without a
/// standard. Rounded to two decimals.
fn match_of(items: &[ProfileItem]) -> (Option<f64>, Option<f64>) {
    if items.is_empty() {
        return (None, None);
    }
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let (mut matched, mut required, mut assessed) = (0i64, 0i64, 0usize);
    for item in items {
        if let Some(level) = item.current_level {
            matched += i64::from(level.min(item.required_level));
            required += i64::from(item.required_level);
            assessed += 1;
        }
    }
    let jpm = (required > 0).then(|| round(100.0 * matched as f64 / required as f64));
    (jpm, Some(round(assessed as f64 / items.len() as f64)))
}

/// An employee's competencies against their position's standard.
///
/// Per competency of the standard: the required level, the current level (the latest
/// assessment by a method of the setting `jpm_methods`) and the gap; the JPM over the assessed
/// items, its band (`unassessed` when none is) and the coverage; the latest supervisor, self and
/// other ratings beside them. 404 for an employee the caller may not see.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/competency-profile")]
pub async fn get_competency_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::CompetencyProfile>,
    id: web::Path<EmployeeId>,
) -> ApiResult<HttpResponse> {
    kept_profile(&req, &state, &caller, id.into_inner()).await
}

/// The signed-in employee's own competency profile.
///
/// As `GET /employees/{id}/competency-profile` for the employee the account is bound to; 404
/// for an account that is not an employee's.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/competency-profile")]
pub async fn get_my_competency_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::MyCompetencyProfile>,
) -> ApiResult<HttpResponse> {
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
    kept_profile(&req, &state, &caller, id).await
}

/// One assessment's path: the employee's id, then the assessment's.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AssessmentPath {
    /// The employee's id
    #[param(minimum = 1, example = 1)]
    pub id: EmployeeId,
    /// The assessment's id
    #[param(minimum = 1, example = 1)]
    pub assessment_id: AssessmentId,
}

/// The assessment of this employee (404 when it is another's, or the employee is not visible).
fn of_employee(
    conn: &mut AnyConnection,
    caller: &Caller,
    employee: EmployeeId,
    current: &AssessmentRecord,
) -> ApiResult<()> {
    if current.employee_id != employee {
        return Err(ApiError::NotFound);
    }
    access::visible(conn, caller, employee)?;
    Ok(())
}

/// One assessment of an employee (as their list: staff and clients with `employees:read`, the
/// unit manager for their units' people, the employee themself).
///
/// 404 for another employee's assessment or an employee the caller may not see. The `ETag` is
/// the version: send it as `If-Match` to correct or delete it, or as `If-None-Match` to get 304
/// while it is unchanged.
#[utoipa::path(
    tag = "assessments",
    params(
        AssessmentPath,
        ("If-None-Match" = Option<String>, Header, description = "The ETag read before: 304 while unchanged")
    ),
    responses((status = 200, description = "Found", body = Assessment,
               headers(("ETag" = String, description = "The current version"))),
              (status = 304, description = "Unchanged since the ETag sent as If-None-Match"),
              ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/assessments/{assessment_id}")]
pub async fn get_assessment(
    state: web::Data<AppState>,
    caller: Allowed<op::GetAssessment>,
    path: web::Path<AssessmentPath>,
) -> ApiResult<HttpResponse> {
    let AssessmentPath {
        id: employee,
        assessment_id: id,
    } = path.into_inner();
    // The single-row read path every resource uses (asynchronous on PostgreSQL).
    let record = crate::db::resource::read::<Assessments>(&state, id).await?;
    if record.employee_id != employee {
        return Err(ApiError::NotFound);
    }
    access::read_visible(&state, &caller, employee).await?;
    Ok(ok_versioned(&record.assessment, record.version))
}

/// Correct an assessment (admin, operator, clients with `employees:write`).
///
/// Any subset of the fields; the result is validated as a whole. The current level, gaps, JPM
/// and reports follow at once. Audited. Without `If-Match` the last writer wins; with a stale
/// one, 412 and nothing changes.
#[utoipa::path(
    tag = "assessments",
    params(
        AssessmentPath,
        crate::web::IfMatch
    ),
    request_body = AssessmentPatch,
    responses((status = 200, description = "Corrected", body = Assessment,
               headers(("ETag" = String, description = "The new version"))),
              crate::error::WriteErrors),
    security(("bearer" = []))
)]
#[patch("/employees/{id}/assessments/{assessment_id}")]
pub async fn update_assessment(
    w: Write<op::UpdateAssessment>,
    path: web::Path<AssessmentPath>,
    patch: Patch<AssessmentInput>,
) -> ApiResult<HttpResponse> {
    let AssessmentPath {
        id: employee,
        assessment_id: id,
    } = path.into_inner();
    let caller = w.caller.clone();
    let record = w
        .update::<Assessments, _>(id, move |tx, current| {
            of_employee(tx, &caller, employee, &current)?;
            let input = patch.apply(&current.assessment)?;
            queries::update(tx, &current, &input)
        })
        .await?;
    Ok(ok_versioned(&record.assessment, record.version))
}

/// Delete an assessment (admin, operator).
///
/// The current level falls back to the latest remaining assessment by a `jpm_methods` method,
/// and every figure derived from it follows. Audited. With a stale `If-Match`, 412 and nothing
/// is deleted.
#[utoipa::path(
    tag = "assessments",
    params(
        AssessmentPath,
        crate::web::IfMatch
    ),
    responses((status = 204, description = "Deleted"), crate::error::DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/employees/{id}/assessments/{assessment_id}")]
pub async fn delete_assessment(
    w: Write<op::DeleteAssessment>,
    path: web::Path<AssessmentPath>,
) -> ApiResult<HttpResponse> {
    let AssessmentPath {
        id: employee,
        assessment_id: id,
    } = path.into_inner();
    let caller = w.caller.clone();
    w.delete::<Assessments, _>(id, move |tx, current| {
        of_employee(tx, &caller, employee, &current)?;
        queries::delete(tx, &current)
    })
    .await
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(list_assessments)
        .service(create_assessment)
        .service(get_assessment)
        .service(update_assessment)
        .service(delete_assessment)
        .service(get_competency_profile)
        .service(get_my_competency_profile);
}
