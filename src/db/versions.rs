//! Data versions: one counter per kind of entity, moved on by every committed write of that kind,
//! so an answer derived from the data (a report) can be cached under the versions of what it
//! reads and is never served once one of those has moved.
//!
//! The write pipeline ([`super::write::run`]) notes the kinds a transaction recorded audit rows
//! for — every write records one, so none is missed — and moves their versions on:
//! - SQLite: in the transaction itself (writers are serialised anyway, so it costs no waiting);
//! - PostgreSQL: right after the commit, with `nextval` on a sequence per kind (which never
//!   waits for another transaction). A version read before the commit stands for the data before
//!   it, so a reader can never file old figures under a new version; the client that wrote gets
//!   its answer only after the versions moved, so it reads its own write.
//!
//! What is not seen: a change made beside the service (SQL by hand, `seed-demo` into a running
//! service's database) or a process killed between its commit and the `nextval`. Caches
//! therefore also expire after a while (`web::cache::TTL`).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::AnyConnection;
use crate::audit::Entity;
use crate::error::{ApiError, ApiResult};

/// A set of entity kinds (a bit per kind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u64);

impl Kinds {
    /// Every kind: for an answer whose reads are not listed kind by kind (a list page).
    pub const EVERY: Kinds = Kinds(u64::MAX);

    pub const fn of(entities: &[Entity]) -> Kinds {
        let mut bits = 0;
        let mut i = 0;
        while i < entities.len() {
            bits |= 1 << entities[i] as u64;
            i += 1;
        }
        Kinds(bits)
    }

    pub fn add(&mut self, entity: Entity) {
        self.0 |= 1 << entity as u64;
    }

    pub const fn union(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    pub fn contains(self, entity: Entity) -> bool {
        self.0 & (1 << entity as u64) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn iter(self) -> impl Iterator<Item = Entity> {
        Entity::ALL
            .iter()
            .copied()
            .filter(move |e| self.contains(*e))
    }
}

/// The versions of every kind, in the order of [`Entity::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(Default))]
pub struct Versions(Vec<i64>);

impl Versions {
    /// Only the versions of `kinds` (the rest set to 0): what an answer reading `kinds` is keyed on.
    pub fn of(&self, kinds: Kinds) -> Versions {
        Versions(
            Entity::ALL
                .iter()
                .zip(&self.0)
                .map(|(e, v)| if kinds.contains(*e) { *v } else { 0 })
                .collect(),
        )
    }

    fn parse(text: &str) -> ApiResult<Versions> {
        let values = text
            .split(',')
            .map(|v| v.trim().parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::Internal(format!("data versions {text:?}: {e}")))?;
        if values.len() != Entity::ALL.len() {
            return Err(ApiError::Internal(format!(
                "data versions: {} values for {} kinds",
                values.len(),
                Entity::ALL.len()
            )));
        }
        Ok(Versions(values))
    }
}

/// The versions, and where the primary's WAL stood when they were read (PostgreSQL): a replica
/// that has replayed that far has every write they stand for (`db::replica`).
pub struct Current {
    pub versions: Versions,
    pub lsn: Option<String>,
}

impl Current {
    /// `v1,v2,…;lsn` (PostgreSQL) or `v1,v2,…`.
    fn parse(text: &str) -> ApiResult<Current> {
        let (versions, lsn) = match text.split_once(';') {
            Some((v, lsn)) => (v, Some(lsn.to_string())),
            None => (text, None),
        };
        Ok(Current {
            versions: Versions::parse(versions)?,
            lsn,
        })
    }
}

/// The statement reading every version and the WAL position as one text `v1,v2,…;lsn`
/// (PostgreSQL: the sequences). Every cached answer's request runs it: read through
/// `pg_sequence_last_value` (NULL before the first `nextval`, as a fresh sequence's value is
/// its start value), not as a subquery scanning each sequence, which cost PostgreSQL half as
/// much again (`pgbench -M prepared -c32` of the statement alone, alternating on one machine:
/// 6.8k, 9.3k, 10.7k against 10.2k, 13.1k, 15.3k tps).
pub fn postgres_sql() -> String {
    let columns: Vec<String> = Entity::ALL
        .iter()
        .map(|e| {
            format!(
                "COALESCE(pg_sequence_last_value('data_version_{}'::regclass), 0)",
                e.as_str()
            )
        })
        .collect();
    format!(
        "SELECT concat_ws(',', {}) || ';' || pg_current_wal_lsn()::text AS v",
        columns.join(", ")
    )
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
}

#[derive(QueryableByName)]
struct Joined {
    #[diesel(sql_type = Text)]
    v: String,
}

/// The current versions, on a pooled connection.
pub fn read(conn: &mut AnyConnection) -> ApiResult<Current> {
    match conn {
        AnyConnection::Postgresql(_) => {
            let row: Joined = diesel::sql_query(postgres_sql()).get_result(conn)?;
            Current::parse(&row.v)
        }
        AnyConnection::Sqlite(_) => {
            let rows: Vec<Row> =
                diesel::sql_query("SELECT entity, version FROM data_versions").load(conn)?;
            let by_kind: std::collections::HashMap<String, i64> =
                rows.into_iter().map(|r| (r.entity, r.version)).collect();
            Ok(Current {
                versions: Versions(
                    Entity::ALL
                        .iter()
                        .map(|e| by_kind.get(e.as_str()).copied().unwrap_or(0))
                        .collect(),
                ),
                lsn: None,
            })
        }
    }
}

/// Moves the versions of `kinds` on, inside the write transaction (SQLite).
pub(super) fn bump_in_transaction(conn: &mut AnyConnection, kinds: Kinds) -> ApiResult<()> {
    if kinds.is_empty() || !matches!(conn, AnyConnection::Sqlite(_)) {
        return Ok(());
    }
    let list: Vec<String> = kinds.iter().map(|e| format!("'{}'", e.as_str())).collect();
    conn.batch_execute(&format!(
        "UPDATE data_versions SET version = version + 1 WHERE entity IN ({})",
        list.join(", ")
    ))?;
    Ok(())
}

/// Moves the versions of `kinds` on after the write committed (PostgreSQL). A failure here
/// leaves the write done: it is logged, and the caches expire on their own.
pub(super) fn bump_after_commit(conn: &mut AnyConnection, kinds: Kinds) {
    if kinds.is_empty() || !matches!(conn, AnyConnection::Postgresql(_)) {
        return;
    }
    let calls: Vec<String> = kinds
        .iter()
        .map(|e| format!("nextval('data_version_{}')", e.as_str()))
        .collect();
    if let Err(e) = conn.batch_execute(&format!("SELECT {}", calls.join(", "))) {
        log::warn!("cannot move the data versions on after a write: {e}");
    }
}

/// The current versions, from a handler: on PostgreSQL one prepared statement on the worker's
/// own connection (`db::reader`), else a pooled connection.
pub async fn current(state: &crate::AppState) -> ApiResult<Current> {
    match &state.reader {
        Some(reader) => {
            let text = reader
                .text("data_versions", postgres_sql, &[])
                .await?
                .ok_or_else(|| ApiError::Internal("data versions: no row".into()))?;
            Current::parse(&text)
        }
        None => crate::web::db(&state.pool, read).await,
    }
}
