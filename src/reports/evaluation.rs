//! The training evaluation's rule (`GET /reports/training-evaluation`): what each training's
//! feedback says as far as the caller may see it (`anonymity`), judged by the settings'
//! thresholds ([`Rules`]), beside its enrolment counts.
//!
//! Over every unit, and over each OPD's subtree, the rows are also kept (`training_evaluations`
//! and `unit_evaluations`, written by `aggregates::evaluation` through [`kept_rows`] and
//! [`kept_opd_rows`] whenever the totals or comments they come from move, when the training is
//! edited or a unit moves in the tree, and all of them when the [`Rules`] do), less the
//! unaddressed flags, which improvement actions move. [`kept_json`] splices them around those:
//! at 200k employees the 18.8k rows over every unit took ~250 ms to compute and serialize, and
//! ~80 ms so; one OPD's ~350 ms, and ~90 ms so (on a machine at half the speed). Each kept row
//! also holds its CSV line cut around the unaddressed flags' cell, and the CSV twin is those
//! lines joined with that cell ([`kept_csv`]). Every unit scope with feedback figures is
//! one OPD's subtree (`anonymity`); a scope below an OPD is computed each time ([`evaluation`]).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde::Serialize;

use super::anonymity::{self, Cell};
use super::model::{no_comments, AspectStats, TrainingEvaluation};
use super::queries::{self, FeedbackStatsRow, Scope};
use super::routes::{ratio, round};
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::feedback::model::ASPECTS;
use crate::settings::model::Settings;
use crate::web::csv::Cut;

/// The settings that judge feedback: the figures read these and no other, so the kept figures
/// are recomputed when, and only when, they change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub dissatisfaction_threshold: f64,
    pub flag_overall_below: f64,
    pub flag_nps_below: f64,
    pub min_group_size: i64,
}

impl Rules {
    pub fn of(settings: &Settings) -> Rules {
        Rules {
            dissatisfaction_threshold: settings.dissatisfaction_threshold,
            flag_overall_below: settings.flag_overall_below,
            flag_nps_below: settings.flag_nps_below,
            min_group_size: i64::from(settings.min_group_size),
        }
    }

    /// "Most" participants dissatisfied: a share of 1–2 ratings strictly above the threshold
    /// (0.5).
    pub fn dissatisfied(&self, share: f64) -> bool {
        share > self.dissatisfaction_threshold
    }
}

/// What a training's feedback says, as far as the caller may see it (`anonymity`).
struct Figures {
    aspects: BTreeMap<String, AspectStats>,
    overall_mean: Option<f64>,
    nps: Option<f64>,
    flags: Vec<String>,
    suppressed: bool,
}

fn figures(cell: Option<&Cell>, rules: &Rules) -> Figures {
    let min = rules.min_group_size;
    let hidden = Figures {
        aspects: BTreeMap::new(),
        overall_mean: None,
        nps: None,
        flags: Vec::new(),
        suppressed: true,
    };
    let Some(cell) = cell.filter(|c| c.responses_shown(min)) else {
        return hidden;
    };
    let mut aspects = BTreeMap::new();
    let mut overall_mean = None;
    for row in &cell.scope.rated {
        let all_n = cell.all_of(|r| r.rated(row.aspect).map_or(0, |a| a.n));
        if !anonymity::shown(row.n, all_n, min) {
            continue;
        }
        let mean = round(row.total as f64 / row.n as f64);
        if row.aspect == "overall" {
            overall_mean = Some(mean);
        } else {
            aspects.insert(
                row.aspect.to_string(),
                AspectStats {
                    mean,
                    top2_share: round(row.top2 as f64 / row.n as f64),
                    dissatisfied_share: round(row.low as f64 / row.n as f64),
                },
            );
        }
    }
    let r = &cell.scope;
    let nps = round(100.0 * (r.promoters - r.detractors) as f64 / r.responses as f64);
    let mut flags: Vec<String> = ASPECTS
        .iter()
        .filter(|a| {
            aspects
                .get(**a)
                .is_some_and(|st| rules.dissatisfied(st.dissatisfied_share))
        })
        .map(|a| a.to_string())
        .collect();
    if overall_mean.is_some_and(|m| m < rules.flag_overall_below) {
        flags.push("overall".into());
    }
    if nps < rules.flag_nps_below {
        flags.push("nps".into());
    }
    Figures {
        aspects,
        overall_mean,
        nps: Some(nps),
        flags,
        suppressed: false,
    }
}

