//! The report answers kept in memory (`web::cache`), and what each report reads, by kind of
//! entity (the `READS` of each report in `routes`): an answer is keyed on the data versions of
//! these kinds only, so writes of anything else leave it in place.
//!
//! | group | kinds | read by |
//! |---|---|---|
//! | [`PEOPLE`] | units, employees, positions and standards, competencies, assessments, exemptions, settings, the aggregates' rebuild | every report (scopes are units of people) |
//! | [`DELIVERY`] | trainings, enrolments, sessions, partners, trainers, external learning, programmes | all but competency-gaps |
//! | [`EVALUATION`] | feedback, improvement actions, action plans | training- and trainer-evaluation, programme-trends, transfer, partners, summary |
//! | [`PLANNING`] | plans and items, development needs, policies | training-needs, plan-realization, policy-coverage |
//!
//! Users, API clients, webhooks and SIASN sync marks are read by no report: sign-ins and their
//! audit rows invalidate nothing.

use prometheus::Registry;

use crate::audit::Entity::*;
use crate::db::versions::Kinds;
use crate::web::cache::{AnswerCache, Body};

pub const PEOPLE: Kinds = Kinds::of(&[
    Unit, Employee, Position, Competency, Assessment, Exemption, Settings, Aggregate,
]);
pub const DELIVERY: Kinds = Kinds::of(&[
    Training,
    Enrolment,
    Session,
    Partner,
    Trainer,
    ExternalLearning,
    Programme,
]);
pub const EVALUATION: Kinds = Kinds::of(&[Feedback, ImprovementAction, ActionPlan]);
pub const PLANNING: Kinds = Kinds::of(&[Plan, PlanItem, DevelopmentNeed, Policy]);

/// The bytes of report answers kept at most: more than the largest answer of a province-sized
/// city (moka never keeps an entry heavier than the whole cache). At 200k employees the
/// training evaluation is 25.6 MB (32 MB weighed with its gzip copy), and under the former
/// 8 MiB it was never kept: every request computed it again, 116 req/s under c32 with the
/// process peaking at 239.5 MiB. It is a ceiling, not a reservation: at 20k every answer the
/// bench asks for weighs about 7 MB together.
const CAPACITY: u64 = 64 << 20;

/// The kept report answers (JSON or CSV bytes).
pub type ReportCache = AnswerCache<Body>;

/// Counts computations in `kompetensi_report_computations_total{report}`.
pub fn new(registry: &Registry) -> Result<ReportCache, String> {
    AnswerCache::new(
        registry,
        CAPACITY,
        (
            "kompetensi_report_computations_total",
            "Report answers computed rather than served from the cache",
            "report",
        ),
    )
}
