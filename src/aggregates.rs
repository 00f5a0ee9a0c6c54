//! Data kept in step with the rows it summarises, in the writer's transaction, and the one place
//! that knows which write invalidates which of it: writers in the areas' query modules say what
//! they changed with [`after`]`(tx, Change::…)`, and this module refreshes what depends on it.
//!
//! The report aggregates: `feedback_totals` (per training and respondent unit),
//! `enrolment_totals` (per training and participant unit; who may answer the survey also as
//! the OPDs count them, `eligible_opd`, a respondent in the OPD they answered in, so rows of
//! an OPD's own id may hold that count alone), `employee_jp` (per employee and
//! year), `employee_standing` (JPM terms per active employee with a standard) and `level_counts`
//! (active employees per unit, position, competency and current level). The reports read these
//! few thousand rows instead of the hundreds of thousands of feedback, level and standard rows
//! behind them. The two per-unit totals are also kept summed per training
//! (`feedback_totals_by_training`, `enrolment_totals_by_training`), written in the same batch as
//! their per-unit rows: the reports over every unit read those. The speakers' ratings are kept
//! alike beside the feedback totals (`trainer_rating_totals` per training, trainer and unit,
//! `trainer_rating_totals_by_training` per training and trainer). Who may answer a training's
//! survey (its `eligible` column) is decided here only: the paper forms' limit
//! (`feedback::queries::unanswered`) reads it through [`eligible`].
//!
//! The yearly JP standing (`jp_people`, `jp_groups`: [`targets`]) keeps what the target rule
//! judges a person's year on, per person and per group of alike people, for the kept years.
//! Whom each policy affects and who is refreshed on it (`policy_people`: [`coverage`]) is kept
//! per policy and employee. Each training's comments (`training_comments`: [`comments`]) are
//! kept with its feedback totals, as the array the training evaluation shows; its evaluation
//! over every unit and over each OPD (`training_evaluations`, `unit_evaluations`:
//! [`evaluation`]) with its enrolment totals, which always follow the feedback totals (and
//! comments) of the same trainings. The trainer pool's internal candidates
//! (`trainer_candidates`: [`candidates`]) are kept per employee and competency.
//!
//! | change | feedback_totals | enrolment_totals, training_ and unit_evaluations | employee_jp | employee_standing | level_counts | jp_people, jp_groups | policy_people | trainer_candidates |
//! |---|---|---|---|---|---|---|---|---|
//! | `Feedback(t)` | training t (and its ratings and comments) | training t (`eligible`, `eligible_opd`) | | | | | | |
//! | `Enrolments{trainings, employees}` (also external learning verified or removed) | | those trainings (per OPD: those employees' OPDs and those they answered in) | those employees | | | those employees | those employees | |
//! | `Training(t)` (an edit) | | t's evaluation | | | | | | |
//! | `UnitMoved(u)` | | the evaluations of the trainings of u's subtree's people | | | | | | |
//! | `TrainingDates(t)` | | | t's participants | | | t's participants | t's participants | |
//! | `Employees{ids, before}` | | their trainings | | those employees | their groups, before and now | those employees | those employees | those employees |
//! | `Exemptions(ids)` | | | | | | those employees | | |
//! | `Trainers(employees)` (a trainer record naming them written) | | | | | | | | those employees |
//! | `Standard(p)` | | | | holders of p | | | holders of p | |
//! | `Policies(ids)` (a policy, or the policies a training refreshes on) | | | | | | | those policies | |
//! | `Settings(before)` | | every evaluation, when the rules that judge feedback moved | | | | | | |
//! | `Levels` (the JPM methods) | | | | all | all | | | all |
//! | `People` (an import) | | all | | all | all | all | all | all |
//! | `Everything` (a bulk load) | all | all | all | all | all | all | all | all |
//!
//! Everything is recomputed from the source rows for the keys a write touched, never
//! incremented, so a missed case cannot drift: a refresh always converges to the truth. Values
//! put into the SQL are typed integers, never client text.

pub mod candidates;
pub mod comments;
pub mod coverage;
pub mod evaluation;
pub mod targets;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::write::Tx;
use crate::db::{id_list, AnyConnection};
use crate::feedback::model::ASPECTS;
use crate::types::{raw, EmployeeId, PolicyId, PositionId, TrainingId, UnitId};

