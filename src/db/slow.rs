//! The slow-statement log (`KOMPETENSI_SLOW_QUERY_MS`): every statement, on either backend,
//! that takes at least the threshold is logged at `warn` with its time and its SQL and binds —
//! the way to see what a slow endpoint or report waits for. Off unless set.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

static THRESHOLD: OnceLock<Duration> = OnceLock::new();

/// Times each statement of one connection.
struct SlowStatements {
    started: Option<Instant>,
}

impl Instrumentation for SlowStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let (Some(started), Some(threshold)) = (self.started.take(), THRESHOLD.get())
                else {
                    return;
                };
                let took = started.elapsed();
                if took >= *threshold {
                    log::warn!("slow statement, {took:.1?}: {query}");
                }
            }
            _ => {}
        }
    }
}

/// Every connection opened from now on logs its statements that take at least `threshold`.
pub fn install(threshold: Duration) {
    if THRESHOLD.set(threshold).is_ok() {
        diesel::connection::set_default_instrumentation(|| {
            Some(Box::new(SlowStatements { started: None }))
        })
        .ok();
    }
}
