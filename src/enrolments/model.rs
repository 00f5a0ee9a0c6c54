use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::enrolments;
use crate::trainings::model::Form;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Registered,
    Attended,
    Completed,
    Failed,
    Withdrawn,
    NoShow,
}

impl EnrolmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Registered => "registered",
            EnrolmentStatus::Attended => "attended",
            EnrolmentStatus::Completed => "completed",
            EnrolmentStatus::Failed => "failed",
            EnrolmentStatus::Withdrawn => "withdrawn",
            EnrolmentStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use EnrolmentStatus::*;
        [Registered, Attended, Completed, Failed, Withdrawn, NoShow]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrolments)]
pub struct EnrolmentRow {
    pub id: i64,
    pub training_id: i64,
    pub employee_id: i64,
    pub status: String,
    pub attendance_percent: Option<i32>,
    pub pre_test_score: Option<f64>,
    pub post_test_score: Option<f64>,
    pub certificate_number: Option<String>,
    pub jp_credited: Option<i32>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// One employee's place in one training.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Enrolment {
    pub id: i64,
    pub training_id: i64,
    pub employee_id: i64,
    pub status: EnrolmentStatus,
    pub attendance_percent: Option<i32>,
    pub pre_test_score: Option<f64>,
    pub post_test_score: Option<f64>,
    pub certificate_number: Option<String>,
    /// Lesson hours credited; set to the training's JP on completion unless given.
    pub jp_credited: Option<i32>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<EnrolmentRow> for Enrolment {
    fn from(r: EnrolmentRow) -> Self {
        Enrolment {
            id: r.id,
            training_id: r.training_id,
            employee_id: r.employee_id,
            status: EnrolmentStatus::parse(&r.status).unwrap_or(EnrolmentStatus::Registered),
            attendance_percent: r.attendance_percent,
            pre_test_score: r.pre_test_score,
            post_test_score: r.post_test_score,
            certificate_number: r.certificate_number,
            jp_credited: r.jp_credited,
            completed_at: r.completed_at.map(|t| t.and_utc()),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub employee_id: i64,
}

/// Any subset of the writable fields; `null` clears a nullable one.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentPatch {
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub status: Option<EnrolmentStatus>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0, maximum = 100, nullable)]
    #[validate(range(min = 0, max = 100))]
    pub attendance_percent: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0.0, maximum = 100.0, nullable)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub pre_test_score: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0.0, maximum = 100.0, nullable)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub post_test_score: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 100, nullable)]
    #[validate(length(min = 1, max = 100))]
    pub certificate_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0, maximum = 1000, nullable)]
    #[validate(range(min = 0, max = 1000))]
    pub jp_credited: Option<Option<i32>>,
}

/// One item of a bulk update: the enrolment and the fields to change (as in a PATCH).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub enrolment_id: i64,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub status: Option<EnrolmentStatus>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0, maximum = 100, nullable)]
    #[validate(range(min = 0, max = 100))]
    pub attendance_percent: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0.0, maximum = 100.0, nullable)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub pre_test_score: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0.0, maximum = 100.0, nullable)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub post_test_score: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 100, nullable)]
    #[validate(length(min = 1, max = 100))]
    pub certificate_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0, maximum = 1000, nullable)]
    #[validate(range(min = 0, max = 1000))]
    pub jp_credited: Option<Option<i32>>,
}

impl BulkItem {
    pub fn into_patch(self) -> (i64, EnrolmentPatch) {
        (
            self.enrolment_id,
            EnrolmentPatch {
                status: self.status,
                attendance_percent: self.attendance_percent,
                pre_test_score: self.pre_test_score,
                post_test_score: self.post_test_score,
                certificate_number: self.certificate_number,
                jp_credited: self.jp_credited,
            },
        )
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdate {
    #[schema(min_items = 1, max_items = 1000)]
    #[validate(length(min = 1, max = 1000), nested)]
    pub items: Vec<BulkItem>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    pub items: Vec<Enrolment>,
}

/// The columns an update writes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
pub struct EnrolmentChanges {
    pub status: String,
    pub attendance_percent: Option<i32>,
    pub pre_test_score: Option<f64>,
    pub post_test_score: Option<f64>,
    pub certificate_number: Option<String>,
    pub jp_credited: Option<i32>,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentFilter {
    pub status: Option<EnrolmentStatus>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// The year (a completion counts in the year its training ends); default: this year.
    #[param(minimum = 1900, maximum = 2200)]
    #[validate(range(min = 1900, max = 2200))]
    pub year: Option<i32>,
}

/// One training in an employee's learning record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningItem {
    pub enrolment_id: i64,
    pub training_id: i64,
    pub title: String,
    pub form: Form,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// JP credited for a completion; the training's JP for enrolments not (yet) completed.
    pub jp: i32,
    pub status: EnrolmentStatus,
    pub certificate_number: Option<String>,
}

/// An employee's year of learning against the JP target.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningRecord {
    pub employee_id: i64,
    pub year: i32,
    /// JP credited by completions whose training ended in the year.
    pub jp_total: i64,
    pub jp_target: i32,
    pub compliant: bool,
    pub items: Vec<LearningItem>,
}
