use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

use super::model::{Assessment, AssessmentInput, AssessmentRecord, Method, OtherAssessment};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::db::fixed;
use crate::db::schema::{assessments, competency_levels};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::error::{ApiError, ApiResult};
use crate::types::{AssessmentId, CompetencyId, EmployeeId, JsonText, PositionId, UnitId};

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

/// The statement behind a competency profile: the employee with the JPM settings, and beside
/// them (a row each, `kind`) their position's standard with their current level per
/// competency (1, by code) and every assessment they have (2, by code and method, newest
/// first).
struct ProfileSql;

impl fixed::Sql for ProfileSql {
    const SQL: &'static str = "\
SELECT e.id AS employee_id, e.unit_id, e.position_id, \
       s.jpm_optimal_min, s.jpm_cukup_min, s.jpm_methods, \
       i.kind, i.competency_id, i.code, i.name, i.level, i.current_level, i.assessed_on, \
       i.method, i.ref_id \
FROM employees e JOIN settings s ON s.id = ? \
LEFT JOIN ( \
    SELECT 1 AS kind, ps.competency_id, c.code, c.name, ps.required_level AS level, \
           cl.level AS current_level, cl.assessed_on, NULL AS method, cl.assessment_id AS ref_id \
    FROM employees p JOIN position_standards ps ON ps.position_id = p.position_id \
    JOIN competencies c ON c.id = ps.competency_id \
    LEFT JOIN competency_levels cl ON cl.employee_id = p.id AND cl.competency_id = ps.competency_id \
    WHERE p.id = ? \
    UNION ALL \
    SELECT 2, a.competency_id, c.code, c.name, a.level, NULL, a.assessed_on, a.method, a.id \
    FROM assessments a JOIN competencies c ON c.id = a.competency_id \
    WHERE a.employee_id = ? \
) i ON 1 = 1 \
WHERE e.id = ? \
ORDER BY i.kind, i.code, i.method, i.assessed_on DESC, i.ref_id DESC";
}

/// One row of [`ProfileSql`].
#[derive(QueryableByName, serde::Deserialize)]
struct ProfilePart {
    #[diesel(sql_type = BigInt)]
    employee_id: EmployeeId,
    #[diesel(sql_type = BigInt)]
    unit_id: UnitId,
    #[diesel(sql_type = Nullable<BigInt>)]
    position_id: Option<PositionId>,
    #[diesel(sql_type = Integer)]
    jpm_optimal_min: i32,
    #[diesel(sql_type = Integer)]
    jpm_cukup_min: i32,
    #[diesel(sql_type = Text)]
    jpm_methods: JsonText<Vec<Method>>,
    #[diesel(sql_type = Nullable<Integer>)]
    kind: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    competency_id: Option<CompetencyId>,
    #[diesel(sql_type = Nullable<Text>)]
    code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    level: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    current_level: Option<i32>,
    #[diesel(sql_type = Nullable<Date>)]
    assessed_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    method: Option<Method>,
}

/// One competency of the standard: (id, code, name, required level) and the current (level,
/// day), if assessed.
pub type StandardItem = (CompetencyId, String, String, i32, Option<(i32, NaiveDate)>);

/// What an employee's competency profile is made of.
pub struct ProfileParts {
    pub employee_id: EmployeeId,
    pub unit_id: UnitId,
    pub position_id: Option<PositionId>,
    pub jpm_optimal_min: i32,
    pub jpm_cukup_min: i32,
    pub standard: Vec<StandardItem>,
    /// The latest assessment per competency and method by methods outside the setting
    /// `jpm_methods`, by code and method.
    pub other_assessments: Vec<OtherAssessment>,
}

/// An employee's competency profile, in one statement (NotFound without the employee).
pub async fn profile(state: &crate::AppState, employee_id: EmployeeId) -> ApiResult<ProfileParts> {
    let id = fixed::Bind::BigInt(employee_id.0);
    let rows: Vec<ProfilePart> = fixed::load::<ProfileSql, _>(
        state,
        vec![
            fixed::Bind::Integer(crate::settings::queries::ID),
            id.clone(),
            id.clone(),
            id,
        ],
    )
    .await?;
    let head = rows.first().ok_or(ApiError::NotFound)?;
    let mut parts = ProfileParts {
        employee_id: head.employee_id,
        unit_id: head.unit_id,
        position_id: head.position_id,
        jpm_optimal_min: head.jpm_optimal_min,
        jpm_cukup_min: head.jpm_cukup_min,
        standard: Vec::new(),
        other_assessments: Vec::new(),
    };
    let current_methods = head.jpm_methods.0.clone();
    for row in rows {
        let (Some(kind), Some(competency_id), Some(code), Some(name), Some(level)) =
            (row.kind, row.competency_id, row.code, row.name, row.level)
        else {
            continue;
        };
        match (kind, row.method, row.assessed_on) {
            (1, _, assessed_on) => parts.standard.push((
                competency_id,
                code,
                name,
                level,
                row.current_level.zip(assessed_on),
            )),
            (_, Some(method), Some(assessed_on)) if !current_methods.contains(&method) => {
                let seen = parts
                    .other_assessments
                    .last()
                    .is_some_and(|o| o.competency_id == competency_id && o.method == method);
                if !seen {
                    parts.other_assessments.push(OtherAssessment {
                        competency_id,
                        code,
                        name,
                        method,
                        level,
                        assessed_on,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(parts)
}
