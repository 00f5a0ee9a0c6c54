//! Feedback SQL, written so that nothing stored ties a response to its author:
//!
//! - A response keeps only the respondent's OPD (the top-level unit of their unit) and the day;
//!   a speaker's rating is a row of its own, not linked to the response it came with.
//! - Ids are random (53 bits, safe in JavaScript), so their order says nothing about the order
//!   of submission.
//! - Which enrolments answered is kept in `feedback_receipts`, written in the same transaction
//!   as the response (once per enrolment is then a unique key, not a race), with the OPD the
//!   response is attributed to, which the response itself carries (so that the OPD counts its
//!   respondents as eligible after they move: `aggregates`). So that the
//!   transaction does not link the two, every submission rewrites all responses, speaker
//!   ratings and receipts of the training in independent random orders ([`reshuffle`]): on
//!   PostgreSQL they then all carry the same `xmin`, and neither their physical order (`ctid`)
//!   nor their ids follow the order people answered. Submissions to one training are
//!   serialised by the training's row lock, so a rewrite never races another.

use diesel::prelude::*;
use rand::seq::SliceRandom;
use rand::Rng;

use super::model::{Channel, FeedbackInput, FeedbackRow, SpeakerRatingRow};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::db::schema::{enrolments, feedback, feedback_receipts, feedback_trainer_ratings};
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::types::{EnrolmentId, TrainerId, TrainingId, UnitId};

/// A fresh random id below 2^53 (exact in a JSON number everywhere).
fn random_id() -> i64 {
    rand::rng().random_range(1..(1_i64 << 53))
}

/// Serialises the feedback writes of one training (its row lock; SQLite's writers are serial).
pub fn lock_training(tx: &mut Tx, training_id: TrainingId) -> ApiResult<()> {
    tx.lock(Entity::Training, &[training_id.0])
}