/// What a write changed, for [`after`].
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Feedback responses of a training were added.
    Feedback(TrainingId),
    /// Enrolments of these trainings, of these employees, were created or changed.
    Enrolments {
        trainings: &'a [TrainingId],
        employees: &'a [EmployeeId],
    },
    /// A training was edited (its title and programme are kept with its evaluation).
    Training(TrainingId),
    /// A unit was placed under another parent (or made an OPD): its people, and those of its
    /// sub-units, now count in another OPD.
    UnitMoved(UnitId),
    /// A training's completion day moved (a classical training's end date): its completions
    /// may count in another year.
    TrainingDates(TrainingId),
    /// Employees were created, changed (unit, position, activity, levels) or removed; `before`
    /// holds the (unit, position) groups they were in before the change.
    Employees {
        ids: &'a [EmployeeId],
        before: &'a [(UnitId, PositionId)],
    },
    /// Exemptions of these employees were added, changed or removed.
    Exemptions(&'a [EmployeeId]),
    /// Trainer records naming these employees were created, changed or removed (they are
    /// trainers now, or no longer).
    Trainers(&'a [EmployeeId]),
    /// A position's competency standard was replaced.
    Standard(PositionId),
    /// These policies were created, changed or deleted, or the trainings linked to them
    /// changed.
    Policies(&'a [PolicyId]),
    /// The settings were written; they were these before.
    Settings(&'a crate::settings::model::Settings),
    /// Every current level was recomputed (the JPM methods changed).
    Levels,
    /// Many employees at once (an import).
    People,
    /// Everything (after a bulk load).
    Everything,
}

/// Rebuilds every aggregate from the source rows, as one audited system write (maintenance;
/// the tests compare it with what the writes kept).
pub fn rebuild(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| after(tx, Change::Everything))
}

/// Computes the yearly JP standing afresh for every year with JP and this one (after the
/// migration that adds it).
pub fn rebuild_standing(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| targets::rebuild(tx))
}

/// Computes whom each policy affects and who is refreshed on it afresh (after the migration
/// that adds it).
pub fn rebuild_coverage(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| coverage::refresh(tx, coverage::Of::All))
}

/// Computes every training's kept comments afresh (after the migration that adds them).
pub fn rebuild_comments(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| {
        lock(tx, Kept::Feedback, None)?;
        comments::refresh(tx, None)
    })
}

/// Computes the enrolment totals (and so the evaluations) of every training with survey
/// answers afresh (after the migration that counts respondents where they answered; the others'
/// totals it completes in SQL).
pub fn rebuild_answered(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| {
        use crate::db::schema::{enrolments, feedback_receipts};
        let trainings: Vec<i64> = enrolments::table
            .inner_join(feedback_receipts::table)
            .select(enrolments::training_id)
            .distinct()
            .order(enrolments::training_id)
            .load(tx.conn())?;
        if trainings.is_empty() {
            return Ok(());
        }
        refresh_enrolments(tx, Some(&trainings), None)
    })
}

/// Computes the trainer pool's candidates afresh (after the migration that adds them).
pub fn rebuild_candidates(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| candidates::refresh(tx, None))
}

/// Computes every training's kept evaluation afresh (after the migration that adds them).
pub fn rebuild_evaluations(conn: &mut AnyConnection) -> crate::error::ApiResult<()> {
    maintain(conn, |tx| evaluation::refresh(tx, None, None))
}

/// Keeps `year`'s JP standing from now on if it is not kept yet (the webhook worker, which
/// already wakes on a schedule, calls it for the current year: a new year is kept from its
/// first minutes).
pub fn keep_year(conn: &mut AnyConnection, year: i32) -> crate::error::ApiResult<()> {
    if targets::kept(conn, year)? {
        return Ok(());
    }
    maintain(conn, |tx| targets::add_year(tx, year))
}

/// Runs `f` as one audited system write of the aggregates.
fn maintain(
    conn: &mut AnyConnection,
    mut f: impl FnMut(&mut Tx) -> QueryResult<()>,
) -> crate::error::ApiResult<()> {
    let meta = crate::web::RequestMeta {
        request_id: None,
        ip: None,
    };
    crate::db::write::run(conn, crate::auth::Actor::SYSTEM, &meta, |tx| {
        f(tx)?;
        tx.record(
            crate::audit::Action::Import,
            crate::audit::Entity::Aggregate,
            None,
        )
    })
}

