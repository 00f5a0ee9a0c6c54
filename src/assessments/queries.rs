use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{AssessmentInput, AssessmentRow};
use crate::db::schema::{assessments, competencies, competency_levels, position_standards};
use crate::db::{last_insert_id, now, AnyConnection};

pub fn list(
    conn: &mut AnyConnection,
    employee_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<AssessmentRow>)> {
    let total = assessments::table
        .filter(assessments::employee_id.eq(employee_id))
        .count()
        .get_result(conn)?;
    let rows = assessments::table
        .filter(assessments::employee_id.eq(employee_id))
        .order((assessments::assessed_on.desc(), assessments::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<AssessmentRow> {
    assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
}

pub fn create(
    conn: &mut AnyConnection,
    employee_id: i64,
    input: &AssessmentInput,
    created_by: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(assessments::table)
        .values((
            assessments::employee_id.eq(employee_id),
            assessments::competency_id.eq(input.competency_id),
            assessments::level.eq(input.level),
            assessments::assessed_on.eq(input.assessed_on),
            assessments::method.eq(input.method.as_str()),
            assessments::assessor.eq(input.assessor.as_deref()),
            assessments::notes.eq(input.notes.as_deref()),
            assessments::created_by.eq(created_by),
            assessments::created_at.eq(now()),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    record_current_level(
        conn,
        employee_id,
        input.competency_id,
        input.level,
        input.assessed_on,
        id,
    )?;
    Ok(id)
}

/// Keeps `competency_levels` at the latest assessment (by day, then id). Runs in the caller's
/// write transaction, so the two tables never disagree.
fn record_current_level(
    conn: &mut AnyConnection,
    employee: i64,
    competency: i64,
    level: i32,
    on: NaiveDate,
    id: i64,
) -> QueryResult<()> {
    let key = competency_levels::table.find((employee, competency));
    let current: Option<(NaiveDate, i64)> = key
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
        Some(_) => return Ok(()),
    }
    crate::reports::aggregates::employees_changed(conn, &[employee], &[])
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
    position_id: i64,
) -> QueryResult<Vec<(i64, String, String, i32)>> {
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
    employee_id: i64,
    competency_ids: &[i64],
) -> QueryResult<HashMap<i64, (i32, NaiveDate)>> {
    let rows: Vec<(i64, i32, NaiveDate)> = assessments::table
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
