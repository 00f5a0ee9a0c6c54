//! Nomination's SQL: quotas and their use, the decision on a nomination, withdrawal, and the
//! waiting list that takes freed seats. Every writer here runs with the training locked
//! (`Enrolments::parents`, or the caller's `Tx::lock`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{NominationDecision, NominationDecisionInput, Quota, QuotaInput};
use crate::audit::{Action, Entity};
use crate::db::schema::{employees, enrolments, training_quotas, units};
use crate::db::write::Tx;
use crate::db::{now, refs, AnyConnection};
use crate::enrolments::model::{Enrolment, EnrolmentStatus};
use crate::error::{ApiError, ApiResult};
use crate::trainings::model::{Training, TrainingStatus};
use crate::trainings::queries::{free_seat, take_seat};
use crate::types::{EmployeeId, EnrolmentId, TrainingId, UnitId};
use crate::webhooks::outbox::Move;

fn quota_exceeded(detail: String) -> ApiError {
    ApiError::Conflict {
        code: "quota_exceeded",
        detail,
    }
}

/// The unit whose quota `unit`'s people use: the nearest of itself and its ancestors that has
/// one.
fn quota_unit(
    parents: &HashMap<UnitId, Option<UnitId>>,
    quotas: &[(UnitId, i32)],
    unit: UnitId,
) -> Option<UnitId> {
    let mut at = Some(unit);
    // The tree is at most 10 levels deep; the bound also stops a cycle in bad data.
    for _ in 0..=10 {
        let u = at?;
        if quotas.iter().any(|(q, _)| *q == u) {
            return Some(u);
        }
        at = parents.get(&u).copied().flatten();
    }
    None
}

/// A training's quotas, the unit tree they are read against, and per quota unit the
/// nominations that use it.
struct Usage {
    quotas: Vec<(UnitId, i32)>,
    parents: HashMap<UnitId, Option<UnitId>>,
    used: HashMap<UnitId, i64>,
}

fn usage(conn: &mut AnyConnection, training: TrainingId) -> QueryResult<Usage> {
    let quotas: Vec<(UnitId, i32)> = training_quotas::table
        .filter(training_quotas::training_id.eq(training))
        .order(training_quotas::unit_id)
        .select((training_quotas::unit_id, training_quotas::seats))
        .load(conn)?;
    let mut used = HashMap::new();
    if quotas.is_empty() {
        return Ok(Usage {
            quotas,
            parents: HashMap::new(),
            used,
        });
    }
    let parents: HashMap<UnitId, Option<UnitId>> = units::table
        .select((units::id, units::parent_id))
        .load::<(UnitId, Option<UnitId>)>(conn)?
        .into_iter()
        .collect();
    let people: Vec<UnitId> = enrolments::table
        .inner_join(employees::table)
        .filter(enrolments::training_id.eq(training))
        .filter(enrolments::status.ne_all([EnrolmentStatus::Rejected, EnrolmentStatus::Withdrawn]))
        .select(employees::unit_id)
        .load(conn)?;
    for unit in people {
        if let Some(q) = quota_unit(&parents, &quotas, unit) {
            *used.entry(q).or_insert(0) += 1;
        }
    }
    Ok(Usage {
        quotas,
        parents,
        used,
    })
}

/// The training's quotas, in unit id order, with their use.
pub fn quotas(conn: &mut AnyConnection, training: TrainingId) -> QueryResult<Vec<Quota>> {
    let Usage { quotas, used, .. } = usage(conn, training)?;
    Ok(quotas
        .into_iter()
        .map(|(unit_id, seats)| Quota {
            unit_id,
            seats,
            used: used.get(&unit_id).copied().unwrap_or(0),
        })
        .collect())
}

/// Replaces the training's quotas (the caller holds it locked); a finished training's are kept
/// (409), units must exist (422).
pub fn replace_quotas(tx: &mut Tx, training: &Training, items: &[QuotaInput]) -> ApiResult<()> {
    if matches!(
        training.status,
        TrainingStatus::Completed | TrainingStatus::Cancelled
    ) {
        return Err(ApiError::conflict(format!(
            "the training is {}: its quotas are kept",
            training.status
        )));
    }
    let ids: Vec<i64> = items.iter().map(|q| q.unit_id.0).collect();
    refs::require(tx, &[("unit_id", Entity::Unit, ids)])?;
    diesel::delete(training_quotas::table.filter(training_quotas::training_id.eq(training.id)))
        .execute(tx.conn())?;
    if !items.is_empty() {
        let rows: Vec<_> = items
            .iter()
            .map(|q| {
                (
                    training_quotas::training_id.eq(training.id),
                    training_quotas::unit_id.eq(q.unit_id),
                    training_quotas::seats.eq(q.seats),
                )
            })
            .collect();
        crate::execute_native!(
            tx.conn(),
            diesel::insert_into(training_quotas::table).values(&rows)
        )?;
    }
    Ok(())
}

