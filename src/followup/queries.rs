//! Action plans' SQL and rules: the windows after completion, the review's coverage of the
//! plan, and the counts the transfer report sums.

use diesel::prelude::*;

use super::model::{ActionPlanInput, ActionPlanRow, ItemStatus, PlanItem, ReviewInput};
use crate::audit::{Action, Entity};
use crate::db::schema::action_plans;
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::enrolments::model::{EnrolmentRecord, EnrolmentStatus};
use crate::error::{ApiError, ApiResult};
use crate::types::{EnrolmentId, JsonText};
use crate::web::IfMatch;

pub fn find(conn: &mut AnyConnection, id: EnrolmentId) -> QueryResult<Option<ActionPlanRow>> {
    action_plans::table
        .find(id)
        .select(ActionPlanRow::as_select())
        .first(conn)
        .optional()
}

/// The day of completion, or 409: plans follow completed trainings only.
fn completed_on(e: &EnrolmentRecord) -> ApiResult<chrono::NaiveDate> {
    match (e.enrolment.status, e.enrolment.completed_on) {
        (EnrolmentStatus::Completed, Some(day)) => Ok(day),
        _ => Err(ApiError::conflict(
            "an action plan follows a completed training",
        )),
    }
}

fn days(n: i32) -> chrono::Duration {
    chrono::Duration::days(i64::from(n))
}

/// Files or replaces the plan, within `action_plan_days` of completion and before its review.
pub fn put(
    tx: &mut Tx,
    enrolment: &EnrolmentRecord,
    if_match: &IfMatch,
    input: &ActionPlanInput,
) -> ApiResult<()> {
    let id = enrolment.enrolment.id;
    tx.lock(Entity::Enrolment, &[id.0])?;
    let done = completed_on(enrolment)?;
    let window = crate::settings::queries::get(tx)?.action_plan_days;
    if crate::types::today() > done + days(window) {
        return Err(ApiError::conflict(format!(
            "action plans are filed within {window} days of completion"
        )));
    }
    let items: Vec<PlanItem> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| PlanItem {
            index: i as i32,
            description: item.description.clone(),
            due_on: item.due_on,
            status: None,
        })
        .collect();
    let at = now();
    let text = JsonText::to_text(&items);
    match find(tx, id)? {
        Some(current) => {
            if_match.check(current.version)?;
            if current.reviewed_at.is_some() {
                return Err(ApiError::conflict("a reviewed plan no longer changes"));
            }
            diesel::update(action_plans::table.find(id))
                .set((
                    action_plans::items.eq(text),
                    action_plans::item_count.eq(items.len() as i32),
                    action_plans::submitted_at.eq(at),
                    action_plans::updated_at.eq(at),
                    action_plans::version.eq(current.version + 1),
                ))
                .execute(tx.conn())?;
            tx.record(Action::Update, Entity::ActionPlan, Some(id.0))
        }
        None => {
            // There is no version to match yet.
            if_match.check(0)?;
            diesel::insert_into(action_plans::table)
                .values((
                    action_plans::enrolment_id.eq(id),
                    action_plans::items.eq(text),
                    action_plans::item_count.eq(items.len() as i32),
                    action_plans::submitted_at.eq(at),
                    action_plans::created_at.eq(at),
                    action_plans::updated_at.eq(at),
                    action_plans::version.eq(1),
                ))
                .execute(tx.conn())?;
            tx.record(Action::Create, Entity::ActionPlan, Some(id.0))
        }
    }
}

/// Reviews the plan once, from `transfer_review_after_days` after completion; every item
/// exactly once.
pub fn review(
    tx: &mut Tx,
    enrolment: &EnrolmentRecord,
    input: &ReviewInput,
    reviewer: Option<i64>,
) -> ApiResult<()> {
    let id = enrolment.enrolment.id;
    tx.lock(Entity::Enrolment, &[id.0])?;
    let done = completed_on(enrolment)?;
    let Some(plan) = find(tx, id)? else {
        return Err(ApiError::conflict("there is no action plan to review"));
    };
    if plan.reviewed_at.is_some() {
        return Err(ApiError::conflict("the plan was already reviewed"));
    }
    let after = crate::settings::queries::get(tx)?.transfer_review_after_days;
    let from = done + days(after);
    if crate::types::today() < from {
        return Err(ApiError::conflict(format!(
            "a plan is reviewed from {after} days after completion (from {from})"
        )));
    }
    let mut items = plan.items.0;
    let mut seen = vec![false; items.len()];
    for r in &input.items {
        let Some(slot) = seen.get_mut(r.index as usize) else {
            return Err(ApiError::validation(
                "items",
                format!("the plan has no item {} (it has {})", r.index, items.len()),
            ));
        };
        if *slot {
            return Err(ApiError::validation(
                "items",
                format!("item {} is reviewed twice", r.index),
            ));
        }
        *slot = true;
        items[r.index as usize].status = Some(r.status);
    }
    if seen.iter().any(|s| !s) {
        return Err(ApiError::validation(
            "items",
            "every item of the plan is reviewed",
        ));
    }
    let implemented = items
        .iter()
        .filter(|i| i.status == Some(ItemStatus::Implemented))
        .count() as i32;
    let at = now();
    diesel::update(action_plans::table.find(id))
        .set((
            action_plans::items.eq(JsonText::to_text(&items)),
            action_plans::reviewed_at.eq(at),
            action_plans::reviewed_by.eq(reviewer),
            action_plans::behaviour_change.eq(input.behaviour_change),
            action_plans::review_note.eq(input.note.as_deref()),
            action_plans::implemented_count.eq(implemented),
            action_plans::updated_at.eq(at),
            action_plans::version.eq(plan.version + 1),
        ))
        .execute(tx.conn())?;
    tx.record(Action::Update, Entity::ActionPlan, Some(id.0))
}
