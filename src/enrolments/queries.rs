//! Enrolments' SQL: the resource (with the unit of its employee, for visibility), lists by the
//! caller's reach, and the writers: enrolment within capacity, and changes that stamp
//! completions, credit JP and move seats, telling the aggregates what changed.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Enrolment, EnrolmentFields, EnrolmentRecord, EnrolmentStatus};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::auth::Reach;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{employees, enrolments, trainings};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::settings::model::Settings;
use crate::trainings::model::{Form, Training};
use crate::trainings::queries as seats;
use crate::types::{EmployeeId, EnrolmentId, TrainingId, UnitId};

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

/// One row of a learning record.
#[derive(Queryable)]
pub struct RecordRow {
    pub enrolment_id: EnrolmentId,
    pub training_id: TrainingId,
    pub title: String,
    pub form: Form,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub training_jp: i32,
    pub status: EnrolmentStatus,
    pub jp_credited: Option<i32>,
    pub certificate_number: Option<String>,
}

/// An employee's year: completions whose `completed_on` is in the year, and their other
/// enrolments (withdrawn and rejected ones left out) in trainings that end in the year.
pub fn learning_record(
    conn: &mut AnyConnection,
    employee_id: EmployeeId,
    year: i32,
) -> QueryResult<Vec<RecordRow>> {
    let Some((first, last)) = crate::types::year_days(year) else {
        return Ok(Vec::new());
    };
    enrolments::table
        .inner_join(trainings::table)
        .filter(enrolments::employee_id.eq(employee_id))
        .filter(enrolments::status.ne_all([EnrolmentStatus::Withdrawn, EnrolmentStatus::Rejected]))
        .filter(
            enrolments::completed_on
                .between(first, last)
                .or(enrolments::completed_on
                    .is_null()
                    .and(trainings::end_date.between(first, last))),
        )
        .order((trainings::end_date.asc(), enrolments::id.asc()))
        .select((
            enrolments::id,
            trainings::id,
            trainings::title,
            trainings::form,
            trainings::start_date,
            trainings::end_date,
            enrolments::completed_on,
            trainings::jp,
            enrolments::status,
            enrolments::jp_credited,
            enrolments::certificate_number,
        ))
        .load(conn)
}
