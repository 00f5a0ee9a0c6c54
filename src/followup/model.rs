use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::schema::action_plans;
use crate::types::{EnrolmentId, JsonText, UtcTime};

crate::text_enum! {
    /// How far an item of the plan was carried out, as the reviewer saw it.
    pub enum ItemStatus {
        Implemented = "implemented",
        Partly = "partly",
        NotImplemented = "not_implemented",
    }
}

/// One thing the participant means to apply at work.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PlanItemInput {
    #[schema(min_length = 1, max_length = 1000)]
    #[validate(length(min = 1, max = 1000))]
    pub description: String,
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub due_on: NaiveDate,
}

/// The plan as the participant (or staff) writes it; it replaces an earlier one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"description": "Menerapkan SOP pengaduan baru di loket pelayanan.", "due_on": "2027-03-31"}, {"description": "Melatih dua rekan kerja tentang maklumat layanan.", "due_on": "2027-04-30"}]}))]
pub struct ActionPlanInput {
    #[schema(min_items = 1, max_items = 10)]
    #[validate(length(min = 1, max = 10), nested)]
    pub items: Vec<PlanItemInput>,
}

/// An item of a plan; `index` (from 0) is how a review names it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanItem {
    pub index: i32,
    pub description: String,
    pub due_on: NaiveDate,
    /// Set by the review.
    pub status: Option<ItemStatus>,
}

/// The reviewer's verdict on one item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    /// The item's `index` in the plan.
    #[schema(minimum = 0, maximum = 9)]
    #[validate(range(min = 0, max = 9))]
    pub index: i32,
    pub status: ItemStatus,
}

/// The review of a plan: every item once, and the behaviour change seen (1..5).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"index": 0, "status": "implemented"}, {"index": 1, "status": "partly"}], "behaviour_change": 4, "note": "SOP sudah berjalan; pelatihan rekan baru satu orang."}))]
pub struct ReviewInput {
    #[schema(min_items = 1, max_items = 10)]
    #[validate(length(min = 1, max = 10), nested)]
    pub items: Vec<ReviewItem>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub behaviour_change: i32,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub note: Option<String>,
}

/// The review, once given.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanReview {
    pub behaviour_change: i32,
    pub note: Option<String>,
    /// The user who reviewed.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = action_plans)]
pub struct ActionPlanRow {
    pub enrolment_id: EnrolmentId,
    pub items: JsonText<Vec<PlanItem>>,
    pub submitted_at: UtcTime,
    pub reviewed_at: Option<UtcTime>,
    pub reviewed_by: Option<i64>,
    pub behaviour_change: Option<i32>,
    pub review_note: Option<String>,
    pub version: i64,
}

/// A participant's action plan after a completed training.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActionPlan {
    pub enrolment_id: EnrolmentId,
    pub items: Vec<PlanItem>,
    pub submitted_at: UtcTime,
    /// Null until reviewed; a reviewed plan no longer changes.
    pub review: Option<PlanReview>,
    pub version: i64,
}

impl From<ActionPlanRow> for ActionPlan {
    fn from(r: ActionPlanRow) -> Self {
        let review = match (r.reviewed_at, r.behaviour_change) {
            (Some(at), Some(change)) => Some(PlanReview {
                behaviour_change: change,
                note: r.review_note,
                reviewed_by: r.reviewed_by,
                reviewed_at: at,
            }),
            _ => None,
        };
        ActionPlan {
            enrolment_id: r.enrolment_id,
            items: r.items.0,
            submitted_at: r.submitted_at,
            review,
            version: r.version,
        }
    }
}