/// Refreshes what `change` invalidates (the table in the module doc).
///
/// Which OPD a unit belongs to decides where figures are kept, so the unit tree must not move
/// under a refresh: it holds off unit writes (`Tx::hold`) until the transaction ends, and a move
/// under way finishes first.
pub fn after(tx: &mut Tx, change: Change) -> QueryResult<()> {
    tx.hold(crate::audit::Entity::Unit)?;
    let conn: &mut AnyConnection = tx;
    match change {
        Change::Feedback(training) => {
            // Its receipts count in the training's `eligible` (a respondent failed later).
            refresh_feedback(conn, Some(&[training.0]))?;
            refresh_enrolments(conn, Some(&[training.0]), None)
        }
        Change::Enrolments {
            trainings,
            employees,
        } => {
            // Only their OPDs' evaluations move (at most a few hundred people are looked up;
            // past that, every OPD's are recomputed).
            let opds = match employees.len() {
                0..=500 => {
                    let mut opds = crate::units::queries::opds_of(conn, employees)?;
                    opds.extend(answered_in(conn, employees)?);
                    opds.sort_unstable();
                    opds.dedup();
                    Some(opds)
                }
                _ => None,
            };
            refresh_enrolments(conn, Some(&raw(trainings)), opds.as_deref())?;
            jp_changed(conn, &raw(employees))?;
            coverage::refresh(conn, coverage::Of::Employees(&raw(employees)))
        }
        Change::Training(training) => evaluation::refresh(conn, Some(&[training.0]), None),
        Change::UnitMoved(unit) => {
            let units = crate::units::queries::subtree_ids(conn, unit)?;
            let trainings: Vec<i64> = diesel::sql_query(format!(
                "SELECT DISTINCT training_id AS id FROM enrolment_totals WHERE unit_id IN ({}) \
                 ORDER BY id",
                id_list(&raw(&units))
            ))
            .load::<crate::db::Integers>(conn)?
            .into_iter()
            .map(|crate::db::Integers(v)| v[0])
            .collect();
            evaluation::refresh(conn, Some(&trainings), None)
        }
        Change::TrainingDates(training) => {
            use crate::db::schema::enrolments;
            let people: Vec<i64> = enrolments::table
                .filter(enrolments::training_id.eq(training))
                .select(enrolments::employee_id)
                .load(conn)?;
            jp_changed(conn, &people)?;
            coverage::refresh(conn, coverage::Of::Employees(&people))
        }
        Change::Employees { ids, before } => {
            let before: Vec<(i64, i64)> = before.iter().map(|(u, p)| (u.0, p.0)).collect();
            employees_changed(conn, &raw(ids), &before)?;
            candidates::refresh(conn, Some(&raw(ids)))?;
            targets::refresh(conn, Some(&raw(ids)))?;
            coverage::refresh(conn, coverage::Of::Employees(&raw(ids)))
        }
        Change::Exemptions(ids) => targets::refresh(conn, Some(&raw(ids))),
        Change::Trainers(ids) => candidates::refresh(conn, Some(&raw(ids))),
        Change::Standard(position) => {
            refresh_standing(conn, Employees::Position(position.0))?;
            coverage::refresh(conn, coverage::Of::Position(position.0))
        }
        Change::Policies(ids) => coverage::refresh(conn, coverage::Of::Policies(&raw(ids))),
        Change::Settings(before) => {
            use crate::reports::evaluation::Rules;
            let now = crate::settings::queries::get(conn)?;
            if Rules::of(before) == Rules::of(&now) {
                return Ok(());
            }
            evaluation::refresh(conn, None, None)
        }
        Change::Levels => {
            refresh_standing(conn, Employees::All)?;
            refresh_levels(conn, None)?;
            candidates::refresh(conn, None)
        }
        Change::People => {
            rebuild_people(conn)?;
            targets::refresh(conn, None)?;
            coverage::refresh(conn, coverage::Of::All)
        }
        Change::Everything => rebuild_all(conn),
    }
}

/// The six aspects and `overall`: the rated columns of a response.
pub fn rated() -> impl Iterator<Item = &'static str> {
    ASPECTS.iter().copied().chain(std::iter::once("overall"))
}

