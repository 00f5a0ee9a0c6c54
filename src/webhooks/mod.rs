//! Webhooks (API.md "Webhooks"): admin-managed subscriptions, a transactional outbox and a
//! delivery worker.
//!
//! - `outbox::emit` writes an event, and a pending delivery for each active subscription to
//!   it, in the transaction of the change that caused it: a rolled-back write emits nothing.
//! - `worker` runs in every server process: it claims due deliveries with a lease (one
//!   statement; `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock), so each is
//!   attempted by one process at a time; POSTs them signed (`X-Kompetensi-Signature: sha256=`
//!   HMAC of the body with the subscription's secret), with a 10 s timeout and no redirects, to
//!   the URL the admin registered and nowhere else; and retries a failure after
//!   `KOMPETENSI_WEBHOOK_RETRY_BASE_MS`, doubling, for 24 h. Deliveries are rows, so what is
//!   pending survives a restart; a lease left by a killed process runs out and another takes it.
//! - `schedule` emits the daily and monthly events once per period across instances.

pub mod model;
pub mod outbox;
pub mod queries;
pub mod routes;
pub mod schedule;
pub mod worker;
