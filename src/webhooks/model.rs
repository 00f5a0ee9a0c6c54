use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::webhooks;
use crate::types::{JsonText, UtcTime, WebhookId};

crate::text_enum! {
    /// What a subscription may listen to.
    pub enum EventKind {
        EnrolmentCreated = "enrolment.created",
        EnrolmentStatusChanged = "enrolment.status_changed",
        TrainingStatusChanged = "training.status_changed",
        CertificateIssued = "certificate.issued",
        ExternalLearningReviewed = "external_learning.reviewed",
        FeedbackRequested = "feedback.requested",
        AgreementExpiring = "agreement.expiring",
        JpBelowTarget = "jp.below_target",
    }
}

crate::text_enum! {
    pub enum DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        /// Still failing 24 h after the event: given up.
        Failed = "failed",
    }
}

/// A subscription: the events POSTed to a URL.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    #[schema(value_type = Vec<EventKind>)]
    pub events: JsonText<Vec<EventKind>>,
    pub active: bool,
    pub version: i64,
}

/// A new subscription, with the secret that signs its requests — shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `X-Kompetensi-Signature`; not shown again.
    pub secret: String,
}

fn distinct_events(events: &[EventKind]) -> Result<(), ValidationError> {
    crate::rules::distinct(events.iter().copied(), "events", "event")
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://portal.pangkalpinangkota.go.id/hooks/kompetensi", "events": ["enrolment.created", "certificate.issued"], "active": true}))]
pub struct WebhookInput {
    /// Where the events go (http or https); requests are never redirected elsewhere.
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$"
    )]
    #[validate(length(min = 8, max = 500), custom(function = "crate::rules::web_url"))]
    pub url: String,
    #[schema(min_items = 1, max_items = 8)]
    #[validate(length(min = 1, max = 8), custom(function = "distinct_events"))]
    pub events: Vec<EventKind>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

crate::patch_schema!(
    WebhookPatch = WebhookInput,
    serde_json::json!({"active": false})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct WebhookFilter {
    pub active: Option<bool>,
}

crate::page_type!(WebhookPage = Webhook);

/// One event's delivery to one subscription.
#[derive(Debug, Clone, Queryable, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// The event's id (`X-Kompetensi-Delivery`): the same on every attempt.
    pub id: i64,
    pub event: EventKind,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The receiver's answer to the last attempt; null before one, or when it gave none.
    pub last_status_code: Option<i32>,
    /// When it is tried next (while pending).
    pub next_attempt_at: UtcTime,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
}

crate::page_type!(DeliveryPage = Delivery);
