//! The optional PostgreSQL read replica (`KOMPETENSI_READ_DATABASE_URL`), for the reads that
//! cost the most: the reports and the pages of lists.
//!
//! Staleness is not bounded by a lag setting but ruled out: a report or page reads the data
//! versions on the primary together with the primary's WAL position (`db::versions::current`),
//! and runs on the replica only when the replica has replayed at least that far — so it sees
//! every write acknowledged before the request, including the caller's own. It waits up to 50 ms
//! for the replica to get there; otherwise (replay further behind, the replica down or a query
//! cancelled by recovery) it runs on the primary.
//! `kompetensi_replica_reads_total{on}` counts where reads ran.
//!
//! Writes and single-row reads stay on the primary.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use prometheus::{IntCounterVec, Registry};

use super::{AnyConnection, ConnectionManager, DbPool, DbUrl};
use crate::error::{ApiError, ApiResult};

/// How long a request waits for a replica connection before it reads from the primary.
const CHECKOUT: Duration = Duration::from_millis(250);

/// How long a request waits for the replica to replay up to where the primary stood.
const WAIT: Duration = Duration::from_millis(50);

pub struct Replica {
    pool: DbPool,
    reads: IntCounterVec,
}

#[derive(QueryableByName)]
struct CaughtUp {
    #[diesel(sql_type = Bool)]
    ready: bool,
}

impl Replica {
    /// The replica's pool, opened lazily: a replica that is down at start only sends the reads
    /// to the primary.
    pub fn new(url: &DbUrl, size: u32, registry: &Registry) -> Result<Replica, String> {
        let reads = crate::health::counter(
            registry,
            "kompetensi_replica_reads_total",
            "Report and list reads by where they ran: replica, primary_behind (replay not caught up), primary_unavailable",
            &["on"],
        )?;
        let pool = diesel::r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(0))
            .connection_timeout(CHECKOUT)
            .build_unchecked(ConnectionManager::new(url.clone()));
        Ok(Replica { pool, reads })
    }

    /// `f` on the replica when it has replayed the primary's WAL up to `lsn`, else `None`
    /// (and where the read goes instead is counted).
    fn try_read<T>(
        &self,
        lsn: &str,
        f: &impl Fn(&mut AnyConnection) -> ApiResult<T>,
    ) -> Option<ApiResult<T>> {
        let (outcome, on) = match self.pool.get() {
            Err(e) => {
                log::debug!("replica: {e}");
                (None, "primary_unavailable")
            }
            Ok(mut conn) => match caught_up(&mut conn, lsn) {
                Ok(false) => (None, "primary_behind"),
                Ok(true) => match f(&mut conn) {
                    // A query cancelled by recovery, or the replica gone mid-read.
                    Err(ApiError::Unavailable | ApiError::Internal(_)) => {
                        super::mark_broken(&mut conn);
                        (None, "primary_unavailable")
                    }
                    done => (Some(done), "replica"),
                },
                Err(e) => {
                    log::debug!("replica: {e}");
                    super::mark_broken(&mut conn);
                    (None, "primary_unavailable")
                }
            },
        };
        self.reads.with_label_values(&[on]).inc();
        outcome
    }
}

/// Whether the replica has replayed up to `lsn`, waiting up to [`WAIT`] for it: a replica
/// usually trails by a few milliseconds, and the primary's position moves on with every write
/// of any database on it.
fn caught_up(conn: &mut AnyConnection, lsn: &str) -> QueryResult<bool> {
    let started = std::time::Instant::now();
    loop {
        let ready = diesel::sql_query(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS ready",
        )
        .bind::<Text, _>(lsn)
        .get_result::<CaughtUp>(conn)?;
        if ready.ready || started.elapsed() >= WAIT {
            return Ok(ready.ready);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs the read `f` on the replica when there is one that has replayed up to `lsn` (the
/// primary's WAL position when the request read the data versions), else on the primary.
pub async fn read<T, F>(state: &crate::AppState, lsn: Option<String>, f: F) -> ApiResult<T>
where
    F: Fn(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let (Some(replica), Some(lsn)) = (state.replica.clone(), lsn) else {
        return crate::web::db(&state.pool, f).await;
    };
    let primary = state.pool.clone();
    crate::web::db_blocking(move || {
        replica
            .try_read(&lsn, &f)
            .unwrap_or_else(|| crate::web::with_connection(&primary, f))
    })
    .await
}
