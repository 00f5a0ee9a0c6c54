use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{Assessment, AssessmentInput, CompetencyProfile, JpmBand, Method, ProfileItem};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::employees::routes::visible_employee;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::web::{
    created, db, paginated, PageParams, Paginated, RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

const READERS: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];

/// Who may record what: training staff any method; a unit manager only supervisor assessments
/// (of their unit, which `visible_employee` enforces).
fn may_record(caller: &Caller, method: Method) -> ApiResult<()> {
    caller.require_role_or_scope(
        &[Role::Admin, Role::Operator, Role::UnitManager],
        "employees:write",
    )?;
    if caller.is(Role::UnitManager) && method != Method::Supervisor {
        return Err(ApiError::Forbidden(
            "unit managers record supervisor assessments only".into(),
        ));
    }
    Ok(())
}

/// An employee's assessment history, newest first.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "Employee id"), PageParams),
    responses((status = 200, description = "One page of assessments", body = Paginated<Assessment>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/assessments")]
pub async fn list_assessments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    page.sort_fields(&[])?;
    let id = id.into_inner();
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        visible_employee(c, &caller, id)?;
        Ok(queries::list(c, id, offset, limit)?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(Assessment::from).collect(),
    ))
}

/// Record an assessment (admin, operator; unit managers: `supervisor` for their unit). The
/// history is append-only.
#[utoipa::path(
    tag = "assessments",
    params(("id" = i64, Path, description = "Employee id")),
    request_body = AssessmentInput,
    responses((status = 201, description = "Recorded", body = Assessment, headers(("Location" = String, description = "The employee's assessments"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/employees/{id}/assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<AssessmentInput>,
) -> ApiResult<HttpResponse> {
    may_record(&caller, body.method)?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            visible_employee(c, &caller, id)?;
            crate::competencies::queries::require_existing(
                c,
                &[body.competency_id],
                "competency_id",
            )?;
            let created_by = caller.role.map(|_| caller.id);
            let aid = queries::create(c, id, &body, created_by)?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "assessment",
                Some(aid),
                Outcome::Success,
            )?;
            Ok(queries::get(c, aid)?)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/employees/{id}/assessments"),
        &Assessment::from(row),
        1,
    ))
}

fn profile(
    conn: &mut AnyConnection,
    caller: &Caller,
    employee_id: i64,
) -> ApiResult<CompetencyProfile> {
    let employee = visible_employee(conn, caller, employee_id)?;
    let settings = crate::settings::queries::get(conn)?;
    let standard = match employee.position_id {
        Some(position) => queries::standard(conn, position)?,
        None => Vec::new(),
    };
    let ids: Vec<i64> = standard.iter().map(|s| s.0).collect();
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
    params(("id" = i64, Path, description = "Employee id")),
    responses((status = 200, description = "The competency profile", body = CompetencyProfile), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}/competency-profile")]
pub async fn competency_profile(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<web::Json<CompetencyProfile>> {
    caller.require_role_or_scope(READERS, "employees:read")?;
    let id = id.into_inner();
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
    caller: Caller,
) -> ApiResult<web::Json<CompetencyProfile>> {
    caller.require_role(READERS)?;
    let id = caller.employee_id.ok_or(ApiError::NotFound)?;
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
