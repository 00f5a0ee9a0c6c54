//! Enrolments' SQL: the resource (with the unit of its employee, for visibility), lists by the
//! caller's reach, and the writers: enrolment within capacity, and changes that stamp
//! completions, credit JP and move seats, telling the aggregates what changed.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

use super::model::{Enrolment, EnrolmentFields, EnrolmentRecord, EnrolmentStatus, LearningItem};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::auth::Reach;
use crate::db::fixed;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{employees, enrolments};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::employees::model::AsnType;
use crate::error::{ApiError, ApiResult};
use crate::exemptions::target::JpRule;
use crate::exports::model::RecordSource;
use crate::external::model::ReviewStatus;
use crate::settings::model::Settings;
use crate::trainings::model::{Form, Training};
use crate::trainings::queries as seats;
use crate::types::{EmployeeId, EnrolmentId, ExternalLearningId, TrainingId, UnitId};

pub struct Enrolments;

impl Resource for Enrolments {
    const ENTITY: Entity = Entity::Enrolment;
    type Id = EnrolmentId;
    type Row = EnrolmentRecord;
    type Current = EnrolmentRecord;

    fn row(conn: &mut AnyConnection, id: EnrolmentId) -> QueryResult<EnrolmentRecord> {
        let (enrolment, unit_id) = enrolments::table
            .inner_join(employees::table)
            .filter(enrolments::id.eq(id))
            .select((Enrolment::as_select(), employees::unit_id))
            .first::<(Enrolment, UnitId)>(conn)?;
        Ok(EnrolmentRecord { enrolment, unit_id })
    }

    fn pg_sql() -> String {
        json_by_id(
            enrolments::table
                .inner_join(employees::table)
                .select((Enrolment::as_select(), employees::unit_id)),
            "enrolments",
            "",
        )
    }

    fn present(record: EnrolmentRecord) -> EnrolmentRecord {
        record
    }

    fn version(r: &EnrolmentRecord) -> i64 {
        r.enrolment.version
    }

    /// Its training: every change of seats locks the training first (enrolment, decision,
    /// withdrawal, the waiting list's promotion), so they all lock training, then enrolment.
    fn parents(conn: &mut AnyConnection, id: EnrolmentId) -> QueryResult<Vec<(Entity, i64)>> {
        let training: Option<TrainingId> = enrolments::table
            .find(id)
            .select(enrolments::training_id)
            .first(conn)
            .optional()?;
        Ok(training
            .map(|t| (Entity::Training, t.0))
            .into_iter()
            .collect())
    }
}

fn filtered(
    training: Option<TrainingId>,
    status: Option<EnrolmentStatus>,
    reach: &Reach,
) -> enrolments::BoxedQuery<'static, Backend> {
    let mut q = enrolments::table.into_boxed();
    match reach {
        Reach::All => {}
        Reach::Employee(id) => q = q.filter(enrolments::employee_id.eq(*id)),
        Reach::Units(units) => {
            q = q.filter(
                enrolments::employee_id.eq_any(
                    employees::table
                        .filter(employees::unit_id.eq_any(units.clone()))
                        .select(employees::id),
                ),
            )
        }
        Reach::Nothing => q = q.filter(enrolments::id.eq(EnrolmentId(0))),
    }
    if let Some(t) = training {
        q = q.filter(enrolments::training_id.eq(t));
    }
    if let Some(s) = status {
        q = q.filter(enrolments::status.eq(s));
    }
    q
}

/// One page of the enrolments within `reach`: (total, page).
pub fn list(
    conn: &mut AnyConnection,
    training: Option<TrainingId>,
    status: Option<EnrolmentStatus>,
    reach: &Reach,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Enrolment>)> {
    let (total, rows) = crate::page!(conn, filtered(training, status, reach), sort, window, enrolments::id, Enrolment, {
        "status" => enrolments::status,
    });
    Ok((total, rows))
}

