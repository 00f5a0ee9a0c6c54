//! Sessions' SQL: the resource, a training's schedule, the writers (sessions within the
//! training's days and JP, attendance of its seated participants once it is held) and the
//! derived attendance.

use std::collections::HashMap;
use std::marker::PhantomData;

use diesel::prelude::*;

use super::model::{Presence, Session, SessionInput};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::{enrolments, session_attendance, training_sessions};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::enrolments::model::EnrolmentStatus;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::trainings::model::{Training, TrainingStatus};
use crate::types::{raw, EnrolmentId, SessionId, TrainerId, TrainingId};

crate::simple_resource!(Sessions, Session, training_sessions, SessionId, Session);

const TRAINERS: LinkTable<SessionId, TrainerId> = LinkTable {
    table: "session_trainers",
    owner: "session_id",
    target: "trainer_id",
    owner_table: "training_sessions",
    copy: "trainer_ids",
    ids: PhantomData,
};

/// A training's sessions, in start order.
pub fn of_training(conn: &mut AnyConnection, training: TrainingId) -> QueryResult<Vec<Session>> {
    training_sessions::table
        .filter(training_sessions::training_id.eq(training))
        .order((training_sessions::starts_at, training_sessions::id))
        .select(Session::as_select())
        .load(conn)
}

/// A session fits its training: not a cancelled one (409), within its days, speakers that
/// exist, and the training's sessions hold at most its JP (422).
fn check(
    conn: &mut AnyConnection,
    training: &Training,
    s: &SessionInput,
    id: Option<SessionId>,
) -> ApiResult<()> {
    if training.status == TrainingStatus::Cancelled {
        return Err(ApiError::conflict("the training is cancelled"));
    }
    refs::require(
        conn,
        &[("trainer_ids", Entity::Trainer, raw(&s.trainer_ids))],
    )?;
    let (first, last) = (
        crate::types::day_of(s.starts_at.0),
        crate::types::day_of(s.ends_at.0),
    );
    if first < training.start_date || last > training.end_date {
        return Err(ApiError::validation(
            "starts_at",
            format!(
                "a session is within the training's days, {} to {}",
                training.start_date, training.end_date
            ),
        ));
    }
    let others: Option<i64> = training_sessions::table
        .filter(training_sessions::training_id.eq(training.id))
        .filter(training_sessions::id.ne(id.unwrap_or(SessionId(0))))
        .select(diesel::dsl::sum(training_sessions::jp))
        .first(conn)?;
    let total = others.unwrap_or(0) + i64::from(s.jp);
    if total > i64::from(training.jp) {
        return Err(ApiError::validation(
            "jp",
            format!(
                "the training's sessions would hold {total} JP, more than its {} JP",
                training.jp
            ),
        ));
    }
    Ok(())
}

/// The columns a client writes, as the database keeps them (times in UTC).
type Columns = (
    diesel::dsl::Eq<training_sessions::title, String>,
    diesel::dsl::Eq<training_sessions::starts_at, chrono::NaiveDateTime>,
    diesel::dsl::Eq<training_sessions::ends_at, chrono::NaiveDateTime>,
    diesel::dsl::Eq<training_sessions::jp, i32>,
    diesel::dsl::Eq<training_sessions::location, Option<String>>,
);

fn columns(s: &SessionInput) -> Columns {
    (
        training_sessions::title.eq(s.title.clone()),
        training_sessions::starts_at.eq(s.starts_at.0.naive_utc()),
        training_sessions::ends_at.eq(s.ends_at.0.naive_utc()),
        training_sessions::jp.eq(s.jp),
        training_sessions::location.eq(s.location.clone()),
    )
}

/// A new session of the training (the caller holds it locked).
pub fn create(tx: &mut Tx, training: &Training, s: &SessionInput) -> ApiResult<SessionId> {
    check(tx, training, s, None)?;
    let id = crate::insert_new!(
        tx,
        training_sessions,
        (columns(s), training_sessions::training_id.eq(training.id))
    )?;
    TRAINERS.replace(tx, id, &s.trainer_ids)?;
    derive_attendance(tx, training.id)?;
    Ok(id)
}

pub fn update(
    tx: &mut Tx,
    training: &Training,
    current: &Session,
    s: &SessionInput,
) -> ApiResult<()> {
    check(tx, training, s, Some(current.id))?;
    diesel::update(training_sessions::table.find(current.id))
        .set(columns(s))
        .execute(tx.conn())?;
    TRAINERS.replace(tx, current.id, &s.trainer_ids)?;
    derive_attendance(tx, training.id)?;
    Ok(())
}

/// Deletes a session with its attendance; the participants' attendance follows.
pub fn delete(tx: &mut Tx, current: &Session) -> ApiResult<()> {
    diesel::delete(training_sessions::table.find(current.id)).execute(tx.conn())?;
    derive_attendance(tx, current.training_id)?;
    Ok(())
}