/// Recomputes the feedback totals of these trainings (`None`: all) from the responses. Callers
/// follow it with [`refresh_enrolments`] of the same trainings (their `eligible` counts the
/// respondents), which recomputes the kept evaluations from both.
fn refresh_feedback(conn: &mut AnyConnection, trainings: Option<&[i64]>) -> QueryResult<()> {
    lock(conn, Kept::Feedback, trainings)?;
    let mut counts = vec![
        "responses".to_string(),
        "promoters".into(),
        "detractors".into(),
    ];
    let mut aggregates = vec![
        "COUNT(*)".to_string(),
        "SUM(CASE WHEN recommend >= 9 THEN 1 ELSE 0 END)".into(),
        "SUM(CASE WHEN recommend <= 6 THEN 1 ELSE 0 END)".into(),
    ];
    for a in rated() {
        counts.extend(["n", "sum", "top2", "low"].map(|x| format!("{a}_{x}")));
        aggregates.push(format!(
            "COUNT({a}), COALESCE(SUM({a}), 0), SUM(CASE WHEN {a} >= 4 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {a} <= 2 THEN 1 ELSE 0 END)"
        ));
    }
    for (old, new) in chunked(trainings, "training_id", "training_id") {
        conn.batch_execute(&format!(
            "DELETE FROM feedback_totals WHERE {old}; \
             INSERT INTO feedback_totals (training_id, unit_id, {}) \
             SELECT training_id, unit_id, {} FROM feedback WHERE {new} GROUP BY training_id, unit_id; {} \
             DELETE FROM trainer_rating_totals WHERE {old}; \
             INSERT INTO trainer_rating_totals (training_id, trainer_id, unit_id, n, total, low) \
             SELECT training_id, trainer_id, unit_id, COUNT(*), SUM(rating), \
             SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END) FROM feedback_trainer_ratings \
             WHERE {new} GROUP BY training_id, trainer_id, unit_id; {}",
            counts.join(", "),
            aggregates.join(", "),
            by_training("feedback_totals", "training_id", &counts, &old),
            by_training(
                "trainer_rating_totals",
                "training_id, trainer_id",
                &["n", "total", "low"],
                &old
            ),
        ))?;
    }
    comments::refresh(conn, trainings)
}

/// `table_by_training` for the trainings `old` selects, summed per `keys` (the training, and
/// the trainer for ratings) from the per-unit rows of `table` just written: the reports over
/// every unit read a row a training instead of one per training and unit.
fn by_training(table: &str, keys: &str, counts: &[impl AsRef<str>], old: &str) -> String {
    let names: Vec<&str> = counts.iter().map(AsRef::as_ref).collect();
    let sums: Vec<String> = names.iter().map(|c| format!("SUM({c})")).collect();
    format!(
        "DELETE FROM {table}_by_training WHERE {old}; \
         INSERT INTO {table}_by_training ({keys}, {}) \
         SELECT {keys}, {} FROM {table} WHERE {old} GROUP BY {keys};",
        names.join(", "),
        sums.join(", ")
    )
}

/// The aggregates recomputed by DELETE + INSERT, for [`lock`].
#[derive(Debug, Clone, Copy)]
enum Kept {
    Standing = 1,
    Levels = 2,
    Enrolments = 3,
    Jp = 4,
    Feedback = 5,
    Targets = 6,
    JpGroups = 7,
    Coverage = 8,
    Evaluation = 9,
    Candidates = 10,
}

/// On PostgreSQL, two transactions recomputing the same rows at once would both delete the old
/// rows and both insert new ones (a unique violation for the second): each recomputation holds a
/// transaction-scoped advisory lock per key (training, employee, group), and a full rebuild one
/// for the whole table. SQLite needs none: its writers are serialised (`BEGIN IMMEDIATE`).
fn lock(conn: &mut AnyConnection, kept: Kept, keys: Option<&[i64]>) -> QueryResult<()> {
    if matches!(conn, AnyConnection::Sqlite(_)) {
        return Ok(());
    }
    let table = (kept as i64) << 56;
    let Some(keys) = keys else {
        return conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({table})"));
    };
    if keys.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<i64> = keys
        .iter()
        .map(|k| table | (k & 0x00FF_FFFF_FFFF_FFFF))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    conn.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock_shared({table}); \
         SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(ARRAY[{}]::bigint[]) AS k ORDER BY k) ordered",
        id_list(&keys)
    ))
}

