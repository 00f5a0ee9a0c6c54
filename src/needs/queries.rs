//! Development needs' SQL: the resource (with the employee's unit, for visibility), the list
//! by the caller's reach, the writers, the generation from gaps and the completion hook.

use chrono::Datelike;
use diesel::prelude::*;
use diesel::sql_types::Timestamp;

use super::model::{DevelopmentNeed, NeedFilter, NeedInput, NeedRecord, NeedSource, NeedStatus};
use crate::audit::Entity;
use crate::auth::Reach;
use crate::db::refs;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{development_needs, employees};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{DevelopmentNeedId, EmployeeId, TrainingId, UnitId};

pub struct Needs;

impl Resource for Needs {
    const ENTITY: Entity = Entity::DevelopmentNeed;
    type Id = DevelopmentNeedId;
    type Row = NeedRecord;
    type Current = NeedRecord;

    fn row(conn: &mut AnyConnection, id: DevelopmentNeedId) -> QueryResult<NeedRecord> {
        let (need, unit_id) = development_needs::table
            .inner_join(employees::table)
            .filter(development_needs::id.eq(id))
            .select((DevelopmentNeed::as_select(), employees::unit_id))
            .first::<(DevelopmentNeed, UnitId)>(conn)?;
        Ok(NeedRecord { need, unit_id })
    }

    fn pg_sql() -> String {
        json_by_id(
            development_needs::table
                .inner_join(employees::table)
                .select((DevelopmentNeed::as_select(), employees::unit_id)),
            "development_needs",
            "",
        )
    }

    fn present(record: NeedRecord) -> NeedRecord {
        record
    }

    fn version(r: &NeedRecord) -> i64 {
        r.need.version
    }
}

fn filtered(
    f: &NeedFilter,
    reach: &Reach,
    units: Option<Vec<UnitId>>,
) -> development_needs::BoxedQuery<'static, Backend> {
    let mut q = development_needs::table.into_boxed();
    match reach {
        Reach::Employee(id) => q = q.filter(development_needs::employee_id.eq(*id)),
        Reach::Nothing => q = q.filter(development_needs::id.eq(DevelopmentNeedId(0))),
        Reach::All | Reach::Units(_) => {}
    }
    if let Some(units) = units {
        q = q.filter(
            development_needs::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(units))
                    .select(employees::id),
            ),
        );
    }
    crate::eq_filters!(q, f;
        employee_id => development_needs::employee_id,
        competency_id => development_needs::competency_id,
        status => development_needs::status,
        source => development_needs::source,
        year => development_needs::year);
    q
}

/// One page of the needs within the caller's reach: (total, page).
pub fn list(
    conn: &mut AnyConnection,
    caller: &crate::auth::Caller,
    f: &NeedFilter,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<DevelopmentNeed>)> {
    let reach = caller.reach(conn)?;
    let units = match reach {
        Reach::Employee(_) | Reach::Nothing => None,
        _ => reach.units_within(conn, f.unit_id)?,
    };
    Ok(
        crate::page!(conn, filtered(f, &reach, units.clone()), sort, window, development_needs::id, DevelopmentNeed, {
            "year" => development_needs::year,
            "priority" => development_needs::priority,
            "status" => development_needs::status,
        }),
    )
}

/// The employee, competency and training named exist (422); `met` is the server's to set.
fn check(conn: &mut AnyConnection, n: &NeedInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[
            ("employee_id", Entity::Employee, vec![n.employee_id.0]),
            (
                "competency_id",
                Entity::Competency,
                n.competency_id.map(|c| c.0).into_iter().collect(),
            ),
            (
                "training_id",
                Entity::Training,
                n.training_id.map(|t| t.0).into_iter().collect(),
            ),
        ],
    )?;
    if n.status == NeedStatus::Met {
        return Err(ApiError::validation(
            "status",
            "a need is met by a completed training, not by hand",
        ));
    }
    Ok(())
}

/// Opens a need proposed by `source` (the route decides which the caller may state).
pub fn create(tx: &mut Tx, n: &NeedInput, source: NeedSource) -> ApiResult<DevelopmentNeedId> {
    check(tx, n)?;
    Ok(crate::insert_new!(
        tx,
        development_needs,
        (n, development_needs::source.eq(source))
    )?)
}

