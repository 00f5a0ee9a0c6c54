//! `GET /reports/plan-realization`: the year's plan, item by item, against the trainings that
//! realise it — runs and seats held, budget and money spent, development needs open and met.
//! Runs, budget and spending are the city's; for a unit scope the seats and needs are the
//! scope's people's (and the planned seats those of its units).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::model::{PlanRealization, PlanRealizationItem, PlanRealizationTotals};
use super::queries::Scope;
use crate::db::id_list;
use crate::db::schema::plans;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::plans::model::AnnualPlanItem;
use crate::trainings::model::TrainingStatus;

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    cost: Option<i64>,
    #[diesel(sql_type = BigInt)]
    seats: i64,
}

#[derive(QueryableByName)]
struct NeedCount {
    #[diesel(sql_type = Nullable<BigInt>)]
    competency_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    training_id: Option<i64>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub fn build(conn: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<PlanRealization> {
    let plan: Option<i64> = plans::table
        .filter(plans::year.eq(year))
        .select(plans::id)
        .first(conn)
        .optional()?;
    let Some(plan) = plan else {
        return Ok(PlanRealization {
            year,
            plan_id: None,
            items: Vec::new(),
            totals: PlanRealizationTotals::default(),
        });
    };
    let items: Vec<AnnualPlanItem> =
        crate::plans::queries::items(conn, crate::types::PlanId(plan))?;
    // The held trainings of the items, with their cost and the seats the scope's people hold.
    let trainings: Vec<i64> = items
        .iter()
        .flat_map(|i| crate::types::raw(&i.training_ids.0))
        .collect();
    let held: HashMap<i64, Held> = if trainings.is_empty() {
        HashMap::new()
    } else {
        diesel::sql_query(format!(
            "SELECT t.id, t.cost, CAST(COALESCE((SELECT SUM(et.participants) FROM {} \
               WHERE et.training_id = t.id{}), 0) AS BIGINT) AS seats \
             FROM trainings t WHERE t.id IN ({}) AND t.status IN ('{}', '{}')",
            s.kept("enrolment_totals", "et"),
            s.units("et.unit_id"),
            id_list(&trainings),
            TrainingStatus::Ongoing,
            TrainingStatus::Completed,
        ))
        .load::<Held>(conn)?
        .into_iter()
        .map(|h| (h.id, h))
        .collect()
    };
    // The year's needs of the scope's people: not yet met per competency, met per training;
    // one pass over the index on (year, competency, training, status).
    let mut open: HashMap<i64, i64> = HashMap::new();
    let mut met: HashMap<i64, i64> = HashMap::new();
    for c in diesel::sql_query(format!(
        "SELECT d.competency_id, d.training_id, d.status, CAST(COUNT(*) AS BIGINT) AS n \
         FROM development_needs d WHERE d.year = {year}{} \
         GROUP BY d.competency_id, d.training_id, d.status",
        s.in_people("d.employee_id")
    ))
    .load::<NeedCount>(conn)?
    {
        match (c.status.as_str(), c.competency_id, c.training_id) {
            ("open" | "planned", Some(k), _) => *open.entry(k).or_default() += c.n,
            ("met", _, Some(k)) => *met.entry(k).or_default() += c.n,
            _ => {}
        }
    }
    let mut totals = PlanRealizationTotals::default();
    let rows = items
        .into_iter()
        .map(|item| {
            let ran: Vec<&Held> = item
                .training_ids
                .0
                .iter()
                .filter_map(|t| held.get(&t.0))
                .collect();
            let planned_seats = match &s.units {
                None => i64::from(item.seats),
                Some(units) => item
                    .seats_by_unit
                    .0
                    .iter()
                    .filter(|u| units.contains(&u.unit_id.0))
                    .map(|u| i64::from(u.seats))
                    .sum(),
            };
            let row = PlanRealizationItem {
                item_id: item.id.0,
                title: item.title,
                planned_runs: i64::from(item.runs),
                held_runs: ran.len() as i64,
                planned_seats,
                seats_used: ran.iter().map(|h| h.seats).sum(),
                budget: item
                    .budget
                    .or(item.unit_cost.map(|c| c * i64::from(item.seats))),
                spent: ran.iter().filter_map(|h| h.cost).sum(),
                needs_open: item
                    .competency_ids
                    .0
                    .iter()
                    .map(|c| open.get(&c.0).copied().unwrap_or(0))
                    .sum(),
                needs_met: item
                    .training_ids
                    .0
                    .iter()
                    .map(|t| met.get(&t.0).copied().unwrap_or(0))
                    .sum(),
            };
            totals.planned_runs += row.planned_runs;
            totals.held_runs += row.held_runs;
            totals.planned_seats += row.planned_seats;
            totals.seats_used += row.seats_used;
            totals.budget += row.budget.unwrap_or(0);
            totals.spent += row.spent;
            totals.needs_open += row.needs_open;
            totals.needs_met += row.needs_met;
            row
        })
        .collect();
    Ok(PlanRealization {
        year,
        plan_id: Some(plan),
        items: rows,
        totals,
    })
}
