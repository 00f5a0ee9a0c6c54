use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::types::UnitId;

/// A unit's share of a training's nominations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct QuotaInput {
    /// The unit; its sub-units' people use its quota unless they have one of their own.
    #[schema(minimum = 1)]
    pub unit_id: UnitId,
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub seats: i32,
}

fn distinct_units(list: &[QuotaInput]) -> Result<(), ValidationError> {
    crate::rules::distinct(list.iter().map(|q| q.unit_id), "distinct", "unit")
}

/// The whole set of a training's quotas, replacing the previous one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(transparent)]
pub struct QuotaSet {
    #[schema(max_items = 500)]
    #[validate(length(max = 500), nested, custom(function = "distinct_units"))]
    pub items: Vec<QuotaInput>,
}

/// A unit's quota and how much of it its nominations use (nominated, waitlisted or holding a
/// seat; rejected and withdrawn ones give it back).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Quota {
    pub unit_id: UnitId,
    pub seats: i32,
    pub used: i64,
}

crate::text_enum! {
    pub enum NominationDecision {
        Approve = "approve",
        Reject = "reject",
    }
}

/// Staff's decision on a nomination (or on a waitlisted enrolment).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "approve", "note": "Sesuai kebutuhan pengembangan unit"}))]
pub struct NominationDecisionInput {
    pub decision: NominationDecision,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub note: Option<String>,
}
