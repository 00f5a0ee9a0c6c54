//! Whom each policy affects and who of them is refreshed on it, kept (`policy_people`,
//! migration 39): the one definition of both, read by the policy-coverage report (a few
//! thousand rows counted per policy instead of every employee matched against every policy's
//! positions and linked completions: ~100 ms a policy at 200k employees) and by the needs a
//! policy opens.
//!
//! - **Affected**: an active employee whose position the policy names, or whose position's
//!   standard requires a competency the policy names.
//! - **Refreshed**: an affected employee who completed a training linked to the policy on or
//!   after the day it was issued.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{chunked, lock, Kept};
use crate::db::AnyConnection;

/// Whose rows to compute afresh.
#[derive(Debug, Clone, Copy)]
pub(super) enum Of<'a> {
    /// These employees, under every policy (their position, unit, activity or completions
    /// changed).
    Employees(&'a [i64]),
    /// The holders of this position (its standard changed).
    Position(i64),
    /// Every employee under these policies (a policy or its links changed).
    Policies(&'a [i64]),
    All,
}

/// The (policy, position) pairs of whom each policy affects: the positions it names and those
/// whose standard requires a competency it names; of the positions `held` names (a SQL set,
/// e.g. the positions of the employees refreshed: a write of one person's enrolments reads
/// their position's pairs only), or of all.
fn positions(held: Option<&str>) -> String {
    let (named, required) = match held {
        Some(set) => (
            format!(" WHERE position_id IN {set}"),
            format!(" WHERE ps.position_id IN {set}"),
        ),
        None => Default::default(),
    };
    format!(
        "(SELECT policy_id, position_id FROM policy_positions{named} \
         UNION SELECT pc.policy_id, ps.position_id FROM position_standards ps \
           JOIN policy_competencies pc ON pc.competency_id = ps.competency_id{required})"
    )
}

/// Recomputes the rows of `of` from the source rows.
pub(super) fn refresh(conn: &mut AnyConnection, of: Of) -> QueryResult<()> {
    // Per employee under the table's shared lock; whole policies or positions under its
    // exclusive one, since their rows cross every employee's.
    let (employees, keys) = match of {
        Of::Employees(ids) => (Some(ids), Some(ids)),
        _ => (None, None),
    };
    lock(conn, Kept::Coverage, keys)?;
    // (kept rows, source rows, the positions they hold when only some people's are refreshed)
    let parts: Vec<(String, String, Option<String>)> = match of {
        Of::Employees(_) => chunked(employees, "employee_id", "e.id")
            .into_iter()
            .map(|(kept, source)| {
                let held = format!("(SELECT e.position_id FROM employees e WHERE {source})");
                (kept, source, Some(held))
            })
            .collect(),
        Of::Position(p) => vec![(
            format!("employee_id IN (SELECT id FROM employees WHERE position_id = {p})"),
            format!("e.position_id = {p}"),
            Some(format!("({p})")),
        )],
        Of::Policies(ids) => without_positions(chunked(Some(ids), "policy_id", "a.policy_id")),
        Of::All => without_positions(chunked(None, "", "")),
    };
    for (kept, source, held) in parts {
        let positions = positions(held.as_deref());
        conn.batch_execute(&format!(
            "DELETE FROM policy_people WHERE {kept}; \
             INSERT INTO policy_people (policy_id, employee_id, unit_id, refreshed) \
             SELECT a.policy_id, e.id, e.unit_id, CASE WHEN EXISTS (SELECT 1 FROM enrolments en \
                 JOIN training_policies tp ON tp.training_id = en.training_id \
                 WHERE tp.policy_id = a.policy_id AND en.employee_id = e.id \
                   AND en.status = 'completed' AND en.completed_on >= p.issued_on) THEN 1 ELSE 0 END \
             FROM {positions} a JOIN policies p ON p.id = a.policy_id \
             JOIN employees e ON e.position_id = a.position_id \
             WHERE e.active = TRUE AND {source};"
        ))?;
    }
    Ok(())
}

/// Chunks that read every position's pairs.
fn without_positions(chunks: Vec<(String, String)>) -> Vec<(String, String, Option<String>)> {
    chunks.into_iter().map(|(k, s)| (k, s, None)).collect()
}