/// Enrols the employee as `status`: a seat-holding status within capacity (409
/// `capacity_full` for the request that finds no seat: the seat is taken by one conditional
/// UPDATE), a nomination without a seat; 409 for a second enrolment.
pub fn create(
    tx: &mut Tx,
    training: TrainingId,
    employee: EmployeeId,
    status: EnrolmentStatus,
) -> ApiResult<EnrolmentId> {
    let taken: bool = diesel::select(diesel::dsl::exists(
        enrolments::table
            .filter(enrolments::training_id.eq(training))
            .filter(enrolments::employee_id.eq(employee)),
    ))
    .get_result(tx.conn())?;
    if taken {
        return Err(ApiError::conflict("the employee is already enrolled"));
    }
    if status.holds_seat() && !seats::take_seat(tx, training)? {
        return Err(full());
    }
    let id = crate::insert_new!(
        tx,
        enrolments,
        (
            enrolments::training_id.eq(training),
            enrolments::employee_id.eq(employee),
            enrolments::status.eq(status)
        )
    )?;
    crate::webhooks::outbox::enrolment(
        tx,
        crate::webhooks::outbox::Move {
            enrolment: id,
            training,
            employee,
            from: None,
            to: status,
            certificate_number: None,
        },
    )?;
    aggregates::after(
        tx,
        Change::Enrolments {
            trainings: &[training],
            employees: &[employee],
        },
    )?;
    Ok(id)
}

pub fn full() -> ApiError {
    ApiError::Conflict {
        code: "capacity_full",
        detail: "the training is full".into(),
    }
}

/// Which of the recorded fields the client gave with this change (the others kept their value).
#[derive(Debug, Clone, Copy)]
pub struct Given {
    pub jp_credited: bool,
    pub certificate_number: bool,
}

/// Writes the recorded fields: a completion is stamped, credits the training's JP unless given,
/// and gets its certificate (`certificates`); withdrawing frees the seat, un-withdrawing takes
/// one (409 when full), and a freed seat goes to the oldest on the waiting list. The caller holds the enrolment locked; the aggregates are refreshed by
/// [`after_changes`].
pub fn update(
    tx: &mut Tx,
    current: &Enrolment,
    training: &Training,
    settings: &Settings,
    fields: &EnrolmentFields,
    given: Given,
) -> ApiResult<()> {
    let (old, new) = (current.status, fields.status);
    if fields.attendance_percent != current.attendance_percent
        && crate::sessions::queries::has_sessions(tx, training.id)?
    {
        return Err(ApiError::conflict(
            "the training has sessions: attendance is recorded per session (PUT /sessions/{id}/attendance)",
        ));
    }
    crate::trainings::rules::check_enrolment(settings, training, old, fields)?;
    let completed_on = crate::trainings::rules::completion_day(settings, training, fields)?;
    let done = EnrolmentStatus::Completed;
    let mut jp_credited = fields.jp_credited;
    if new == done && ((old != done && !given.jp_credited) || jp_credited.is_none()) {
        jp_credited = Some(training.jp);
    }
    let completed_at = match (old, new) {
        (EnrolmentStatus::Completed, EnrolmentStatus::Completed) => {
            current.completed_at.map(|t| t.0.naive_utc())
        }
        (_, EnrolmentStatus::Completed) => Some(now()),
        _ => None,
    };
    match (old.holds_seat(), new.holds_seat()) {
        (true, false) => crate::nomination::queries::release_seat(tx, current.training_id)?,
        (false, true) if !seats::take_seat(tx, current.training_id)? => return Err(full()),
        _ => {}
    }
    // Development needs follow the completion: met by it, open again when it is undone.
    if old == done && (new != done || completed_on != current.completed_on) {
        crate::needs::queries::after_completion(
            tx,
            current.employee_id,
            current.training_id,
            None,
        )?;
    }
    if new == done && (old != done || completed_on != current.completed_on) {
        crate::needs::queries::after_completion(
            tx,
            current.employee_id,
            current.training_id,
            completed_on,
        )?;
    }
    let certificate = crate::certificates::queries::after_change(
        tx,
        settings,
        current,
        completed_on,
        fields.certificate_number.clone(),
        given.certificate_number,
    )?;
    diesel::update(enrolments::table.find(current.id))
        .set((
            EnrolmentFields {
                jp_credited,
                completed_on,
                certificate_number: certificate.number.clone(),
                ..fields.clone()
            },
            enrolments::completed_at.eq(completed_at),
            enrolments::verification_code.eq(certificate.code),
            enrolments::waitlisted_at.eq(match new {
                EnrolmentStatus::Waitlisted => current.waitlisted_at.map(|t| t.0.naive_utc()),
                _ => None,
            }),
        ))
        .execute(tx.conn())?;
    crate::webhooks::outbox::enrolment(
        tx,
        crate::webhooks::outbox::Move {
            enrolment: current.id,
            training: current.training_id,
            employee: current.employee_id,
            from: Some(old),
            to: new,
            certificate_number: certificate.number.as_deref(),
        },
    )?;
    Ok(())
}

