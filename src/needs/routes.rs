//! `/development-needs`: the list and one need by the caller's reach, proposals (a unit
//! manager's `supervisor` needs for their units' people, an employee's `self` needs, staff's
//! either), changes, and the generation from gaps.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{
    DevelopmentNeed, Generate, Generated, NeedFilter, NeedInput, NeedPage, NeedPatch, NeedRecord,
    NeedSource,
};
use super::queries::{self, Needs};
use crate::auth::{op, Caller, Role};
use crate::db::resource::read;
use crate::error::{ActionErrors, ApiError, ApiResult, CreateErrors, DeleteErrors, WriteErrors};
use crate::types::DevelopmentNeedId;
use crate::web::{ok_versioned, IdempotencyKey, Patch, ValidJson, Write};
use crate::AppState;

crate::list_route!(
    /// Development needs of the people the caller may see (staff and clients: everyone's; unit
    /// managers: their units' people's; an employee: their own); filters `employee_id`,
    /// `unit_id` (with sub-units), `competency_id`, `status`, `source`, `year`.
    list_development_needs, op::ListDevelopmentNeeds, "/development-needs", queries::list,
    NeedFilter, NeedPage, NeedSort = ["id", "year", "priority", "status"],
    "planning"
);

fn shown(record: NeedRecord, reach: &crate::auth::Reach) -> ApiResult<NeedRecord> {
    if reach.sees_employee(record.need.employee_id, record.unit_id) {
        Ok(record)
    } else {
        Err(ApiError::NotFound)
    }
}

async fn read_visible(
    state: &AppState,
    caller: &Caller,
    id: DevelopmentNeedId,
) -> ApiResult<NeedRecord> {
    let record = read::<Needs>(state, id).await?;
    shown(record, &caller.reach_async(state).await?)
}

crate::get_route!(
    /// One development need (staff, clients with `employees:read`, the employee, their unit
    /// manager; 404 for others).
    get_development_need, op::GetDevelopmentNeed, "/development-needs/{id}", Needs,
    DevelopmentNeed, "planning", via = read_visible
);

/// The source a caller may propose: an employee `self`, a unit manager `supervisor`, staff
/// either (default `supervisor`); `gap` and `policy` are the server's.
fn source_for(caller: &Caller, asked: Option<NeedSource>) -> ApiResult<NeedSource> {
    let allowed: &[NeedSource] = match caller.role {
        Some(Role::Employee) => &[NeedSource::Own],
        Some(Role::UnitManager) => &[NeedSource::Supervisor],
        _ => &[NeedSource::Supervisor, NeedSource::Own],
    };
    match asked {
        None => Ok(allowed[0]),
        Some(s) if allowed.contains(&s) => Ok(s),
        Some(s) => Err(ApiError::validation(
            "source",
            format!("you may not propose a `{s}` need"),
        )),
    }
}

/// Propose a development need (staff; a unit manager for their units' people; an employee
/// for themself).
///
/// `source` follows who asks: `supervisor` for unit managers, `self` for employees, either
/// for staff. Another unit's employee is 404 for a unit manager, as is anyone else for an
/// employee. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "planning",
    params(IdempotencyKey),
    request_body = NeedInput,
    responses((status = 201, description = "Proposed", body = DevelopmentNeed,
               headers(("Location" = String, description = "URL of the need"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/development-needs")]
pub async fn create_development_need(
    w: Write<op::CreateDevelopmentNeed>,
    ValidJson(body): ValidJson<NeedInput>,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    let source = source_for(&caller, body.source)?;
    w.create_replayable::<Needs, _>(
        |current| format!("/api/v1/development-needs/{}", current.need.id),
        move |tx| {
            crate::employees::access::visible(tx, &caller, body.employee_id)?;
            queries::create(tx, &body, source)
        },
    )
    .await
}

/// Change a development need (staff; a unit manager for their units' people).
///
/// Any subset of the fields; it stays with its employee and source (422), and a met need no
/// longer changes (409). Without `If-Match` the last writer wins; with a stale one, 412.
#[utoipa::path(
    tag = "planning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1),
           crate::web::IfMatch),
    request_body = NeedPatch,
    responses((status = 200, description = "Updated", body = DevelopmentNeed,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/development-needs/{id}")]
pub async fn update_development_need(
    w: Write<op::UpdateDevelopmentNeed>,
    id: web::Path<DevelopmentNeedId>,
    patch: Patch<NeedInput>,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    let record = w
        .update::<Needs, _>(id.into_inner(), move |tx, current| {
            let current = shown(current, &caller.reach(tx)?)?;
            let input = patch.apply(&current)?;
            queries::update(tx, &current, &input)
        })
        .await?;
    Ok(ok_versioned(&record, record.need.version))
}

/// Delete a development need (admin, operator).
///
/// A need that is no longer wanted is better `dropped` (it stays in the plan's history). With
/// a stale `If-Match`, 412 and nothing is deleted.
#[utoipa::path(
    tag = "planning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1),
           crate::web::IfMatch),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/development-needs/{id}")]
pub async fn delete_development_need(
    w: Write<op::DeleteDevelopmentNeed>,
    id: web::Path<DevelopmentNeedId>,
) -> ApiResult<HttpResponse> {
    w.delete::<Needs, _>(id.into_inner(), move |tx, current| {
        queries::delete(tx, &current)
    })
    .await
}

/// Open a `gap` need for every active employee and competency assessed below their
/// position's standard (admin, operator).
///
/// Idempotent: a need already opened for the employee, competency and year is not opened
/// again, so a second run opens nothing.
#[utoipa::path(
    tag = "planning",
    request_body = Generate,
    responses((status = 200, description = "What was opened", body = Generated), ActionErrors),
    security(("bearer" = []))
)]
#[post("/development-needs/generate")]
pub async fn generate_development_needs(
    w: Write<op::GenerateDevelopmentNeeds>,
    ValidJson(body): ValidJson<Generate>,
) -> ApiResult<HttpResponse> {
    let year = body.year;
    let created = w
        .run(move |tx| {
            let created = queries::generate(tx, year)?;
            tx.record(
                crate::audit::Action::Import,
                crate::audit::Entity::DevelopmentNeed,
                None,
            )?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Generated { year, created }))
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(generate_development_needs)
        .service(list_development_needs)
        .service(get_development_need)
        .service(create_development_need)
        .service(update_development_need)
        .service(delete_development_need);
}
