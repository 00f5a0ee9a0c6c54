//! A training's free-text comments, kept (`training_comments`, migration 40) as the JSON array
//! the training evaluation answers, in an order shuffled when they are written. The report over
//! every unit reads one row a training instead of every comment: at 200k employees 251k rows and
//! a third of a second, now about 20k rows. A unit scope still reads the comments of its own
//! respondents and shuffles them with the same rule, [`shuffled`].

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rand::seq::SliceRandom;

use super::chunked;
use crate::db::schema::training_comments;
use crate::db::AnyConnection;

/// Comments as the report shows them: in random order, so that their order says nothing about
/// who wrote which, or when.
pub fn shuffled(mut comments: Vec<String>) -> String {
    comments.shuffle(&mut rand::rng());
    serde_json::Value::from(comments).to_string()
}

#[derive(QueryableByName)]
struct CommentRow {
    #[diesel(sql_type = BigInt)]
    training_id: i64,
    #[diesel(sql_type = Text)]
    comment: String,
}

/// Recomputes the kept comments of these trainings (`None`: all) from the responses; the
/// caller holds the feedback totals' lock of the same trainings.
pub(super) fn refresh(conn: &mut AnyConnection, trainings: Option<&[i64]>) -> QueryResult<()> {
    for (old, new) in chunked(trainings, "training_id", "training_id") {
        diesel::sql_query(format!("DELETE FROM training_comments WHERE {old}")).execute(conn)?;
        let rows: Vec<CommentRow> = diesel::sql_query(format!(
            "SELECT training_id, comment FROM feedback WHERE comment IS NOT NULL AND {new}"
        ))
        .load(conn)?;
        let mut per: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for row in rows {
            per.entry(row.training_id).or_default().push(row.comment);
        }
        let kept: Vec<_> = per
            .into_iter()
            .map(|(training, comments)| {
                (
                    training_comments::training_id.eq(training),
                    training_comments::comments.eq(shuffled(comments)),
                )
            })
            .collect();
        crate::insert_rows!(conn, training_comments::table, kept)?;
    }
    Ok(())
}
