//! Failed-login limits per username and per client address, in memory (per instance).
//!
//! An attempt counts from the moment it starts: `begin` takes a place in both windows before
//! the password is checked, so N guesses sent in parallel get at most the limit checked. A
//! success gives its place back (and clears the user's failures), so many successful logins
//! from one office address are never throttled; a failure keeps it; an attempt that ends
//! without an answer (the database was down) gives it back.

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

/// Takes `at` out of a window (the attempt's own place).
fn give_back(map: &mut HashMap<String, VecDeque<Instant>>, key: &str, at: Instant) {
    if let Some(q) = map.get_mut(key) {
        if let Some(i) = q.iter().position(|t| *t == at) {
            q.remove(i);
        }
        if q.is_empty() {
            map.remove(key);
        }
    }
}

/// One sign-in attempt in progress; settle it with `succeeded` or `failed`.
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    user: String,
    ip: Option<String>,
    at: Instant,
    settled: bool,
}

impl Attempt<'_> {
    /// The credentials were right: the user's failures are forgotten, the address's place freed.
    pub fn succeeded(mut self) {
        self.settled = true;
        let mut state = self.limiter.lock();
        state.by_user.remove(&self.user);
        if let Some(ip) = &self.ip {
            give_back(&mut state.by_ip, ip, self.at);
        }
    }

    /// The credentials were wrong: the attempt stays counted for the window.
    pub fn failed(mut self) {
        self.settled = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut state = self.limiter.lock();
        give_back(&mut state.by_user, &self.user, self.at);
        if let Some(ip) = &self.ip {
            give_back(&mut state.by_ip, ip, self.at);
        }
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

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new attempt for `user` from `ip`, or `Err(seconds)` to wait when the failures and the
    /// attempts in flight already reach either limit.
    pub fn begin(&self, user: &str, ip: Option<&str>) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let window = self.window;
        let mut state = self.lock();
        // Bound memory under a flood of distinct names: forget entries whose window has passed.
        if state.by_user.len() > 100_000 {
            state
                .by_user
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        if state.by_ip.len() > 100_000 {
            state
                .by_ip
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
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
        consider(state.by_user.get_mut(user), self.max_per_user);
        if let Some(ip) = ip {
            consider(state.by_ip.get_mut(ip), self.max_per_ip);
        }
        if let Some(w) = wait {
            return Err(w.as_secs().max(1));
        }
        state
            .by_user
            .entry(user.to_string())
            .or_default()
            .push_back(now);
        if let Some(ip) = ip {
            state
                .by_ip
                .entry(ip.to_string())
                .or_default()
                .push_back(now);
        }
        Ok(Attempt {
            limiter: self,
            user: user.to_string(),
            ip: ip.map(str::to_string),
            at: now,
            settled: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_per_user_and_per_ip() {
        let l = LoginLimiter::new(2, 3, Duration::from_secs(60));
        l.begin("a", Some("1.1.1.1")).unwrap().failed();
        l.begin("a", Some("1.1.1.1")).unwrap().failed();
        assert!(l.begin("a", Some("9.9.9.9")).is_err(), "per-user limit");
        l.begin("b", Some("1.1.1.1")).unwrap().failed();
        assert!(l.begin("c", Some("1.1.1.1")).is_err(), "per-address limit");
    }

    #[test]
    fn attempts_in_flight_count_and_successes_give_their_place_back() {
        let l = LoginLimiter::new(3, 5, Duration::from_secs(60));
        let in_flight: Vec<_> = (0..3)
            .map(|_| l.begin("a", Some("1.1.1.1")).unwrap())
            .collect();
        assert!(
            l.begin("a", Some("1.1.1.1")).is_err(),
            "three guesses in flight fill the limit"
        );
        drop(in_flight);
        assert!(
            l.begin("a", Some("1.1.1.1")).is_ok(),
            "unsettled attempts give their place back"
        );
        for _ in 0..10 {
            l.begin(&format!("u{}", rand::random::<u32>()), Some("2.2.2.2"))
                .unwrap()
                .succeeded();
        }
        assert!(
            l.begin("z", Some("2.2.2.2")).is_ok(),
            "successes never fill the address"
        );
        l.begin("b", None).unwrap().failed();
        l.begin("b", None).unwrap().failed();
        l.begin("b", None).unwrap().succeeded();
        assert!(
            l.begin("b", None).is_ok(),
            "a success clears the user's failures"
        );
    }

    #[test]
    fn failures_expire_after_the_window() {
        let l = LoginLimiter::new(1, 10, Duration::from_millis(30));
        l.begin("a", None).unwrap().failed();
        assert!(l.begin("a", None).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(l.begin("a", None).is_ok());
    }
}
