use std::collections::{BTreeMap, HashMap};

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::anonymity;
use super::cache::{DELIVERY, EVALUATION, PEOPLE, PLANNING};
use super::evaluation::{self, Rules};
use super::model::*;
use super::queries::{self, Scope};
use crate::auth::{op, Allowed, Caller};
use crate::db::versions::Kinds;
use crate::db::AnyConnection;
use crate::error::{ApiResult, ReadErrors};
use crate::feedback::model::ASPECTS;
use crate::trainings::model::TrainingStatus;
use crate::web::cache::{asks_fresh, Body, Key};
use crate::web::csv::{csv_bytes, download, wants_csv, CsvRow};
use crate::web::ValidQuery;
use crate::AppState;

pub(super) fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub(super) fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| round(a as f64 / b as f64))
}

fn year_bounds(year: i32) -> (Option<NaiveDate>, Option<NaiveDate>) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    )
}

/// The year a report that measures one calendar year (`Report::THIS_YEAR`: JP against the
/// yearly target, a year's plan) is about: `year`, else the year of `from` or `to`, else this
/// one. A `from` or `to` in another year is 422: such a report has no figures across years, and
/// the period would otherwise be cut to an empty one without a word; so is one in a year that
/// `year` could not name.
fn measured_year(f: &ReportFilter) -> ApiResult<i32> {
    use crate::types::{MAX_YEAR, MIN_YEAR};
    let year = f
        .year
        .or(f.from.map(|d| d.year()))
        .or(f.to.map(|d| d.year()))
        .unwrap_or_else(|| crate::types::today().year());
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        let name = if f.from.is_some() { "from" } else { "to" };
        return Err(crate::error::ApiError::validation(
            name,
            format!("must lie in {MIN_YEAR} to {MAX_YEAR}, the years this report measures"),
        ));
    }
    for (name, day) in [("from", f.from), ("to", f.to)] {
        if day.is_some_and(|d| d.year() != year) {
            return Err(crate::error::ApiError::validation(
                name,
                format!("must lie in {year}, the year this report measures"),
            ));
        }
    }
    Ok(year)
}

/// The report's scope: the period (year ∩ from..to, on training end dates) and the units (the
/// `unit_id` subtree ∩ what the caller may see).
fn scope(
    conn: &mut AnyConnection,
    caller: &Caller,
    f: &ReportFilter,
    default_year: Option<i32>,
) -> ApiResult<Scope> {
    let (mut from, mut to) = f
        .year
        .or(default_year)
        .map(year_bounds)
        .unwrap_or((None, None));
    if let Some(d) = f.from {
        from = Some(from.map_or(d, |x| x.max(d)));
    }
    if let Some(d) = f.to {
        to = Some(to.map_or(d, |x| x.min(d)));
    }
    let units = caller
        .reach(conn)?
        .units_within(conn, f.unit_id)?
        .map(|units| crate::types::raw(&units));
    let opd = match &units {
        None => None,
        Some(units) => queries::opd_in(conn, units)?,
    };
    Ok(Scope {
        from,
        to,
        attributable: units.is_none() || opd.is_some(),
        units,
        opd,
        training_id: f.training_id,
        partner_id: f.partner_id,
        trainer_id: f.trainer_id,
        programme_id: f.programme_id,
        drafts: crate::trainings::access::sees_drafts(caller),
        ids: None,
    })
}

/// One report: its figures over a scope, and the rows its CSV twin lists.
trait Report {
    /// The CSV file name.
    const NAME: &'static str;
    /// Whether the period defaults to the current year (else: all time).
    const THIS_YEAR: bool = false;
    /// The kinds of entity its figures come from (`cache`): writes of these invalidate it.
    const READS: Kinds;
    type Body: Serialize + Send + 'static;
    type Row: CsvRow;
    fn build(conn: &mut AnyConnection, scope: &Scope, year: i32) -> ApiResult<Self::Body>;
    fn rows(body: &Self::Body) -> &[Self::Row];
    /// The JSON body made otherwise than by serializing [`Report::build`]'s (kept rows
    /// spliced), when this scope has one.
    fn kept_json(_conn: &mut AnyConnection, _scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Ok(None)
    }
    /// The CSV of that JSON body's rows, when this scope has one.
    fn kept_csv(_conn: &mut AnyConnection, _scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Ok(None)
    }
}

