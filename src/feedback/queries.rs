use diesel::prelude::*;

use super::model::{FeedbackInput, FeedbackRow};
use crate::aggregates::{self, Change};
use crate::db::schema::{feedback, feedback_receipts};
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::types::{EnrolmentId, TrainingId, UnitId};

/// Records that the enrolment has answered; `false` when it already had.
pub fn take_receipt(tx: &mut Tx, enrolment_id: EnrolmentId) -> QueryResult<bool> {
    let conn = tx.conn();
    let exists: bool = diesel::select(diesel::dsl::exists(
        feedback_receipts::table.find(enrolment_id),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(feedback_receipts::table)
        .values(feedback_receipts::enrolment_id.eq(enrolment_id))
        .execute(conn)?;
    Ok(true)
}

/// Stores a response (with the respondent's unit and the day, never the person) and refreshes
/// the training's feedback totals.
pub fn create(
    tx: &mut Tx,
    training_id: TrainingId,
    unit_id: UnitId,
    input: &FeedbackInput,
) -> ApiResult<i64> {
    let r = &input.ratings;
    let insert = diesel::insert_into(feedback::table).values((
        feedback::training_id.eq(training_id),
        feedback::unit_id.eq(unit_id),
        feedback::material.eq(r.material),
        feedback::method.eq(r.method),
        feedback::trainer.eq(r.trainer),
        feedback::facilities.eq(r.facilities),
        feedback::relevance.eq(r.relevance),
        feedback::organisation.eq(r.organisation),
        feedback::overall.eq(input.overall),
        feedback::recommend.eq(input.recommend),
        feedback::comment.eq(input.comment.as_deref()),
        feedback::submitted_on.eq(chrono::Utc::now().date_naive()),
    ));
    let id = crate::insert_returning_id!(tx.conn(), insert, feedback::id)?;
    aggregates::after(tx, Change::Feedback(training_id))?;
    Ok(id)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<FeedbackRow> {
    feedback::table
        .find(id)
        .select(FeedbackRow::as_select())
        .first(conn)
}

pub fn list(
    conn: &mut AnyConnection,
    training_id: TrainingId,
    (offset, limit): (i64, i64),
) -> QueryResult<(i64, Vec<FeedbackRow>)> {
    let total = feedback::table
        .filter(feedback::training_id.eq(training_id))
        .count()
        .get_result(conn)?;
    let rows = feedback::table
        .filter(feedback::training_id.eq(training_id))
        .order(feedback::id.asc())
        .offset(offset)
        .limit(limit)
        .select(FeedbackRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}
