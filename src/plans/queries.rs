//! Plans' SQL: the plan and item resources, the list, and the writers: one plan per year, an
//! approved plan's items keep their planned figures (only the trainings that realise them
//! change), and a training realises one item at most.

use std::marker::PhantomData;

use diesel::prelude::*;

use super::model::{AnnualPlanItem, AnnualPlanItemInput, Plan, PlanFilter, PlanInput, PlanStatus};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::{plan_item_trainings, plan_items, plans};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, CompetencyId, JsonText, PartnerId, PlanId, PlanItemId, TrainingId};

crate::simple_resource!(Plans, Plan, plans, PlanId, Plan);
crate::simple_resource!(PlanItems, PlanItem, plan_items, PlanItemId, AnnualPlanItem);

fn link<T>(
    table: &'static str,
    target: &'static str,
    copy: &'static str,
) -> LinkTable<PlanItemId, T> {
    LinkTable {
        table,
        owner: "item_id",
        target,
        owner_table: "plan_items",
        copy,
        ids: PhantomData,
    }
}

fn filtered(f: &PlanFilter) -> plans::BoxedQuery<'static, Backend> {
    let mut q = plans::table.into_boxed();
    crate::eq_filters!(q, f; year => plans::year, status => plans::status);
    q
}

crate::simple_list!(PlanFilter => Plan, plans, filtered, {
    "year" => plans::year,
    "status" => plans::status,
});

/// One plan a year (409).
fn check(conn: &mut AnyConnection, p: &PlanInput, id: Option<PlanId>) -> ApiResult<()> {
    let taken: bool = diesel::select(diesel::dsl::exists(
        plans::table
            .filter(plans::year.eq(p.year))
            .filter(plans::id.ne(id.unwrap_or(PlanId(0)))),
    ))
    .get_result(conn)?;
    if taken {
        return Err(ApiError::conflict(format!(
            "there is a plan for {} already",
            p.year
        )));
    }
    Ok(())
}

pub fn create(tx: &mut Tx, p: &PlanInput) -> ApiResult<PlanId> {
    check(tx, p, None)?;
    Ok(crate::insert_new!(tx, plans, p)?)
}

pub fn update(tx: &mut Tx, current: &Plan, p: &PlanInput) -> ApiResult<()> {
    check(tx, p, Some(current.id))?;
    diesel::update(plans::table.find(current.id))
        .set(p)
        .execute(tx.conn())?;
    Ok(())
}

/// An approved plan is kept (409: return it to `draft` first); a draft goes with its items.
pub fn delete(tx: &mut Tx, current: &Plan) -> ApiResult<()> {
    approved_is_kept(current)?;
    diesel::delete(plan_items::table.filter(plan_items::plan_id.eq(current.id)))
        .execute(tx.conn())?;
    diesel::delete(plans::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}

fn approved_is_kept(plan: &Plan) -> ApiResult<()> {
    if plan.status == PlanStatus::Approved {
        return Err(ApiError::conflict(
            "the plan is approved: return it to `draft` to change what it plans",
        ));
    }
    Ok(())
}

/// A plan's items, in id order.
pub fn items(conn: &mut AnyConnection, plan: PlanId) -> QueryResult<Vec<AnnualPlanItem>> {
    plan_items::table
        .filter(plan_items::plan_id.eq(plan))
        .order(plan_items::id)
        .select(AnnualPlanItem::as_select())
        .load(conn)
}

/// What an item names exists (422), and its trainings realise no other item (409).
fn check_item(
    conn: &mut AnyConnection,
    i: &AnnualPlanItemInput,
    id: Option<PlanItemId>,
) -> ApiResult<()> {
    let units: Vec<i64> = i.seats_by_unit.iter().map(|u| u.unit_id.0).collect();
    refs::require(
        conn,
        &[
            ("competency_ids", Entity::Competency, raw(&i.competency_ids)),
            ("partner_ids", Entity::Partner, raw(&i.partner_ids)),
            ("training_ids", Entity::Training, raw(&i.training_ids)),
            ("seats_by_unit", Entity::Unit, units),
        ],
    )?;
    let elsewhere: Vec<TrainingId> = plan_item_trainings::table
        .filter(plan_item_trainings::training_id.eq_any(i.training_ids.clone()))
        .filter(plan_item_trainings::item_id.ne(id.unwrap_or(PlanItemId(0))))
        .select(plan_item_trainings::training_id)
        .load(conn)?;
    if let Some(t) = elsewhere.first() {
        return Err(ApiError::conflict(format!(
            "training {t} already realises another plan item"
        )));
    }
    Ok(())
}

fn write_links(tx: &mut Tx, id: PlanItemId, i: &AnnualPlanItemInput) -> ApiResult<()> {
    link::<CompetencyId>("plan_item_competencies", "competency_id", "competency_ids").replace(
        tx,
        id,
        &i.competency_ids,
    )?;
    link::<PartnerId>("plan_item_partners", "partner_id", "partner_ids").replace(
        tx,
        id,
        &i.partner_ids,
    )?;
    link::<TrainingId>("plan_item_trainings", "training_id", "training_ids").replace(
        tx,
        id,
        &i.training_ids,
    )?;
    let mut by_unit = i.seats_by_unit.clone();
    by_unit.sort_by_key(|u| u.unit_id);
    diesel::update(plan_items::table.find(id))
        .set(plan_items::seats_by_unit.eq(JsonText::to_text(&by_unit)))
        .execute(tx.conn())?;
    Ok(())
}

/// A new item of a draft plan (409 for an approved one).
pub fn create_item(tx: &mut Tx, plan: &Plan, i: &AnnualPlanItemInput) -> ApiResult<PlanItemId> {
    approved_is_kept(plan)?;
    check_item(tx, i, None)?;
    let id = crate::insert_new!(tx, plan_items, (i, plan_items::plan_id.eq(plan.id)))?;
    write_links(tx, id, i)?;
    Ok(id)
}

/// Whether `i` plans what `current` plans (all but the trainings that realise it).
fn plans_the_same(current: &AnnualPlanItem, i: &AnnualPlanItemInput) -> bool {
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut units = i.seats_by_unit.clone();
    units.sort_by_key(|u| u.unit_id);
    current.title == i.title
        && current.form == i.form
        && (current.runs, current.seats) == (i.runs, i.seats)
        && (current.unit_cost, current.budget) == (i.unit_cost, i.budget)
        && current.seats_by_unit.0 == units
        && raw(&current.competency_ids.0) == sorted(raw(&i.competency_ids))
        && raw(&current.partner_ids.0) == sorted(raw(&i.partner_ids))
}

/// Changes an item; of an approved plan's item only the trainings that realise it (409).
pub fn update_item(
    tx: &mut Tx,
    plan: &Plan,
    current: &AnnualPlanItem,
    i: &AnnualPlanItemInput,
) -> ApiResult<()> {
    if !plans_the_same(current, i) {
        approved_is_kept(plan)?;
    }
    check_item(tx, i, Some(current.id))?;
    diesel::update(plan_items::table.find(current.id))
        .set(i)
        .execute(tx.conn())?;
    write_links(tx, current.id, i)
}

/// Deletes an item of a draft plan (409 for an approved one).
pub fn delete_item(tx: &mut Tx, plan: &Plan, current: &AnnualPlanItem) -> ApiResult<()> {
    approved_is_kept(plan)?;
    diesel::delete(plan_items::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