/// A report that lists rows answers `{"items": […]}`, and its CSV lists them.
trait ListReport {
    const NAME: &'static str;
    const READS: Kinds;
    type Row: CsvRow + Send + 'static;
    type Body: From<Vec<Self::Row>> + AsRef<[Self::Row]> + Serialize + Send + 'static;
    fn build(conn: &mut AnyConnection, scope: &Scope) -> ApiResult<Vec<Self::Row>>;
    /// As [`Report::kept_json`].
    fn kept_json(_conn: &mut AnyConnection, _scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Ok(None)
    }
    /// As [`Report::kept_csv`].
    fn kept_csv(_conn: &mut AnyConnection, _scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Ok(None)
    }
}

impl<R: ListReport> Report for R {
    const NAME: &'static str = R::NAME;
    const READS: Kinds = R::READS;
    type Body = R::Body;
    type Row = R::Row;
    fn build(conn: &mut AnyConnection, scope: &Scope, _: i32) -> ApiResult<R::Body> {
        Ok(R::build(conn, scope)?.into())
    }
    fn rows(body: &R::Body) -> &[R::Row] {
        body.as_ref()
    }
    fn kept_json(conn: &mut AnyConnection, scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        <R as ListReport>::kept_json(conn, scope)
    }
    fn kept_csv(conn: &mut AnyConnection, scope: &Scope) -> ApiResult<Option<Vec<u8>>> {
        <R as ListReport>::kept_csv(conn, scope)
    }
}

/// The report `R` over the caller's scope, as JSON or as its CSV: kept in `cache` while nothing
/// it reads has changed.
async fn answer<R: Report>(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller,
    f: ReportFilter,
    csv: bool,
) -> ApiResult<HttpResponse> {
    let year = if R::THIS_YEAR {
        measured_year(&f)?
    } else {
        f.year.unwrap_or_else(|| crate::types::today().year())
    };
    let current = crate::db::versions::current(state).await?;
    let key = Key::new(
        R::NAME,
        &caller,
        format!("{csv} {f:?} {year}"),
        R::READS,
        &current.versions,
    );
    let compute = crate::db::replica::read(state, current.lsn, move |c| {
        let s = scope(c, &caller, &f, R::THIS_YEAR.then_some(year))?;
        if csv {
            if let Some(csv) = R::kept_csv(c, &s)? {
                return Ok(csv);
            }
        } else if let Some(json) = R::kept_json(c, &s)? {
            return Ok(json);
        }
        let body = R::build(c, &s, year)?;
        if csv {
            csv_bytes(R::rows(&body))
        } else {
            serde_json::to_vec(&body)
                .map_err(|e| crate::error::ApiError::Internal(format!("{}: {e}", R::NAME)))
        }
    });
    let compute = async move {
        // A kept answer holds its bytes only, not the up to twice as large buffer it grew in.
        let mut body = compute.await?;
        body.shrink_to_fit();
        Ok(Body::new(Bytes::from(body)))
    };
    let body = state
        .report_cache
        .answer(key, asks_fresh(req), compute)
        .await?;
    let builder = if csv {
        download(R::NAME)
    } else {
        let mut json = HttpResponse::Ok();
        json.content_type(ContentType::json());
        json
    };
    body.respond(req, builder).await
}