/// After enrolments of one training changed: its totals and these people's yearly JP.
pub fn after_changes(tx: &mut Tx, training: TrainingId, people: &[EmployeeId]) -> ApiResult<()> {
    Ok(aggregates::after(
        tx,
        Change::Enrolments {
            trainings: &[training],
            employees: people,
        },
    )?)
}

/// The statement behind a learning record: the employee with the JP rule of the settings, and
/// beside them (a row each, `kind`) their enrolments of the year (1: completions whose
/// `completed_on` is in the year, and other enrolments, withdrawn and rejected ones left out,
/// in trainings that end in the year), their verified external learning ending in the year (2)
/// and their exemption periods touching it (3); items by end date, trainings first, then id.
/// An enrolment's `jp` is what its completion was credited (the training's when nothing was
/// set), the training's while not completed.
struct RecordSql;

impl fixed::Sql for RecordSql {
    const SQL: &'static str = "\
SELECT e.id AS employee_id, e.unit_id, e.asn_type, e.appointed_on, \
       s.jp_target, s.jp_target_pppk, s.jp_cap_pppk, \
       i.kind, i.ref_id, i.training_id, i.title, i.form, i.start_date, i.end_date, \
       i.completed_on, i.jp, i.status, i.certificate_number \
FROM employees e JOIN settings s ON s.id = ? \
LEFT JOIN ( \
    SELECT 1 AS kind, n.id AS ref_id, t.id AS training_id, t.title, t.form, t.start_date, \
           t.end_date, n.completed_on, \
           CASE WHEN n.status = ? THEN COALESCE(n.jp_credited, t.jp) ELSE t.jp END AS jp, \
           n.status, n.certificate_number \
    FROM enrolments n JOIN trainings t ON t.id = n.training_id \
    WHERE n.employee_id = ? AND n.status NOT IN (?, ?) \
      AND (n.completed_on BETWEEN ? AND ? \
           OR (n.completed_on IS NULL AND t.end_date BETWEEN ? AND ?)) \
    UNION ALL \
    SELECT 2, x.id, NULL, x.title, x.form, x.start_date, x.end_date, x.end_date, x.jp, ?, \
           x.certificate_number \
    FROM external_learning x \
    WHERE x.employee_id = ? AND x.status = ? AND x.end_date BETWEEN ? AND ? \
    UNION ALL \
    SELECT 3, x.id, NULL, NULL, NULL, x.from_date, x.to_date, NULL, NULL, NULL, NULL \
    FROM exemptions x WHERE x.employee_id = ? AND x.from_date <= ? AND x.to_date >= ? \
) i ON 1 = 1 \
WHERE e.id = ? \
ORDER BY i.end_date, i.kind, i.ref_id";
}

