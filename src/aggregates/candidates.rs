//! The trainer pool's internal candidates (`trainer_candidates`, migration 44): per employee
//! and competency, an active employee whose current level of it is 4 or 5 and who is not a
//! trainer yet (API.md), with the name and unit the trainer-shortage report lists. At 200k
//! employees the report joined the ~30k levels of 4 and 5 with every employee for their names,
//! ~95 ms; it now reads these rows.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{chunked, lock, Kept};
use crate::db::AnyConnection;

/// The lowest level at which an employee is a candidate for teaching a competency.
const CANDIDATE_LEVEL: i32 = 4;

/// Recomputes the candidate rows of these employees (`None`: of everyone): after their levels,
/// name, unit or activity changed, or a trainer record naming them was written.
pub(super) fn refresh(conn: &mut AnyConnection, employees: Option<&[i64]>) -> QueryResult<()> {
    lock(conn, Kept::Candidates, employees)?;
    for (old, new) in chunked(employees, "employee_id", "e.id") {
        // From the few levels of 4 and 5 to their people: written as a CROSS JOIN, which
        // SQLite takes in this order (it walked every employee otherwise).
        conn.batch_execute(&format!(
            "DELETE FROM trainer_candidates WHERE {old}; \
             INSERT INTO trainer_candidates (employee_id, competency_id, level, name, unit_id) \
             SELECT e.id, cl.competency_id, cl.level, e.name, e.unit_id \
             FROM competency_levels cl CROSS JOIN employees e \
             WHERE e.id = cl.employee_id AND cl.level >= {CANDIDATE_LEVEL} AND e.active = TRUE \
               AND NOT EXISTS (SELECT 1 FROM trainers tr WHERE tr.employee_id = e.id) AND {new};"
        ))?;
    }
    Ok(())
}