/// Records that the enrolment has answered, in `opd` (where its response is attributed, and so
/// where it counts as eligible for the OPD's response rate); `false` when it already had.
pub fn take_receipt(tx: &mut Tx, enrolment_id: EnrolmentId, opd: UnitId) -> QueryResult<bool> {
    let conn = tx.conn();
    let exists: bool = diesel::select(diesel::dsl::exists(
        feedback_receipts::table.find(enrolment_id),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(feedback_receipts::table)
        .values((
            feedback_receipts::enrolment_id.eq(enrolment_id),
            feedback_receipts::unit_id.eq(opd),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The speakers rated must be the training's, each once (422 otherwise).
pub fn check_trainer_ratings(
    input: &FeedbackInput,
    trainers: &[TrainerId],
    field: &str,
) -> ApiResult<()> {
    let mut seen = Vec::new();
    for r in &input.trainer_ratings {
        if !trainers.contains(&r.trainer_id) {
            return Err(ApiError::validation(
                field,
                format!("trainer {} is not a trainer of this training", r.trainer_id),
            ));
        }
        if seen.contains(&r.trainer_id) {
            return Err(ApiError::validation(
                field,
                format!("trainer {} is rated more than once", r.trainer_id),
            ));
        }
        seen.push(r.trainer_id);
    }
    Ok(())
}

/// Stores responses of one training (attributed to `opd`, the respondents' top-level unit, or
/// none for paper forms), rewrites the training's feedback in random order and refreshes its
/// totals. Returns the new responses' ids.
pub fn create(
    tx: &mut Tx,
    training_id: TrainingId,
    opd: Option<UnitId>,
    channel: Channel,
    inputs: &[FeedbackInput],
) -> ApiResult<Vec<i64>> {
    let submitted_on = crate::types::today();
    let mut ids = Vec::with_capacity(inputs.len());
    for input in inputs {
        let r = &input.ratings;
        let response = FeedbackRow {
            id: random_id(),
            training_id,
            unit_id: opd,
            material: r.material,
            method: r.method,
            trainer: r.trainer,
            facilities: r.facilities,
            relevance: r.relevance,
            organisation: r.organisation,
            overall: input.overall,
            recommend: input.recommend,
            comment: input.comment.clone(),
            submitted_on,
            channel,
        };
        diesel::insert_into(feedback::table)
            .values(&response)
            .execute(tx.conn())?;
        let ratings: Vec<SpeakerRatingRow> = input
            .trainer_ratings
            .iter()
            .map(|rating| SpeakerRatingRow {
                id: random_id(),
                training_id,
                trainer_id: rating.trainer_id,
                unit_id: opd,
                rating: rating.rating,
            })
            .collect();
        insert_ratings(tx.conn(), &ratings)?;
        ids.push(response.id);
    }
    reshuffle(tx, training_id)?;
    aggregates::after(tx, Change::Feedback(training_id))?;
    Ok(ids)
}

/// Multi-row INSERTs, in the order given ([`crate::insert_rows!`]).
fn insert_ratings(conn: &mut AnyConnection, rows: &[SpeakerRatingRow]) -> QueryResult<()> {
    crate::insert_rows!(conn, feedback_trainer_ratings::table, rows)
}

/// Rewrites the training's responses, speaker ratings and receipts, each table in a random
/// order of its own (see the module doc).
pub fn reshuffle(tx: &mut Tx, training_id: TrainingId) -> QueryResult<()> {
    let mut rng = rand::rng();
    let conn = tx.conn();
    let mut responses: Vec<FeedbackRow> = feedback::table
        .filter(feedback::training_id.eq(training_id))
        .select(FeedbackRow::as_select())
        .load(conn)?;
    let mut ratings: Vec<SpeakerRatingRow> = feedback_trainer_ratings::table
        .filter(feedback_trainer_ratings::training_id.eq(training_id))
        .select(SpeakerRatingRow::as_select())
        .load(conn)?;
    let participants = enrolments::table
        .filter(enrolments::training_id.eq(training_id))
        .select(enrolments::id);
    let mut receipts: Vec<(EnrolmentId, Option<UnitId>)> = feedback_receipts::table
        .filter(feedback_receipts::enrolment_id.eq_any(participants))
        .select((feedback_receipts::enrolment_id, feedback_receipts::unit_id))
        .load(conn)?;
    responses.shuffle(&mut rng);
    ratings.shuffle(&mut rng);
    receipts.shuffle(&mut rng);
    diesel::delete(feedback::table.filter(feedback::training_id.eq(training_id))).execute(conn)?;
    diesel::delete(
        feedback_trainer_ratings::table
            .filter(feedback_trainer_ratings::training_id.eq(training_id)),
    )
    .execute(conn)?;
    diesel::delete(
        feedback_receipts::table
            .filter(feedback_receipts::enrolment_id.eq_any(receipts.iter().map(|r| r.0))),
    )
    .execute(conn)?;
    crate::insert_rows!(conn, feedback::table, responses)?;
    insert_ratings(conn, &ratings)?;
    let receipts: Vec<_> = receipts
        .into_iter()
        .map(|(e, opd)| {
            (
                feedback_receipts::enrolment_id.eq(e),
                feedback_receipts::unit_id.eq(opd),
            )
        })
        .collect();
    crate::insert_rows!(conn, feedback_receipts::table, receipts)
}

/// Responses attributed to `from` move to `to` (a unit placed under another is no longer an
/// OPD: its responses belong to the OPD it joined), with the receipts that count their authors
/// there, and the totals of their trainings follow.
pub fn move_attribution(tx: &mut Tx, from: UnitId, to: UnitId) -> QueryResult<()> {
    let mut trainings: Vec<TrainingId> = feedback::table
        .filter(feedback::unit_id.eq(from))
        .select(feedback::training_id)
        .distinct()
        .load(tx.conn())?;
    diesel::update(feedback::table.filter(feedback::unit_id.eq(from)))
        .set(feedback::unit_id.eq(to))
        .execute(tx.conn())?;
    diesel::update(
        feedback_trainer_ratings::table.filter(feedback_trainer_ratings::unit_id.eq(from)),
    )
    .set(feedback_trainer_ratings::unit_id.eq(to))
    .execute(tx.conn())?;
    let receipts = feedback_receipts::table.filter(feedback_receipts::unit_id.eq(from));
    trainings.extend(
        enrolments::table
            .filter(enrolments::id.eq_any(receipts.select(feedback_receipts::enrolment_id)))
            .select(enrolments::training_id)
            .distinct()
            .load::<TrainingId>(tx.conn())?,
    );
    diesel::update(receipts)
        .set(feedback_receipts::unit_id.eq(to))
        .execute(tx.conn())?;
    trainings.sort_unstable();
    trainings.dedup();
    for t in trainings {
        aggregates::after(tx, Change::Feedback(t))?;
    }
    Ok(())
}

/// How many paper forms may still be entered: the training's eligible participants less its
/// responses. Who is eligible (attended or completed, or answered before failing) is decided
/// once, where `aggregates` keeps the training's totals, and read from there; those totals are
/// rewritten in the transaction of every enrolment and feedback write, so they are current here.
pub fn unanswered(conn: &mut AnyConnection, training_id: TrainingId) -> QueryResult<i64> {
    let eligible = aggregates::eligible(conn, training_id)?;
    // Everyone who answered is among the eligible (a respondent who withdrew later too).
    Ok((eligible - count(conn, training_id)?).max(0))
}

/// How many responses a training has (online and paper).
pub fn count(conn: &mut AnyConnection, training_id: TrainingId) -> QueryResult<i64> {
    feedback::table
        .filter(feedback::training_id.eq(training_id))
        .count()
        .get_result(conn)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<FeedbackRow> {
    feedback::table
        .find(id)
        .select(FeedbackRow::as_select())
        .first(conn)
}

/// A page of the training's responses, in id order (random, not the order received).
pub fn list(
    conn: &mut AnyConnection,
    training_id: TrainingId,
    (offset, limit): (i64, i64),
) -> QueryResult<(i64, Vec<FeedbackRow>)> {
    let total = count(conn, training_id)?;
    let rows = feedback::table
        .filter(feedback::training_id.eq(training_id))
        .order(feedback::id.asc())
        .offset(offset)
        .limit(limit)
        .select(FeedbackRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}
