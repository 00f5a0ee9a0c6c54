//! Scheduled events: `agreement.expiring` once a day for each partner agreement ending within
//! 90 days, `jp.below_target` once a month with the year's PNS below their JP target. With
//! several instances each period is emitted once: the instance whose transaction records the
//! period (`webhook_schedule`, a primary key) emits it, in that transaction; the others find it
//! taken. Nothing is claimed while no active subscription listens, so a subscription made
//! during the day still gets that day's events.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::json;

use super::model::EventKind;
use crate::audit::{Action, Entity};
use crate::db::schema::partners;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};

/// The periods this process has settled (emitted, or found taken), so it asks once a period.
#[derive(Debug, Default)]
pub struct Settled(HashMap<EventKind, String>);

/// The scheduled events and their periods on `today`.
fn periods(today: NaiveDate) -> [(EventKind, String); 2] {
    [
        (EventKind::AgreementExpiring, today.to_string()),
        (
            EventKind::JpBelowTarget,
            format!("{}-{:02}", today.year(), today.month()),
        ),
    ]
}

/// Emits the scheduled events whose period has come and that no instance emitted yet.
pub fn run_due(conn: &mut AnyConnection, today: NaiveDate, settled: &mut Settled) -> ApiResult<()> {
    for (kind, period) in periods(today) {
        if settled.0.get(&kind) == Some(&period) || super::outbox::listeners(conn, kind)?.is_empty()
        {
            continue;
        }
        let meta = crate::web::RequestMeta {
            request_id: None,
            ip: None,
        };
        let outcome = crate::db::write::run(conn, crate::auth::Actor::SYSTEM, &meta, |tx| {
            if !claim(tx, kind, &period)? {
                // Another instance has it: nothing to write, nothing to audit.
                return Err(ApiError::Conflict {
                    code: "period_taken",
                    detail: String::new(),
                });
            }
            match kind {
                EventKind::AgreementExpiring => expiring(tx, today)?,
                _ => below_target(tx, today)?,
            }
            tx.record(Action::Export, Entity::Webhook, None)
        });
        match outcome {
            Ok(())
            | Err(ApiError::Conflict {
                code: "period_taken",
                ..
            }) => {
                settled.0.insert(kind, period);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Records the period for this transaction; `false` when another instance recorded it.
fn claim(tx: &mut Tx, kind: EventKind, period: &str) -> QueryResult<bool> {
    let sql = match tx.conn() {
        AnyConnection::Sqlite(_) => {
            "INSERT INTO webhook_schedule (event, period) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
        }
        AnyConnection::Postgresql(_) => {
            "INSERT INTO webhook_schedule (event, period) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        }
    };
    let n = diesel::sql_query(sql)
        .bind::<Text, _>(kind.as_str())
        .bind::<Text, _>(period)
        .execute(tx.conn())?;
    Ok(n == 1)
}

/// One `agreement.expiring` per active partner whose agreement is expiring on `today`.
fn expiring(tx: &mut Tx, today: NaiveDate) -> ApiResult<()> {
    let list: Vec<(i64, String, Option<NaiveDate>)> = partners::table
        .filter(partners::active.eq(true))
        .filter(partners::agreement_end.ge(today))
        .order(partners::id)
        .select((partners::id, partners::name, partners::agreement_end))
        .load(tx.conn())?;
    for (id, name, end) in list {
        let expiring = crate::reports::routes::agreement_status(end, today)
            == crate::reports::model::AgreementStatus::Expiring;
        if let (true, Some(end)) = (expiring, end) {
            super::outbox::emit(
                tx,
                EventKind::AgreementExpiring,
                json!({"partner_id": id, "name": name, "agreement_end": end,
                       "days_left": (end - today).num_days(), "as_of": today}),
            )?;
        }
    }
    Ok(())
}

/// The month's `jp.below_target`: the year's PNS below their effective JP target so far.
fn below_target(tx: &mut Tx, today: NaiveDate) -> ApiResult<()> {
    let report = crate::reports::compliance::report(
        tx.conn(),
        &crate::reports::queries::Scope::default(),
        today.year(),
    )?;
    let employees: Vec<serde_json::Value> = report
        .below_target
        .iter()
        .map(|b| json!({"employee_id": b.employee_id, "unit_id": b.unit_id, "jp_total": b.jp_total, "jp_target_effective": b.jp_target_effective}))
        .collect();
    super::outbox::emit(
        tx,
        EventKind::JpBelowTarget,
        json!({"year": today.year(), "as_of": today, "below_target": employees.len(), "employees": employees}),
    )?;
    Ok(())
}
