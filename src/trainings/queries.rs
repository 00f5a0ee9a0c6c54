//! Trainings' SQL: the resource, the catalogue, the writers (links kept in the link tables and
//! on the row), the status flow, and the seat count that keeps enrolments within capacity.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::model::{Links, Training, TrainingFilter, TrainingInput, TrainingRow, TrainingStatus};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::auth::Caller;
use crate::db::refs;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{enrolments, training_competencies, training_partners, trainings};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::enrolments::model::EnrolmentStatus;
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, JsonText, PolicyId, TrainingId};

pub struct Trainings;

impl Resource for Trainings {
    const ENTITY: Entity = Entity::Training;
    type Id = TrainingId;
    type Row = TrainingRow;
    type Current = Training;

    fn row(conn: &mut AnyConnection, id: TrainingId) -> QueryResult<TrainingRow> {
        trainings::table
            .find(id)
            .select(TrainingRow::as_select())
            .first(conn)
    }

    fn pg_sql() -> String {
        json_by_id(
            trainings::table.select(TrainingRow::as_select()),
            "trainings",
            "",
        )
    }

    fn present(row: TrainingRow) -> Training {
        Training::from(row)
    }

    fn version(t: &Training) -> i64 {
        t.version
    }
}

fn filtered(f: &TrainingFilter, include_drafts: bool) -> trainings::BoxedQuery<'static, Backend> {
    let mut q = trainings::table.into_boxed();
    if !include_drafts {
        q = q.filter(trainings::status.ne(TrainingStatus::Draft));
    }
    crate::eq_filters!(q, f;
        status => trainings::status,
        form => trainings::form,
        mode => trainings::mode,
    );
    if let Some(partner) = f.partner_id {
        q = q.filter(
            trainings::id.eq_any(
                training_partners::table
                    .filter(training_partners::partner_id.eq(partner))
                    .select(training_partners::training_id),
            ),
        );
    }
    if let Some(competency) = f.competency_id {
        q = q.filter(
            trainings::id.eq_any(
                training_competencies::table
                    .filter(training_competencies::competency_id.eq(competency))
                    .select(training_competencies::training_id),
            ),
        );
    }
    if let Some(year) = f.year {
        if let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            q = q
                .filter(trainings::start_date.le(last))
                .filter(trainings::end_date.ge(first));
        }
    }
    if let Some(from) = f.from {
        q = q.filter(trainings::end_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(trainings::start_date.le(to));
    }
    crate::text_search!(q, f.q, trainings: title, location);
    q
}

/// One page of the catalogue as the caller may see it.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    f: &TrainingFilter,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Training>)> {
    let drafts = super::access::sees_drafts(caller);
    let (total, rows) = crate::page!(conn, filtered(f, drafts), sort, window, trainings::id, TrainingRow, {
        "title" => trainings::title,
        "start_date" => trainings::start_date,
        "end_date" => trainings::end_date,
        "jp" => trainings::jp,
    });
    Ok((total, rows.into_iter().map(Training::from).collect()))
}

/// Everything a training refers to must exist (422 naming the field otherwise).
fn check(conn: &mut AnyConnection, t: &TrainingInput) -> ApiResult<()> {
    let competencies: Vec<i64> = t.competencies.iter().map(|c| c.competency_id.0).collect();
    refs::require(
        conn,
        &[
            (
                "organizer_unit_id",
                Entity::Unit,
                raw(t.organizer_unit_id.as_slice()),
            ),
            ("partner_ids", Entity::Partner, raw(&t.partner_ids)),
            ("trainer_ids", Entity::Trainer, raw(&t.trainer_ids)),
            ("competencies", Entity::Competency, competencies),
            ("policy_ids", Entity::Policy, raw(&t.policy_ids)),
            (
                "programme_id",
                Entity::Programme,
                raw(t.programme_id.as_slice()),
            ),
        ],
    )
}

/// A new training, as a `draft`.
pub fn create(tx: &mut Tx, t: &TrainingInput) -> ApiResult<TrainingId> {
    check(tx, t)?;
    let settings = crate::settings::queries::get(tx)?;
    super::rules::check_training(tx, &settings, None, t)?;
    let id = crate::insert_new!(
        tx,
        trainings,
        (
            t,
            trainings::status.eq(TrainingStatus::Draft),
            trainings::enrolled_count.eq(0)
        )
    )?;
    let links = Links::of(t);
    replace_links(tx, id, &links)?;
    relinked(tx, &[], &links.policy_ids)?;
    Ok(id)
}

