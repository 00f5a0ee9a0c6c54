//! The delivery worker: a thread in each server process that claims due deliveries with a
//! lease, POSTs them signed, and records the outcome (delivered, or the next attempt after a
//! doubling delay, or given up 24 h after the event).

use std::time::Duration;

use chrono::Datelike;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::DeliveryStatus;
use crate::db::{now, AnyConnection, DbPool};

/// Deliveries are retried for this long after their event; then they are `failed`.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// Deliveries claimed at a time.
const BATCH: i64 = 20;
/// A request gets this long for an answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the worker needs of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub retry_base: Duration,
    pub poll: Duration,
    pub lease: Duration,
    /// Days added to today for the scheduled events (a test hook; 0 in service).
    pub clock_offset_days: i64,
}

impl From<&crate::config::Config> for Settings {
    fn from(c: &crate::config::Config) -> Self {
        Settings {
            retry_base: c.webhook_retry_base,
            poll: c.webhook_poll,
            lease: c.webhook_lease,
            clock_offset_days: c.clock_offset_days,
        }
    }
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = Timestamp)]
    occurred_at: chrono::NaiveDateTime,
    #[diesel(sql_type = Text)]
    data: String,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Timestamp)]
    created_at: chrono::NaiveDateTime,
}

/// Starts the worker thread; it runs for the life of the process.
pub fn spawn(pool: DbPool, settings: Settings) {
    let started = std::thread::Builder::new()
        .name("webhooks".into())
        .spawn(move || {
            let mut settled = super::schedule::Settled::default();
            loop {
                match pool.get() {
                    Ok(mut conn) => {
                        let today = crate::types::today()
                            + chrono::Duration::days(settings.clock_offset_days);
                        if let Err(e) = super::schedule::run_due(&mut conn, today, &mut settled) {
                            log::warn!("scheduled webhook events: {e}");
                        }
                        // The worker wakes on a schedule anyway: a new year's JP standing is
                        // kept from its first minutes.
                        if let Err(e) = crate::aggregates::keep_year(&mut conn, today.year()) {
                            log::warn!("keeping this year's JP standing: {e}");
                        }
                        if let Err(e) = run_once(&mut conn, settings) {
                            log::warn!("webhook deliveries: {e}");
                        }
                    }
                    Err(e) => log::warn!("webhook deliveries: no connection: {e}"),
                }
                std::thread::sleep(settings.poll);
            }
        });
    if let Err(e) = started {
        log::error!("the webhook worker did not start: {e}");
    }
}

/// One round: claims the due deliveries (those pending whose time has come and whose lease,
/// if any, ran out) for this worker alone, and attempts each. How many it attempted.
pub fn run_once(conn: &mut AnyConnection, settings: Settings) -> QueryResult<usize> {
    let at = now();
    let lease =
        at + chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::seconds(60));
    let skip_locked = match conn {
        AnyConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    // One statement claims them: PostgreSQL skips the rows another worker is claiming, and
    // SQLite runs it under its write lock.
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN (SELECT id FROM webhook_deliveries \
           WHERE status = '{pending}' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2) \
           ORDER BY next_attempt_at, id LIMIT {BATCH}{skip_locked}) RETURNING id",
        pending = DeliveryStatus::Pending,
    );
    let sql = match conn {
        AnyConnection::Sqlite(_) => sql.replace("$1", "?1").replace("$2", "?2"),
        AnyConnection::Postgresql(_) => sql,
    };
    let claimed: Vec<Claimed> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease)
        .bind::<Timestamp, _>(at)
        .load(conn)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    for c in &claimed {
        attempt(conn, &agent, settings, c.id)?;
    }
    Ok(claimed.len())
}

/// The signature of a body: `sha256=<hex HMAC-SHA256 with the secret>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn attempt(
    conn: &mut AnyConnection,
    agent: &ureq::Agent,
    settings: Settings,
    delivery: i64,
) -> QueryResult<()> {
    let due: Option<Due> = diesel::sql_query(
        "SELECT e.id AS event_id, e.event, e.occurred_at, e.data, w.url, w.secret, d.attempts, d.created_at \
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
         JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
    )
    .bind::<BigInt, _>(delivery)
    .get_result(conn)
    .optional()?;
    let Some(due) = due else {
        return Ok(());
    };
    let data: serde_json::Value = serde_json::from_str(&due.data).unwrap_or_default();
    let body = serde_json::json!({
        "id": due.event_id,
        "event": due.event,
        "occurred_at": crate::types::UtcTime(due.occurred_at.and_utc()),
        "data": data,
    })
    .to_string();
    let answer = agent
        .post(&due.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "kompetensi-webhooks")
        .header("X-Kompetensi-Event", &due.event)
        .header("X-Kompetensi-Delivery", due.event_id.to_string())
        .header(
            "X-Kompetensi-Signature",
            signature(&due.secret, body.as_bytes()),
        )
        .send(body.as_bytes());
    let code: Option<i32> = match &answer {
        Ok(response) => Some(i32::from(response.status().as_u16())),
        Err(e) => {
            log::info!("webhook delivery {delivery} to {}: {e}", due.url);
            None
        }
    };
    let attempts = due.attempts + 1;
    let at = now();
    let delivered = code.is_some_and(|c| (200..300).contains(&c));
    // base, 2 × base, 4 × base … after the 1st, 2nd, 3rd failure.
    let delay = settings
        .retry_base
        .saturating_mul(2u32.saturating_pow(u32::try_from(attempts - 1).unwrap_or(0)));
    let next = at + chrono::Duration::from_std(delay).unwrap_or(GIVE_UP_AFTER);
    let status = match (delivered, next > due.created_at + GIVE_UP_AFTER) {
        (true, _) => DeliveryStatus::Delivered,
        (false, true) => DeliveryStatus::Failed,
        (false, false) => DeliveryStatus::Pending,
    };
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = $1, attempts = $2, last_status_code = $3, \
           next_attempt_at = $4, lease_until = NULL, delivered_at = $5 WHERE id = $6",
    )
    .bind::<Text, _>(status.as_str())
    .bind::<Integer, _>(attempts)
    .bind::<Nullable<Integer>, _>(code)
    .bind::<Timestamp, _>(if delivered { at } else { next })
    .bind::<Nullable<Timestamp>, _>(delivered.then_some(at))
    .bind::<BigInt, _>(delivery)
    .execute(conn)?;
    Ok(())
}
