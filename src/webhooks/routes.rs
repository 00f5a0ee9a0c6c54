//! `/webhooks` (admin): subscriptions, the secret shown once at creation, and the deliveries.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{
    DeliveryFilter, DeliveryPage, Webhook, WebhookCreated, WebhookFilter, WebhookInput,
    WebhookPage, WebhookPatch,
};
use super::queries::{self, Webhooks};
use crate::auth::{op, Allowed};
use crate::db::resource::Resource;
use crate::error::{ApiResult, CreateErrors, ReadErrors};
use crate::types::WebhookId;
use crate::web::cache::{list_page, Keeping};
use crate::web::write::Created;
use crate::web::{IdempotencyKey, PageParams, ValidJson, ValidQuery, Write};
use crate::AppState;

crate::resource_routes! {
    Webhooks at "/webhooks", "/webhooks/{id}" tagged "webhooks";
    /// List the webhook subscriptions (admin). Sort by `id`, `url`.
    list list_webhooks: ListWebhooks(WebhookFilter => WebhookPage)
        sorted WebhookSort ["id", "url"];
    /// One subscription (admin); its secret is not shown again.
    get get_webhook: GetWebhook(Webhook);
    /// Change a subscription (admin): its URL, events, or whether it is active. The secret
    /// stays.
    update update_webhook: UpdateWebhook(WebhookInput, WebhookPatch => Webhook);
    /// Delete a subscription with its deliveries (admin).
    delete delete_webhook: DeleteWebhook;
    service create_webhook;
    service list_webhook_deliveries;
}

/// Subscribe a URL to events (admin).
///
/// The answer holds the `secret` that signs every request (`X-Kompetensi-Signature: sha256=`
/// HMAC-SHA256 of the body), shown this once. Events are POSTed only to this URL: redirects
/// are not followed. With an `Idempotency-Key`, a retry gets the first answer (and the same
/// secret).
#[utoipa::path(
    tag = "webhooks",
    params(IdempotencyKey),
    request_body = WebhookInput,
    responses((status = 201, description = "Subscribed", body = WebhookCreated,
               headers(("Location" = String, description = "URL of the subscription"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    w: Write<op::CreateWebhook>,
    ValidJson(body): ValidJson<WebhookInput>,
) -> ApiResult<HttpResponse> {
    w.created(move |tx| {
        let secret = queries::new_secret();
        let webhook = tx.create::<Webhooks>(|tx| queries::create(tx, &body, &secret))?;
        Ok(Created {
            location: format!("/api/v1/webhooks/{}", webhook.id),
            version: webhook.version,
            body: WebhookCreated { webhook, secret },
        })
    })
    .await
}

/// A subscription's deliveries, newest first (admin).
///
/// Each event's delivery: its status (`pending`, `delivered`, or `failed` after 24 h of
/// retries), the attempts made, the receiver's last status code and when it is tried next.
/// Pages of `per_page` (at most 100), with the `Link` header.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "The subscription's id", minimum = 1, example = 1), PageParams, DeliveryFilter),
    responses((status = 200, description = "One page of deliveries", body = DeliveryPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::ListWebhookDeliveries>,
    id: web::Path<WebhookId>,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<DeliveryFilter>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let window = page.window();
    // Computed every time: the delivery worker records attempts outside the write pipeline.
    list_page(
        &req,
        &state,
        caller.caller,
        ("list_webhook_deliveries", Keeping::Computed),
        (&page, String::new()),
        move |c, _| {
            Webhooks::row(c, id)?;
            queries::deliveries(c, id, &filter, window)
        },
    )
    .await
}
