use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::assessments;
use crate::types::{AssessmentId, CompetencyId, EmployeeId, PositionId, UtcTime};

crate::text_enum! {
    pub enum Method {
        AssessmentCenter = "assessment_center",
        Supervisor = "supervisor",
        SelfAssessment = "self",
        Test = "test",
        Training = "training",
    }
}

/// One assessed level.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = assessments)]
pub struct Assessment {
    pub id: AssessmentId,
    pub competency_id: CompetencyId,
    pub level: i32,
    pub assessed_on: NaiveDate,
    pub method: Method,
    pub assessor: Option<String>,
    pub notes: Option<String>,
    pub created_at: UtcTime,
    pub version: i64,
}

/// An assessment with the employee it belongs to: the resource's row, so a write through
/// `/employees/{id}/assessments/{assessment_id}` can tell another employee's assessment (404).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = assessments)]
pub struct AssessmentRecord {
    pub employee_id: EmployeeId,
    #[diesel(embed)]
    #[serde(flatten)]
    pub assessment: Assessment,
}

/// The record reads as its assessment (`record.version`, `record.id`, …).
impl std::ops::Deref for AssessmentRecord {
    type Target = Assessment;
    fn deref(&self) -> &Assessment {
        &self.assessment
    }
}

fn not_in_future(date: &NaiveDate) -> Result<(), ValidationError> {
    if *date <= crate::types::today() {
        Ok(())
    } else {
        Err(ValidationError::new("assessed_on").with_message("must not be in the future".into()))
    }
}

/// An assessment as recorded, and the merged result of a correction (PATCH).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = assessments, treat_none_as_null = true)]
#[schema(example = json!({"competency_id": 1, "level": 3, "assessed_on": "2026-06-15", "method": "assessment_center", "assessor": "UPT Penilaian Kompetensi BKPSDM", "notes": "Konsisten menjaga integritas dalam pelayanan."}))]
pub struct AssessmentInput {
    #[schema(minimum = 1)]
    pub competency_id: CompetencyId,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub level: i32,
    /// The day of the assessment; not in the future.
    #[validate(custom(function = "not_in_future"))]
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub assessed_on: NaiveDate,
    pub method: Method,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub assessor: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub notes: Option<String>,
}

crate::patch_schema!(
    AssessmentPatch = AssessmentInput,
    serde_json::json!({"notes": "Dikoreksi: hasil uji kompetensi ulang."})
);

crate::text_enum! {
    pub enum JpmBand {
        Optimal = "optimal",
        CukupOptimal = "cukup_optimal",
        KurangOptimal = "kurang_optimal",
        /// No competency of the standard assessed by a JPM method.
        Unassessed = "unassessed",
    }
}

impl JpmBand {
    /// The band of a JPM value under the configured minimums.
    pub fn of(jpm: f64, optimal_min: i32, cukup_min: i32) -> Self {
        if jpm >= f64::from(optimal_min) {
            JpmBand::Optimal
        } else if jpm >= f64::from(cukup_min) {
            JpmBand::CukupOptimal
        } else {
            JpmBand::KurangOptimal
        }
    }
}

/// One competency of the position's standard against the employee's current level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProfileItem {
    pub competency_id: CompetencyId,
    pub code: String,
    pub name: String,
    pub required_level: i32,
    /// The latest level assessed by a method of the setting `jpm_methods`; null when none.
    pub current_level: Option<i32>,
    pub assessed_on: Option<NaiveDate>,
    /// `required_level - current_level`; negative when above the standard, null when unassessed.
    pub gap: Option<i32>,
}

/// An employee's competencies against the standard of their position.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompetencyProfile {
    pub employee_id: EmployeeId,
    pub position_id: Option<PositionId>,
    pub items: Vec<ProfileItem>,
    /// Job-Person Match: 100 × Σ min(current, required) / Σ required over the assessed items;
    /// null without a standard or without an assessed item.
    pub jpm: Option<f64>,
    /// `unassessed` when no item is assessed; null without a standard.
    pub jpm_band: Option<JpmBand>,
    /// Assessed items / items of the standard; null without a standard.
    pub coverage: Option<f64>,
    /// The latest assessment per competency and method by the methods outside `jpm_methods`
    /// (supervisor, self, …): shown, but not counted in the levels, gaps and JPM.
    pub other_assessments: Vec<OtherAssessment>,
}

/// The latest assessment of a competency by a method that does not set the current level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OtherAssessment {
    pub competency_id: CompetencyId,
    pub code: String,
    pub name: String,
    pub method: Method,
    pub level: i32,
    pub assessed_on: NaiveDate,
}

crate::page_type!(AssessmentPage = Assessment);