/// A training's evaluation in scope, less its title, programme, unaddressed flags and comments.
struct Judged {
    training_id: i64,
    responses: i64,
    enrolled: i64,
    eligible: i64,
    response_rate: Option<f64>,
    figures: Figures,
}

impl Judged {
    /// The report's row of this training, with its title and programme, the flags no
    /// improvement action answers and the comments shown.
    fn row(
        self,
        training: Option<&queries::TitleRow>,
        unaddressed_flags: Vec<String>,
        comments: Box<serde_json::value::RawValue>,
    ) -> TrainingEvaluation {
        let f = self.figures;
        TrainingEvaluation {
            training_id: self.training_id,
            title: training.map(|t| t.title.clone()).unwrap_or_default(),
            programme_id: training.and_then(|t| t.programme_id),
            responses: self.responses,
            enrolled: self.enrolled,
            eligible: self.eligible,
            response_rate: self.response_rate,
            aspects: f.aspects,
            overall_mean: f.overall_mean,
            nps: f.nps,
            flags: f.flags,
            unaddressed_flags,
            comments,
            suppressed: f.suppressed,
        }
    }
}

/// A training's evaluation from its feedback cell in scope and its enrolment counts there
/// (enrolled, eligible).
fn judge(
    training_id: i64,
    cell: Option<&Cell>,
    (enrolled, eligible): (i64, i64),
    attributable: bool,
    rules: &Rules,
) -> Judged {
    let responses = cell.map_or(0, |c| c.scope.responses);
    Judged {
        training_id,
        responses,
        enrolled,
        eligible,
        // Below an OPD no response is attributed: no rate either.
        response_rate: if attributable {
            ratio(responses, eligible)
        } else {
            None
        },
        figures: figures(cell, rules),
    }
}

/// Every training in scope with enrolments or feedback, in id order.
fn judged(conn: &mut AnyConnection, s: &Scope, rules: &Rules) -> QueryResult<Vec<Judged>> {
    let cells = anonymity::cells(conn, s, anonymity::Rated::Every)?;
    let enrolled = enrolled(conn, s)?;
    Ok(judged_from(&cells, &enrolled, s.attributable, rules))
}

/// Per training in scope: (enrolled, eligible).
fn enrolled(conn: &mut AnyConnection, s: &Scope) -> QueryResult<HashMap<i64, (i64, i64)>> {
    Ok(queries::enrolled(conn, s)?
        .into_iter()
        .map(|r| (r.id, (r.n, r.eligible)))
        .collect())
}

/// Every training with a feedback cell or enrolment counts, judged, in id order.
fn judged_from(
    cells: &HashMap<i64, Cell>,
    enrolled: &HashMap<i64, (i64, i64)>,
    attributable: bool,
    rules: &Rules,
) -> Vec<Judged> {
    let mut ids: Vec<i64> = enrolled.keys().chain(cells.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let counts = enrolled.get(&id).copied().unwrap_or((0, 0));
            judge(id, cells.get(&id), counts, attributable, rules)
        })
        .collect()
}

/// The (training, aspect) pairs an improvement action answers.
fn addressed(conn: &mut AnyConnection) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut addressed: HashMap<i64, Vec<String>> = HashMap::new();
    for row in queries::addressed(conn)? {
        addressed
            .entry(row.training_id)
            .or_default()
            .push(row.aspect);
    }
    Ok(addressed)
}

/// The flags no improvement action answers yet.
fn unaddressed<'a>(
    flags: impl Iterator<Item = &'a str>,
    addressed: Option<&Vec<String>>,
) -> Vec<&'a str> {
    flags
        .filter(|flag| !addressed.is_some_and(|done| done.iter().any(|d| d == flag)))
        .collect()
}

