use diesel::prelude::*;

use super::model::{Action, AuditEntry, AuditFilter, Entity, NewAuditRow, Outcome};
use crate::auth::{Actor, ActorKind};
use crate::db::schema::audit_log;
use crate::db::{now, AnyConnection, Backend};
use crate::web::RequestMeta;

/// Appends one audit row. Writes record theirs through the write pipeline (`db::write::Tx`);
/// sign-ins, refreshes and refused attempts, which change no resource, call this directly.
pub fn record(
    conn: &mut AnyConnection,
    actor: Actor,
    meta: &RequestMeta,
    action: Action,
    entity: Entity,
    entity_id: Option<i64>,
    outcome: Outcome,
) -> QueryResult<()> {
    record_at(
        conn,
        now(),
        actor,
        meta,
        (action, entity, entity_id),
        outcome,
    )
}

/// [`record`] with the time given: feedback rows, even those staff write, carry the day only.
pub fn record_at(
    conn: &mut AnyConnection,
    at: chrono::NaiveDateTime,
    actor: Actor,
    meta: &RequestMeta,
    (action, entity, entity_id): (Action, Entity, Option<i64>),
    outcome: Outcome,
) -> QueryResult<()> {
    insert(
        conn,
        NewAuditRow {
            at,
            actor_kind: actor.kind,
            actor_id: actor.id,
            action,
            entity,
            entity_id,
            request_id: meta.request_id.as_deref(),
            ip: meta.ip.as_deref(),
            outcome,
        },
    )
}

/// An audit row that tells nothing of who acted or when within the day (midnight UTC): with
/// the sign-in rows around it, a finer time could tie a person to an anonymous response.
pub fn record_anonymous(
    conn: &mut AnyConnection,
    entity: Entity,
    entity_id: Option<i64>,
) -> QueryResult<()> {
    insert(
        conn,
        NewAuditRow {
            at: today_start(),
            actor_kind: ActorKind::Anonymous,
            actor_id: None,
            action: Action::Create,
            entity,
            entity_id,
            request_id: None,
            ip: None,
            outcome: Outcome::Success,
        },
    )
}

/// The time of a row that may say only the day: the first instant of the city's today, as the
/// feedback's `submitted_at` says its day (never later than the rows written since).
pub fn today_start() -> chrono::NaiveDateTime {
    crate::types::day_start(crate::types::today())
}

fn insert(conn: &mut AnyConnection, row: NewAuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

fn filtered(f: &AuditFilter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut q = audit_log::table.into_boxed();
    crate::eq_filters!(q, f;
        entity => audit_log::entity,
        entity_id => audit_log::entity_id,
        actor_id => audit_log::actor_id,
        action => audit_log::action,
        outcome => audit_log::outcome,
    );
    // The period's days are the city's.
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(crate::types::day_start(from)));
    }
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        q = q.filter(audit_log::at.lt(crate::types::day_start(to)));
    }
    q
}

/// Newest first unless `sort=id`.
pub fn list(
    conn: &mut AnyConnection,
    _: &crate::auth::Caller,
    f: &AuditFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> crate::error::ApiResult<(i64, Vec<AuditEntry>)> {
    let total = filtered(f).count().get_result(conn)?;
    let ordered = match sort.is_empty() {
        // Newest first by time, then id: a row that carries only its day (feedback) sorts
        // with its day, not beside the rows written around it.
        true => filtered(f).order((audit_log::at.desc(), audit_log::id.desc())),
        false => crate::order_by!(filtered(f), sort, { "id" => audit_log::id }),
    };
    let rows = ordered
        .offset(offset)
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?;
    Ok((total, rows))
}