/// Which employees' standing to recompute.
#[derive(Debug, Clone, Copy)]
enum Employees<'a> {
    Ids(&'a [i64]),
    /// Everyone holding the position (its standard changed).
    Position(i64),
    All,
}

/// Recomputes the JPM terms of these employees: inactive ones and those without a standard
/// drop out. `required` sums the standard over the assessed items only (JPM is measured over
/// what was assessed; `assessed` says how much that is).
fn refresh_standing(conn: &mut AnyConnection, which: Employees) -> QueryResult<()> {
    match which {
        Employees::Ids(ids) => lock(conn, Kept::Standing, Some(ids))?,
        Employees::Position(_) | Employees::All => lock(conn, Kept::Standing, None)?,
    }
    let chunks: Vec<(String, String)> = match which {
        Employees::Ids(ids) => chunked(Some(ids), "employee_id", "e.id"),
        Employees::Position(p) => {
            vec![(format!("position_id = {p}"), format!("e.position_id = {p}"))]
        }
        Employees::All => chunked(None, "employee_id", "e.id"),
    };
    for (old, new) in chunks {
        conn.batch_execute(&format!(
            "DELETE FROM employee_standing WHERE {old}; \
             INSERT INTO employee_standing (employee_id, unit_id, position_id, matched, required, assessed) \
             SELECT e.id, e.unit_id, e.position_id, \
             SUM(CASE WHEN l.level IS NULL THEN 0 WHEN l.level < ps.required_level THEN l.level ELSE ps.required_level END), \
             SUM(CASE WHEN l.level IS NULL THEN 0 ELSE ps.required_level END), COUNT(l.level) \
             FROM employees e JOIN position_standards ps ON ps.position_id = e.position_id \
             LEFT JOIN competency_levels l ON l.employee_id = e.id AND l.competency_id = ps.competency_id \
             WHERE e.active = TRUE AND {new} GROUP BY e.id, e.unit_id, e.position_id;"
        ))?;
    }
    Ok(())
}

/// Recomputes the level counts of these (unit, position) groups (`None`, or past 50 groups: of
/// all).
fn refresh_levels(conn: &mut AnyConnection, groups: Option<&[(i64, i64)]>) -> QueryResult<()> {
    let mut groups = groups.map(<[_]>::to_vec);
    if let Some(g) = groups.as_mut() {
        g.sort_unstable();
        g.dedup();
    }
    let keys: Option<Vec<i64>> = groups
        .as_ref()
        .filter(|g| g.len() <= 50)
        .map(|g| g.iter().map(|(u, p)| (u << 28) | p).collect());
    lock(conn, Kept::Levels, keys.as_deref())?;
    let conditions: Vec<(String, String)> = match groups {
        Some(groups) if groups.len() <= 50 => groups
            .iter()
            .map(|(u, p)| {
                (
                    format!("unit_id = {u} AND position_id = {p}"),
                    format!("e.unit_id = {u} AND e.position_id = {p}"),
                )
            })
            .collect(),
        _ => vec![("1 = 1".into(), "e.position_id IS NOT NULL".into())],
    };
    for (old, new) in conditions {
        conn.batch_execute(&format!(
            "DELETE FROM level_counts WHERE {old}; \
             INSERT INTO level_counts (unit_id, position_id, competency_id, level, n) \
             SELECT e.unit_id, e.position_id, l.competency_id, l.level, COUNT(*) \
             FROM employees e JOIN competency_levels l ON l.employee_id = e.id \
             WHERE e.active = TRUE AND {new} GROUP BY e.unit_id, e.position_id, l.competency_id, l.level;"
        ))?;
    }
    Ok(())
}

/// An employee's (unit, position) group, if they hold a position.
pub fn group_of(
    conn: &mut AnyConnection,
    employee: EmployeeId,
) -> QueryResult<Option<(UnitId, PositionId)>> {
    use crate::db::schema::employees;
    let row: Option<(UnitId, Option<PositionId>)> = employees::table
        .find(employee)
        .select((employees::unit_id, employees::position_id))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(u, p)| p.map(|p| (u, p))))
}