/// Capacity cannot drop below the seats taken (409); a classical training's completions move
/// with its end date (and so may count in another year).
pub fn update(tx: &mut Tx, current: &Training, t: &TrainingInput) -> ApiResult<()> {
    if t.capacity.is_some_and(|cap| cap < current.enrolled_count) {
        return Err(ApiError::conflict(format!(
            "{} seats are taken; capacity cannot be lower",
            current.enrolled_count
        )));
    }
    check(tx, t)?;
    let settings = crate::settings::queries::get(tx)?;
    super::rules::check_training(tx, &settings, Some(current), t)?;
    diesel::update(trainings::table.find(current.id))
        .set(t)
        .execute(tx.conn())?;
    let links = Links::of(t);
    replace_links(tx, current.id, &links)?;
    relinked(tx, &current.policy_ids, &links.policy_ids)?;
    // More seats go to the waiting list first.
    if t.capacity != current.capacity {
        let promoted = crate::nomination::queries::fill_from_waitlist(tx, current.id)?;
        if !promoted.is_empty() {
            aggregates::after(
                tx,
                Change::Enrolments {
                    trainings: &[current.id],
                    employees: &promoted,
                },
            )?;
        }
    }
    // The kept evaluation (title, programme) between the two: its lock comes after the
    // enrolment totals' (the promotions above) and before the yearly JP's (the completion day
    // below), in the order every writer takes them.
    aggregates::after(tx, Change::Training(current.id))?;
    // A classical training's completions are on its end date (`rules::completion_day`); other
    // forms keep the days their participants finished on.
    let classical_now = t.form.classical();
    if classical_now && (t.end_date != current.end_date || !current.classical) {
        diesel::update(
            enrolments::table
                .filter(enrolments::training_id.eq(current.id))
                .filter(enrolments::status.eq(EnrolmentStatus::Completed)),
        )
        .set(enrolments::completed_on.eq(t.end_date))
        .execute(tx.conn())?;
        aggregates::after(tx, Change::TrainingDates(current.id))?;
        // The needs they met are those of the completion's year, which may have moved.
        let people: Vec<crate::types::EmployeeId> = enrolments::table
            .filter(enrolments::training_id.eq(current.id))
            .filter(enrolments::status.eq(EnrolmentStatus::Completed))
            .select(enrolments::employee_id)
            .load(tx.conn())?;
        for employee in people {
            crate::needs::queries::after_completion(tx, employee, current.id, None)?;
            crate::needs::queries::after_completion(tx, employee, current.id, Some(t.end_date))?;
        }
    }
    Ok(())
}

