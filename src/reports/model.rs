use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::types::UnitId;

use crate::feedback::model::ASPECTS;
use crate::trainings::model::TrainingStatus;
use crate::web::csv::CsvRow;
pub use crate::web::csv::Format;

fn report_period(f: &ReportFilter) -> Result<(), validator::ValidationError> {
    crate::rules::in_order(f.from, f.to, "from", "to")
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[validate(schema(function = "report_period", skip_on_field_errors = false))]
pub struct ReportFilter {
    /// Trainings that end in this year. jp-compliance, summary and plan-realization measure one
    /// year: by default the year of `from` or `to`, else this one; `from` and `to` lie in it.
    #[param(minimum = 1900, maximum = 2200)]
    #[validate(range(min = crate::types::MIN_YEAR, max = crate::types::MAX_YEAR))]
    pub year: Option<i32>,
    /// Trainings that end on or after this day.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: Option<NaiveDate>,
    /// Trainings that end on or before this day; not before `from`.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: Option<NaiveDate>,
    /// This unit and its sub-units (people-based figures).
    pub unit_id: Option<UnitId>,
    /// training-evaluation, trainer-evaluation and transfer only.
    pub training_id: Option<i64>,
    /// training-evaluation, trainer-evaluation and transfer only.
    pub partner_id: Option<i64>,
    /// training-evaluation, trainer-evaluation and transfer only.
    pub trainer_id: Option<i64>,
    /// The programme whose runs to show: required by programme-trends; a filter of
    /// training-evaluation, trainer-evaluation and transfer.
    pub programme_id: Option<i64>,
    /// `csv` for text/csv, as `Accept: text/csv` (undocumented: the `.csv` twin is the way).
    #[param(ignore)]
    pub format: Option<Format>,
}

/// One aspect of a training's feedback.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AspectStats {
    /// Mean rating (1..5).
    pub mean: f64,
    /// Share of 4–5 ratings.
    pub top2_share: f64,
    /// Share of 1–2 ratings.
    pub dissatisfied_share: f64,
}

/// No comments: `[]`.
pub fn no_comments() -> Box<RawValue> {
    RawValue::from_string("[]".to_owned()).expect("[] is JSON")
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainingEvaluation {
    pub training_id: i64,
    pub title: String,
    /// The programme this training is a run of.
    pub programme_id: Option<i64>,
    pub responses: i64,
    /// Enrolments, withdrawals left out.
    pub enrolled: i64,
    /// Those who may answer: enrolments `attended` or `completed` (no-shows may not), and any
    /// that answered before its status changed (a participant who failed or withdrew
    /// afterwards). In an OPD, one who answered counts in the OPD they answered in, where their
    /// response stays, even after moving to another. Over every unit, never fewer than the
    /// responses: a paper form names nobody, so its author counts even when marked `no_show`
    /// after it was entered.
    pub eligible: i64,
    /// `responses` / `eligible`; null while nobody may answer, and below an OPD (responses are
    /// attributed to OPDs only).
    pub response_rate: Option<f64>,
    /// Per aspect (material, method, trainer, facilities, relevance, organisation); empty when suppressed.
    pub aspects: BTreeMap<String, AspectStats>,
    pub overall_mean: Option<f64>,
    /// %promoters (9–10) − %detractors (0–6), −100..100.
    pub nps: Option<f64>,
    /// Aspects whose dissatisfied share is greater than `dissatisfaction_threshold`, then
    /// `overall` when `overall_mean` < `flag_overall_below` and `nps` when `nps` <
    /// `flag_nps_below`.
    pub flags: Vec<String>,
    /// The flags no improvement action (other than a dropped one) answers yet.
    pub unaddressed_flags: Vec<String>,
    /// The free-text comments, in random order; empty when suppressed.
    #[schema(value_type = Vec<String>)]
    pub comments: Box<RawValue>,
    /// Too few responses (or too few outside the caller's units) to show what they said:
    /// counts only.
    pub suppressed: bool,
}

/// One speaker's ratings over the trainings in scope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainerEvaluation {
    pub trainer_id: i64,
    pub name: String,
    /// `internal` or `external`.
    pub kind: String,
    /// Trainings in scope the trainer spoke at.
    pub trainings: i64,
    /// Ratings of the trainer in scope.
    pub responses: i64,
    /// Mean rating (1..5) over the trainings whose ratings may be shown.
    pub mean: Option<f64>,
    /// Share of 1–2 ratings, over the same.
    pub dissatisfied_share: Option<f64>,
    /// `dissatisfied` when the dissatisfied share is greater than `dissatisfaction_threshold`;
    /// `mean` when the mean is below `flag_overall_below`.
    pub flags: Vec<String>,
    /// No ratings that may be shown: counts only.
    pub suppressed: bool,
}