/// Changes a need; its employee and source stay (422), a met need stays met (409).
pub fn update(tx: &mut Tx, current: &NeedRecord, n: &NeedInput) -> ApiResult<()> {
    if n.employee_id != current.need.employee_id {
        return Err(ApiError::validation(
            "employee_id",
            "a need stays with its employee",
        ));
    }
    if n.source.is_some_and(|s| s != current.need.source) {
        return Err(ApiError::validation("source", "a need keeps its source"));
    }
    if current.need.status == NeedStatus::Met {
        return Err(ApiError::conflict(
            "the need was met by a completed training",
        ));
    }
    check(tx, n)?;
    diesel::update(development_needs::table.find(current.need.id))
        .set(n)
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &NeedRecord) -> ApiResult<()> {
    diesel::delete(development_needs::table.find(current.need.id)).execute(tx.conn())?;
    Ok(())
}

/// Opens a `gap` need for every active employee and competency assessed below their
/// position's standard that has none this year; how many it opened. Generations are
/// serialised, so two at once cannot open the same need twice.
pub fn generate(tx: &mut Tx, year: i32) -> ApiResult<i64> {
    tx.serialize(Entity::DevelopmentNeed)?;
    let sql = format!(
        "INSERT INTO development_needs (employee_id, competency_id, title, source, priority, year, status, created_at, updated_at, version) \
         SELECT e.id, ps.competency_id, c.name || ': level ' || CAST(l.level AS TEXT) || ' to ' || CAST(ps.required_level AS TEXT), \
           'gap', CASE WHEN ps.required_level - l.level >= 2 THEN 1 ELSE 2 END, {year}, 'open', $1, $1, 1 \
         FROM employees e JOIN position_standards ps ON ps.position_id = e.position_id \
         JOIN competency_levels l ON l.employee_id = e.id AND l.competency_id = ps.competency_id \
         JOIN competencies c ON c.id = ps.competency_id \
         WHERE e.active = TRUE AND l.level < ps.required_level AND NOT EXISTS (SELECT 1 FROM development_needs d \
           WHERE d.employee_id = e.id AND d.competency_id = ps.competency_id AND d.year = {year} AND d.source = 'gap')"
    );
    let sql = match tx.conn() {
        AnyConnection::Sqlite(_) => sql.replace("$1", "?1"),
        AnyConnection::Postgresql(_) => sql,
    };
    let at = now();
    let created = diesel::sql_query(sql)
        .bind::<Timestamp, _>(at)
        .execute(tx.conn())?;
    Ok(created as i64)
}

/// A completion of `training` by `employee` on `completed_on` meets their open or planned
/// needs of that year for the competencies it targets, and their policy needs of that year for
/// the policies it refreshes on; `completed_on: None` (the completion
/// was undone) opens again what it had met.
pub fn after_completion(
    tx: &mut Tx,
    employee: EmployeeId,
    training: TrainingId,
    completed_on: Option<chrono::NaiveDate>,
) -> QueryResult<()> {
    let at = now();
    let mine = development_needs::employee_id.eq(employee);
    match completed_on {
        Some(day) => {
            use crate::db::schema::training_competencies as tc;
            let targeted = tc::table
                .filter(tc::training_id.eq(training))
                .select(tc::competency_id.nullable());
            use crate::db::schema::training_policies as tp;
            let refreshes = tp::table
                .filter(tp::training_id.eq(training))
                .select(tp::policy_id.nullable());
            diesel::update(
                development_needs::table
                    .filter(mine)
                    .filter(development_needs::year.eq(day.year()))
                    .filter(
                        development_needs::status.eq_any([NeedStatus::Open, NeedStatus::Planned]),
                    )
                    .filter(
                        development_needs::competency_id.eq_any(targeted).or(
                            development_needs::source
                                .eq(NeedSource::Policy)
                                .and(development_needs::policy_id.eq_any(refreshes)),
                        ),
                    ),
            )
            .set((
                development_needs::status.eq(NeedStatus::Met),
                development_needs::training_id.eq(training),
                development_needs::updated_at.eq(at),
                development_needs::version.eq(development_needs::version + 1),
            ))
            .execute(tx.conn())?;
        }
        None => {
            diesel::update(
                development_needs::table
                    .filter(mine)
                    .filter(development_needs::training_id.eq(training))
                    .filter(development_needs::status.eq(NeedStatus::Met)),
            )
            .set((
                development_needs::status.eq(NeedStatus::Open),
                development_needs::training_id.eq(None::<TrainingId>),
                development_needs::updated_at.eq(at),
                development_needs::version.eq(development_needs::version + 1),
            ))
            .execute(tx.conn())?;
        }
    }
    Ok(())
}
