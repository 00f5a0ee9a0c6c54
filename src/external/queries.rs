//! External learning's SQL: the resource (with its employee's unit, for visibility), lists by
//! the caller's reach, the writers (filing, correcting, deciding, evidence), and what the
//! learning record reads. Every change to what counts tells the aggregates (`employee_jp`).

use diesel::prelude::*;

use super::model::{
    Decision, ExternalFilter, ExternalInput, ExternalLearning, ExternalRecord, ExternalRow,
    ReviewStatus,
};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::auth::Reach;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{employees, evidence_files, external_learning};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::settings::model::Settings;
use crate::types::{EmployeeId, ExternalLearningId, UnitId};

pub struct Externals;

impl Resource for Externals {
    const ENTITY: Entity = Entity::ExternalLearning;
    type Id = ExternalLearningId;
    type Row = ExternalRecord;
    type Current = ExternalRecord;

    fn row(conn: &mut AnyConnection, id: ExternalLearningId) -> QueryResult<ExternalRecord> {
        let (row, unit_id) = external_learning::table
            .inner_join(employees::table)
            .filter(external_learning::id.eq(id))
            .select((ExternalRow::as_select(), employees::unit_id))
            .first::<(ExternalRow, UnitId)>(conn)?;
        Ok(ExternalRecord { row, unit_id })
    }

    fn pg_sql() -> String {
        json_by_id(
            external_learning::table
                .inner_join(employees::table)
                .select((ExternalRow::as_select(), employees::unit_id)),
            "external_learning",
            "",
        )
    }

    fn present(record: ExternalRecord) -> ExternalRecord {
        record
    }

    fn version(r: &ExternalRecord) -> i64 {
        r.row.version
    }
}

fn filtered(
    f: &ExternalFilter,
    reach: &Reach,
    units: Option<Vec<UnitId>>,
) -> external_learning::BoxedQuery<'static, Backend> {
    let mut q = external_learning::table.into_boxed();
    match reach {
        Reach::Employee(id) => q = q.filter(external_learning::employee_id.eq(*id)),
        Reach::Nothing => q = q.filter(external_learning::id.eq(ExternalLearningId(0))),
        Reach::All | Reach::Units(_) => {}
    }
    if let Some(units) = units {
        q = q.filter(
            external_learning::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(units))
                    .select(employees::id),
            ),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(external_learning::status.eq(s));
    }
    if let Some(e) = f.employee_id {
        q = q.filter(external_learning::employee_id.eq(e));
    }
    q
}

/// One page of the records within the caller's reach: (total, page), newest first unless
/// sorted.
pub fn list(
    conn: &mut AnyConnection,
    caller: &crate::auth::Caller,
    f: &ExternalFilter,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<ExternalLearning>)> {
    let reach = caller.reach(conn)?;
    // An employee's own records are limited by the reach itself; the others by units.
    let units = match reach {
        Reach::Employee(_) | Reach::Nothing => None,
        _ => reach.units_within(conn, f.unit_id)?,
    };
    let (total, rows) = crate::page!(conn, filtered(f, &reach, units.clone()), sort, window, external_learning::id, ExternalRow, {
        "end_date" => external_learning::end_date,
        "status" => external_learning::status,
    });
    Ok((total, rows.into_iter().map(Into::into).collect()))
}

/// Classical forms hold at most `max_jp_per_day` a day, as the city's own trainings do.
fn check_jp(settings: &Settings, e: &ExternalInput) -> ApiResult<()> {
    let most = crate::trainings::rules::max_classical_jp(settings, e.start_date, e.end_date);
    if e.form.classical() && i64::from(e.jp) > most {
        return Err(ApiError::validation(
            "jp",
            format!(
                "classical learning holds at most {} JP a day: at most {most} JP from {} to {}",
                settings.max_jp_per_day, e.start_date, e.end_date
            ),
        ));
    }
    Ok(())
}

/// Files learning of `employee` (pending review).
pub fn create(
    tx: &mut Tx,
    employee: EmployeeId,
    e: &ExternalInput,
) -> ApiResult<ExternalLearningId> {
    let settings = crate::settings::queries::get(tx)?;
    check_jp(&settings, e)?;
    let values = ExternalInput {
        employee_id: Some(employee),
        ..e.clone()
    };
    Ok(crate::insert_new!(
        tx,
        external_learning,
        (values, external_learning::status.eq(ReviewStatus::Pending))
    )?)
}