/// A unit manager's nomination of someone in `unit` must fit the quota of that unit (or of
/// its nearest ancestor with one): 409 `quota_exceeded` when it is used up or there is none.
/// The caller holds the training locked, so two nominations cannot both take the last place.
pub fn check_quota(tx: &mut Tx, training: TrainingId, unit: UnitId) -> ApiResult<()> {
    let Usage {
        quotas,
        parents,
        used,
    } = usage(tx, training)?;
    let Some(q) = quota_unit(&parents, &quotas, unit) else {
        return Err(quota_exceeded(
            "the unit has no quota for this training".into(),
        ));
    };
    let seats = quotas.iter().find(|(u, _)| *u == q).map_or(0, |(_, s)| *s);
    let taken = used.get(&q).copied().unwrap_or(0);
    if taken >= i64::from(seats) {
        return Err(quota_exceeded(format!(
            "unit {q}'s quota of {seats} nominations is used"
        )));
    }
    Ok(())
}

/// Staff's decision on a nomination or a waitlisted enrolment: approval takes a seat
/// (`registered`) or, when the training is full, a place on the waiting list (`waitlisted`,
/// keeping an earlier place); rejection ends it. Anything else is 409.
pub fn decide(
    tx: &mut Tx,
    current: &Enrolment,
    training: &Training,
    d: &NominationDecisionInput,
) -> ApiResult<()> {
    if !current.status.pending() {
        return Err(ApiError::conflict(format!(
            "only a nominated or waitlisted enrolment is decided; this one is `{}`",
            current.status
        )));
    }
    if !matches!(
        training.status,
        TrainingStatus::Planned | TrainingStatus::Open | TrainingStatus::Ongoing
    ) {
        return Err(ApiError::conflict(format!(
            "the training is {}: its nominations are no longer decided",
            training.status
        )));
    }
    let (status, waitlisted_at) = match d.decision {
        NominationDecision::Reject => (EnrolmentStatus::Rejected, None),
        NominationDecision::Approve if take_seat(tx, training.id)? => {
            (EnrolmentStatus::Registered, None)
        }
        NominationDecision::Approve => (
            EnrolmentStatus::Waitlisted,
            Some(current.waitlisted_at.map_or_else(now, |t| t.0.naive_utc())),
        ),
    };
    diesel::update(enrolments::table.find(current.id))
        .set((
            enrolments::status.eq(status),
            enrolments::waitlisted_at.eq(waitlisted_at),
            enrolments::decision_note.eq(&d.note),
        ))
        .execute(tx.conn())?;
    moved(tx, current, status)
}

/// Withdraws a nomination or a registration before the training starts (409 from its start
/// day on, and for any other status); a seat it held goes to the waiting list.
pub fn withdraw(tx: &mut Tx, current: &Enrolment, training: &Training) -> ApiResult<()> {
    use EnrolmentStatus::*;
    if !matches!(current.status, Nominated | Waitlisted | Registered) {
        return Err(ApiError::conflict(format!(
            "a `{}` enrolment cannot be withdrawn",
            current.status
        )));
    }
    if crate::types::today() >= training.start_date {
        return Err(ApiError::conflict(format!(
            "the training started on {}: withdrawal is possible only before the start",
            training.start_date
        )));
    }
    diesel::update(enrolments::table.find(current.id))
        .set((
            enrolments::status.eq(Withdrawn),
            enrolments::waitlisted_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(tx.conn())?;
    moved(tx, current, Withdrawn)?;
    if current.status.holds_seat() {
        release_seat(tx, training.id)?;
    }
    Ok(())
}

/// The outbox's record of a decision or a withdrawal.
fn moved(tx: &mut Tx, current: &Enrolment, to: EnrolmentStatus) -> ApiResult<()> {
    crate::webhooks::outbox::enrolment(
        tx,
        Move {
            enrolment: current.id,
            training: current.training_id,
            employee: current.employee_id,
            from: Some(current.status),
            to,
            certificate_number: None,
        },
    )?;
    Ok(())
}

/// Gives a seat back and hands it to the oldest on the waiting list, in this transaction.
pub fn release_seat(tx: &mut Tx, training: TrainingId) -> ApiResult<()> {
    free_seat(tx, training)?;
    fill_from_waitlist(tx, training)?;
    Ok(())
}

/// Promotes waitlisted enrolments, oldest first, while seats are free: each becomes
/// `registered` (a new version, an audit row). The employees promoted.
pub fn fill_from_waitlist(tx: &mut Tx, training: TrainingId) -> ApiResult<Vec<EmployeeId>> {
    let mut promoted = Vec::new();
    loop {
        let next: Option<(EnrolmentId, EmployeeId)> = enrolments::table
            .filter(enrolments::training_id.eq(training))
            .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
            .order((enrolments::waitlisted_at.asc(), enrolments::id.asc()))
            .select((enrolments::id, enrolments::employee_id))
            .first(tx.conn())
            .optional()?;
        let Some((id, employee)) = next else { break };
        if !take_seat(tx, training)? {
            break;
        }
        diesel::update(enrolments::table.find(id))
            .set((
                enrolments::status.eq(EnrolmentStatus::Registered),
                enrolments::waitlisted_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(tx.conn())?;
        tx.bump_version(Entity::Enrolment, id.0)?;
        tx.record(Action::StatusChange, Entity::Enrolment, Some(id.0))?;
        crate::webhooks::outbox::enrolment(
            tx,
            Move {
                enrolment: id,
                training,
                employee,
                from: Some(EnrolmentStatus::Waitlisted),
                to: EnrolmentStatus::Registered,
                certificate_number: None,
            },
        )?;
        promoted.push(employee);
    }
    Ok(promoted)
}
