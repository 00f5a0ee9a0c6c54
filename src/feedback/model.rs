use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::schema::{feedback, feedback_trainer_ratings};
use crate::types::{TrainerId, TrainingId, UnitId};

crate::text_enum! {
    /// How a response reached the service: submitted by the participant, or typed in by staff
    /// from a paper form.
    pub enum Channel {
        Online = "online",
        Paper = "paper",
    }
}

/// One speaker's rating (narasumber), 1..5.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TrainerRating {
    /// One of the training's trainers.
    #[schema(minimum = 1)]
    pub trainer_id: TrainerId,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub rating: i32,
}

/// The rated aspects, in report order.
pub const ASPECTS: [&str; 6] = [
    "material",
    "method",
    "trainer",
    "facilities",
    "relevance",
    "organisation",
];

/// Likert 1..5 per aspect; any may be omitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub material: Option<i32>,
    /// The teaching method.
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub method: Option<i32>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub trainer: Option<i32>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub facilities: Option<i32>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub relevance: Option<i32>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub organisation: Option<i32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ratings": {"material": 4, "method": 3, "trainer": 5, "facilities": 4, "relevance": 5, "organisation": 4}, "overall": 4, "recommend": 9, "comment": "Materi relevan dengan tugas; sesi praktik bisa ditambah."}))]
pub struct FeedbackInput {
    #[serde(default)]
    #[validate(nested)]
    pub ratings: Ratings,
    /// Overall satisfaction, 1..5.
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub overall: i32,
    /// How likely to recommend the training, 0..10 (NPS).
    #[schema(minimum = 0, maximum = 10)]
    #[validate(range(min = 0, max = 10))]
    pub recommend: i32,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub comment: Option<String>,
    /// A rating per speaker of the training, each at most once.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    pub trainer_ratings: Vec<TrainerRating>,
}

/// Paper forms typed in by staff, all or none.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"responses": [{"ratings": {"material": 4, "method": 2, "trainer": 4}, "overall": 3, "recommend": 6, "comment": "Metode ceramah terlalu panjang."}]}))]
pub struct PaperFeedback {
    /// At most the training's eligible participants who have not answered yet.
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500), nested)]
    pub responses: Vec<FeedbackInput>,
}

/// A stored response, as read and as (re)written.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback)]
pub struct FeedbackRow {
    pub id: i64,
    pub training_id: TrainingId,
    pub unit_id: Option<UnitId>,
    pub material: Option<i32>,
    pub method: Option<i32>,
    pub trainer: Option<i32>,
    pub facilities: Option<i32>,
    pub relevance: Option<i32>,
    pub organisation: Option<i32>,
    pub overall: i32,
    pub recommend: i32,
    pub comment: Option<String>,
    pub submitted_on: NaiveDate,
    pub channel: Channel,
}

/// A speaker's rating as stored: the training, the respondent's OPD, never the response.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback_trainer_ratings)]
pub struct SpeakerRatingRow {
    pub id: i64,
    pub training_id: TrainingId,
    pub trainer_id: TrainerId,
    pub unit_id: Option<UnitId>,
    pub rating: i32,
}

/// One anonymous response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackResponse {
    pub id: i64,
    pub ratings: Ratings,
    pub overall: i32,
    pub recommend: i32,
    pub comment: Option<String>,
    /// The day of submission (the time of day is not kept): its first instant in Pangkalpinang
    /// (WIB, UTC+7), so 17:00 UTC the day before.
    pub submitted_at: DateTime<Utc>,
    pub channel: Channel,
}

impl From<FeedbackRow> for FeedbackResponse {
    fn from(r: FeedbackRow) -> Self {
        FeedbackResponse {
            id: r.id,
            ratings: Ratings {
                material: r.material,
                method: r.method,
                trainer: r.trainer,
                facilities: r.facilities,
                relevance: r.relevance,
                organisation: r.organisation,
            },
            overall: r.overall,
            recommend: r.recommend,
            comment: r.comment,
            submitted_at: crate::types::day_start(r.submitted_on).and_utc(),
            channel: r.channel,
        }
    }
}

/// A training's responses; empty and `suppressed` while fewer than `min_group_size` exist.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackList {
    pub items: Vec<FeedbackResponse>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub suppressed: bool,
}
