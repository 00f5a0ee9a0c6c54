//! The write pipeline: every change to the data goes through [`run`], which owns the
//! transaction, and the [`Tx`] it hands out, which owns the steps every write needs.
//!
//! - One transaction (`BEGIN IMMEDIATE` on SQLite), retried a bounded number of times when
//!   PostgreSQL aborts it for a deadlock or a serialization failure; if that persists the client
//!   gets 503 `contention` with `Retry-After`, never a 500.
//! - Row locks in a deterministic order (ascending id, [`Tx::lock`]); writes that must see a
//!   whole structure settled (the unit tree) serialise on it first ([`Tx::serialize`]).
//! - [`Tx::update`] and [`Tx::delete`]: lock the row, load it (404), check `If-Match` (412),
//!   let the handler decide and write its columns, then bump `version` and record the audit row.
//!   [`Tx::create`] records the audit row of what the handler inserted.
//! - A transaction that recorded no audit row is refused and rolled back: a write cannot forget
//!   its audit row. The kinds of entity it recorded have their data versions moved on
//!   (`db::versions`), which is how cached reports learn they are stale.
//!
//! Writers of the areas' query modules take `&mut Tx`, not a bare connection, so they can only be
//! called inside this pipeline; they also tell `crate::aggregates` what they changed.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

pub use super::resource::Resource;
use super::versions::{self, Kinds};
use super::{now, write_tx, AnyConnection};
use crate::audit::{self, Action, Entity, Outcome};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::web::{IfMatch, RequestMeta};

/// Attempts of a transaction that the database aborted for a deadlock or serialization failure.
const ATTEMPTS: u32 = 5;

/// A write transaction in progress.
pub struct Tx<'c> {
    conn: &'c mut AnyConnection,
    actor: Actor,
    meta: &'c RequestMeta,
    recorded: usize,
    /// The kinds of entity the transaction recorded writes of: their data versions move on.
    touched: Kinds,
}

impl Deref for Tx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn
    }
}

