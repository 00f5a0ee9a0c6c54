use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::model::*;
use super::queries::{self, Scope};
use crate::auth::{op, Allowed, Caller};
use crate::db::AnyConnection;
use crate::error::{ApiResult, ReadErrors};
use crate::feedback::model::ASPECTS;
use crate::trainings::model::TrainingStatus;
use crate::web::csv::{csv_response, wants_csv, CsvRow};
use crate::web::{db, ValidQuery};
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
    Ok(Scope {
        from,
        to,
        units,
        training_id: f.training_id,
        partner_id: f.partner_id,
        trainer_id: f.trainer_id,
        drafts: crate::trainings::access::sees_drafts(caller),
    })
}

/// One report: its figures over a scope, and the rows its CSV twin lists.
trait Report {
    /// The CSV file name.
    const NAME: &'static str;
    /// Whether the period defaults to the current year (else: all time).
    const THIS_YEAR: bool = false;
    type Body: Serialize + Send + 'static;
    type Row: CsvRow;
    fn build(conn: &mut AnyConnection, scope: &Scope, year: i32) -> ApiResult<Self::Body>;
    fn rows(body: &Self::Body) -> &[Self::Row];
}

/// A report that lists rows answers `{"items": […]}`, and its CSV lists them.
trait ListReport {
    const NAME: &'static str;
    type Row: CsvRow + Send + 'static;
    type Body: From<Vec<Self::Row>> + AsRef<[Self::Row]> + Serialize + Send + 'static;
    fn build(conn: &mut AnyConnection, scope: &Scope) -> ApiResult<Vec<Self::Row>>;
}

impl<R: ListReport> Report for R {
    const NAME: &'static str = R::NAME;
    type Body = R::Body;
    type Row = R::Row;
    fn build(conn: &mut AnyConnection, scope: &Scope, _: i32) -> ApiResult<R::Body> {
        Ok(R::build(conn, scope)?.into())
    }
    fn rows(body: &R::Body) -> &[R::Row] {
        body.as_ref()
    }
}

/// The report `R` over the caller's scope, as JSON or as its CSV.
async fn answer<R: Report>(
    state: &AppState,
    caller: Caller,
    f: ReportFilter,
    csv: bool,
) -> ApiResult<HttpResponse> {
    let year = f.year.unwrap_or_else(|| chrono::Utc::now().year());
    let body = db(&state.pool, move |c| {
        let s = scope(c, &caller, &f, R::THIS_YEAR.then_some(year))?;
        R::build(c, &s, year)
    })
    .await?;
    if csv {
        csv_response(R::NAME, R::rows(&body))
    } else {
        Ok(HttpResponse::Ok().json(&body))
    }
}

