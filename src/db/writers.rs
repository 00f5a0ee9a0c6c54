//! The writer slot of SQLite. SQLite lets one transaction write at a time, and a writer waiting
//! for that lock still holds its pool connection: a burst of writes (a flood of sign-ins, each
//! storing its refresh token and audit row) could hold every connection, and the reads would
//! queue behind them for the pool. So on SQLite a writer takes the one slot first and a
//! connection only then: writes run one after another, as SQLite runs them anyway, and the
//! other connections stay free for reads. PostgreSQL writes concurrently: no slot.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::DbUrl;
use crate::error::{ApiError, ApiResult};

pub struct Writers {
    slot: Option<Slot>,
    /// How long a writer waits for the slot, as long as for a pool connection.
    wait: Duration,
}

struct Slot {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// The slot while a write holds it (nothing on PostgreSQL); released when dropped.
pub struct Held<'a>(Option<&'a Slot>);

impl Writers {
    pub fn new(url: &DbUrl, wait: Duration) -> Self {
        let slot = match url {
            DbUrl::Postgres(_) => None,
            DbUrl::SqliteFile(_) | DbUrl::SqliteMemory => Some(Slot {
                taken: Mutex::new(false),
                freed: Condvar::new(),
            }),
        };
        Writers { slot, wait }
    }

    /// The slot, or 503 `service_unavailable` when other writes kept it longer than the wait.
    pub fn enter(&self) -> ApiResult<Held<'_>> {
        let Some(slot) = &self.slot else {
            return Ok(Held(None));
        };
        let taken = slot.taken.lock().unwrap_or_else(|p| p.into_inner());
        let (mut taken, timeout) = slot
            .freed
            .wait_timeout_while(taken, self.wait, |taken| *taken)
            .unwrap_or_else(|p| p.into_inner());
        if timeout.timed_out() && *taken {
            return Err(ApiError::Unavailable);
        }
        *taken = true;
        Ok(Held(Some(slot)))
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            *slot.taken.lock().unwrap_or_else(|p| p.into_inner()) = false;
            slot.freed.notify_one();
        }
    }
}
