use chrono::{NaiveDate, Utc};
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
}

fn not_in_future(date: &NaiveDate) -> Result<(), ValidationError> {
    if *date <= Utc::now().date_naive() {
        Ok(())
    } else {
        Err(ValidationError::new("assessed_on").with_message("must not be in the future".into()))
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"competency_id": 1, "level": 3, "assessed_on": "2026-06-15", "method": "supervisor", "assessor": "Kepala Bagian Umum", "notes": "Konsisten menjaga integritas dalam pelayanan."}))]
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

crate::text_enum! {
    pub enum JpmBand {
        Optimal = "optimal",
        CukupOptimal = "cukup_optimal",
        KurangOptimal = "kurang_optimal",
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

/// One competency of the position's standard against the employee's latest level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProfileItem {
    pub competency_id: CompetencyId,
    pub code: String,
    pub name: String,
    pub required_level: i32,
    /// The latest assessed level; null when never assessed.
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
    /// Job-Person Match: 100 × Σ min(current, required) / Σ required (unassessed counts 0);
    /// null without a standard.
    pub jpm: Option<f64>,
    pub jpm_band: Option<JpmBand>,
}

crate::page_type!(AssessmentPage = Assessment);