/// [`unaddressed`] of a row's own flags, as a row holds them.
fn unaddressed_owned(flags: &[String], addressed: Option<&Vec<String>>) -> Vec<String> {
    unaddressed(flags.iter().map(String::as_str), addressed)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The report's rows over the scope, computed from the kept totals.
pub fn evaluation(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingEvaluation>> {
    let rules = Rules::of(&crate::settings::queries::get(conn)?);
    let judged = judged(conn, s, &rules)?;
    let trainings: HashMap<i64, queries::TitleRow> = queries::titles(conn, s)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let addressed = addressed(conn)?;
    let mut rows: Vec<TrainingEvaluation> = judged
        .into_iter()
        .map(|j| {
            let open = unaddressed_owned(&j.figures.flags, addressed.get(&j.training_id));
            let training = trainings.get(&j.training_id);
            j.row(training, open, no_comments())
        })
        .collect();
    if rows.iter().any(|r| !r.suppressed) {
        let mut comments = queries::comments(conn, s)?;
        for row in rows.iter_mut().filter(|r| !r.suppressed) {
            if let Some(list) = comments.remove(&row.training_id) {
                row.comments = list;
            }
        }
    }
    Ok(rows)
}

/// A training's evaluation in one scope (every unit, or one OPD), as kept: all of its row but
/// the unaddressed flags (improvement actions move those), `figures` being a JSON object of the
/// fields between `programme_id` and `unaddressed_flags`, `flags` those flags comma-separated,
/// `comments` the JSON array shown (`[]` while suppressed), and its CSV line cut around the
/// unaddressed flags' cell (`csv_before`, `csv_after`).
pub struct Kept {
    pub training_id: i64,
    pub title: String,
    pub programme_id: Option<i64>,
    pub figures: String,
    pub flags: String,
    pub suppressed: bool,
    pub comments: String,
    pub csv_before: String,
    pub csv_after: String,
}

/// The fields of [`TrainingEvaluation`] that `Kept::figures` holds, in its order.
#[derive(Serialize)]
struct KeptFigures<'a> {
    responses: i64,
    enrolled: i64,
    eligible: i64,
    response_rate: Option<f64>,
    aspects: &'a BTreeMap<String, AspectStats>,
    overall_mean: Option<f64>,
    nps: Option<f64>,
    flags: &'a [String],
}

/// The CSV column kept rows are cut around: their cells are written when the rows are kept,
/// that one when they are read.
const CUT_AT: &str = "unaddressed_flags";

/// Cuts the kept rows' CSV lines.
pub type LineCut = Cut<TrainingEvaluation>;

/// The cut of the kept rows' CSV lines.
pub fn line_cut() -> QueryResult<LineCut> {
    Cut::new(CUT_AT).map_err(serialization)
}

fn serialization(e: impl std::error::Error + Send + Sync + 'static) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

/// A judged training as kept, with its title and programme and the comments of its scope
/// (shown unless suppressed).
fn keep(
    j: Judged,
    training: Option<&queries::TitleRow>,
    comments: Option<String>,
    cut: &mut LineCut,
) -> QueryResult<Kept> {
    let comments = comments
        .filter(|_| !j.figures.suppressed)
        .unwrap_or_else(|| "[]".into());
    let comments = serde_json::value::RawValue::from_string(comments).map_err(serialization)?;
    let row = j.row(training, Vec::new(), comments);
    let figures = serde_json::to_string(&KeptFigures {
        responses: row.responses,
        enrolled: row.enrolled,
        eligible: row.eligible,
        response_rate: row.response_rate,
        aspects: &row.aspects,
        overall_mean: row.overall_mean,
        nps: row.nps,
        flags: &row.flags,
    })
    .map_err(serialization)?;
    let (csv_before, csv_after) = cut.cut(&row).map_err(serialization)?;
    Ok(Kept {
        training_id: row.training_id,
        flags: row.flags.join(","),
        title: row.title,
        programme_id: row.programme_id,
        figures,
        suppressed: row.suppressed,
        comments: row.comments.get().to_owned(),
        csv_before,
        csv_after,
    })
}

/// The titles and programmes of the trainings `s` selects, by training.
fn titles(conn: &mut AnyConnection, s: &Scope) -> QueryResult<HashMap<i64, queries::TitleRow>> {
    Ok(queries::titles(conn, s)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// The kept rows over every unit of these trainings from the kept totals and comments, for
/// `aggregates::evaluation`.
pub fn kept_rows(conn: &mut AnyConnection, trainings: &Trainings) -> QueryResult<Vec<Kept>> {
    let everywhere = Scope {
        attributable: true,
        ids: trainings.ids.clone(),
        ..Scope::default()
    };
    // Over every unit a training's cell is its totals, with no complement.
    let cells: HashMap<i64, Cell> = trainings
        .all
        .iter()
        .map(|(id, totals)| {
            let cell = Cell {
                scope: totals.clone(),
                all: None,
            };
            (*id, cell)
        })
        .collect();
    let enrolled = enrolled(conn, &everywhere)?;
    let mut comments = queries::kept_comments(conn, &everywhere)?;
    let mut cut = line_cut()?;
    judged_from(&cells, &enrolled, true, &trainings.rules)
        .into_iter()
        .map(|j| {
            let training = trainings.titles.get(&j.training_id);
            let shown = comments.remove(&j.training_id);
            keep(j, training, shown, &mut cut)
        })
        .collect()
}

/// What the kept rows read of the trainings themselves, read once for both tables and for
/// several OPDs: the rules, the trainings' feedback totals over every unit (the complement
/// `anonymity` needs per OPD) and their titles.
pub struct Trainings {
    ids: Option<Vec<i64>>,
    rules: Rules,
    all: HashMap<i64, FeedbackStatsRow>,
    titles: HashMap<i64, queries::TitleRow>,
}

impl Trainings {
    /// Of these trainings (`None`: of all).
    pub fn of(conn: &mut AnyConnection, ids: Option<&[i64]>) -> QueryResult<Trainings> {
        let these = Scope {
            ids: ids.map(<[i64]>::to_vec),
            ..Scope::default()
        };
        Ok(Trainings {
            ids: these.ids.clone(),
            rules: Rules::of(&crate::settings::queries::get(conn)?),
            all: queries::feedback_stats(conn, &these, anonymity::Rated::Every)?
                .into_iter()
                .map(|r| (r.training_id, r))
                .collect(),
            titles: titles(conn, &these)?,
        })
    }
}

/// The kept rows per OPD of `trainings` (of those OPDs `opds` names, or all), as (OPD, row),
/// for `aggregates::evaluation`: for each OPD the rows the report scoped to its subtree lists,
/// computed for several OPDs at once (the per-unit totals are per OPD already for feedback, and
/// summed per OPD for enrolments).
pub fn kept_opd_rows(
    conn: &mut AnyConnection,
    trainings: &Trainings,
    opds: Option<&[i64]>,
) -> QueryResult<Vec<(i64, Kept)>> {
    let s = Scope {
        units: opds.map(<[i64]>::to_vec),
        ids: trainings.ids.clone(),
        ..Scope::default()
    };
    /// An OPD's part of a training: its feedback totals and its enrolment counts.
    type Part = (Option<FeedbackStatsRow>, (i64, i64));
    let mut per: BTreeMap<(i64, i64), Part> = BTreeMap::new();
    for (opd, row) in queries::feedback_stats_per_opd(conn, &s)? {
        let training = row.training_id;
        per.entry((opd, training)).or_default().0 = Some(row);
    }
    for (opd, row) in queries::enrolled_per_opd(conn, &s)? {
        per.entry((opd, row.id)).or_default().1 = (row.n, row.eligible);
    }
    let judged: Vec<(i64, Judged)> = per
        .into_iter()
        .map(|((opd, training), (scope, counts))| {
            let cell = scope.map(|scope| Cell {
                scope,
                all: trainings.all.get(&training).cloned(),
            });
            let j = judge(training, cell.as_ref(), counts, true, &trainings.rules);
            (opd, j)
        })
        .collect();
    // Most OPDs' cells are too small to show: their comments are not read.
    let mut comments = if judged.iter().any(|(_, j)| !j.figures.suppressed) {
        queries::comments_per_opd(conn, &s)?
    } else {
        HashMap::new()
    };
    let mut cut = line_cut()?;
    judged
        .into_iter()
        .map(|(opd, j)| {
            let title = trainings.titles.get(&j.training_id);
            let shown = comments.remove(&(opd, j.training_id));
            Ok((opd, keep(j, title, shown, &mut cut)?))
        })
        .collect()
}

/// The fields of [`TrainingEvaluation`] before `Kept::figures`, in its order.
#[derive(Serialize)]
struct Head<'a> {
    training_id: i64,
    title: &'a str,
    programme_id: Option<i64>,
}

/// The report over every unit (`s.units` is `None`) or over one OPD's subtree (`s.opd`) as its
/// JSON body, `{"items": […]}`: the kept rows of the trainings in scope, their parts spliced
/// unparsed around the unaddressed flags. One table read as it is: at 200k employees ~27 ms,
/// where joining the trainings and the kept comments took ~54. Row by row: the rows are not
/// held beside the answer. On PostgreSQL each row is spliced as it arrives (libpq's single-row
/// mode), while the server still sends the next ones: the 25.6 MB over every unit at 200k
/// were otherwise received whole before the first was spliced. On SQLite they are read as
/// they are spliced. The answer grows by `mremap`, the allocator handing large blocks to the
/// kernel, so without copies.
pub fn kept_json(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<u8>> {
    let addressed = addressed(conn)?;
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(b"{\"items\":[");
    let mut first = true;
    each_kept(conn, s, KeptRow::COLUMNS, |row: KeptRow| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        row.splice(&mut out, &addressed)
    })?;
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// The report's CSV of the rows [`kept_json`] lists: the kept rows' lines, each joined with the
/// cell of its unaddressed flags, as the server sends them. At 200k employees (18.8k rows,
/// 15 MB) each row's JSON figures and comments had been read back and encoded: 158 ms.
pub fn kept_csv(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<u8>> {
    let addressed = addressed(conn)?;
    let mut cut = line_cut()?;
    let mut csv = cut.header()?;
    each_kept(
        conn,
        s,
        "k.training_id, k.flags, k.csv_before, k.csv_after",
        |line: KeptLine| {
            let open = open_flags(&line.flags, addressed.get(&line.training_id));
            cut.join(&mut csv, &line.csv_before, &open, &line.csv_after)
        },
    )?;
    Ok(csv)
}

/// The kept rows of the trainings in scope (over every unit, or the OPD's), in training order,
/// each read as its `columns` and handed to `each` as it is read.
fn each_kept<R>(
    conn: &mut AnyConnection,
    s: &Scope,
    columns: &str,
    each: impl FnMut(R) -> ApiResult<()>,
) -> ApiResult<()>
where
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let from = match s.opd {
        None => "training_evaluations k WHERE 1 = 1".to_string(),
        Some(opd) => format!("unit_evaluations k WHERE k.unit_id = {opd}"),
    };
    let query = diesel::sql_query(format!(
        "SELECT {columns} FROM {from}{} ORDER BY k.training_id",
        s.in_trainings("k.training_id")
    ));
    crate::db::each_row(conn, query, each)
}

/// A kept row's CSV line, as [`kept_csv`] reads it.
#[derive(QueryableByName)]
struct KeptLine {
    #[diesel(sql_type = BigInt)]
    training_id: i64,
    #[diesel(sql_type = Text)]
    flags: String,
    #[diesel(sql_type = Text)]
    csv_before: String,
    #[diesel(sql_type = Text)]
    csv_after: String,
}

/// The kept `flags` (comma-separated) that no improvement action addresses.
fn open_flags<'a>(flags: &'a str, addressed: Option<&Vec<String>>) -> Vec<&'a str> {
    unaddressed(flags.split(',').filter(|f| !f.is_empty()), addressed)
}

/// A kept row as [`kept_json`] reads it.
#[derive(QueryableByName)]
struct KeptRow {
    #[diesel(sql_type = BigInt)]
    training_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    programme_id: Option<i64>,
    #[diesel(sql_type = Text)]
    figures: String,
    #[diesel(sql_type = Text)]
    flags: String,
    #[diesel(sql_type = Bool)]
    suppressed: bool,
    #[diesel(sql_type = Text)]
    comments: String,
}

impl KeptRow {
    const COLUMNS: &'static str =
        "k.training_id, k.title, k.programme_id, k.figures, k.flags, k.suppressed, k.comments";

    /// Appends the row as the report's object: `{head` and `figures}` make one object,
    /// `{head,figures`, then the flags no improvement action addresses, the comments and
    /// whether it is suppressed.
    fn splice(&self, out: &mut Vec<u8>, addressed: &HashMap<i64, Vec<String>>) -> ApiResult<()> {
        let head = Head {
            training_id: self.training_id,
            title: &self.title,
            programme_id: self.programme_id,
        };
        serde_json::to_writer(&mut *out, &head).map_err(internal)?;
        out.pop();
        out.push(b',');
        out.extend_from_slice(&self.figures.as_bytes()[1..self.figures.len() - 1]);
        out.extend_from_slice(b",\"unaddressed_flags\":");
        let open = open_flags(&self.flags, addressed.get(&self.training_id));
        serde_json::to_writer(&mut *out, &open).map_err(internal)?;
        out.extend_from_slice(b",\"comments\":");
        out.extend_from_slice(self.comments.as_bytes());
        out.extend_from_slice(if self.suppressed {
            b",\"suppressed\":true}"
        } else {
            b",\"suppressed\":false}"
        });
        Ok(())
    }
}

fn internal(e: serde_json::Error) -> crate::error::ApiError {
    crate::error::ApiError::Internal(format!("training-evaluation: {e}"))
}