/// A report's two operations: `GET <path>` (JSON; `?format=csv` and `Accept: text/csv` still
/// give the CSV) and its twin `GET <path>.csv` (text/csv only).
macro_rules! report_routes {
    ($(#[$doc:meta])* $report:ty, $body:ty, $json:ident: $op:ident, $path:literal,
     $csv:ident: $csv_op:ident, $csv_path:literal, $csv_rows:literal) => {
        $(#[$doc])*
        ///
        /// Figures over the caller's scope (a unit manager: their unit and its sub-units). The
        /// same rows as CSV: the `.csv` twin of this path. Answers are kept until a write
        /// changes what the report reads; `Cache-Control: no-cache` computes them afresh.
        #[utoipa::path(
            tag = "reports",
            params(ReportFilter),
            responses((status = 200, description = "The report", body = $body), ReadErrors),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $json(
            req: HttpRequest,
            state: web::Data<AppState>,
            caller: Allowed<op::$op>,
            ValidQuery(f): ValidQuery<ReportFilter>,
        ) -> ApiResult<HttpResponse> {
            let csv = wants_csv(&req, f.format);
            answer::<$report>(&state, &req, caller.caller, f, csv).await
        }

        $(#[$doc])*
        ///
        #[doc = $csv_rows]
        /// RFC 4180 with a header row (also when empty) and fixed columns: the JSON fields,
        /// nested ones joined with `_`, lists joined with `;`.
        #[utoipa::path(
            tag = "reports",
            params(ReportFilter),
            responses(
                (status = 200, description = "The report as CSV",
                 content_type = "text/csv", body = String,
                 headers(("Content-Disposition" = String, description = "attachment; filename=\"<name>.csv\""))),
                ReadErrors
            ),
            security(("bearer" = []))
        )]
        #[get($csv_path)]
        pub async fn $csv(
            req: HttpRequest,
            state: web::Data<AppState>,
            caller: Allowed<op::$csv_op>,
            ValidQuery(f): ValidQuery<ReportFilter>,
        ) -> ApiResult<HttpResponse> {
            answer::<$report>(&state, &req, caller.caller, f, true).await
        }
    };
}

struct Evaluation;
impl ListReport for Evaluation {
    const NAME: &'static str = "training-evaluation";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    type Row = TrainingEvaluation;
    type Body = TrainingEvaluations;
    fn build(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingEvaluation>> {
        evaluation::evaluation(conn, s)
    }
    fn kept_json(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Self::kept(s)
            .then(|| evaluation::kept_json(conn, s))
            .transpose()
    }
    fn kept_csv(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Option<Vec<u8>>> {
        Self::kept(s)
            .then(|| evaluation::kept_csv(conn, s))
            .transpose()
    }
}

impl Evaluation {
    /// Kept over every unit and per OPD; a scope below an OPD is computed.
    fn kept(s: &Scope) -> bool {
        s.units.is_none() || s.opd.is_some()
    }
}
report_routes!(
    /// Participant satisfaction per training: Likert means, top-2 and dissatisfied shares per
    /// aspect, NPS, the response rate over those who may answer, and flags: an aspect most
    /// participants were dissatisfied with (more than the threshold), a low overall mean, a
    /// negative NPS.
    Evaluation, TrainingEvaluations,
    get_report_training_evaluation: TrainingEvaluation, "/reports/training-evaluation",
    get_report_training_evaluation_csv: TrainingEvaluationCsv, "/reports/training-evaluation.csv",
    "One row per training."
);

struct Speakers;
impl ListReport for Speakers {
    const NAME: &'static str = "trainer-evaluation";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    type Row = TrainerEvaluation;
    type Body = TrainerEvaluations;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainerEvaluation>> {
        let rules = Rules::of(&crate::settings::queries::get(c)?);
        let min = rules.min_group_size;
        let scoped = queries::trainer_ratings(c, s)?;
        let all: HashMap<(i64, i64), i64> = match s.units {
            None => HashMap::new(),
            Some(_) => queries::trainer_ratings(
                c,
                &Scope {
                    units: None,
                    ..s.clone()
                },
            )?
            .into_iter()
            .map(|r| ((r.training_id, r.trainer_id), r.n))
            .collect(),
        };
        // Per trainer: (ratings, shown ratings, their sum, their 1–2s).
        let mut per: HashMap<i64, (i64, i64, i64, i64)> = HashMap::new();
        for r in scoped {
            let entry = per.entry(r.trainer_id).or_default();
            entry.0 += r.n;
            let everywhere = all
                .get(&(r.training_id, r.trainer_id))
                .copied()
                .unwrap_or(r.n);
            if anonymity::shown(r.n, everywhere, min) {
                entry.1 += r.n;
                entry.2 += r.total;
                entry.3 += r.low;
            }
        }
        Ok(queries::trainers_with_trainings(c, s)?
            .into_iter()
            .filter(|t| t.trainings > 0 || per.contains_key(&t.id))
            .map(|t| {
                let (responses, n, sum, low) = per.get(&t.id).copied().unwrap_or_default();
                let mean = (n > 0).then(|| round(sum as f64 / n as f64));
                let dissatisfied_share = ratio(low, n);
                let mut flags = Vec::new();
                if dissatisfied_share.is_some_and(|d| rules.dissatisfied(d)) {
                    flags.push("dissatisfied".to_string());
                }
                if mean.is_some_and(|m| m < rules.flag_overall_below) {
                    flags.push("mean".to_string());
                }
                TrainerEvaluation {
                    trainer_id: t.id,
                    name: t.name,
                    kind: t.kind,
                    trainings: t.trainings,
                    responses,
                    mean,
                    dissatisfied_share,
                    flags,
                    suppressed: n == 0,
                }
            })
            .collect())
    }
}
report_routes!(
    /// Each speaker's (narasumber's) ratings over the trainings in scope: mean, dissatisfied
    /// share and flags, shown only for groups of at least `min_group_size` ratings (as the
    /// training evaluation).
    Speakers, TrainerEvaluations,
    get_report_trainer_evaluation: TrainerEvaluation, "/reports/trainer-evaluation",
    get_report_trainer_evaluation_csv: TrainerEvaluationCsv, "/reports/trainer-evaluation.csv",
    "One row per trainer."
);

struct Trends;
impl Report for Trends {
    const NAME: &'static str = "programme-trends";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    type Body = ProgrammeTrends;
    type Row = ProgrammeRun;
    fn build(c: &mut AnyConnection, s: &Scope, _: i32) -> ApiResult<ProgrammeTrends> {
        let Some(programme) = s.programme_id else {
            return Err(crate::error::ApiError::validation(
                "programme_id",
                "is required: the programme whose runs to compare",
            ));
        };
        <crate::programmes::queries::Programmes as crate::db::resource::Resource>::row(
            c,
            crate::types::ProgrammeId(programme),
        )?;
        let by_training: HashMap<i64, TrainingEvaluation> = evaluation::evaluation(c, s)?
            .into_iter()
            .map(|r| (r.training_id, r))
            .collect();
        let runs: Vec<ProgrammeRun> = queries::runs(c, s, programme)?
            .into_iter()
            .map(|t| {
                let e = by_training.get(&t.id);
                ProgrammeRun {
                    training_id: t.id,
                    title: t.title,
                    start_date: t.start_date,
                    responses: e.map_or(0, |e| e.responses),
                    aspects: e
                        .map(|e| {
                            e.aspects
                                .iter()
                                .map(|(k, a)| {
                                    let run = RunAspect {
                                        mean: a.mean,
                                        dissatisfied_share: a.dissatisfied_share,
                                    };
                                    (k.clone(), run)
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    overall_mean: e.and_then(|e| e.overall_mean),
                    flags: e.map(|e| e.flags.clone()).unwrap_or_default(),
                    suppressed: e.is_none_or(|e| e.suppressed),
                }
            })
            .collect();
        let mut changes = Vec::new();
        for aspect in ASPECTS {
            let with: Vec<&ProgrammeRun> = runs
                .iter()
                .filter(|r| r.aspects.contains_key(aspect))
                .collect();
            for pair in with.windows(2) {
                let (a, b) = (&pair[0].aspects[aspect], &pair[1].aspects[aspect]);
                let flagged = |run: &ProgrammeRun| run.flags.iter().any(|f| f == aspect);
                changes.push(TrendChange {
                    aspect: aspect.to_string(),
                    from_training_id: pair[0].training_id,
                    to_training_id: pair[1].training_id,
                    delta_mean: round(b.mean - a.mean),
                    was_flagged: flagged(pair[0]),
                    now_flagged: flagged(pair[1]),
                });
            }
        }
        Ok(ProgrammeTrends {
            programme_id: programme,
            runs,
            changes,
        })
    }
    fn rows(body: &ProgrammeTrends) -> &[ProgrammeRun] {
        &body.runs
    }
}
report_routes!(
    /// A programme's runs (angkatan) side by side, in start order: did the aspect flagged in
    /// one run improve in the next? `changes` gives each aspect's move between consecutive
    /// runs that show it. `programme_id` is required.
    Trends, ProgrammeTrends,
    get_report_programme_trends: ProgrammeTrends, "/reports/programme-trends",
    get_report_programme_trends_csv: ProgrammeTrendsCsv, "/reports/programme-trends.csv",
    "One row per run."
);

struct Transfer;
impl ListReport for Transfer {
    const NAME: &'static str = "transfer";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    type Row = TransferReport;
    type Body = TransferReports;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TransferReport>> {
        Ok(queries::transfer(c, s)?
            .into_iter()
            .map(|r| TransferReport {
                training_id: r.training_id,
                title: r.title,
                completed: r.completed,
                plans_submitted: r.plans_submitted,
                reviewed: r.reviewed,
                implemented_share: ratio(r.implemented.unwrap_or(0), r.items_reviewed.unwrap_or(0)),
                behaviour_change_mean: ratio(r.behaviour_sum.unwrap_or(0), r.reviewed),
            })
            .collect())
    }
}
report_routes!(
    /// What participants apply at work (Kirkpatrick level 3), per training with completions:
    /// action plans filed, reviewed by the supervisor, the share of reviewed items implemented
    /// and the mean behaviour change.
    Transfer, TransferReports,
    get_report_transfer: Transfer, "/reports/transfer",
    get_report_transfer_csv: TransferCsv, "/reports/transfer.csv",
    "One row per training."
);

struct Hours;
impl ListReport for Hours {
    const NAME: &'static str = "trainer-hours";
    const READS: Kinds = PEOPLE.union(DELIVERY);
    type Row = TrainerHours;
    type Body = TrainerHoursReport;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainerHours>> {
        Ok(queries::trainer_hours(c, s)?)
    }
}
report_routes!(
    /// The sessions and JP each speaker taught (the basis of their honoraria), per trainer:
    /// sessions starting in the period (`year`, `from`, `to`) of trainings not cancelled; each
    /// speaker of a session is credited its JP. Filters also `training_id`, `trainer_id`.
    Hours, TrainerHoursReport,
    get_report_trainer_hours: TrainerHours, "/reports/trainer-hours",
    get_report_trainer_hours_csv: TrainerHoursCsv, "/reports/trainer-hours.csv",
    "One row per trainer."
);

struct Coverage;
impl ListReport for Coverage {
    const NAME: &'static str = "policy-coverage";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(PLANNING);
    type Row = PolicyCoverage;
    type Body = PolicyCoverages;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<PolicyCoverage>> {
        super::coverage::build(c, s)
    }
}
report_routes!(
    /// How far each policy reached: the active employees it affects (their position is listed,
    /// or their standard holds one of its competencies), those refreshed (completed a training
    /// linked to it on or after it was issued), the share, and those overdue (not refreshed,
    /// `issued_on + refresher_due_days` passed).
    Coverage, PolicyCoverages,
    get_report_policy_coverage: PolicyCoverage, "/reports/policy-coverage",
    get_report_policy_coverage_csv: PolicyCoverageCsv, "/reports/policy-coverage.csv",
    "One row per policy."
);

struct Shortage;
impl Report for Shortage {
    const NAME: &'static str = "trainer-shortage";
    const READS: Kinds = PEOPLE.union(DELIVERY);
    type Body = TrainerShortages;
    type Row = TrainerShortageRow;
    fn build(c: &mut AnyConnection, s: &Scope, _: i32) -> ApiResult<TrainerShortages> {
        Ok(super::shortage::build(c, s)?.into())
    }
    fn rows(body: &TrainerShortages) -> &[TrainerShortageRow] {
        &body.rows
    }
}
report_routes!(
    /// Where qualified trainers are short, per competency: the people below standard, the
    /// active trainers with an unexpired qualification for it and their JP a month, and the
    /// internal candidates (active employees assessed at level 4 or 5 who are not trainers yet;
    /// a unit scope's own).
    Shortage, TrainerShortages,
    get_report_trainer_shortage: TrainerShortage, "/reports/trainer-shortage",
    get_report_trainer_shortage_csv: TrainerShortageCsv, "/reports/trainer-shortage.csv",
    "One row per competency; the candidates as `name (employee id, level)`, joined with `;`."
);

struct Realization;
impl Report for Realization {
    const NAME: &'static str = "plan-realization";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(PLANNING);
    const THIS_YEAR: bool = true;
    type Body = PlanRealization;
    type Row = PlanRealizationItem;
    fn build(c: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<PlanRealization> {
        super::realization::build(c, s, year)
    }
    fn rows(body: &PlanRealization) -> &[PlanRealizationItem] {
        &body.items
    }
}
report_routes!(
    /// The year's competency-development plan against its realization (default year: that of
    /// `from` or `to`, else this one), per item: runs and seats planned and held, budget and
    /// spending (Σ `cost` of its held trainings), development needs open and met, and the
    /// totals. Runs and money are the city's; for a unit scope (a unit manager, `unit_id`)
    /// seats and needs are its people's.
    Realization, PlanRealization,
    get_report_plan_realization: PlanRealization, "/reports/plan-realization",
    get_report_plan_realization_csv: PlanRealizationCsv, "/reports/plan-realization.csv",
    "One row per plan item (the totals are the JSON's)."
);

struct Outcomes;
impl ListReport for Outcomes {
    const NAME: &'static str = "learning-outcomes";
    const READS: Kinds = PEOPLE.union(DELIVERY);
    type Row = LearningOutcome;
    type Body = LearningOutcomes;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<LearningOutcome>> {
        Ok(queries::outcomes(c, s)?
            .into_iter()
            .map(|r| LearningOutcome {
                training_id: r.training_id,
                title: r.title,
                participants: r.participants,
                pre_mean: r.pre_mean.map(round),
                post_mean: r.post_mean.map(round),
                gain_mean: r.gain_mean.map(round),
                normalized_gain_mean: r.normalized_gain_mean.map(round),
                pass_rate: ratio(r.passed.unwrap_or(0), r.finished.unwrap_or(0)),
            })
            .collect())
    }
}
report_routes!(
    /// Pre/post test scores per training: means, gain, normalised gain and pass rate.
    Outcomes, LearningOutcomes,
    get_report_learning_outcomes: LearningOutcomes, "/reports/learning-outcomes",
    get_report_learning_outcomes_csv: LearningOutcomesCsv, "/reports/learning-outcomes.csv",
    "One row per training."
);

struct Compliance;
impl Report for Compliance {
    const NAME: &'static str = "jp-compliance";
    const READS: Kinds = PEOPLE.union(DELIVERY);
    const THIS_YEAR: bool = true;
    type Body = JpCompliance;
    type Row = BelowTarget;
    fn build(conn: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<JpCompliance> {
        super::compliance::report(conn, s, year)
    }
    fn rows(body: &JpCompliance) -> &[BelowTarget] {
        &body.below_target
    }
}
report_routes!(
    /// Who got the yearly JP they are owed: per unit, and the employees below target (default
    /// year: that of `from` or `to`, else this one).
    Compliance, JpCompliance,
    get_report_jp_compliance: JpCompliance, "/reports/jp-compliance",
    get_report_jp_compliance_csv: JpComplianceCsv, "/reports/jp-compliance.csv",
    "One row per employee below target."
);

struct Gaps;
impl Report for Gaps {
    const NAME: &'static str = "competency-gaps";
    const READS: Kinds = PEOPLE;
    type Body = CompetencyGaps;
    type Row = CompetencyGap;
    fn build(c: &mut AnyConnection, s: &Scope, _: i32) -> ApiResult<CompetencyGaps> {
        let settings = crate::settings::queries::get(c)?;
        let items = queries::gaps(c, s)?
            .into_iter()
            .map(|r| CompetencyGap {
                competency_id: r.competency_id,
                code: r.code,
                name: r.name,
                employees_with_standard: r.employees_with_standard,
                assessed: r.assessed,
                below_standard: r.below_standard.unwrap_or(0),
                below_standard_share: ratio(r.below_standard.unwrap_or(0), r.assessed),
                mean_gap: r.mean_gap.map(round),
                mean_shortfall: r.mean_shortfall.map(round),
            })
            .collect();
        let b = queries::jpm_bands(c, s, settings.jpm_optimal_min, settings.jpm_cukup_min)?;
        let jpm_bands = JpmBands {
            optimal: b.optimal.unwrap_or(0),
            cukup_optimal: b.cukup_optimal.unwrap_or(0),
            kurang_optimal: b.kurang_optimal.unwrap_or(0),
            unassessed: b.unassessed.unwrap_or(0),
        };
        Ok(CompetencyGaps { items, jpm_bands })
    }
    fn rows(body: &CompetencyGaps) -> &[CompetencyGap] {
        &body.items
    }
}
report_routes!(
    /// Per competency: employees whose position requires it, assessed, below standard, mean
    /// gap and mean shortfall (surpluses not netted); and employees per JPM band.
    Gaps, CompetencyGaps,
    get_report_competency_gaps: CompetencyGaps, "/reports/competency-gaps",
    get_report_competency_gaps_csv: CompetencyGapsCsv, "/reports/competency-gaps.csv",
    "One row per competency (the JPM bands are in the JSON only)."
);

struct Needs;
impl ListReport for Needs {
    const NAME: &'static str = "training-needs";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(PLANNING);
    type Row = TrainingNeed;
    type Body = TrainingNeeds;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingNeed>> {
        let rows = queries::needs(c, s)?;
        let supply = queries::seats(c)?;
        let filled = super::seats::allocate(&rows, &supply);
        let mut items: BTreeMap<i64, TrainingNeed> = BTreeMap::new();
        for r in rows {
            let item = items
                .entry(r.competency_id)
                .or_insert_with(|| TrainingNeed {
                    competency_id: r.competency_id,
                    code: r.code.clone(),
                    name: r.name.clone(),
                    employees_below_standard: 0,
                    planned_seats: 0,
                    unmet: 0,
                });
            item.employees_below_standard += r.below;
        }
        let mut items: Vec<TrainingNeed> = items
            .into_values()
            .map(|mut item| {
                item.planned_seats = filled.get(&item.competency_id).copied().unwrap_or(0);
                item.unmet = item.employees_below_standard - item.planned_seats;
                item
            })
            .collect();
        items.sort_by(|a, b| {
            b.employees_below_standard
                .cmp(&a.employees_below_standard)
                .then_with(|| a.code.cmp(&b.code))
        });
        Ok(items)
    }
}
report_routes!(
    /// Competencies with employees below standard against the free seats planned for them.
    Needs, TrainingNeeds,
    get_report_training_needs: TrainingNeeds, "/reports/training-needs",
    get_report_training_needs_csv: TrainingNeedsCsv, "/reports/training-needs.csv",
    "One row per competency."
);

/// An agreement ending within 90 days is `expiring` (the report, and the daily webhook event).
pub(crate) fn agreement_status(end: Option<NaiveDate>, today: NaiveDate) -> AgreementStatus {
    match end {
        None => AgreementStatus::None,
        Some(d) if d < today => AgreementStatus::Expired,
        Some(d) if d <= today + chrono::Duration::days(90) => AgreementStatus::Expiring,
        Some(_) => AgreementStatus::Active,
    }
}

struct Partners;
impl ListReport for Partners {
    const NAME: &'static str = "partners";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    type Row = PartnerReport;
    type Body = PartnerReports;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<PartnerReport>> {
        let min = i64::from(crate::settings::queries::get(c)?.min_group_size);
        let today = crate::types::today();
        let cells = anonymity::cells(
            c,
            &Scope {
                training_id: None,
                partner_id: None,
                trainer_id: None,
                programme_id: None,
                ..s.clone()
            },
            anonymity::Rated::Overall,
        )?;
        let mut trainings: HashMap<i64, Vec<i64>> = HashMap::new();
        for pair in queries::partner_trainings(c, s)? {
            trainings
                .entry(pair.owner)
                .or_default()
                .push(pair.training_id);
        }
        Ok(queries::partners(c, s)?
            .into_iter()
            .map(|r| PartnerReport {
                overall_mean: trainings.get(&r.partner_id).and_then(|ids| {
                    anonymity::overall_of(ids.iter().filter_map(|id| cells.get(id)), min)
                        .map(|(n, sum)| round(sum as f64 / n as f64))
                }),
                partner_id: r.partner_id,
                name: r.name,
                kind: r.kind,
                trainings: r.trainings,
                participants: r.participants,
                jp_delivered: r.jp_delivered,
                agreement_end: r.agreement_end,
                agreement_status: agreement_status(r.agreement_end, today),
            })
            .collect())
    }
}
report_routes!(
    /// What each partner delivers: trainings, participants, JP, satisfaction, agreement status.
    Partners, PartnerReports,
    get_report_partners: PartnersReport, "/reports/partners",
    get_report_partners_csv: PartnersReportCsv, "/reports/partners.csv",
    "One row per partner."
);

struct Trainers;
impl ListReport for Trainers {
    const NAME: &'static str = "trainers";
    const READS: Kinds = PEOPLE.union(DELIVERY);
    type Row = TrainerSupply;
    type Body = TrainerSupplies;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainerSupply>> {
        let mut items: Vec<TrainerSupply> = queries::trainer_supply(c, s)?
            .into_iter()
            .map(|r| TrainerSupply {
                competency_id: r.competency_id,
                code: r.code,
                internal_trainers: r.internal_trainers,
                external_trainers: r.external_trainers,
                employees_below_standard: r.below,
                trainees_per_trainer: ratio(r.below, r.internal_trainers + r.external_trainers),
            })
            .collect();
        // No trainer for people who need one is the worst shortage; then the most trainees per trainer.
        let key = |t: &TrainerSupply| match t.trainees_per_trainer {
            None if t.employees_below_standard > 0 => (0, -t.employees_below_standard as f64),
            None => (2, 0.0),
            Some(r) => (1, -r),
        };
        items.sort_by(|a, b| {
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.code.cmp(&b.code))
        });
        Ok(items)
    }
}
report_routes!(
    /// Qualified trainers per competency against the employees below standard: where trainers
    /// are short comes first.
    Trainers, TrainerSupplies,
    get_report_trainers: TrainersReport, "/reports/trainers",
    get_report_trainers_csv: TrainersReportCsv, "/reports/trainers.csv",
    "One row per competency."
);

struct Totals;
impl Report for Totals {
    const NAME: &'static str = "summary";
    const READS: Kinds = PEOPLE.union(DELIVERY).union(EVALUATION);
    const THIS_YEAR: bool = true;
    type Body = Summary;
    type Row = Summary;
    fn build(c: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<Summary> {
        let today = crate::types::today();
        let t = queries::totals(c, s, today)?;
        let mut by_status: BTreeMap<String, i64> = TrainingStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        for row in queries::trainings_by_status(c, s)? {
            by_status.insert(row.status, row.n);
        }
        let settings = crate::settings::queries::get(c)?;
        let cells = anonymity::cells(c, s, anonymity::Rated::Overall)?;
        let people = super::compliance::totals(c, &settings, s, year)?;
        Ok(Summary {
            year,
            employees: people.people,
            trainings_by_status: by_status,
            enrolments: t.enrolments,
            completions: t.completions,
            jp_total: t.jp_total,
            compliance_rate: ratio(people.compliant, people.measured),
            feedback_responses: cells.values().map(|c| c.scope.responses).sum(),
            overall_mean: anonymity::overall_of(cells.values(), i64::from(settings.min_group_size))
                .map(|(n, sum)| round(sum as f64 / n as f64)),
            partners_active: t.partners_active,
        })
    }
    fn rows(body: &Summary) -> &[Summary] {
        std::slice::from_ref(body)
    }
}
report_routes!(
    /// The year at a glance (default year: that of `from` or `to`, else this one).
    Totals, Summary,
    get_report_summary: Summary, "/reports/summary",
    get_report_summary_csv: SummaryCsv, "/reports/summary.csv",
    "One row."
);

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(get_report_training_evaluation)
        .service(get_report_training_evaluation_csv)
        .service(get_report_trainer_evaluation)
        .service(get_report_trainer_evaluation_csv)
        .service(get_report_programme_trends)
        .service(get_report_programme_trends_csv)
        .service(get_report_transfer)
        .service(get_report_transfer_csv)
        .service(get_report_learning_outcomes)
        .service(get_report_learning_outcomes_csv)
        .service(get_report_jp_compliance)
        .service(get_report_jp_compliance_csv)
        .service(get_report_competency_gaps)
        .service(get_report_competency_gaps_csv)
        .service(get_report_training_needs)
        .service(get_report_training_needs_csv)
        .service(get_report_partners)
        .service(get_report_partners_csv)
        .service(get_report_trainers)
        .service(get_report_trainers_csv)
        .service(get_report_summary)
        .service(get_report_plan_realization)
        .service(get_report_trainer_shortage)
        .service(get_report_trainer_shortage_csv)
        .service(get_report_policy_coverage)
        .service(get_report_policy_coverage_csv)
        .service(get_report_trainer_hours)
        .service(get_report_trainer_hours_csv)
        .service(get_report_plan_realization_csv)
        .service(get_report_summary_csv);
}
