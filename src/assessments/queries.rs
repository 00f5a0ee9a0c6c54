use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Assessment, AssessmentInput, AssessmentRecord, Method, OtherAssessment};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
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

crate::simple_resource!(
    Assessments,
    Assessment,
    assessments,
    AssessmentId,
    AssessmentRecord
);

/// Records an assessment (its competency must exist, 422) and recomputes the employee's
/// current level of that competency.
pub fn create(
    tx: &mut Tx,
    employee_id: EmployeeId,
    input: &AssessmentInput,
    created_by: Option<i64>,
) -> ApiResult<AssessmentId> {
    require_competency(tx, input)?;
    tx.lock(Entity::Employee, &[employee_id.0])?;
    let at = now();
    let insert = diesel::insert_into(assessments::table).values((
        input,
        assessments::employee_id.eq(employee_id),
        assessments::created_by.eq(created_by),
        assessments::created_at.eq(at),
        assessments::updated_at.eq(at),
    ));
    let id = crate::insert_returning_id!(tx.conn(), insert, assessments::id)?;
    levels_changed(tx, employee_id, &[input.competency_id])?;
    Ok(id)
}

/// Corrects an assessment; the current levels of its competency (before and after) follow.
pub fn update(tx: &mut Tx, current: &AssessmentRecord, input: &AssessmentInput) -> ApiResult<()> {
    require_competency(tx, input)?;
    tx.lock(Entity::Employee, &[current.employee_id.0])?;
    diesel::update(assessments::table.find(current.assessment.id))
        .set(input)
        .execute(tx.conn())?;
    levels_changed(
        tx,
        current.employee_id,
        &[current.assessment.competency_id, input.competency_id],
    )
}

/// Deletes an assessment; the current level of its competency falls back to the one before.
pub fn delete(tx: &mut Tx, current: &AssessmentRecord) -> ApiResult<()> {
    tx.lock(Entity::Employee, &[current.employee_id.0])?;
    let conn = tx.conn();
    // The current level refers to it: recompute after it is gone.
    diesel::delete(
        competency_levels::table.filter(competency_levels::assessment_id.eq(current.assessment.id)),
    )
    .execute(conn)?;
    diesel::delete(assessments::table.find(current.assessment.id)).execute(conn)?;
    levels_changed(tx, current.employee_id, &[current.assessment.competency_id])
}

fn require_competency(tx: &mut Tx, input: &AssessmentInput) -> ApiResult<()> {
    crate::db::refs::require(
        tx,
        &[(
            "competency_id",
            Entity::Competency,
            vec![input.competency_id.0],
        )],
    )
}

/// Recomputes the employee's current level of these competencies, then what depends on the
/// levels (`aggregates`). Runs in the caller's write transaction, which holds the employee's
/// row lock, so concurrent assessments of one person recompute one after the other.
fn levels_changed(
    tx: &mut Tx,
    employee: EmployeeId,
    competencies: &[CompetencyId],
) -> ApiResult<()> {
    let methods = crate::settings::queries::get(tx)?.jpm_methods.0;
    for &competency in competencies {
        refresh_current_level(tx, employee, competency, &methods)?;
    }
    aggregates::after(
        tx,
        Change::Employees {
            ids: &[employee],
            before: &[],
        },
    )?;
    Ok(())
}

/// `competency_levels` holds, per employee and competency, the latest assessment (by day, then
/// id) by one of the JPM methods: recomputed from the history, never moved by hand.
fn refresh_current_level(
    tx: &mut Tx,
    employee: EmployeeId,
    competency: CompetencyId,
    methods: &[Method],
) -> QueryResult<()> {
    let conn = tx.conn();
    let latest: Option<(i32, NaiveDate, AssessmentId)> = assessments::table
        .filter(assessments::employee_id.eq(employee))
        .filter(assessments::competency_id.eq(competency))
        .filter(assessments::method.eq_any(methods.to_vec()))
        .order((assessments::assessed_on.desc(), assessments::id.desc()))
        .select((
            assessments::level,
            assessments::assessed_on,
            assessments::id,
        ))
        .first(conn)
        .optional()?;
    diesel::delete(competency_levels::table.find((employee, competency))).execute(conn)?;
    if let Some((level, on, id)) = latest {
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
    Ok(())
}

/// Rebuilds `competency_levels` from the whole history by these methods (after a bulk load,
/// or when the setting `jpm_methods` changes). The method names are the enum's own texts.
pub fn rebuild_current_levels(conn: &mut AnyConnection, methods: &[Method]) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let list: Vec<String> = methods
        .iter()
        .map(|m| format!("'{}'", m.as_str()))
        .collect();
    let list = if list.is_empty() {
        "NULL".to_string()
    } else {
        list.join(", ")
    };
    conn.batch_execute(&format!(
        "DELETE FROM competency_levels; \
         INSERT INTO competency_levels (employee_id, competency_id, level, assessed_on, assessment_id) \
         SELECT employee_id, competency_id, level, assessed_on, id FROM (SELECT a.employee_id, a.competency_id, a.level, \
         a.assessed_on, a.id, ROW_NUMBER() OVER (PARTITION BY a.employee_id, a.competency_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn \
         FROM assessments a WHERE a.method IN ({list})) ranked WHERE rn = 1;"
    ))
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

/// The employee's current (level, day) per competency (`competency_levels`).
pub fn current_levels(
    conn: &mut AnyConnection,
    employee_id: EmployeeId,
) -> QueryResult<HashMap<CompetencyId, (i32, NaiveDate)>> {
    let rows: Vec<(CompetencyId, i32, NaiveDate)> = competency_levels::table
        .filter(competency_levels::employee_id.eq(employee_id))
        .select((
            competency_levels::competency_id,
            competency_levels::level,
            competency_levels::assessed_on,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(c, l, d)| (c, (l, d))).collect())
}

/// The latest assessment per competency and method by methods outside `methods`, by code and
/// method.
pub fn other_assessments(
    conn: &mut AnyConnection,
    employee_id: EmployeeId,
    methods: &[Method],
) -> QueryResult<Vec<OtherAssessment>> {
    let rows: Vec<(CompetencyId, String, String, Method, i32, NaiveDate)> = assessments::table
        .inner_join(competencies::table)
        .filter(assessments::employee_id.eq(employee_id))
        .filter(assessments::method.ne_all(methods.to_vec()))
        .order((
            competencies::code.asc(),
            assessments::method.asc(),
            assessments::assessed_on.desc(),
            assessments::id.desc(),
        ))
        .select((
            assessments::competency_id,
            competencies::code,
            competencies::name,
            assessments::method,
            assessments::level,
            assessments::assessed_on,
        ))
        .load(conn)?;
    let mut out: Vec<OtherAssessment> = Vec::new();
    for (competency_id, code, name, method, level, assessed_on) in rows {
        let seen = out
            .last()
            .is_some_and(|o| o.competency_id == competency_id && o.method == method);
        if !seen {
            out.push(OtherAssessment {
                competency_id,
                code,
                name,
                method,
                level,
                assessed_on,
            });
        }
    }
    Ok(out)
}
