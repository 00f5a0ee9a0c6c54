//! Each training's evaluation over every unit (`training_evaluations`, migration 41), kept as
//! the report's row by the report's own rule (`reports::evaluation::kept_rows`), from the kept
//! totals and comments: recomputed after the enrolment totals of the same trainings (which
//! every feedback refresh, comments included, is followed by), when the training is edited
//! (its title and programme), and all of it when the settings that judge feedback change.

use diesel::prelude::*;

use super::{lock, Kept};
use crate::db::schema::training_evaluations as kept;
use crate::db::AnyConnection;
use crate::reports::evaluation::kept_rows;

/// Recomputes the kept evaluations of these trainings (`None`: all); a training with neither
/// enrolments nor feedback has none.
pub(super) fn refresh(conn: &mut AnyConnection, trainings: Option<&[i64]>) -> QueryResult<()> {
    lock(conn, Kept::Evaluation, trainings)?;
    let chunks: Vec<Option<&[i64]>> = match trainings {
        None => vec![None],
        Some(ids) => ids.chunks(500).map(Some).collect(),
    };
    for chunk in chunks {
        match chunk {
            None => diesel::delete(kept::table).execute(conn)?,
            Some(ids) => {
                diesel::delete(kept::table.filter(kept::training_id.eq_any(ids))).execute(conn)?
            }
        };
        let rows: Vec<_> = kept_rows(conn, chunk)?
            .into_iter()
            .map(|r| {
                (
                    kept::training_id.eq(r.training_id),
                    kept::title.eq(r.title),
                    kept::programme_id.eq(r.programme_id),
                    kept::figures.eq(r.figures),
                    kept::flags.eq(r.flags),
                    kept::suppressed.eq(r.suppressed),
                    kept::comments.eq(r.comments),
                )
            })
            .collect();
        for batch in rows.chunks(500) {
            crate::execute_native!(&mut *conn, diesel::insert_into(kept::table).values(batch))?;
        }
    }
    Ok(())
}
