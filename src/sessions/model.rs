use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::training_sessions;
use crate::types::{EnrolmentId, JsonText, SessionId, TrainerId, TrainingId, UtcTime};

/// One session of a training.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = training_sessions)]
pub struct Session {
    pub id: SessionId,
    pub training_id: TrainingId,
    pub title: String,
    pub starts_at: UtcTime,
    pub ends_at: UtcTime,
    /// Lesson hours of the session.
    pub jp: i32,
    pub location: Option<String>,
    /// The speakers; each is credited the session's JP.
    #[schema(value_type = Vec<i64>)]
    pub trainer_ids: JsonText<Vec<TrainerId>>,
    pub version: i64,
}

fn times(s: &SessionInput) -> Result<(), ValidationError> {
    if s.ends_at <= s.starts_at {
        return Err(ValidationError::new("ends_at").with_message("must be after starts_at".into()));
    }
    Ok(())
}

/// A session as written by a client (create), and the merged result of a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "times", skip_on_field_errors = false))]
#[schema(example = json!({"title": "Standar Pelayanan dan Maklumat", "starts_at": "2027-03-01T01:00:00Z", "ends_at": "2027-03-01T04:00:00Z", "jp": 4, "trainer_ids": [1], "location": "Aula BKPSDM"}))]
pub struct SessionInput {
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// Within the training's days (RFC 3339).
    #[validate(custom(function = "crate::types::time_in_range"))]
    pub starts_at: UtcTime,
    /// After `starts_at`, within the training's days.
    #[validate(custom(function = "crate::types::time_in_range"))]
    pub ends_at: UtcTime,
    /// The sessions of a training hold at most its JP in all.
    #[schema(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100))]
    pub jp: i32,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub location: Option<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub trainer_ids: Vec<TrainerId>,
}

crate::patch_schema!(
    SessionPatch = SessionInput,
    serde_json::json!({"location": "Ruang Rapat Setda"})
);

/// Whether one participant was present at a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate, Queryable)]
#[serde(deny_unknown_fields)]
pub struct Presence {
    #[schema(minimum = 1)]
    pub enrolment_id: EnrolmentId,
    pub present: bool,
}

fn distinct_enrolments(list: &[Presence]) -> Result<(), ValidationError> {
    crate::rules::distinct(list.iter().map(|p| p.enrolment_id), "distinct", "enrolment")
}

/// The attendance of a session, replacing what was recorded for the enrolments listed.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(transparent)]
pub struct AttendanceSet {
    #[schema(max_items = 5000)]
    #[validate(length(max = 5000), nested, custom(function = "distinct_enrolments"))]
    pub items: Vec<Presence>,
}