/// After a write that may have changed employees' unit, position, activity or levels: the
/// standing of `ids` and the level counts of their groups before (`before`) and now.
fn employees_changed(
    conn: &mut AnyConnection,
    ids: &[i64],
    before: &[(i64, i64)],
) -> QueryResult<()> {
    refresh_standing(conn, Employees::Ids(ids))?;
    if ids.len() + before.len() > 50 {
        refresh_enrolments(conn, None, None)?;
        return refresh_levels(conn, None);
    }
    // Their enrolments count for their (possibly new) unit.
    let trainings: Vec<i64> = {
        use crate::db::schema::enrolments;
        enrolments::table
            .filter(enrolments::employee_id.eq_any(ids))
            .select(enrolments::training_id)
            .distinct()
            .load(conn)?
    };
    refresh_enrolments(conn, Some(&trainings), None)?;
    let mut groups = before.to_vec();
    for &id in ids {
        groups.extend(group_of(conn, EmployeeId(id))?.map(|(u, p)| (u.0, p.0)));
    }
    refresh_levels(conn, Some(&groups))
}

/// `(deleting, selecting)` conditions for these ids (`None`: all), in chunks of 500: `column`
/// names the ids in the aggregate table, `source` in the query that recomputes it.
fn chunked(ids: Option<&[i64]>, column: &str, source: &str) -> Vec<(String, String)> {
    match ids {
        None => vec![("1 = 1".into(), "1 = 1".into())],
        Some(ids) => ids
            .chunks(500)
            .map(|c| {
                let list = id_list(c);
                (
                    format!("{column} IN ({list})"),
                    format!("{source} IN ({list})"),
                )
            })
            .collect(),
    }
}

/// The columns of the enrolment totals, in the order `refresh_enrolments` computes them.
const ENROLMENT_COUNTS: &[&str] = &[
    "participants",
    "completed",
    "finished",
    "eligible",
    "jp_completed",
    "pre_n",
    "pre_sum",
    "post_n",
    "post_sum",
    "gain_n",
    "gain_sum",
    "ngain_n",
    "ngain_sum",
    "eligible_opd",
];