/// A training with enrolments is kept (409): cancel it instead.
pub fn delete(tx: &mut Tx, current: &Training) -> ApiResult<()> {
    if refs::uses(tx, current.id.0, &[("enrolments", "training_id")])?[0] > 0 {
        return Err(ApiError::conflict(
            "the training has enrolments; cancel it instead",
        ));
    }
    diesel::delete(trainings::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}

/// Moves the status along the flow and the learning record rules (409 otherwise); the caller
/// holds the row locked. Cancelling withdraws every enrolment, so nothing of a cancelled
/// training counts anywhere.
pub fn set_status(tx: &mut Tx, current: &Training, to: TrainingStatus) -> ApiResult<()> {
    if !current.status.may_become(to) {
        return Err(ApiError::conflict(format!(
            "a training cannot go from `{}` to `{to}`",
            current.status
        )));
    }
    super::rules::check_move(tx, current, to)?;
    diesel::update(trainings::table.find(current.id))
        .set(trainings::status.eq(to))
        .execute(tx.conn())?;
    crate::webhooks::outbox::emit(
        tx,
        crate::webhooks::model::EventKind::TrainingStatusChanged,
        serde_json::json!({"training_id": current.id, "from": current.status, "to": to}),
    )?;
    if to == TrainingStatus::Cancelled {
        withdraw_all(tx, current.id)?;
    }
    Ok(())
}

/// Every enrolment of a cancelled training (but rejected nominations) is withdrawn and its
/// seats are free.
fn withdraw_all(tx: &mut Tx, id: TrainingId) -> ApiResult<()> {
    use crate::db::schema::enrolments;
    use crate::enrolments::model::EnrolmentStatus;
    let active = || {
        enrolments::table
            .filter(enrolments::training_id.eq(id))
            .filter(
                enrolments::status.ne_all([EnrolmentStatus::Withdrawn, EnrolmentStatus::Rejected]),
            )
    };
    let moving: Vec<(
        crate::types::EnrolmentId,
        crate::types::EmployeeId,
        EnrolmentStatus,
    )> = active()
        .select((enrolments::id, enrolments::employee_id, enrolments::status))
        .load(tx.conn())?;
    let people: Vec<crate::types::EmployeeId> = moving.iter().map(|m| m.1).collect();
    // Whether anyone listens is asked once, not per enrolment.
    let told = !crate::webhooks::outbox::listeners(
        tx.conn(),
        crate::webhooks::model::EventKind::EnrolmentStatusChanged,
    )?
    .is_empty();
    for (enrolment, employee, from) in moving.iter().filter(|_| told) {
        crate::webhooks::outbox::enrolment(
            tx,
            crate::webhooks::outbox::Move {
                enrolment: *enrolment,
                training: id,
                employee: *employee,
                from: Some(*from),
                to: EnrolmentStatus::Withdrawn,
                certificate_number: None,
            },
        )?;
    }
    diesel::update(active())
        .set((
            enrolments::status.eq(EnrolmentStatus::Withdrawn),
            enrolments::jp_credited.eq(None::<i32>),
            enrolments::waitlisted_at.eq(None::<chrono::NaiveDateTime>),
            enrolments::version.eq(enrolments::version + 1),
        ))
        .execute(tx.conn())?;
    diesel::update(trainings::table.find(id))
        .set(trainings::enrolled_count.eq(0))
        .execute(tx.conn())?;
    aggregates::after(
        tx,
        Change::Enrolments {
            trainings: &[id],
            employees: &people,
        },
    )?;
    Ok(())
}

/// Takes a seat if one is free: one conditional UPDATE, so two requests (or two server
/// processes) can never both take the last seat. `false` when the training is full.
pub fn take_seat(tx: &mut Tx, id: TrainingId) -> QueryResult<bool> {
    let n = diesel::update(
        trainings::table.filter(trainings::id.eq(id)).filter(
            trainings::capacity
                .is_null()
                .or(trainings::capacity.gt(trainings::enrolled_count.nullable())),
        ),
    )
    .set(trainings::enrolled_count.eq(trainings::enrolled_count + 1))
    .execute(tx.conn())?;
    Ok(n == 1)
}

/// Gives a seat back (`nomination::queries::release_seat` also hands it to the waiting list).
pub fn free_seat(tx: &mut Tx, id: TrainingId) -> QueryResult<()> {
    diesel::update(
        trainings::table
            .filter(trainings::id.eq(id))
            .filter(trainings::enrolled_count.gt(0)),
    )
    .set(trainings::enrolled_count.eq(trainings::enrolled_count - 1))
    .execute(tx.conn())?;
    Ok(())
}

/// Tells the policy coverage of the policies a training started or stopped refreshing on (its
/// completions count for those policies now, or no more).
fn relinked(tx: &mut Tx, before: &[PolicyId], now: &[PolicyId]) -> QueryResult<()> {
    let mut changed: Vec<PolicyId> = before
        .iter()
        .chain(now)
        .filter(|p| before.contains(p) != now.contains(p))
        .copied()
        .collect();
    changed.sort_unstable();
    changed.dedup();
    if changed.is_empty() {
        return Ok(());
    }
    aggregates::after(tx, Change::Policies(&changed))
}

/// Replaces a training's links: the link tables and their copy on the row (`links_json`).
/// The only writer of either.
pub fn replace_links(tx: &mut Tx, id: TrainingId, links: &Links) -> QueryResult<()> {
    diesel::update(trainings::table.find(id))
        .set(trainings::links_json.eq(JsonText::to_text(links)))
        .execute(tx.conn())?;
    let pairs = |ids: Vec<i64>| -> String {
        ids.iter()
            .map(|x| format!("({id}, {x})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!(
        "DELETE FROM training_partners WHERE training_id = {id}; \
         DELETE FROM training_trainers WHERE training_id = {id}; \
         DELETE FROM training_competencies WHERE training_id = {id}; \
         DELETE FROM training_policies WHERE training_id = {id};"
    );
    if !links.partner_ids.is_empty() {
        sql.push_str(&format!(
            " INSERT INTO training_partners (training_id, partner_id) VALUES {};",
            pairs(raw(&links.partner_ids))
        ));
    }
    if !links.trainer_ids.is_empty() {
        sql.push_str(&format!(
            " INSERT INTO training_trainers (training_id, trainer_id) VALUES {};",
            pairs(raw(&links.trainer_ids))
        ));
    }
    if !links.policy_ids.is_empty() {
        sql.push_str(&format!(
            " INSERT INTO training_policies (training_id, policy_id) VALUES {};",
            pairs(raw(&links.policy_ids))
        ));
    }
    if !links.competencies.is_empty() {
        let rows: Vec<String> = links
            .competencies
            .iter()
            .map(|c| format!("({id}, {}, {})", c.competency_id, c.target_level))
            .collect();
        sql.push_str(&format!(
            " INSERT INTO training_competencies (training_id, competency_id, target_level) VALUES {};",
            rows.join(", ")
        ));
    }
    tx.conn().batch_execute(&sql)
}
