//! Revocation that reaches access tokens, on every instance.
//!
//! Each user and API client has a `token_version`; an access token carries the version of its
//! principal when it was issued (`ver`). A revoking write ([`revoke`]: deactivation, deletion,
//! a new role, unit, employee or password, a lost scope, sign-out) raises the version in its own
//! transaction and appends a row to `token_revocations`. Every instance reads the new rows every
//! [`POLL`] ([`Revocations`], a background thread), so a revoked token is refused everywhere
//! within about a second; the check per request is a map lookup, no query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use diesel::prelude::*;

use super::ActorKind;
use crate::db::schema::{api_clients, token_revocations, users};
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, DbPool};
use crate::error::ApiResult;

/// How often every instance reads the new revocations: the staleness bound.
pub const POLL: Duration = Duration::from_millis(250);

/// How often an instance deletes the revocations no token can need any more (at its start,
/// then at this pace): on SQLite each DELETE is a write transaction, even one that finds
/// nothing, and the rows are few and ignored once old.
const SWEEP: Duration = Duration::from_secs(60);

/// The version below which a principal's tokens are refused, for those revoked lately.
pub struct Revocations(Arc<Inner>);

struct Inner {
    pool: DbPool,
    /// (kind, id) → (the lowest valid version, when it was set).
    floor: RwLock<HashMap<(ActorKind, i64), (i64, chrono::NaiveDateTime)>>,
    last_seen: Mutex<i64>,
    /// When this instance last deleted old rows.
    swept: Mutex<Option<std::time::Instant>>,
    /// Revocations older than this refuse only expired tokens: forgotten.
    keep: chrono::Duration,
}

#[derive(Queryable)]
struct Row {
    id: i64,
    actor_kind: ActorKind,
    actor_id: i64,
    token_version: i64,
    at: chrono::NaiveDateTime,
}

impl Revocations {
    /// Reads the revocations still in force, then follows new ones in the background until
    /// the state is dropped.
    pub fn new(pool: DbPool, access_ttl: Duration) -> Self {
        let keep = chrono::Duration::from_std(access_ttl).unwrap_or(chrono::Duration::hours(1))
            + chrono::Duration::minutes(1);
        let inner = Arc::new(Inner {
            pool,
            floor: RwLock::new(HashMap::new()),
            last_seen: Mutex::new(0),
            swept: Mutex::new(None),
            keep,
        });
        inner.catch_up();
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("revocations".into())
            .spawn(move || loop {
                std::thread::sleep(POLL);
                match weak.upgrade() {
                    Some(inner) => inner.catch_up(),
                    None => break,
                }
            })
            .ok();
        Revocations(inner)
    }

    /// Whether a token of version `version` of this principal still counts.
    pub fn admits(&self, kind: ActorKind, id: i64, version: i64) -> bool {
        let floor = self.0.floor.read().unwrap_or_else(|p| p.into_inner());
        floor
            .get(&(kind, id))
            .is_none_or(|(min, _)| version >= *min)
    }
}

impl Inner {
    /// Reads the rows added since the last call (a failure is retried at the next poll).
    fn catch_up(&self) {
        let Ok(mut conn) = self.pool.get() else {
            return;
        };
        let since = *self.last_seen.lock().unwrap_or_else(|p| p.into_inner());
        let cutoff = now() - self.keep;
        let rows: Vec<Row> = match token_revocations::table
            .filter(token_revocations::id.gt(since))
            .filter(token_revocations::at.ge(cutoff))
            .order(token_revocations::id)
            .load(&mut conn)
        {
            Ok(rows) => rows,
            Err(e) => {
                log::debug!("cannot read token revocations: {e}");
                return;
            }
        };
        let mut floor = self.floor.write().unwrap_or_else(|p| p.into_inner());
        floor.retain(|_, (_, at)| *at >= cutoff);
        for row in &rows {
            let entry = floor
                .entry((row.actor_kind, row.actor_id))
                .or_insert((row.token_version, row.at));
            if row.token_version >= entry.0 {
                *entry = (row.token_version, row.at);
            }
        }
        if let Some(last) = rows.last() {
            *self.last_seen.lock().unwrap_or_else(|p| p.into_inner()) = last.id;
        }
        drop(floor);
        // Old rows are of no use to anyone; any instance may drop them.
        let mut swept = self.swept.lock().unwrap_or_else(|p| p.into_inner());
        if swept.is_none_or(|at| at.elapsed() >= SWEEP) {
            *swept = Some(std::time::Instant::now());
            let old = token_revocations::table.filter(token_revocations::at.lt(cutoff));
            let _ = diesel::delete(old).execute(&mut conn);
        }
    }
}

/// Whose tokens a revocation ends.
#[derive(Clone, Copy, Debug)]
pub enum Principal {
    User(i64),
    Client(i64),
}

/// Ends every access token of `principal` issued so far, in the revoking write's transaction.
/// `gone`: the principal is being deleted, so no version of it counts any more.
pub fn revoke(tx: &mut Tx, principal: Principal, gone: bool) -> ApiResult<()> {
    let (kind, id, current) = match principal {
        Principal::User(id) => (
            ActorKind::User,
            id,
            users::table
                .find(id)
                .select(users::token_version)
                .first::<i64>(tx.conn())
                .optional()?,
        ),
        Principal::Client(id) => (
            ActorKind::ApiClient,
            id,
            api_clients::table
                .find(id)
                .select(api_clients::token_version)
                .first::<i64>(tx.conn())
                .optional()?,
        ),
    };
    let next = if gone {
        i64::MAX
    } else {
        current.unwrap_or(0) + 1
    };
    if !gone {
        bump(tx.conn(), principal, next)?;
    }
    diesel::insert_into(token_revocations::table)
        .values((
            token_revocations::actor_kind.eq(kind),
            token_revocations::actor_id.eq(id),
            token_revocations::token_version.eq(next),
            token_revocations::at.eq(now()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

fn bump(conn: &mut AnyConnection, principal: Principal, version: i64) -> QueryResult<usize> {
    match principal {
        Principal::User(id) => diesel::update(users::table.find(id))
            .set(users::token_version.eq(version))
            .execute(conn),
        Principal::Client(id) => diesel::update(api_clients::table.find(id))
            .set(api_clients::token_version.eq(version))
            .execute(conn),
    }
}