/// One aspect of a run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunAspect {
    pub mean: f64,
    pub dissatisfied_share: f64,
}

/// One run (angkatan) of a programme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgrammeRun {
    pub training_id: i64,
    pub title: String,
    pub start_date: NaiveDate,
    pub responses: i64,
    pub aspects: BTreeMap<String, RunAspect>,
    pub overall_mean: Option<f64>,
    pub flags: Vec<String>,
    pub suppressed: bool,
}

/// How an aspect moved from one run to the next run that has figures for it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrendChange {
    pub aspect: String,
    pub from_training_id: i64,
    pub to_training_id: i64,
    /// The later run's mean less the earlier one's.
    pub delta_mean: f64,
    pub was_flagged: bool,
    pub now_flagged: bool,
}

/// A programme's runs in start order and the change of each aspect between runs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgrammeTrends {
    pub programme_id: i64,
    pub runs: Vec<ProgrammeRun>,
    pub changes: Vec<TrendChange>,
}

/// Follow-up of one training (Kirkpatrick level 3).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferReport {
    pub training_id: i64,
    pub title: String,
    /// Completions in scope.
    pub completed: i64,
    /// Of those, with an action plan.
    pub plans_submitted: i64,
    /// Of those, reviewed by the supervisor (or staff).
    pub reviewed: i64,
    /// Reviewed plan items `implemented`, over all reviewed items.
    pub implemented_share: Option<f64>,
    /// Mean `behaviour_change` (1..5) of the reviews.
    pub behaviour_change_mean: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningOutcome {
    pub training_id: i64,
    pub title: String,
    pub participants: i64,
    pub pre_mean: Option<f64>,
    pub post_mean: Option<f64>,
    /// Mean of post − pre over participants with both scores.
    pub gain_mean: Option<f64>,
    /// Mean of (post − pre) / (100 − pre).
    pub normalized_gain_mean: Option<f64>,
    /// completed / (completed + failed).
    pub pass_rate: Option<f64>,
}

/// A unit with the totals of its whole subtree (the unit and all its sub-units).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitCompliance {
    pub unit_id: i64,
    pub unit_name: String,
    pub parent_id: Option<i64>,
    /// 1 for a top-level unit (an OPD), 2 for its sub-units, …
    pub level: i32,
    /// Active PNS, measured against their effective target.
    pub employees: i64,
    pub compliant: i64,
    /// compliant / employees.
    pub compliance_rate: Option<f64>,
    /// Mean JP of the PNS.
    pub jp_mean: Option<f64>,
    /// Active PPPK, counted apart: held to a cap, not (unless set) to a minimum.
    pub pppk_employees: i64,
    /// PPPK beyond `jp_cap_pppk`.
    pub pppk_over_cap: i64,
}