/// Runs `f` as one write transaction by `actor`, retried when the database aborts it for a
/// deadlock or a serialization failure (then `f` runs again from the start, on fresh reads).
pub fn run<T>(
    conn: &mut AnyConnection,
    actor: Actor,
    meta: &RequestMeta,
    mut f: impl FnMut(&mut Tx) -> ApiResult<T>,
) -> ApiResult<T> {
    let mut attempt = 1;
    loop {
        let result = write_tx(conn, |conn| {
            let mut tx = Tx {
                conn,
                actor,
                meta,
                recorded: 0,
                touched: Kinds::default(),
            };
            let value = f(&mut tx)?;
            if tx.recorded == 0 {
                return Err(ApiError::Internal(
                    "a write transaction recorded no audit row".into(),
                ));
            }
            versions::bump_in_transaction(tx.conn, tx.touched)?;
            Ok((value, tx.touched))
        })
        .map(|(value, touched)| {
            versions::bump_after_commit(conn, touched);
            value
        });
        match result {
            Err(ApiError::Contention) if attempt < ATTEMPTS => {
                // A few milliseconds, growing and jittered, so the transactions that collided do
                // not collide again in step.
                let base = 2u64 << attempt;
                let jitter = rand::random::<u64>() % base;
                std::thread::sleep(Duration::from_millis(base + jitter));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// [`run`] without the retry, for bulk loads that run alone (`seed-demo`): `f` may consume
/// what it writes.
pub fn run_once<T>(
    conn: &mut AnyConnection,
    actor: Actor,
    meta: &RequestMeta,
    f: impl FnOnce(&mut Tx) -> ApiResult<T>,
) -> ApiResult<T> {
    let mut f = Some(f);
    run(conn, actor, meta, |tx| match f.take() {
        Some(f) => f(tx),
        // Run again only after a deadlock, which a load running alone does not meet.
        None => Err(ApiError::Contention),
    })
}

impl Tx<'_> {
    /// The connection, for a backend-specific statement (`insert_returning_id!`, …).
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// Appends the audit row of what this transaction did, in this transaction.
    pub fn record(&mut self, action: Action, entity: Entity, id: Option<i64>) -> ApiResult<()> {
        audit::queries::record(
            self.conn,
            self.actor,
            self.meta,
            action,
            entity,
            id,
            Outcome::Success,
        )?;
        self.recorded += 1;
        self.touched.add(entity);
        Ok(())
    }

    /// An audit row of a sign-in event: who it concerns and how it ended are known only inside
    /// the transaction.
    pub fn record_event(
        &mut self,
        actor: Actor,
        action: Action,
        entity: Entity,
        id: Option<i64>,
        outcome: Outcome,
    ) -> ApiResult<()> {
        audit::queries::record(self.conn, actor, self.meta, action, entity, id, outcome)?;
        self.recorded += 1;
        self.touched.add(entity);
        Ok(())
    }

    /// Like [`Tx::record`] of a create, with the day only (feedback that staff enter).
    pub fn record_day_only(&mut self, entity: Entity, id: Option<i64>) -> ApiResult<()> {
        let day = audit::queries::today_start();
        audit::queries::record_at(
            self.conn,
            day,
            self.actor,
            self.meta,
            (Action::Create, entity, id),
            Outcome::Success,
        )?;
        self.recorded += 1;
        self.touched.add(entity);
        Ok(())
    }

    /// Like [`Tx::record`], but with no actor, address or request id and only the day: for
    /// writes whose author must stay unknown (anonymous feedback).
    pub fn record_anonymously(&mut self, entity: Entity, id: Option<i64>) -> ApiResult<()> {
        audit::queries::record_anonymous(self.conn, entity, id)?;
        self.recorded += 1;
        self.touched.add(entity);
        Ok(())
    }

    /// Locks these rows of `entity`'s table for the rest of the transaction, in ascending id
    /// order whatever the order given, so that two writers of overlapping sets cannot deadlock.
    /// PostgreSQL `FOR NO KEY UPDATE` (what an UPDATE takes itself: it does not block foreign-key
    /// checks of rows that refer to these); SQLite's write transactions already exclude each
    /// other.
    pub fn lock(&mut self, entity: Entity, ids: &[i64]) -> ApiResult<()> {
        self.lock_rows(entity, ids, "NO KEY UPDATE")
    }

    fn lock_rows(&mut self, entity: Entity, ids: &[i64], strength: &str) -> ApiResult<()> {
        if matches!(self.conn, AnyConnection::Sqlite(_)) || ids.is_empty() {
            return Ok(());
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.conn.batch_execute(&format!(
            "SELECT id FROM {} WHERE id IN ({}) ORDER BY id FOR {strength}",
            entity.table(),
            list.join(", ")
        ))?;
        Ok(())
    }

    /// Serialises this transaction with every other one that serialises on `entity` (a
    /// transaction-scoped advisory lock on PostgreSQL): for checks over many rows, such as
    /// cycles and depth in the unit tree, that row locks cannot cover. Take it first.
    pub fn serialize(&mut self, entity: Entity) -> ApiResult<()> {
        Ok(self.advisory(entity, "pg_advisory_xact_lock")?)
    }

    /// Holds off the writes that serialise on `entity` until this transaction ends, and waits
    /// for one under way (the shared side of [`Tx::serialize`]'s lock): for a write that relies
    /// on the structure staying as it reads it, such as the OPD a response is attributed to or
    /// the OPDs whose kept figures it refreshes. Writes that hold it do not wait for each other.
    pub fn hold(&mut self, entity: Entity) -> QueryResult<()> {
        self.advisory(entity, "pg_advisory_xact_lock_shared")
    }

    fn advisory(&mut self, entity: Entity, function: &str) -> QueryResult<()> {
        if matches!(self.conn, AnyConnection::Sqlite(_)) {
            return Ok(());
        }
        // The aggregates' advisory keys live in another range (they set the top byte).
        let key = 0x4B00_0000 + entity as i64;
        self.conn
            .batch_execute(&format!("SELECT {function}({key})"))
    }

    /// Records a new row that `insert` created, and reads it back.
    pub fn create<R: Resource>(
        &mut self,
        insert: impl FnOnce(&mut Self) -> ApiResult<R::Id>,
    ) -> ApiResult<R::Current> {
        if R::SERIAL {
            self.serialize(R::ENTITY)?;
        }
        let id = insert(self)?;
        self.record(Action::Create, R::ENTITY, Some(id.into()))?;
        R::load(self.conn, id)
    }

    /// Locks and loads the row, checks `If-Match`, lets `change` decide and write the columns,
    /// then moves the version on, records the audit row and reads the row back.
    pub fn update<R: Resource>(
        &mut self,
        id: R::Id,
        if_match: &IfMatch,
        change: impl FnOnce(&mut Self, R::Current) -> ApiResult<()>,
    ) -> ApiResult<R::Current> {
        self.change::<R>(id, if_match, Action::Update, change)?;
        R::load(self.conn, id)
    }

    /// [`Tx::update`] under another audit action (a status change, a replaced set).
    pub fn change<R: Resource>(
        &mut self,
        id: R::Id,
        if_match: &IfMatch,
        action: Action,
        change: impl FnOnce(&mut Self, R::Current) -> ApiResult<()>,
    ) -> ApiResult<()> {
        if R::SERIAL {
            self.serialize(R::ENTITY)?;
        }
        self.lock_parents::<R>(id)?;
        self.lock(R::ENTITY, &[id.into()])?;
        let current = R::load(self.conn, id)?;
        if_match.check(R::version(&current))?;
        change(self, current)?;
        self.bump_version(R::ENTITY, id.into())?;
        self.record(action, R::ENTITY, Some(id.into()))
    }

    /// Locks and loads the row, checks `If-Match`, lets `delete` check what still refers to it
    /// and remove it, and records the audit row.
    pub fn delete<R: Resource>(
        &mut self,
        id: R::Id,
        if_match: &IfMatch,
        delete: impl FnOnce(&mut Self, R::Current) -> ApiResult<()>,
    ) -> ApiResult<()> {
        if R::SERIAL {
            self.serialize(R::ENTITY)?;
        }
        self.lock_parents::<R>(id)?;
        self.lock_rows(R::ENTITY, &[id.into()], "UPDATE")?;
        let current = R::load(self.conn, id)?;
        if_match.check(R::version(&current))?;
        delete(self, current)?;
        self.record(Action::Delete, R::ENTITY, Some(id.into()))
    }

    /// Locks the row's parents ([`Resource::parents`]) before the row itself.
    fn lock_parents<R: Resource>(&mut self, id: R::Id) -> ApiResult<()> {
        if matches!(self.conn, AnyConnection::Sqlite(_)) {
            return Ok(());
        }
        for (entity, parent) in R::parents(self.conn, id)? {
            self.lock(entity, &[parent])?;
        }
        Ok(())
    }

    /// The next version of a row the transaction has changed (and holds locked).
    pub fn bump_version(&mut self, entity: Entity, id: i64) -> ApiResult<()> {
        let n = diesel::sql_query(format!(
            "UPDATE {} SET version = version + 1, updated_at = $1 WHERE id = $2",
            entity.table()
        ))
        .bind::<Timestamp, _>(now())
        .bind::<BigInt, _>(id)
        .execute(self.conn)?;
        if n == 1 {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }
}
