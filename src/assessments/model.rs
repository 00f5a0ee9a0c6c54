use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::assessments;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    AssessmentCenter,
    Supervisor,
    #[serde(rename = "self")]
    SelfAssessment,
    Test,
    Training,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AssessmentCenter => "assessment_center",
            Method::Supervisor => "supervisor",
            Method::SelfAssessment => "self",
            Method::Test => "test",
            Method::Training => "training",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AssessmentCenter,
            Self::Supervisor,
            Self::SelfAssessment,
            Self::Test,
            Self::Training,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: i64,
    pub employee_id: i64,
    pub competency_id: i64,
    pub level: i32,
    pub assessed_on: NaiveDate,
    pub method: String,
    pub assessor: Option<String>,
    pub notes: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// One assessed level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    pub id: i64,
    pub competency_id: i64,
    pub level: i32,
    pub assessed_on: NaiveDate,
    pub method: Method,
    pub assessor: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<AssessmentRow> for Assessment {
    fn from(r: AssessmentRow) -> Self {
        Assessment {
            id: r.id,
            competency_id: r.competency_id,
            level: r.level,
            assessed_on: r.assessed_on,
            method: Method::parse(&r.method).unwrap_or(Method::Test),
            assessor: r.assessor,
            notes: r.notes,
            created_at: r.created_at.and_utc(),
        }
    }
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
pub struct AssessmentInput {
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub competency_id: i64,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub level: i32,
    /// The day of the assessment; not in the future.
    #[validate(custom(function = "not_in_future"))]
    pub assessed_on: NaiveDate,
    pub method: Method,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub assessor: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub notes: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JpmBand {
    Optimal,
    CukupOptimal,
    KurangOptimal,
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
    pub competency_id: i64,
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
    pub employee_id: i64,
    pub position_id: Option<i64>,
    pub items: Vec<ProfileItem>,
    /// Job-Person Match: 100 × Σ min(current, required) / Σ required (unassessed counts 0);
    /// null without a standard.
    pub jpm: Option<f64>,
    pub jpm_band: Option<JpmBand>,
}
