//! `/enrolments/{id}/action-plan` and its review. Visibility is the enrolment's: the
//! participant, staff, and the participant's unit manager (404 for anyone else).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{ActionPlan, ActionPlanInput, ReviewInput};
use super::queries;
use crate::auth::{op, Allowed};
use crate::error::{ApiError, ApiResult, CreateErrors, ReadErrors, WriteErrors};
use crate::types::EnrolmentId;
use crate::web::write::Created;
use crate::web::{db, ok_versioned, IdempotencyKey, ValidJson, Write};
use crate::AppState;

fn loaded(conn: &mut crate::db::AnyConnection, id: EnrolmentId) -> ApiResult<ActionPlan> {
    queries::find(conn, id)?
        .map(ActionPlan::from)
        .ok_or(ApiError::NotFound)
}

/// A participant's action plan (the participant, staff, the participant's unit manager).
///
/// 404 while none was filed.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The plan", body = ActionPlan,
               headers(("ETag" = String, description = "Its version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/enrolments/{id}/action-plan")]
pub async fn get_action_plan(
    state: web::Data<AppState>,
    caller: Allowed<op::GetActionPlan>,
    id: web::Path<EnrolmentId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let caller = caller.caller;
    let plan = db(&state.pool, move |c| {
        crate::enrolments::access::visible(c, &caller, id)?;
        loaded(c, id)
    })
    .await?;
    Ok(ok_versioned(&plan, plan.version))
}

/// File or replace the action plan after a completed training (the participant, or staff).
///
/// 1–10 items, within `action_plan_days` after completion (else 409); a reviewed plan no
/// longer changes (409). Honours `If-Match` when replacing.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1), crate::web::IfMatch),
    request_body = ActionPlanInput,
    responses((status = 200, description = "The plan as stored", body = ActionPlan,
               headers(("ETag" = String, description = "Its version"))), WriteErrors),
    security(("bearer" = []))
)]
#[put("/enrolments/{id}/action-plan")]
pub async fn put_action_plan(
    w: Write<op::PutActionPlan>,
    id: web::Path<EnrolmentId>,
    ValidJson(body): ValidJson<ActionPlanInput>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let caller = w.caller.clone();
    let if_match = w.if_match.clone();
    let plan = w
        .run(move |tx| {
            let enrolment = crate::enrolments::access::visible(tx, &caller, id)?;
            queries::put(tx, &enrolment, &if_match, &body)?;
            loaded(tx, id)
        })
        .await?;
    Ok(ok_versioned(&plan, plan.version))
}

/// Review an action plan (the participant's unit manager, or staff).
///
/// From `transfer_review_after_days` after completion (else 409), once (409), every item of
/// the plan exactly once by its `index` (422), with the behaviour change seen (1..5).
#[utoipa::path(
    tag = "evaluation",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = ReviewInput,
    responses((status = 201, description = "Reviewed", body = ActionPlan,
               headers(("Location" = String, description = "The plan"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/enrolments/{id}/action-plan/review")]
pub async fn review_action_plan(
    w: Write<op::ReviewActionPlan>,
    id: web::Path<EnrolmentId>,
    ValidJson(body): ValidJson<ReviewInput>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let caller = w.caller.clone();
    let reviewer = caller.role.map(|_| caller.id);
    w.created(move |tx| {
        let enrolment = crate::enrolments::access::visible(tx, &caller, id)?;
        queries::review(tx, &enrolment, &body, reviewer)?;
        let plan = loaded(tx, id)?;
        Ok(Created {
            location: format!("/api/v1/enrolments/{id}/action-plan"),
            version: plan.version,
            body: plan,
        })
    })
    .await
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(get_action_plan)
        .service(put_action_plan)
        .service(review_action_plan);
}
