//! Failed-login limits per username and per client address, in memory (per instance).
//! Only failures count, so many successful logins from one office address are never throttled.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_per_user: usize,
    max_per_ip: usize,
    window: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    by_user: HashMap<String, VecDeque<Instant>>,
    by_ip: HashMap<String, VecDeque<Instant>>,
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

impl LoginLimiter {
    pub fn new(max_per_user: usize, max_per_ip: usize, window: Duration) -> Self {
        LoginLimiter {
            max_per_user,
            max_per_ip,
            window,
            state: Mutex::new(State::default()),
        }
    }

    /// `Some(seconds)` to wait when either limit is reached.
    pub fn check(&self, username: &str, ip: Option<&str>) -> Option<u64> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        let mut wait: Option<Duration> = None;
        let mut consider = |q: Option<&mut VecDeque<Instant>>, max: usize| {
            if let Some(q) = q {
                prune(q, now, window);
                if q.len() >= max {
                    if let Some(oldest) = q.front() {
                        let w = window.saturating_sub(now.duration_since(*oldest));
                        wait = Some(wait.map_or(w, |x| x.max(w)));
                    }
                }
            }
        };
        consider(state.by_user.get_mut(username), self.max_per_user);
        if let Some(ip) = ip {
            consider(state.by_ip.get_mut(ip), self.max_per_ip);
        }
        wait.map(|w| w.as_secs().max(1))
    }

    pub fn record_failure(&self, username: &str, ip: Option<&str>) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a flood of distinct names: forget entries whose window has passed.
        if state.by_user.len() > 100_000 {
            let window = self.window;
            state
                .by_user
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        state
            .by_user
            .entry(username.to_string())
            .or_default()
            .push_back(now);
        if let Some(ip) = ip {
            state
                .by_ip
                .entry(ip.to_string())
                .or_default()
                .push_back(now);
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.by_user.remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_per_user_and_per_ip() {
        let l = LoginLimiter::new(2, 3, Duration::from_secs(60));
        assert_eq!(l.check("a", Some("1.1.1.1")), None);
        l.record_failure("a", Some("1.1.1.1"));
        l.record_failure("a", Some("1.1.1.1"));
        assert!(l.check("a", Some("9.9.9.9")).is_some(), "per-user limit");
        assert_eq!(l.check("b", Some("9.9.9.9")), None);
        l.record_failure("b", Some("1.1.1.1"));
        assert!(l.check("c", Some("1.1.1.1")).is_some(), "per-address limit");
        l.record_success("a");
        assert_eq!(
            l.check("a", Some("9.9.9.9")),
            None,
            "success clears the user's failures"
        );
    }

    #[test]
    fn failures_expire_after_the_window() {
        let l = LoginLimiter::new(1, 10, Duration::from_millis(30));
        l.record_failure("a", None);
        assert!(l.check("a", None).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(l.check("a", None), None);
    }
}
