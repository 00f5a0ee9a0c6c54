//! An employee's assessments and competency profile (gaps and JPM against the standard).

use actix_web::{get, post, web, HttpResponse};

use super::model::{
    Assessment, AssessmentInput, AssessmentPage, CompetencyProfile, JpmBand, Method, ProfileItem,
};
use super::queries;
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed, Caller, Role};
use crate::db::AnyConnection;
use crate::employees::access;
use crate::error::{ApiError, ApiResult, CreateErrors, ReadErrors};
use crate::types::EmployeeId;
use crate::web::write::Created;
use crate::web::{db, IdempotencyKey, ValidJson, Write};
use crate::AppState;

crate::employee_records_route!(
    /// An employee's assessment history, newest first.
    list_assessments, op::ListAssessments, "/employees/{id}/assessments", queries::list,
    AssessmentPage, AssessmentSort = ["assessed_on", "level", "id"], "assessments"
);

/// Record an assessment of an employee's competency level.
///
/// Admin, operator and clients with `employees:write`; unit managers record `supervisor`
/// assessments of their units' people. The history is append-only. With an
/// `Idempotency-Key`, a retry gets the first answer.
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
            body: queries::get(tx, aid)?,
        })
    })
    .await
}

fn profile(
    conn: &mut AnyConnection,
    caller: &Caller,
    employee_id: EmployeeId,
) -> ApiResult<CompetencyProfile> {
    let employee = access::visible(conn, caller, employee_id)?;
    let settings = crate::settings::queries::get(conn)?;
    let standard = match employee.position_id {
        Some(position) => queries::standard(conn, position)?,
        None => Vec::new(),
    };
    let ids: Vec<_> = standard.iter().map(|s| s.0).collect();
    let latest = queries::latest_levels(conn, employee_id, &ids)?;
    let (mut matched, mut required_total) = (0i64, 0i64);
    let items: Vec<ProfileItem> = standard
        .into_iter()
        .map(|(competency_id, code, name, required)| {
            let current = latest.get(&competency_id).copied();
            required_total += i64::from(required);
            matched += i64::from(current.map_or(0, |(level, _)| level.min(required)));
            ProfileItem {
                competency_id,
                code,
                name,
                required_level: required,
                current_level: current.map(|c| c.0),
                assessed_on: current.map(|c| c.1),
                gap: current.map(|(level, _)| required - level),
            }
        })
        .collect();
    let jpm = (required_total > 0)
        .then(|| (100.0 * matched as f64 / required_total as f64 * 100.0).round() / 100.0);
    Ok(CompetencyProfile {
        employee_id,
        position_id: employee.position_id,
        items,
        jpm,
        jpm_band: jpm.map(|v| JpmBand::of(v, settings.jpm_optimal_min, settings.jpm_cukup_min)),
    })
}

/// An employee's competencies against their position's standard.
///
/// Per competency of the standard: the required level, the latest assessed level and the gap;
/// the JPM (share of the standard met) and its band. 404 for an employee the caller may not
/// see.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/competency-profile")]
pub async fn get_competency_profile(
    state: web::Data<AppState>,
    caller: Allowed<op::CompetencyProfile>,
    id: web::Path<EmployeeId>,
) -> ApiResult<web::Json<CompetencyProfile>> {
    let id = id.into_inner();
    let caller = caller.caller;
    Ok(web::Json(
        db(&state.pool, move |c| profile(c, &caller, id)).await?,
    ))
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
    state: web::Data<AppState>,
    caller: Allowed<op::MyCompetencyProfile>,
) -> ApiResult<web::Json<CompetencyProfile>> {
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
    let caller = caller.caller;
    Ok(web::Json(
        db(&state.pool, move |c| profile(c, &caller, id)).await?,
    ))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_assessments)
        .service(create_assessment)
        .service(get_competency_profile)
        .service(get_my_competency_profile);
}
