//! The outbox: events written in the transaction of the change that caused them, with a
//! pending delivery for each active subscription to them. The writers of the areas call these
//! functions; what a rolled-back transaction wrote is gone with it, so no event leaves for a
//! change that did not happen.

use diesel::prelude::*;
use serde_json::{json, Value};

use super::model::{DeliveryStatus, EventKind};
use crate::db::schema::{webhook_deliveries, webhook_events, webhooks};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::enrolments::model::EnrolmentStatus;
use crate::types::{EmployeeId, EnrolmentId, JsonText, TrainingId, WebhookId};

/// The active subscriptions that listen to `kind`.
pub fn listeners(conn: &mut AnyConnection, kind: EventKind) -> QueryResult<Vec<WebhookId>> {
    Ok(webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load::<(WebhookId, JsonText<Vec<EventKind>>)>(conn)?
        .into_iter()
        .filter(|(_, events)| events.0.contains(&kind))
        .map(|(id, _)| id)
        .collect())
}

/// Writes the event and its deliveries, if any active subscription listens to it.
pub fn emit(tx: &mut Tx, kind: EventKind, data: Value) -> QueryResult<()> {
    let listening = listeners(tx.conn(), kind)?;
    if listening.is_empty() {
        return Ok(());
    }
    let at = now();
    let event: i64 = crate::insert_returning_id!(
        tx.conn(),
        diesel::insert_into(webhook_events::table).values((
            webhook_events::event.eq(kind),
            webhook_events::occurred_at.eq(at),
            webhook_events::data.eq(data.to_string()),
        )),
        webhook_events::id
    )?;
    for webhook in listening {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::event_id.eq(event),
                webhook_deliveries::status.eq(DeliveryStatus::Pending),
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::created_at.eq(at),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

/// An enrolment's move from one status to another.
pub struct Move<'a> {
    pub enrolment: EnrolmentId,
    pub training: TrainingId,
    pub employee: EmployeeId,
    /// `None` for a new enrolment.
    pub from: Option<EnrolmentStatus>,
    pub to: EnrolmentStatus,
    pub certificate_number: Option<&'a str>,
}

/// `enrolment.created` for a new enrolment, else `enrolment.status_changed`; a new completion
/// also `certificate.issued` and `feedback.requested`.
pub fn enrolment(tx: &mut Tx, m: Move) -> QueryResult<()> {
    let who =
        json!({"enrolment_id": m.enrolment, "training_id": m.training, "employee_id": m.employee});
    match m.from {
        None => {
            let mut created = who.clone();
            created["status"] = json!(m.to);
            return emit(tx, EventKind::EnrolmentCreated, created);
        }
        Some(from) if from == m.to => return Ok(()),
        Some(from) => {
            let mut moved = who.clone();
            moved["from"] = json!(from);
            moved["to"] = json!(m.to);
            emit(tx, EventKind::EnrolmentStatusChanged, moved)?;
        }
    }
    if m.to == EnrolmentStatus::Completed {
        let mut issued = who.clone();
        issued["certificate_number"] = json!(m.certificate_number);
        emit(tx, EventKind::CertificateIssued, issued)?;
        emit(tx, EventKind::FeedbackRequested, who)?;
    }
    Ok(())
}