/// Someone below their effective target: PNS, and PPPK when `jp_target_pppk` is set.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BelowTarget {
    pub employee_id: i64,
    pub nip: String,
    pub name: String,
    pub unit_id: i64,
    pub jp_total: i64,
    pub jp_target_effective: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JpCompliance {
    pub year: i32,
    /// The full-year PNS target (`jp_target`); each person's own is in `below_target`.
    pub jp_target: i32,
    /// Units in tree order, each with its subtree's totals.
    pub units: Vec<UnitCompliance>,
    pub below_target: Vec<BelowTarget>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompetencyGap {
    pub competency_id: i64,
    pub code: String,
    pub name: String,
    pub employees_with_standard: i64,
    pub assessed: i64,
    pub below_standard: i64,
    /// below_standard / assessed.
    pub below_standard_share: Option<f64>,
    /// Mean of required − latest level over the assessed (surpluses net against shortfalls).
    pub mean_gap: Option<f64>,
    /// Mean of max(0, required − latest level) over the assessed: what is missing, with no
    /// surplus hiding it.
    pub mean_shortfall: Option<f64>,
}

/// Employees with a standard by JPM band; `unassessed` have no assessment of any standard competency.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct JpmBands {
    pub optimal: i64,
    pub cukup_optimal: i64,
    pub kurang_optimal: i64,
    pub unassessed: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompetencyGaps {
    pub items: Vec<CompetencyGap>,
    pub jpm_bands: JpmBands,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainingNeed {
    pub competency_id: i64,
    pub code: String,
    pub name: String,
    pub employees_below_standard: i64,
    /// Free seats of planned and open trainings that fill these needs: a seat fills one need
    /// (not one per competency its training targets), only at a target level the need requires
    /// or higher; a training without a capacity limit fills all it can (`reports::seats`).
    pub planned_seats: i64,
    /// Needs no planned seat fills.
    pub unmet: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Active,
    Expiring,
    Expired,
    None,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartnerReport {
    pub partner_id: i64,
    pub name: String,
    pub kind: String,
    pub trainings: i64,
    pub participants: i64,
    pub jp_delivered: i64,
    /// Null below `min_group_size` responses.
    pub overall_mean: Option<f64>,
    pub agreement_end: Option<NaiveDate>,
    /// `expiring`: ends within 90 days.
    pub agreement_status: AgreementStatus,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainerSupply {
    pub competency_id: i64,
    pub code: String,
    pub internal_trainers: i64,
    pub external_trainers: i64,
    pub employees_below_standard: i64,
    /// Employees below standard per qualified trainer; null when there is no trainer at all.
    pub trainees_per_trainer: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    pub year: i32,
    pub employees: i64,
    pub trainings_by_status: BTreeMap<String, i64>,
    pub enrolments: i64,
    pub completions: i64,
    pub jp_total: i64,
    pub compliance_rate: Option<f64>,
    pub feedback_responses: i64,
    pub overall_mean: Option<f64>,
    pub partners_active: i64,
}

impl CsvRow for TrainingEvaluation {
    const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] = &[("aspects", &ASPECTS)];
}
impl CsvRow for LearningOutcome {}
impl CsvRow for TrainerEvaluation {}
impl CsvRow for ProgrammeRun {
    const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] = &[("aspects", &ASPECTS)];
}
impl CsvRow for TransferReport {}
impl CsvRow for BelowTarget {}
impl CsvRow for CompetencyGap {}
impl CsvRow for TrainingNeed {}
impl CsvRow for PartnerReport {}
impl CsvRow for TrainerSupply {}
impl CsvRow for Summary {
    const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] =
        &[("trainings_by_status", TrainingStatus::NAMES)];
}

/// The body of a report that lists rows: `{"items": […]}`, a named schema per report.
macro_rules! rows_type {
    ($name:ident = $row:ty) => {
        #[doc = concat!("The rows of the report: `", stringify!($row), "`.")]
        #[derive(Debug, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$row>,
        }

        impl From<Vec<$row>> for $name {
            fn from(items: Vec<$row>) -> Self {
                $name { items }
            }
        }

        impl AsRef<[$row]> for $name {
            fn as_ref(&self) -> &[$row] {
                &self.items
            }
        }
    };
}

rows_type!(TrainingEvaluations = TrainingEvaluation);
rows_type!(LearningOutcomes = LearningOutcome);
rows_type!(TrainerEvaluations = TrainerEvaluation);
rows_type!(TransferReports = TransferReport);
rows_type!(TrainingNeeds = TrainingNeed);
rows_type!(PartnerReports = PartnerReport);
rows_type!(TrainerSupplies = TrainerSupply);

/// One plan item against what was held.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PlanRealizationItem {
    pub item_id: i64,
    pub title: String,
    pub planned_runs: i64,
    /// Its trainings that were held (ongoing or completed; cancelled ones never count).
    pub held_runs: i64,
    /// The item's seats (for a unit scope: the seats planned for those units).
    pub planned_seats: i64,
    /// Seats taken in its held trainings (by the scope's people).
    pub seats_used: i64,
    /// The item's budget, or `unit_cost × seats` when none is given; null when neither is.
    pub budget: Option<i64>,
    /// Σ `cost` of its held trainings.
    pub spent: i64,
    /// Development needs of the plan's year for its competencies still `open` or `planned`.
    pub needs_open: i64,
    /// Development needs of the plan's year met by its trainings.
    pub needs_met: i64,
}