/// A report's two operations: `GET <path>` (JSON; `?format=csv` and `Accept: text/csv` still
/// give the CSV) and its twin `GET <path>.csv` (text/csv only).
macro_rules! report_routes {
    ($(#[$doc:meta])* $report:ty, $body:ty, $json:ident: $op:ident, $path:literal,
     $csv:ident: $csv_op:ident, $csv_path:literal, $csv_rows:literal) => {
        $(#[$doc])*
        ///
        /// Figures over the caller's scope (a unit manager: their unit and its sub-units). The
        /// same rows as CSV: the `.csv` twin of this path.
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
            answer::<$report>(&state, caller.caller, f, csv).await
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
            state: web::Data<AppState>,
            caller: Allowed<op::$csv_op>,
            ValidQuery(f): ValidQuery<ReportFilter>,
        ) -> ApiResult<HttpResponse> {
            answer::<$report>(&state, caller.caller, f, true).await
        }
    };
}

fn evaluation(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingEvaluation>> {
    let settings = crate::settings::queries::get(conn)?;
    let stats = queries::feedback_stats(conn, s)?;
    let enrolled: HashMap<i64, (i64, i64)> = queries::enrolled(conn, s)?
        .into_iter()
        .map(|r| (r.id, (r.n, r.eligible)))
        .collect();
    let mut ids: Vec<i64> = enrolled
        .keys()
        .copied()
        .chain(stats.iter().map(|r| r.training_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let titles: HashMap<i64, String> = queries::titles(conn, &ids)?
        .into_iter()
        .map(|r| (r.id, r.title))
        .collect();
    let by_training: HashMap<i64, &queries::FeedbackStatsRow> =
        stats.iter().map(|r| (r.training_id, r)).collect();
    Ok(ids
        .into_iter()
        .map(|id| {
            let row = by_training.get(&id);
            let responses = row.map_or(0, |r| r.responses);
            let suppressed = responses < i64::from(settings.min_group_size);
            let mut stats = BTreeMap::new();
            let mut overall_mean = None;
            for row in row.map(|r| r.aspects()).unwrap_or_default() {
                if row.n == 0 {
                    continue;
                }
                let mean = round(row.total.unwrap_or(0) as f64 / row.n as f64);
                if row.aspect == "overall" {
                    overall_mean = Some(mean);
                } else if ASPECTS.contains(&row.aspect.as_str()) {
                    stats.insert(
                        row.aspect.clone(),
                        AspectStats {
                            mean,
                            top2_share: round(row.top2.unwrap_or(0) as f64 / row.n as f64),
                            dissatisfied_share: round(row.low.unwrap_or(0) as f64 / row.n as f64),
                        },
                    );
                }
            }
            let nps_value = by_training.get(&id).filter(|r| r.responses > 0).map(|r| {
                round(
                    100.0 * (r.promoters.unwrap_or(0) - r.detractors.unwrap_or(0)) as f64
                        / r.responses as f64,
                )
            });
            // "Most" participants dissatisfied: strictly more than the threshold (0.5).
            let mut flags: Vec<String> = ASPECTS
                .iter()
                .filter(|a| {
                    stats.get(**a).is_some_and(|st| {
                        st.dissatisfied_share > settings.dissatisfaction_threshold
                    })
                })
                .map(|a| a.to_string())
                .collect();
            if overall_mean.is_some_and(|m| m < settings.flag_overall_below) {
                flags.push("overall".into());
            }
            if nps_value.is_some_and(|n| n < settings.flag_nps_below) {
                flags.push("nps".into());
            }
            let (enrolled, eligible) = enrolled.get(&id).copied().unwrap_or((0, 0));
            TrainingEvaluation {
                training_id: id,
                title: titles.get(&id).cloned().unwrap_or_default(),
                responses,
                enrolled,
                eligible,
                response_rate: ratio(responses, eligible),
                aspects: if suppressed { BTreeMap::new() } else { stats },
                overall_mean: if suppressed { None } else { overall_mean },
                nps: if suppressed { None } else { nps_value },
                flags: if suppressed { Vec::new() } else { flags },
                suppressed,
            }
        })
        .collect())
}

struct Evaluation;
impl ListReport for Evaluation {
    const NAME: &'static str = "training-evaluation";
    type Row = TrainingEvaluation;
    type Body = TrainingEvaluations;
    fn build(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingEvaluation>> {
        evaluation(conn, s)
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

struct Outcomes;
impl ListReport for Outcomes {
    const NAME: &'static str = "learning-outcomes";
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
    /// year: this one).
    Compliance, JpCompliance,
    get_report_jp_compliance: JpCompliance, "/reports/jp-compliance",
    get_report_jp_compliance_csv: JpComplianceCsv, "/reports/jp-compliance.csv",
    "One row per employee below target."
);

struct Gaps;
impl Report for Gaps {
    const NAME: &'static str = "competency-gaps";
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
    type Row = TrainingNeed;
    type Body = TrainingNeeds;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingNeed>> {
        Ok(queries::needs(c, s)?
            .into_iter()
            .map(|r| {
                let planned_seats = if r.unlimited > 0 {
                    r.seats.max(0) + r.below
                } else {
                    r.seats.max(0)
                };
                TrainingNeed {
                    competency_id: r.competency_id,
                    code: r.code,
                    name: r.name,
                    employees_below_standard: r.below,
                    planned_seats,
                    unmet: (r.below - planned_seats).max(0),
                }
            })
            .collect())
    }
}
report_routes!(
    /// Competencies with employees below standard against the free seats planned for them.
    Needs, TrainingNeeds,
    get_report_training_needs: TrainingNeeds, "/reports/training-needs",
    get_report_training_needs_csv: TrainingNeedsCsv, "/reports/training-needs.csv",
    "One row per competency."
);

fn agreement_status(end: Option<NaiveDate>, today: NaiveDate) -> AgreementStatus {
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
    type Row = PartnerReport;
    type Body = PartnerReports;
    fn build(c: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<PartnerReport>> {
        let min = i64::from(crate::settings::queries::get(c)?.min_group_size);
        let today = chrono::Utc::now().date_naive();
        Ok(queries::partners(c, s)?
            .into_iter()
            .map(|r| PartnerReport {
                partner_id: r.partner_id,
                name: r.name,
                kind: r.kind,
                trainings: r.trainings,
                participants: r.participants,
                jp_delivered: r.jp_delivered,
                overall_mean: if r.responses < min {
                    None
                } else {
                    r.overall_mean.map(round)
                },
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
    const THIS_YEAR: bool = true;
    type Body = Summary;
    type Row = Summary;
    fn build(c: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<Summary> {
        let today = chrono::Utc::now().date_naive();
        let t = queries::totals(c, s, today)?;
        let mut by_status: BTreeMap<String, i64> = TrainingStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        for row in queries::trainings_by_status(c, s)? {
            by_status.insert(row.status, row.n);
        }
        let settings = crate::settings::queries::get(c)?;
        let (compliant, employees) =
            super::compliance::totals(&super::compliance::people(c, &settings, s, year)?);
        Ok(Summary {
            year,
            employees: t.employees,
            trainings_by_status: by_status,
            enrolments: t.enrolments,
            completions: t.completions,
            jp_total: t.jp_total,
            compliance_rate: ratio(compliant, employees),
            feedback_responses: t.responses,
            overall_mean: if t.responses < i64::from(settings.min_group_size) {
                None
            } else {
                t.overall_mean.map(round)
            },
            partners_active: t.partners_active,
        })
    }
    fn rows(body: &Summary) -> &[Summary] {
        std::slice::from_ref(body)
    }
}
report_routes!(
    /// The year at a glance (default year: this one).
    Totals, Summary,
    get_report_summary: Summary, "/reports/summary",
    get_report_summary_csv: SummaryCsv, "/reports/summary.csv",
    "One row."
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_report_training_evaluation)
        .service(get_report_training_evaluation_csv)
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
        .service(get_report_summary_csv);
}