/// Corrects filed learning: only while it waits for review (409 after a decision), and never
/// moves it to another employee (422).
pub fn update(tx: &mut Tx, current: &ExternalRecord, e: &ExternalInput) -> ApiResult<()> {
    if current.row.status != ReviewStatus::Pending {
        return Err(ApiError::conflict(format!(
            "the learning was {}: it can no longer be changed",
            current.row.status
        )));
    }
    if e.employee_id
        .is_some_and(|id| id != current.row.employee_id)
    {
        return Err(ApiError::validation(
            "employee_id",
            "cannot move learning to another employee",
        ));
    }
    let settings = crate::settings::queries::get(tx)?;
    check_jp(&settings, e)?;
    diesel::update(external_learning::table.find(current.row.id))
        .set(e)
        .execute(tx.conn())?;
    Ok(())
}

/// Deletes a record and its file; verified learning stops counting.
pub fn delete(tx: &mut Tx, current: &ExternalRecord) -> ApiResult<()> {
    diesel::delete(
        evidence_files::table.filter(evidence_files::external_learning_id.eq(current.row.id)),
    )
    .execute(tx.conn())?;
    diesel::delete(
        crate::db::schema::siasn_syncs::table
            .filter(crate::db::schema::siasn_syncs::record_key.eq(format!("E{}", current.row.id))),
    )
    .execute(tx.conn())?;
    diesel::delete(external_learning::table.find(current.row.id)).execute(tx.conn())?;
    if current.row.status == ReviewStatus::Verified {
        jp_changed(tx, current.row.employee_id)?;
    }
    Ok(())
}

/// Staff decide on pending learning (409 once decided); verified learning counts from now on.
pub fn review(
    tx: &mut Tx,
    current: &ExternalRecord,
    decision: Decision,
    note: Option<&str>,
    reviewer: Option<i64>,
) -> ApiResult<()> {
    if current.row.status != ReviewStatus::Pending {
        return Err(ApiError::conflict(format!(
            "the learning was already {}",
            current.row.status
        )));
    }
    let status = match decision {
        Decision::Verified => ReviewStatus::Verified,
        Decision::Rejected => ReviewStatus::Rejected,
    };
    diesel::update(external_learning::table.find(current.row.id))
        .set((
            external_learning::status.eq(status),
            external_learning::review_note.eq(note),
            external_learning::reviewed_by.eq(reviewer),
            external_learning::reviewed_at.eq(Some(now())),
        ))
        .execute(tx.conn())?;
    crate::webhooks::outbox::emit(
        tx,
        crate::webhooks::model::EventKind::ExternalLearningReviewed,
        serde_json::json!({"external_learning_id": current.row.id, "employee_id": current.row.employee_id, "status": status}),
    )?;
    if status == ReviewStatus::Verified {
        jp_changed(tx, current.row.employee_id)?;
    }
    Ok(())
}

fn jp_changed(tx: &mut Tx, employee: EmployeeId) -> ApiResult<()> {
    Ok(aggregates::after(
        tx,
        Change::Enrolments {
            trainings: &[],
            employees: &[employee],
        },
    )?)
}

/// Keeps `content` as the record's evidence (replacing any), of the kind its bytes showed.
pub fn put_evidence(
    tx: &mut Tx,
    current: &ExternalRecord,
    filename: &str,
    kind: &str,
    content: &[u8],
) -> ApiResult<()> {
    if current.row.status != ReviewStatus::Pending {
        return Err(ApiError::conflict(format!(
            "the learning was {}: its evidence can no longer be changed",
            current.row.status
        )));
    }
    let id = current.row.id;
    diesel::delete(evidence_files::table.filter(evidence_files::external_learning_id.eq(id)))
        .execute(tx.conn())?;
    diesel::insert_into(evidence_files::table)
        .values((
            evidence_files::external_learning_id.eq(id),
            evidence_files::content.eq(content),
        ))
        .execute(tx.conn())?;
    diesel::update(external_learning::table.find(id))
        .set((
            external_learning::evidence_filename.eq(filename),
            external_learning::evidence_content_type.eq(kind),
            external_learning::evidence_size.eq(content.len() as i64),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The evidence's bytes (404 when none was given).
pub fn evidence(conn: &mut AnyConnection, id: ExternalLearningId) -> ApiResult<Vec<u8>> {
    Ok(evidence_files::table
        .find(id.0)
        .select(evidence_files::content)
        .first(conn)?)
}
