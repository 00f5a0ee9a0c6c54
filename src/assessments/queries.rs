use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{AssessmentInput, AssessmentRow};
use crate::db::schema::{assessments, competencies, position_standards};
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
    last_insert_id(conn)
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
