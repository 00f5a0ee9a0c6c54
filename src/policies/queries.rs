//! Policies' SQL: the resource, the list, the writers, and the needs a policy opens. Whom a
//! policy affects and who is refreshed on it is kept by `aggregates::coverage`, its one
//! definition, which every writer here tells of the change.

use std::marker::PhantomData;

use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use super::model::{Policy, PolicyFilter, PolicyInput};
use crate::aggregates::{after, Change};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::{policies, policy_competencies, training_policies};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, CompetencyId, PolicyId, PositionId};

crate::simple_resource!(Policies, Policy, policies, PolicyId, Policy);

const COMPETENCIES: LinkTable<PolicyId, CompetencyId> = LinkTable {
    table: "policy_competencies",
    owner: "policy_id",
    target: "competency_id",
    owner_table: "policies",
    copy: "competency_ids",
    ids: PhantomData,
};

const POSITIONS: LinkTable<PolicyId, PositionId> = LinkTable {
    table: "policy_positions",
    owner: "policy_id",
    target: "position_id",
    owner_table: "policies",
    copy: "position_ids",
    ids: PhantomData,
};

fn filtered(f: &PolicyFilter) -> policies::BoxedQuery<'static, Backend> {
    let mut q = policies::table.into_boxed();
    if let Some(c) = f.competency_id {
        q = q.filter(
            policies::id.eq_any(
                policy_competencies::table
                    .filter(policy_competencies::competency_id.eq(c))
                    .select(policy_competencies::policy_id),
            ),
        );
    }
    crate::text_search!(q, f.q, policies: title, reference);
    q
}

crate::simple_list!(PolicyFilter => Policy, policies, filtered, {
    "title" => policies::title,
    "reference" => policies::reference,
    "issued_on" => policies::issued_on,
});

fn check(conn: &mut AnyConnection, p: &PolicyInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[
            ("competency_ids", Entity::Competency, raw(&p.competency_ids)),
            ("position_ids", Entity::Position, raw(&p.position_ids)),
        ],
    )
}

pub fn create(tx: &mut Tx, p: &PolicyInput) -> ApiResult<PolicyId> {
    check(tx, p)?;
    let id = crate::insert_new!(tx, policies, p)?;
    COMPETENCIES.replace(tx, id, &p.competency_ids)?;
    POSITIONS.replace(tx, id, &p.position_ids)?;
    after(tx, Change::Policies(&[id]))?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Policy, p: &PolicyInput) -> ApiResult<()> {
    check(tx, p)?;
    diesel::update(policies::table.find(current.id))
        .set(p)
        .execute(tx.conn())?;
    COMPETENCIES.replace(tx, current.id, &p.competency_ids)?;
    POSITIONS.replace(tx, current.id, &p.position_ids)?;
    if moves_coverage(current, p) {
        after(tx, Change::Policies(&[current.id]))?;
    }
    Ok(())
}

/// Whether a change alters whom the policy affects or who is refreshed on it: its issue day,
/// competencies or positions (a policy that affects every employee takes seconds to compute
/// afresh at 200,000 of them; a new title or summary need not).
fn moves_coverage(current: &Policy, p: &PolicyInput) -> bool {
    let set = |ids: Vec<i64>| -> Vec<i64> {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    current.issued_on != p.issued_on
        || set(raw(&current.competency_ids.0)) != set(raw(&p.competency_ids))
        || set(raw(&current.position_ids.0)) != set(raw(&p.position_ids))
}

/// A policy that trainings refresh on, or that opened needs, is kept (409).
pub fn delete(tx: &mut Tx, current: &Policy) -> ApiResult<()> {
    let uses = refs::uses(
        tx,
        current.id.0,
        &[
            ("training_policies", "policy_id"),
            ("development_needs", "policy_id"),
        ],
    )?;
    if uses.iter().any(|&n| n > 0) {
        return Err(ApiError::conflict(
            "trainings refresh on the policy, or it opened development needs",
        ));
    }
    diesel::delete(policies::table.find(current.id)).execute(tx.conn())?;
    after(tx, Change::Policies(&[current.id]))?;
    Ok(())
}

/// Whether the policy's refresher is due: `issued_on + refresher_due_days` has passed.
pub fn overdue(policy: &Policy, today: chrono::NaiveDate) -> bool {
    let days = u64::try_from(policy.refresher_due_days).unwrap_or(0);
    policy.issued_on + chrono::Days::new(days) < today
}

/// Opens a `policy` development need for every affected employee not refreshed (as kept by
/// `aggregates::coverage`) and without one for this policy (priority 1 when the refresher is
/// overdue), in the current year; how many it opened. Serialised, so two runs at once cannot open one twice.
pub fn open_needs(tx: &mut Tx, policy: &Policy) -> ApiResult<i64> {
    tx.serialize(Entity::DevelopmentNeed)?;
    let today = crate::types::today();
    let priority = if overdue(policy, today) { 1 } else { 2 };
    let year = chrono::Datelike::year(&today);
    let sql = format!(
        "INSERT INTO development_needs (employee_id, competency_id, title, source, priority, year, status, policy_id, created_at, updated_at, version) \
         SELECT pp.employee_id, NULL, $2, 'policy', {priority}, {year}, 'open', {id}, $1, $1, 1 FROM policy_people pp \
         WHERE pp.policy_id = {id} AND pp.refreshed = 0 AND NOT EXISTS (SELECT 1 FROM development_needs d \
           WHERE d.employee_id = pp.employee_id AND d.policy_id = {id} AND d.source = 'policy')",
        id = policy.id,
    );
    let sql = match tx.conn() {
        AnyConnection::Sqlite(_) => sql.replace("$1", "?1").replace("$2", "?2"),
        AnyConnection::Postgresql(_) => sql,
    };
    let title = format!("Penyegaran {}: {}", policy.reference, policy.title);
    let created = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now())
        .bind::<Text, _>(title.chars().take(300).collect::<String>())
        .execute(tx.conn())?;
    Ok(created as i64)
}

/// The policies a training refreshes on.
pub fn of_training(
    conn: &mut AnyConnection,
    training: crate::types::TrainingId,
) -> QueryResult<Vec<PolicyId>> {
    training_policies::table
        .filter(training_policies::training_id.eq(training))
        .select(training_policies::policy_id)
        .load(conn)
}
