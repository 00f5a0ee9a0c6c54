use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Assessment, AssessmentInput};
use crate::aggregates::{self, Change};
use crate::db::schema::{assessments, competencies, competency_levels, position_standards};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::error::ApiResult;
use crate::types::{AssessmentId, CompetencyId, EmployeeId, PositionId};

/// One page of an employee's assessments, newest first unless `sort` says otherwise.
pub fn list(
    conn: &mut AnyConnection,
    employee_id: EmployeeId,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Assessment>)> {
    let of = || {
        assessments::table
            .filter(assessments::employee_id.eq(employee_id))
            .into_boxed()
    };
    let newest_first: &[(&str, bool)] = &[("assessed_on", true), ("id", true)];
    let sort = if sort.is_empty() { newest_first } else { sort };
    Ok(
        crate::page!(conn, of(), sort, window, assessments::id, Assessment, {
            "assessed_on" => assessments::assessed_on,
            "level" => assessments::level,
        }),
    )
}

pub fn get(conn: &mut AnyConnection, id: AssessmentId) -> QueryResult<Assessment> {
    assessments::table
        .find(id)
        .select(Assessment::as_select())
        .first(conn)
}

/// Records an assessment (its competency must exist, 422) and moves the employee's current
/// level when it is the latest.
pub fn create(
    tx: &mut Tx,
    employee_id: EmployeeId,
    input: &AssessmentInput,
    created_by: Option<i64>,
) -> ApiResult<AssessmentId> {
    crate::db::refs::require(
        tx,
        &[(
            "competency_id",
            crate::audit::Entity::Competency,
            vec![input.competency_id.0],
        )],
    )?;
    let insert = diesel::insert_into(assessments::table).values((
        assessments::employee_id.eq(employee_id),
        assessments::competency_id.eq(input.competency_id),
        assessments::level.eq(input.level),
        assessments::assessed_on.eq(input.assessed_on),
        assessments::method.eq(input.method),
        assessments::assessor.eq(input.assessor.as_deref()),
        assessments::notes.eq(input.notes.as_deref()),
        assessments::created_by.eq(created_by),
        assessments::created_at.eq(now()),
    ));
    let id = crate::insert_returning_id!(tx.conn(), insert, assessments::id)?;
    if record_current_level(tx, employee_id, input, id)? {
        aggregates::after(
            tx,
            Change::Employees {
                ids: &[employee_id],
                before: &[],
            },
        )?;
    }
    Ok(id)
}

/// Keeps `competency_levels` at the latest assessment (by day, then id). Runs in the caller's
/// write transaction, so the two tables never disagree. Whether the current level moved.
fn record_current_level(
    tx: &mut Tx,
    employee: EmployeeId,
    input: &AssessmentInput,
    id: AssessmentId,
) -> QueryResult<bool> {
    let (competency, level, on) = (input.competency_id, input.level, input.assessed_on);
    let conn = tx.conn();
    let key = competency_levels::table.find((employee, competency));
    let current: Option<(NaiveDate, AssessmentId)> = key
        .select((
            competency_levels::assessed_on,
            competency_levels::assessment_id,
        ))
        .first(conn)
        .optional()?;
    match current {
        None => {
            diesel::insert_into(competency_levels::table)
                .values((
                    competency_levels::employee_id.eq(employee),
                    competency_levels::competency_id.eq(competency),
                    competency_levels::level.eq(level),
                    competency_levels::assessed_on.eq(on),
                    competency_levels::assessment_id.eq(id),
                ))
                .execute(conn)?;
        }
        Some(latest) if (on, id) > latest => {
            diesel::update(key)
                .set((
                    competency_levels::level.eq(level),
                    competency_levels::assessed_on.eq(on),
                    competency_levels::assessment_id.eq(id),
                ))
                .execute(conn)?;
        }
        Some(_) => return Ok(false),
    }
    Ok(true)
}

/// Rebuilds `competency_levels` from the whole history (after a bulk load).
pub fn rebuild_current_levels(conn: &mut AnyConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "DELETE FROM competency_levels; \
         INSERT INTO competency_levels (employee_id, competency_id, level, assessed_on, assessment_id) \
         SELECT employee_id, competency_id, level, assessed_on, id FROM (SELECT a.employee_id, a.competency_id, a.level, \
         a.assessed_on, a.id, ROW_NUMBER() OVER (PARTITION BY a.employee_id, a.competency_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn \
         FROM assessments a) ranked WHERE rn = 1;",
    )
}

/// The position's standard with the competencies' codes and names, by code.
pub fn standard(
    conn: &mut AnyConnection,
    position_id: PositionId,
) -> QueryResult<Vec<(CompetencyId, String, String, i32)>> {
    position_standards::table
        .inner_join(competencies::table)
        .filter(position_standards::position_id.eq(position_id))
        .order(competencies::code.asc())
        .select((
            competencies::id,
            competencies::code,
            competencies::name,
            position_standards::required_level,
        ))
        .load(conn)
}

/// The latest (level, day) per competency for one employee.
pub fn latest_levels(
    conn: &mut AnyConnection,
    employee_id: EmployeeId,
    competency_ids: &[CompetencyId],
) -> QueryResult<HashMap<CompetencyId, (i32, NaiveDate)>> {
    let rows: Vec<(CompetencyId, i32, NaiveDate)> = assessments::table
        .filter(assessments::employee_id.eq(employee_id))
        .filter(assessments::competency_id.eq_any(competency_ids))
        .order((assessments::assessed_on.desc(), assessments::id.desc()))
        .select((
            assessments::competency_id,
            assessments::level,
            assessments::assessed_on,
        ))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (competency, level, day) in rows {
        latest.entry(competency).or_insert((level, day));
    }
    Ok(latest)
}