/// One row of [`RecordSql`].
#[derive(QueryableByName, serde::Deserialize)]
struct RecordPart {
    #[diesel(sql_type = BigInt)]
    employee_id: EmployeeId,
    #[diesel(sql_type = BigInt)]
    unit_id: UnitId,
    #[diesel(sql_type = Text)]
    asn_type: AsnType,
    #[diesel(sql_type = Nullable<Date>)]
    appointed_on: Option<NaiveDate>,
    #[diesel(sql_type = Integer)]
    jp_target: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    jp_target_pppk: Option<i32>,
    #[diesel(sql_type = Integer)]
    jp_cap_pppk: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    kind: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    ref_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    training_id: Option<TrainingId>,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    form: Option<Form>,
    #[diesel(sql_type = Nullable<Date>)]
    start_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    end_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    completed_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Integer>)]
    jp: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    status: Option<EnrolmentStatus>,
    #[diesel(sql_type = Nullable<Text>)]
    certificate_number: Option<String>,
}

/// What an employee's learning record of a year is made of.
pub struct RecordParts {
    pub employee_id: EmployeeId,
    pub unit_id: UnitId,
    pub asn_type: AsnType,
    pub appointed_on: Option<NaiveDate>,
    pub rule: JpRule,
    pub exemptions: Vec<(NaiveDate, NaiveDate)>,
    pub items: Vec<LearningItem>,
}

/// An employee's learning record of `[first, last]`, in one statement (404 without the
/// employee).
pub async fn learning_record(
    state: &crate::AppState,
    employee_id: EmployeeId,
    (first, last): (NaiveDate, NaiveDate),
) -> ApiResult<RecordParts> {
    use fixed::Bind::{BigInt as Id, Date as Day, Text as Word};
    let id = Id(employee_id.0);
    let rows: Vec<RecordPart> = fixed::load::<RecordSql, _>(
        state,
        vec![
            fixed::Bind::Integer(crate::settings::queries::ID),
            Word(EnrolmentStatus::Completed.as_str()),
            id.clone(),
            Word(EnrolmentStatus::Withdrawn.as_str()),
            Word(EnrolmentStatus::Rejected.as_str()),
            Day(first),
            Day(last),
            Day(first),
            Day(last),
            Word(EnrolmentStatus::Completed.as_str()),
            id.clone(),
            Word(ReviewStatus::Verified.as_str()),
            Day(first),
            Day(last),
            id.clone(),
            Day(last),
            Day(first),
            id,
        ],
    )
    .await?;
    let head = rows.first().ok_or(ApiError::NotFound)?;
    let mut parts = RecordParts {
        employee_id: head.employee_id,
        unit_id: head.unit_id,
        asn_type: head.asn_type,
        appointed_on: head.appointed_on,
        rule: JpRule {
            jp_target: head.jp_target,
            jp_target_pppk: head.jp_target_pppk,
            jp_cap_pppk: head.jp_cap_pppk,
        },
        exemptions: Vec::new(),
        items: Vec::new(),
    };
    for row in rows {
        let (Some(kind), Some(id), Some(start), Some(end)) =
            (row.kind, row.ref_id, row.start_date, row.end_date)
        else {
            continue;
        };
        if kind == 3 {
            parts.exemptions.push((start, end));
            continue;
        }
        let (Some(title), Some(form), Some(jp), Some(status)) =
            (row.title, row.form, row.jp, row.status)
        else {
            continue;
        };
        let training = kind == 1;
        parts.items.push(LearningItem {
            source: match training {
                true => RecordSource::Training,
                false => RecordSource::External,
            },
            enrolment_id: training.then_some(EnrolmentId(id)),
            external_learning_id: (!training).then_some(ExternalLearningId(id)),
            training_id: row.training_id,
            title,
            form,
            start_date: start,
            end_date: end,
            completed_on: row.completed_on,
            jp,
            status,
            certificate_number: row.certificate_number,
        });
    }
    Ok(parts)
}
