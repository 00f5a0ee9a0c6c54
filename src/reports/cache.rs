//! Reports answered from memory while nothing they read has changed.
//!
//! An answer is kept under (report, JSON or CSV, what the caller may see, the filter, today, and
//! the data versions of the kinds of entity the report reads). Every committed write moves the
//! versions of the kinds it recorded (`db::versions`), so the next request after a write that
//! touches what a report reads has a new key and computes afresh; a write of anything else leaves
//! the report's answers in place. Each request reads the versions (one statement) before looking,
//! so no answer is served after the write that made it stale has been acknowledged, on any
//! instance. Concurrent requests for one key wait for one computation. `Cache-Control: no-cache`
//! computes afresh (and keeps that answer).
//!
//! What each report reads, by kind of entity (the `READS` of each report in `routes`):
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

use std::future::Future;
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::NaiveDate;
use moka::future::Cache;
use prometheus::{IntCounterVec, Registry};

use crate::audit::Entity::*;
use crate::auth::{ActorKind, Caller, Role};
use crate::db::versions::{Kinds, Versions};
use crate::error::ApiResult;
use crate::types::{EmployeeId, UnitId};

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

/// How long an answer is kept at most: the bound on staleness from changes the versions do not
/// see (made beside the service, or lost with a killed process between commit and version).
pub const TTL: Duration = Duration::from_secs(60);

/// The bytes of answers kept at most.
const CAPACITY: u64 = 8 << 20;

/// What decides which rows a caller's report covers (`Caller::reach`, drafts): callers alike in
/// these share answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Viewer {
    kind: ActorKind,
    role: Option<Role>,
    unit: Option<UnitId>,
    employee: Option<EmployeeId>,
}

/// One answer's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    report: &'static str,
    csv: bool,
    viewer: Viewer,
    filter: String,
    today: NaiveDate,
    versions: Versions,
}

impl Key {
    /// `filter` is the request's filter as text (its `Debug`), `year` the year it resolved to.
    pub fn new(
        report: &'static str,
        csv: bool,
        caller: &Caller,
        filter: String,
        reads: Kinds,
        versions: &Versions,
    ) -> Key {
        Key {
            report,
            csv,
            viewer: Viewer {
                kind: caller.kind,
                role: caller.role,
                unit: caller.unit_id,
                employee: caller.employee_id,
            },
            filter,
            today: chrono::Utc::now().date_naive(),
            versions: versions.of(reads),
        }
    }
}

/// The kept answers, shared by every worker.
pub struct ReportCache {
    answers: Cache<Key, Bytes>,
    /// `kompetensi_report_computations_total{report}`: answers computed (not served from memory).
    computations: IntCounterVec,
}

impl ReportCache {
    pub fn new(registry: &Registry) -> Result<Self, String> {
        let computations = crate::health::counter(
            registry,
            "kompetensi_report_computations_total",
            "Report answers computed rather than served from the cache",
            &["report"],
        )?;
        Ok(ReportCache {
            answers: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, v: &Bytes| u32::try_from(v.len()).unwrap_or(u32::MAX))
                .time_to_live(TTL)
                .build(),
            computations,
        })
    }

    /// The answer under `key`: kept, or computed by `compute` once for all who ask meanwhile
    /// (and always computed when `fresh`). Errors are not kept.
    pub async fn answer(
        &self,
        key: Key,
        fresh: bool,
        compute: impl Future<Output = ApiResult<Bytes>>,
    ) -> ApiResult<Bytes> {
        let report = key.report;
        let counted = async {
            self.computations.with_label_values(&[report]).inc();
            compute.await
        };
        if fresh {
            let bytes = counted.await?;
            self.answers.insert(key, bytes.clone()).await;
            return Ok(bytes);
        }
        self.answers
            .try_get_with(key, counted)
            .await
            .map_err(|e| (*e).clone())
    }
}