/// Recomputes the enrolment totals of these trainings (`None`: all), and then their kept
/// evaluations (per OPD: of these OPDs, `None`: of every OPD).
///
/// The counts are of the seat holders (withdrawals, rejections and the waiting list left out)
/// in their current unit, but who may answer the survey: those who attended or completed, and
/// everyone who answered (their response counts whatever happened next, so they do too). In
/// `eligible_opd` one who answered counts in the OPD they answered in (their receipt's), where
/// their response is, so that an OPD's response rate stays a share of its own respondents after
/// people move (`reports::queries::Scope::eligible`): rows of the OPD's own unit id, holding
/// that count alone unless people work there.
///
/// A paper form names nobody, so when its author is marked `no_show` (or withdraws) later they
/// leave the count while their form stays: over the whole training (the `_by_training` row,
/// the only place paper forms are counted) at least as many may answer as did.
fn refresh_enrolments(
    conn: &mut AnyConnection,
    trainings: Option<&[i64]>,
    opds: Option<&[i64]>,
) -> QueryResult<()> {
    lock(conn, Kept::Enrolments, trainings)?;
    // Rows that hold some counts only (the others 0, the sums NULL).
    let only = |counts: &[(&str, &str)]| -> String {
        ENROLMENT_COUNTS
            .iter()
            .map(|c| match counts.iter().find(|(name, _)| name == c) {
                Some((_, count)) => *count,
                None if c.ends_with("_sum") => "NULL",
                None => "0",
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sums: Vec<String> = ENROLMENT_COUNTS
        .iter()
        .map(|c| format!("SUM({c})"))
        .collect();
    let eligible = "en.status IN ('attended', 'completed') OR r.enrolment_id IS NOT NULL";
    for (old, new) in chunked(trainings, "training_id", "en.training_id") {
        conn.batch_execute(&format!(
            "DELETE FROM enrolment_totals WHERE {old}; \
             INSERT INTO enrolment_totals (training_id, unit_id, {counts}) \
             SELECT training_id, unit_id, {sums} FROM ( \
             SELECT en.training_id AS training_id, e.unit_id AS unit_id, COUNT(*) AS participants, \
               SUM(CASE WHEN en.status = 'completed' THEN 1 ELSE 0 END) AS completed, \
               SUM(CASE WHEN en.status IN ('completed', 'failed') THEN 1 ELSE 0 END) AS finished, \
               SUM(CASE WHEN {eligible} THEN 1 ELSE 0 END) AS eligible, \
               COALESCE(SUM(CASE WHEN en.status = 'completed' THEN en.jp_credited END), 0) AS jp_completed, \
               COUNT(en.pre_test_score) AS pre_n, SUM(en.pre_test_score) AS pre_sum, \
               COUNT(en.post_test_score) AS post_n, SUM(en.post_test_score) AS post_sum, \
               COUNT(en.post_test_score - en.pre_test_score) AS gain_n, \
               SUM(en.post_test_score - en.pre_test_score) AS gain_sum, \
               COUNT(CASE WHEN en.pre_test_score < 100 THEN en.post_test_score END) AS ngain_n, \
               SUM(CASE WHEN en.pre_test_score < 100 THEN (en.post_test_score - en.pre_test_score) / (100 - en.pre_test_score) END) AS ngain_sum, \
               SUM(CASE WHEN ({eligible}) AND r.unit_id IS NULL THEN 1 ELSE 0 END) AS eligible_opd \
             FROM enrolments en JOIN employees e ON e.id = en.employee_id \
             LEFT JOIN feedback_receipts r ON r.enrolment_id = en.id \
             WHERE en.status IN {seated} AND {new} GROUP BY en.training_id, e.unit_id \
             UNION ALL SELECT en.training_id, e.unit_id, {unseated} \
             FROM enrolments en JOIN employees e ON e.id = en.employee_id \
             JOIN feedback_receipts r ON r.enrolment_id = en.id \
             WHERE en.status NOT IN {seated} AND {new} GROUP BY en.training_id, e.unit_id \
             UNION ALL SELECT en.training_id, r.unit_id, {answered} \
             FROM enrolments en JOIN feedback_receipts r ON r.enrolment_id = en.id \
             WHERE r.unit_id IS NOT NULL AND {new} GROUP BY en.training_id, r.unit_id \
             ) x GROUP BY training_id, unit_id; {rolled} {answered_at_least}",
            counts = ENROLMENT_COUNTS.join(", "),
            sums = sums.join(", "),
            unseated = only(&[
                ("eligible", "COUNT(*)"),
                ("eligible_opd", "SUM(CASE WHEN r.unit_id IS NULL THEN 1 ELSE 0 END)"),
            ]),
            answered = only(&[("eligible_opd", "COUNT(*)")]),
            seated = crate::enrolments::model::EnrolmentStatus::seated_sql(),
            rolled = by_training("enrolment_totals", "training_id", ENROLMENT_COUNTS, &old),
            answered_at_least = answered_at_least(conn, &old),
        ))?;
    }
    // Last, from these totals and the feedback totals refreshed before them.
    evaluation::refresh(conn, trainings, opds)
}

/// Over the whole trainings `old` selects, who may answer counts at least those who did (paper
/// forms included).
fn answered_at_least(conn: &AnyConnection, old: &str) -> String {
    let responses = "COALESCE((SELECT f.responses FROM feedback_totals_by_training f \
                     WHERE f.training_id = enrolment_totals_by_training.training_id), 0)";
    let at_least = |column: &str| match conn {
        AnyConnection::Postgresql(_) => format!("{column} = GREATEST({column}, {responses})"),
        AnyConnection::Sqlite(_) => format!("{column} = MAX({column}, {responses})"),
    };
    format!(
        "UPDATE enrolment_totals_by_training SET {}, {} WHERE {old};",
        at_least("eligible"),
        at_least("eligible_opd")
    )
}

/// The OPDs these employees answered surveys in (their answers count as eligible there).
fn answered_in(conn: &mut AnyConnection, employees: &[EmployeeId]) -> QueryResult<Vec<i64>> {
    use crate::db::schema::{enrolments, feedback_receipts};
    let opds: Vec<Option<i64>> = feedback_receipts::table
        .inner_join(enrolments::table)
        .filter(enrolments::employee_id.eq_any(employees))
        .select(feedback_receipts::unit_id)
        .distinct()
        .load(conn)?;
    Ok(opds.into_iter().flatten().collect())
}

/// How many of the training's participants may answer its survey, as kept in its totals (the
/// `eligible` column, current within the writer's transaction).
pub fn eligible(conn: &mut AnyConnection, training: TrainingId) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Eligible {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let kept: Eligible = diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(eligible), 0) AS BIGINT) AS n FROM enrolment_totals_by_training \
         WHERE training_id = {}",
        training.0
    ))
    .get_result(conn)?;
    Ok(kept.n)
}

