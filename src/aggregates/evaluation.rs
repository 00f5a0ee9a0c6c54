//! Each training's evaluation over every unit (`training_evaluations`, migration 41) and over
//! each OPD's subtree (`unit_evaluations`, migration 42), kept as the report's rows by the
//! report's own rule (`reports::evaluation::kept_rows` and `kept_opd_rows`), from the kept
//! totals and comments: recomputed after the enrolment totals of the same trainings (which
//! every feedback refresh, comments included, is followed by), when the training is edited
//! (its title and programme), for the trainings of a unit's people when the unit moves in the
//! tree (they count in another OPD), and all of it when the settings that judge feedback change.

use diesel::prelude::*;

use super::{lock, Kept};
use crate::db::schema::{training_evaluations as every, trainings, unit_evaluations, units};
use crate::db::AnyConnection;
use crate::reports::evaluation::{kept_opd_rows, kept_rows, Trainings};

/// Trainings recomputed at a time: their rows are held in memory until written.
const CHUNK: usize = 500;

/// Recomputes the kept evaluations of these trainings (`None`: all); a training with neither
/// enrolments nor feedback has none, and an OPD none for a training its people neither
/// enrolled in nor answered. `opds` narrows the per-OPD rows to those OPDs' (`None`: every
/// OPD's): when only enrolments of their people moved, no other OPD's row changes (an OPD's
/// cell is judged on its own counts and on the feedback over every unit, which did not move).
pub(super) fn refresh(
    conn: &mut AnyConnection,
    trainings: Option<&[i64]>,
    opds: Option<&[i64]>,
) -> QueryResult<()> {
    lock(conn, Kept::Evaluation, trainings)?;
    let Some(ids) = trainings else {
        return rebuild(conn);
    };
    for chunk in ids.chunks(CHUNK) {
        diesel::delete(every::table.filter(every::training_id.eq_any(chunk))).execute(conn)?;
        let of_trainings = unit_evaluations::training_id.eq_any(chunk);
        match opds {
            None => diesel::delete(unit_evaluations::table.filter(of_trainings)).execute(conn)?,
            Some(opds) => diesel::delete(
                unit_evaluations::table
                    .filter(of_trainings)
                    .filter(unit_evaluations::unit_id.eq_any(opds)),
            )
            .execute(conn)?,
        };
        let these = Trainings::of(conn, Some(chunk))?;
        write_every(conn, &these)?;
        write_per_opd(conn, &these, opds)?;
    }
    Ok(())
}

/// Every kept evaluation afresh: over every unit a chunk of trainings at a time, per OPD one
/// OPD at a time, so that an OPD's rows lie together as the report reads them.
fn rebuild(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::delete(every::table).execute(conn)?;
    diesel::delete(unit_evaluations::table).execute(conn)?;
    let all: Vec<i64> = trainings::table
        .select(trainings::id)
        .order(trainings::id)
        .load(conn)?;
    for chunk in all.chunks(CHUNK) {
        let these = Trainings::of(conn, Some(chunk))?;
        write_every(conn, &these)?;
    }
    let opds: Vec<i64> = units::table
        .filter(units::parent_id.is_null())
        .select(units::id)
        .order(units::id)
        .load(conn)?;
    let all_trainings = Trainings::of(conn, None)?;
    for opd in opds {
        write_per_opd(conn, &all_trainings, Some(&[opd]))?;
    }
    Ok(())
}

/// A kept row's values for `$table`: both tables hold its columns.
macro_rules! values {
    ($table:ident, $row:expr) => {{
        let r = $row;
        (
            $table::training_id.eq(r.training_id),
            $table::title.eq(r.title),
            $table::programme_id.eq(r.programme_id),
            $table::figures.eq(r.figures),
            $table::flags.eq(r.flags),
            $table::suppressed.eq(r.suppressed),
            $table::comments.eq(r.comments),
            $table::csv_before.eq(r.csv_before),
            $table::csv_after.eq(r.csv_after),
        )
    }};
}

/// Computes and writes the rows over every unit of these trainings.
fn write_every(conn: &mut AnyConnection, trainings: &Trainings) -> QueryResult<()> {
    let rows: Vec<_> = kept_rows(conn, trainings)?
        .into_iter()
        .map(|r| values!(every, r))
        .collect();
    crate::insert_rows!(conn, every::table, rows)
}

/// Computes and writes the rows per OPD of these trainings (of these OPDs, or all).
fn write_per_opd(
    conn: &mut AnyConnection,
    trainings: &Trainings,
    opds: Option<&[i64]>,
) -> QueryResult<()> {
    use unit_evaluations as per_opd;
    let rows: Vec<_> = kept_opd_rows(conn, trainings, opds)?
        .into_iter()
        .map(|(opd, r)| (per_opd::unit_id.eq(opd), values!(per_opd, r)))
        .collect();
    crate::insert_rows!(conn, per_opd::table, rows)
}
