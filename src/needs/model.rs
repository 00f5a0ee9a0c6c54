use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::development_needs;
use crate::types::{CompetencyId, DevelopmentNeedId, EmployeeId, TrainingId, UnitId};

crate::text_enum! {
    /// Where a need comes from.
    pub enum NeedSource {
        /// A competency below the position's standard (`POST /development-needs/generate`).
        Gap = "gap",
        /// Proposed by the employee's unit manager (or staff).
        Supervisor = "supervisor",
        /// Proposed by the employee.
        Own = "self",
        /// Opened by a policy change.
        Policy = "policy",
    }
}

crate::text_enum! {
    pub enum NeedStatus {
        Open = "open",
        /// A training is planned for it.
        Planned = "planned",
        /// A completed training met it (set by the server).
        Met = "met",
        Dropped = "dropped",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = development_needs)]
pub struct DevelopmentNeed {
    pub id: DevelopmentNeedId,
    pub employee_id: EmployeeId,
    /// The competency to develop; null for a need stated in words only.
    pub competency_id: Option<CompetencyId>,
    pub title: String,
    pub source: NeedSource,
    /// 1 (most urgent) .. 3.
    pub priority: i32,
    pub year: i32,
    pub status: NeedStatus,
    /// The training that meets (or is planned to meet) it.
    pub training_id: Option<TrainingId>,
    /// The policy that opened it (`source: policy`).
    pub policy_id: Option<i64>,
    pub version: i64,
}

/// A need with the unit of its employee, who decides who may see it; sent as the API object.
#[derive(Debug, Clone, Deserialize)]
pub struct NeedRecord {
    #[serde(flatten)]
    pub need: DevelopmentNeed,
    pub unit_id: UnitId,
}

impl Serialize for NeedRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.need.serialize(s)
    }
}

/// A need as a client proposes it, and the merged result of a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = development_needs, treat_none_as_null = true)]
#[schema(example = json!({"employee_id": 1, "competency_id": 1, "title": "Pelayanan publik: naik ke level 3", "priority": 1, "year": 2027, "status": "open", "training_id": null}))]
pub struct NeedInput {
    #[schema(minimum = 1)]
    #[diesel(skip_update)]
    pub employee_id: EmployeeId,
    #[schema(minimum = 1)]
    pub competency_id: Option<CompetencyId>,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// `supervisor` (unit managers and staff) or `self` (the employee); default by who asks.
    #[serde(default)]
    #[diesel(skip_insertion, skip_update)]
    pub source: Option<NeedSource>,
    #[serde(default = "normal")]
    #[schema(minimum = 1, maximum = 3, default = 2)]
    #[validate(range(min = 1, max = 3))]
    pub priority: i32,
    #[schema(minimum = 1900, maximum = 2999)]
    #[validate(range(min = 1900, max = 2999))]
    pub year: i32,
    /// `open`, `planned` or `dropped` (`met` is set by a completion).
    #[serde(default = "open")]
    #[schema(default = "open")]
    pub status: NeedStatus,
    #[schema(minimum = 1)]
    pub training_id: Option<TrainingId>,
}

fn normal() -> i32 {
    2
}

fn open() -> NeedStatus {
    NeedStatus::Open
}

crate::patch_schema!(
    NeedPatch = NeedInput,
    serde_json::json!({"status": "planned", "training_id": 1})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct NeedFilter {
    pub employee_id: Option<EmployeeId>,
    /// The unit's people and its sub-units'.
    pub unit_id: Option<UnitId>,
    pub competency_id: Option<CompetencyId>,
    pub status: Option<NeedStatus>,
    pub source: Option<NeedSource>,
    #[param(minimum = 1900, maximum = 2999)]
    #[validate(range(min = 1900, max = 2999))]
    pub year: Option<i32>,
}

/// `POST /development-needs/generate`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2027}))]
pub struct Generate {
    #[schema(minimum = 1900, maximum = 2999)]
    #[validate(range(min = 1900, max = 2999))]
    pub year: i32,
}

/// What a generation opened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Generated {
    pub year: i32,
    /// Needs opened now; 0 when run again.
    pub created: i64,
}

crate::page_type!(NeedPage = DevelopmentNeed);