/// The sums over the items.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PlanRealizationTotals {
    pub planned_runs: i64,
    pub held_runs: i64,
    pub planned_seats: i64,
    pub seats_used: i64,
    /// Σ of the items' budgets (null ones count 0).
    pub budget: i64,
    pub spent: i64,
    pub needs_open: i64,
    pub needs_met: i64,
}

/// The year's plan against its realization.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanRealization {
    pub year: i32,
    /// The year's plan; null when there is none (then no items).
    pub plan_id: Option<i64>,
    pub items: Vec<PlanRealizationItem>,
    pub totals: PlanRealizationTotals,
}

impl CsvRow for PlanRealizationItem {}

/// What one speaker taught in the period: the sessions and their JP (each speaker of a session
/// is credited its JP), the basis of their honoraria.
#[derive(Debug, Serialize, Deserialize, ToSchema, diesel::QueryableByName)]
pub struct TrainerHours {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub trainer_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    /// `internal` or `external`.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub sessions: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub jp_taught: i64,
}

impl CsvRow for TrainerHours {}
rows_type!(TrainerHoursReport = TrainerHours);

/// Who a policy reached.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyCoverage {
    pub policy_id: i64,
    pub title: String,
    pub reference: String,
    /// Active employees (in scope) whose position it lists or whose standard holds one of its
    /// competencies.
    pub affected_employees: i64,
    /// Of those, who completed a training linked to it on or after it was issued.
    pub refreshed: i64,
    pub refreshed_share: Option<f64>,
    /// Affected, not refreshed, and `issued_on + refresher_due_days` passed.
    pub overdue: i64,
}

impl CsvRow for PolicyCoverage {}
rows_type!(PolicyCoverages = PolicyCoverage);

/// An internal candidate for the trainer pool.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainerCandidate {
    pub employee_id: i64,
    pub name: String,
    pub unit_id: i64,
    /// Their current level in the competency (4 or 5).
    pub level: i32,
}

/// Where trainers are short, per competency.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainerShortage {
    pub competency_id: i64,
    pub code: String,
    pub name: String,
    pub employees_below_standard: i64,
    /// Active trainers holding an unexpired qualification for the competency.
    pub qualified_trainers: i64,
    /// Σ `max_jp_per_month` of those.
    pub jp_capacity_per_month: i64,
    /// Active employees (in scope) assessed at level 4 or 5 in it who are not trainers yet,
    /// highest level first.
    pub candidates: Vec<TrainerCandidate>,
}

/// A row of the trainer-shortage CSV: the candidates as `name (employee id, level)`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainerShortageRow {
    pub competency_id: i64,
    pub code: String,
    pub name: String,
    pub employees_below_standard: i64,
    pub qualified_trainers: i64,
    pub jp_capacity_per_month: i64,
    pub candidates: Vec<String>,
}

impl CsvRow for TrainerShortageRow {}

/// The trainer-shortage report: `{"items": […]}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainerShortages {
    pub items: Vec<TrainerShortage>,
    /// The same rows for the CSV.
    #[serde(skip)]
    pub rows: Vec<TrainerShortageRow>,
}

impl From<Vec<TrainerShortage>> for TrainerShortages {
    fn from(items: Vec<TrainerShortage>) -> Self {
        let rows = items
            .iter()
            .map(|i| TrainerShortageRow {
                competency_id: i.competency_id,
                code: i.code.clone(),
                name: i.name.clone(),
                employees_below_standard: i.employees_below_standard,
                qualified_trainers: i.qualified_trainers,
                jp_capacity_per_month: i.jp_capacity_per_month,
                candidates: i
                    .candidates
                    .iter()
                    .map(|c| format!("{} ({}, {})", c.name, c.employee_id, c.level))
                    .collect(),
            })
            .collect();
        TrainerShortages { items, rows }
    }
}