/// The calendar year of `column` (a date) in this backend's SQL.
pub fn year_of(conn: &AnyConnection, column: &str) -> String {
    match conn {
        AnyConnection::Postgresql(_) => format!("CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"),
        AnyConnection::Sqlite(_) => format!("CAST(strftime('%Y', {column}) AS INTEGER)"),
    }
}

/// Recomputes the yearly JP of these employees (`None`: all): a completion counts in the year
/// of its `completed_on`, verified external learning in the year of its `end_date`.
fn refresh_jp(conn: &mut AnyConnection, employees: Option<&[i64]>) -> QueryResult<()> {
    lock(conn, Kept::Jp, employees)?;
    let (year, external_year) = (year_of(conn, "completed_on"), year_of(conn, "end_date"));
    for (old, new) in chunked(employees, "employee_id", "employee_id") {
        conn.batch_execute(&format!(
            "DELETE FROM employee_jp WHERE {old}; \
             INSERT INTO employee_jp (employee_id, year, jp) \
             SELECT employee_id, year, SUM(jp) FROM ( \
               SELECT employee_id, {year} AS year, jp_credited AS jp FROM enrolments \
               WHERE status = 'completed' AND jp_credited IS NOT NULL AND completed_on IS NOT NULL AND {new} \
               UNION ALL \
               SELECT employee_id, {external_year} AS year, jp FROM external_learning \
               WHERE status = 'verified' AND {new}) counted \
             GROUP BY employee_id, year;"
        ))?;
    }
    Ok(())
}

/// After enrolments of `employees` changed: their yearly JP, and where it moved, their yearly
/// standing. Most enrolment writes (a registration, attendance) credit no JP; they are spared
/// the standing's statements and its group locks, which concurrent writers in one unit share.
fn jp_changed(conn: &mut AnyConnection, employees: &[i64]) -> QueryResult<()> {
    // Read under the lock `refresh_jp` takes: a concurrent writer's JP is then committed before
    // the comparison, and cannot hide this write's change by undoing it.
    lock(conn, Kept::Jp, Some(employees))?;
    let before = credited(conn, employees)?;
    refresh_jp(conn, Some(employees))?;
    if credited(conn, employees)? == before {
        return Ok(());
    }
    targets::refresh(conn, Some(employees))
}

/// The kept yearly JP rows of these employees, in key order.
fn credited(conn: &mut AnyConnection, employees: &[i64]) -> QueryResult<Vec<(i64, i32, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        employee_id: i64,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        year: i32,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        jp: i64,
    }
    let mut rows = Vec::new();
    for (old, _) in chunked(Some(employees), "employee_id", "employee_id") {
        let chunk: Vec<Row> = diesel::sql_query(format!(
            "SELECT employee_id, year, CAST(jp AS BIGINT) AS jp FROM employee_jp WHERE {old} \
             ORDER BY employee_id, year"
        ))
        .load(conn)?;
        rows.extend(chunk.into_iter().map(|r| (r.employee_id, r.year, r.jp)));
    }
    Ok(rows)
}

/// Everything about people (after an import): standing, level counts, the trainer pool's
/// candidates, and the enrolment totals that are kept per unit.
fn rebuild_people(conn: &mut AnyConnection) -> QueryResult<()> {
    refresh_standing(conn, Employees::All)?;
    refresh_levels(conn, None)?;
    candidates::refresh(conn, None)?;
    refresh_enrolments(conn, None, None)
}

/// Everything, from the source rows (after a bulk load).
fn rebuild_all(conn: &mut AnyConnection) -> QueryResult<()> {
    refresh_feedback(conn, None)?;
    rebuild_people(conn)?;
    refresh_jp(conn, None)?;
    targets::rebuild(conn)?;
    coverage::refresh(conn, coverage::Of::All)
}
