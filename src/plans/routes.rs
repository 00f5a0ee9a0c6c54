//! `/plans`: the standard handlers of a resource, and a plan's items
//! (`/plans/{id}/items[/{item_id}]`).

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{
    AnnualPlanItem, AnnualPlanItemInput, AnnualPlanItemPatch, Plan, PlanFilter, PlanInput,
    PlanPage, PlanPatch,
};
use super::queries::{self, PlanItems, Plans};
use crate::audit::Entity;
use crate::auth::{op, Allowed};
use crate::db::resource::{read, Resource};
use crate::db::write::Tx;
use crate::error::{ApiError, ApiResult, CreateErrors, DeleteErrors, ReadErrors, WriteErrors};
use crate::types::{PlanId, PlanItemId};
use crate::web::{db, ok_versioned, IdempotencyKey, Patch, ValidJson, Write};
use crate::AppState;

crate::resource_routes! {
    Plans at "/plans", "/plans/{id}" tagged "planning";
    /// List the annual competency-development plans. Sort by `id`, `year`, `status`.
    list list_plans: ListPlans(PlanFilter => PlanPage)
        sorted PlanSort ["id", "year", "status"];
    /// One plan.
    get get_plan: GetPlan(Plan);
    /// Create a year's plan (admin, operator). One plan a year: a second is 409.
    create create_plan: CreatePlan(PlanInput => Plan);
    /// Change a plan (admin, operator), e.g. approve it (`status: approved`): an approved plan's
    /// items keep what they plan, and only the trainings that realise them change.
    update update_plan: UpdatePlan(PlanInput, PlanPatch => Plan);
    /// Delete a draft plan with its items (admin, operator); an approved one is 409.
    delete delete_plan: DeletePlan;
    service list_plan_items;
    service create_plan_item;
    service get_plan_item;
    service update_plan_item;
    service delete_plan_item;
}

/// A plan's items.
///
/// In id order, each with the trainings that realise it; `GET /reports/plan-realization` sets
/// them against what was held.
#[utoipa::path(
    tag = "planning",
    params(("id" = i64, Path, description = "The plan's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The items", body = Vec<AnnualPlanItem>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/plans/{id}/items")]
pub async fn list_plan_items(
    state: web::Data<AppState>,
    _: Allowed<op::ListPlanItems>,
    id: web::Path<PlanId>,
) -> ApiResult<web::Json<Vec<AnnualPlanItem>>> {
    let id = id.into_inner();
    let items = db(&state.pool, move |c| {
        Plans::row(c, id)?;
        Ok(queries::items(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Add an item to a draft plan (admin, operator; 409 for an approved plan).
///
/// Competencies, partners, trainings and units must exist (422); a training realises one item
/// at most (409). With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "planning",
    params(("id" = i64, Path, description = "The plan's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = AnnualPlanItemInput,
    responses((status = 201, description = "Added", body = AnnualPlanItem,
               headers(("Location" = String, description = "URL of the item"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/plans/{id}/items")]
pub async fn create_plan_item(
    w: Write<op::CreatePlanItem>,
    id: web::Path<PlanId>,
    ValidJson(body): ValidJson<AnnualPlanItemInput>,
) -> ApiResult<HttpResponse> {
    let plan = id.into_inner();
    w.create_replayable::<PlanItems, _>(
        move |item| format!("/api/v1/plans/{plan}/items/{}", item.id),
        move |tx| {
            let current = locked_plan(tx, plan)?;
            queries::create_item(tx, &current, &body)
        },
    )
    .await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    /// The plan's id
    #[param(minimum = 1, example = 1)]
    pub id: PlanId,
    /// The item's id
    #[param(minimum = 1, example = 1)]
    pub item_id: PlanItemId,
}

/// The plan, locked: its status decides what its items may change, so a change of an item and
/// the plan's approval do not pass each other.
fn locked_plan(tx: &mut Tx, id: PlanId) -> ApiResult<Plan> {
    tx.lock(Entity::Plan, &[id.0])?;
    Plans::load(tx, id)
}

/// The item when it is one of the plan's (404 otherwise), with its plan locked.
fn of_plan(tx: &mut Tx, plan: PlanId, item: &AnnualPlanItem) -> ApiResult<Plan> {
    if item.plan_id != plan {
        return Err(ApiError::NotFound);
    }
    locked_plan(tx, plan)
}

/// One item of a plan.
///
/// 404 for another plan's item. The `ETag` is the version: send it as `If-Match` to change or
/// delete the item, or as `If-None-Match` to get 304 while it is unchanged.
#[utoipa::path(
    tag = "planning",
    params(ItemPath,
           ("If-None-Match" = Option<String>, Header, description = "The ETag read before: 304 while unchanged")),
    responses((status = 200, description = "Found", body = AnnualPlanItem,
               headers(("ETag" = String, description = "The current version"))),
              (status = 304, description = "Unchanged since the ETag sent as If-None-Match"),
              ReadErrors),
    security(("bearer" = []))
)]
#[get("/plans/{id}/items/{item_id}")]
pub async fn get_plan_item(
    state: web::Data<AppState>,
    _: Allowed<op::GetPlanItem>,
    path: web::Path<ItemPath>,
) -> ApiResult<HttpResponse> {
    let ItemPath { id, item_id } = path.into_inner();
    let item = read::<PlanItems>(&state, item_id).await?;
    if item.plan_id != id {
        return Err(ApiError::NotFound);
    }
    Ok(ok_versioned(&item, item.version))
}

/// Change an item (admin, operator).
///
/// Any subset of the fields. Of an approved plan's item only `training_ids` changes (409 for
/// the rest). Without `If-Match` the last writer wins; with a stale one, 412.
#[utoipa::path(
    tag = "planning",
    params(ItemPath,
           crate::web::IfMatch),
    request_body = AnnualPlanItemPatch,
    responses((status = 200, description = "Updated", body = AnnualPlanItem,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/plans/{id}/items/{item_id}")]
pub async fn update_plan_item(
    w: Write<op::UpdatePlanItem>,
    path: web::Path<ItemPath>,
    patch: Patch<AnnualPlanItemInput>,
) -> ApiResult<HttpResponse> {
    let ItemPath { id, item_id } = path.into_inner();
    let item = w
        .update::<PlanItems, _>(item_id, move |tx, current| {
            let plan = of_plan(tx, id, &current)?;
            let input = patch.apply(&current)?;
            queries::update_item(tx, &plan, &current, &input)
        })
        .await?;
    Ok(ok_versioned(&item, item.version))
}

/// Delete an item of a draft plan (admin, operator).
///
/// 409 for an approved plan's item: return the plan to `draft` first. With a stale
/// `If-Match`, 412 and nothing is deleted.
#[utoipa::path(
    tag = "planning",
    params(ItemPath,
           crate::web::IfMatch),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/plans/{id}/items/{item_id}")]
pub async fn delete_plan_item(
    w: Write<op::DeletePlanItem>,
    path: web::Path<ItemPath>,
) -> ApiResult<HttpResponse> {
    let ItemPath { id, item_id } = path.into_inner();
    w.delete::<PlanItems, _>(item_id, move |tx, current| {
        let plan = of_plan(tx, id, &current)?;
        queries::delete_item(tx, &plan, &current)
    })
    .await
}
