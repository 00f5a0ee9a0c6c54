//! Webhooks' SQL: the subscription resource, its writers and the list of its deliveries.

use diesel::prelude::*;

use super::model::{Delivery, DeliveryFilter, Webhook, WebhookFilter, WebhookInput};
use crate::db::schema::{webhook_deliveries, webhook_events, webhooks};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::ApiResult;
use crate::types::{JsonText, WebhookId};

crate::simple_resource!(Webhooks, Webhook, webhooks, WebhookId, Webhook);

fn filtered(f: &WebhookFilter) -> webhooks::BoxedQuery<'static, Backend> {
    let mut q = webhooks::table.into_boxed();
    crate::eq_filters!(q, f; active => webhooks::active);
    q
}

crate::simple_list!(WebhookFilter => Webhook, webhooks, filtered, {
    "url" => webhooks::url,
});

/// A new secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new subscription with its secret.
pub fn create(tx: &mut Tx, w: &WebhookInput, secret: &str) -> ApiResult<WebhookId> {
    Ok(crate::insert_new!(
        tx,
        webhooks,
        (
            webhooks::url.eq(&w.url),
            webhooks::events.eq(JsonText::to_text(&w.events)),
            webhooks::active.eq(w.active),
            webhooks::secret.eq(secret)
        )
    )?)
}

/// Changes where and what it sends; deliveries already made keep going to the URL they were
/// made for only until the next attempt, which goes to the new one.
pub fn update(tx: &mut Tx, current: &Webhook, w: &WebhookInput) -> ApiResult<()> {
    diesel::update(webhooks::table.find(current.id))
        .set((
            webhooks::url.eq(&w.url),
            webhooks::events.eq(JsonText::to_text(&w.events)),
            webhooks::active.eq(w.active),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// A subscription goes with its deliveries.
pub fn delete(tx: &mut Tx, current: &Webhook) -> ApiResult<()> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(current.id)))
        .execute(tx.conn())?;
    diesel::delete(webhooks::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}

/// One page of a subscription's deliveries, newest first: (total, page).
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook: WebhookId,
    f: &DeliveryFilter,
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Delivery>)> {
    let query = || {
        let mut q = webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .into_boxed();
        if let Some(s) = f.status {
            q = q.filter(webhook_deliveries::status.eq(s));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order(webhook_deliveries::id.desc())
        .offset(window.0)
        .limit(window.1)
        .select((
            webhook_events::id,
            webhook_events::event,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::last_status_code,
            webhook_deliveries::next_attempt_at,
        ))
        .load::<Delivery>(conn)?;
    Ok((total, rows))
}
