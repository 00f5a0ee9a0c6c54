//! An employee's assessments and competency profile (gaps and JPM against the standard).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{Assessment, AssessmentInput, CompetencyProfile, JpmBand, Method, ProfileItem};
use super::queries;
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed, Caller, Role};
use crate::db::AnyConnection;
use crate::employees::access;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::types::EmployeeId;
use crate::web::{created, db, paginated, PageParams, Paginated, ValidJson, ValidQuery, Write};
use crate::AppState;

/// An employee's assessment history, newest first.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id"), PageParams),
    responses((status = 200, description = "One page of assessments", body = Paginated<Assessment>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/assessments")]
pub async fn list_assessments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::ListAssessments>,
    id: web::Path<EmployeeId>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    page.sort_fields(&[])?;
    let id = id.into_inner();
    let window = page.window();
    let caller = caller.caller;
    let (total, rows) = db(&state.pool, move |c| {
        access::visible(c, &caller, id)?;
        Ok(queries::list(c, id, window)?)
    })
    .await?;
    Ok(paginated(&req, &page, total, rows))
}

/// Record an assessment (admin, operator; unit managers: `supervisor` for their unit). The
/// history is append-only.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id")),
    request_body = AssessmentInput,
    responses((status = 201, description = "Recorded", body = Assessment, headers(("Location" = String, description = "The employee's assessments"))), WriteErrors),
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
    let assessment = w
        .run(move |tx| {
            access::visible(tx, &caller, id)?;
            let aid = queries::create(tx, id, &body, created_by)?;
            tx.record(Action::Create, Entity::Assessment, Some(aid.0))?;
            Ok(queries::get(tx, aid)?)
        })
        .await?;
    Ok(created(
        format!("/api/v1/employees/{id}/assessments"),
        &assessment,
        1,
    ))
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

/// An employee's competencies against their position's standard: gaps, JPM and its band.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "The employee's id")),
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/competency-profile")]
pub async fn competency_profile(
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
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/competency-profile")]
pub async fn my_competency_profile(
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
        .service(competency_profile)
        .service(my_competency_profile);
}