/// Records who was present at a session: enrolments of its training that hold a seat (422
/// per item otherwise), once the training is held (409 `training_not_held`).
pub fn put_attendance(
    tx: &mut Tx,
    training: &Training,
    session: &Session,
    items: &[Presence],
) -> ApiResult<()> {
    if !matches!(
        training.status,
        TrainingStatus::Ongoing | TrainingStatus::Completed
    ) {
        return Err(ApiError::Conflict {
            code: "training_not_held",
            detail: format!(
                "the training is {}: attendance is recorded once it is ongoing or completed",
                training.status
            ),
        });
    }
    let ids: Vec<EnrolmentId> = items.iter().map(|p| p.enrolment_id).collect();
    let seated: HashMap<EnrolmentId, EnrolmentStatus> = enrolments::table
        .filter(enrolments::id.eq_any(&ids))
        .filter(enrolments::training_id.eq(training.id))
        .select((enrolments::id, enrolments::status))
        .load::<(EnrolmentId, EnrolmentStatus)>(tx.conn())?
        .into_iter()
        .collect();
    let mut errors = FieldErrors::new();
    for (i, p) in items.iter().enumerate() {
        match seated.get(&p.enrolment_id) {
            Some(status) if status.holds_seat() => {}
            Some(status) => {
                errors.insert(
                    format!("items[{i}].enrolment_id"),
                    vec![format!("the enrolment is `{status}`: it holds no seat")],
                );
            }
            None => {
                errors.insert(
                    format!("items[{i}].enrolment_id"),
                    vec![format!("no enrolment {} in this training", p.enrolment_id)],
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    diesel::delete(
        session_attendance::table
            .filter(session_attendance::session_id.eq(session.id))
            .filter(session_attendance::enrolment_id.eq_any(&ids)),
    )
    .execute(tx.conn())?;
    if !items.is_empty() {
        let rows: Vec<_> = items
            .iter()
            .map(|p| {
                (
                    session_attendance::session_id.eq(session.id),
                    session_attendance::enrolment_id.eq(p.enrolment_id),
                    session_attendance::present.eq(p.present),
                )
            })
            .collect();
        crate::insert_rows!(tx.conn(), session_attendance::table, rows)?;
    }
    derive_attendance(tx, training.id)?;
    Ok(())
}

/// A session's recorded attendance, in enrolment order.
pub fn attendance(conn: &mut AnyConnection, session: SessionId) -> QueryResult<Vec<Presence>> {
    session_attendance::table
        .filter(session_attendance::session_id.eq(session))
        .order(session_attendance::enrolment_id)
        .select((
            session_attendance::enrolment_id,
            session_attendance::present,
        ))
        .load(conn)
}

/// Whether the training has sessions: then its attendance is the server's.
pub fn has_sessions(conn: &mut AnyConnection, training: TrainingId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        training_sessions::table.filter(training_sessions::training_id.eq(training)),
    ))
    .get_result(conn)
}

/// Sets `attendance_percent` of the training's enrolments with recorded attendance to JP of
/// the sessions attended over JP of all its sessions (rounded down, so 79.9 % stays below an
/// 80 % minimum); an enrolment without any record keeps none. A changed value moves the
/// enrolment's version.
pub fn derive_attendance(tx: &mut Tx, training: TrainingId) -> ApiResult<()> {
    let sessions: Vec<(crate::types::SessionId, i32)> = training_sessions::table
        .filter(training_sessions::training_id.eq(training))
        .select((training_sessions::id, training_sessions::jp))
        .load(tx.conn())?;
    let all: i64 = sessions.iter().map(|(_, jp)| i64::from(*jp)).sum();
    let jp_of: HashMap<SessionId, i64> = sessions
        .iter()
        .map(|(id, jp)| (*id, i64::from(*jp)))
        .collect();
    let records: Vec<(EnrolmentId, SessionId, bool)> = session_attendance::table
        .inner_join(training_sessions::table)
        .filter(training_sessions::training_id.eq(training))
        .select((
            session_attendance::enrolment_id,
            session_attendance::session_id,
            session_attendance::present,
        ))
        .load(tx.conn())?;
    let mut attended: HashMap<EnrolmentId, i64> = HashMap::new();
    for (enrolment, session, present) in records {
        let jp = if present {
            jp_of.get(&session).copied().unwrap_or(0)
        } else {
            0
        };
        *attended.entry(enrolment).or_default() += jp;
    }
    let current: Vec<(EnrolmentId, Option<i32>)> = enrolments::table
        .filter(enrolments::training_id.eq(training))
        .select((enrolments::id, enrolments::attendance_percent))
        .load(tx.conn())?;
    let at = now();
    for (enrolment, before) in current {
        let derived = attended
            .get(&enrolment)
            .filter(|_| all > 0)
            .map(|jp| (100 * jp / all) as i32);
        let derived = match (derived, sessions.is_empty()) {
            (Some(p), _) => Some(p),
            // No record of this participant: a figure kept by hand stays only while there are
            // no sessions to derive it from.
            (None, true) => before,
            (None, false) => None,
        };
        if derived != before {
            diesel::update(enrolments::table.find(enrolment))
                .set((
                    enrolments::attendance_percent.eq(derived),
                    enrolments::updated_at.eq(at),
                    enrolments::version.eq(enrolments::version + 1),
                ))
                .execute(tx.conn())?;
        }
    }
    Ok(())
}
