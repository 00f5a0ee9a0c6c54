use diesel::prelude::*;

use super::model::{Action, AuditFilter, AuditRow, NewAuditRow, Outcome};
use crate::auth::Actor;
use crate::db::schema::audit_log;
use crate::db::{now, AnyConnection, Backend};
use crate::web::RequestMeta;

/// Appends one audit row. Call it inside the transaction of the change it records.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut AnyConnection,
    actor: Actor,
    meta: &RequestMeta,
    action: Action,
    entity: &str,
    entity_id: Option<i64>,
    outcome: Outcome,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow {
            at: now(),
            actor_kind: actor.kind.as_str(),
            actor_id: actor.id,
            action: action.as_str(),
            entity,
            entity_id,
            request_id: meta.request_id.as_deref(),
            ip: meta.ip.as_deref(),
            outcome: outcome.as_str(),
            detail: None,
        })
        .execute(conn)?;
    Ok(())
}

fn filtered(f: &AuditFilter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(entity) = &f.entity {
        q = q.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id));
    }
    if let Some(id) = f.actor_id {
        q = q.filter(audit_log::actor_id.eq(id));
    }
    if let Some(action) = f.action {
        q = q.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(outcome) = f.outcome {
        q = q.filter(audit_log::outcome.eq(outcome.as_str()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        q = q.filter(audit_log::at.lt(to.and_time(chrono::NaiveTime::MIN)));
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<AuditRow>)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}
