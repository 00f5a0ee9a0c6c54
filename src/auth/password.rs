//! argon2id. Call these inside `web::block`: they are slow on purpose.
//!
//! At most half the cores hash at once (the same half the HTTP workers leave to blocking work):
//! a flood of sign-ins queues at the gate instead of taking every core from the other requests,
//! and one that waits longer than `GATE_WAIT` is answered 503 `overloaded` with `Retry-After`.
//!
//! Parameters: m = 7 MiB, t = 5, p = 1, one of OWASP's equivalent argon2id settings (with
//! 19 MiB × 2 and 12 MiB × 3). The crate's default is the 19 MiB one; each sign-in then holds
//! 19 MiB for its duration, which alone put the server's peak RSS past 60 MiB. A hash carries its
//! own parameters, so hashes made with other settings still verify.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use crate::error::{ApiError, ApiResult};

const GATE_WAIT: Duration = Duration::from_secs(1);

/// A counting semaphore for the blocking threads that hash.
struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate {
            free: Mutex::new((cores / 2).max(1)),
            freed: Condvar::new(),
        }
    })
}

/// Runs `f` in a hashing slot, or `Overloaded` when none frees up within `GATE_WAIT`.
fn gated<T>(f: impl FnOnce() -> T) -> ApiResult<T> {
    let gate = gate();
    let lock = |m: &'static Mutex<usize>| m.lock().unwrap_or_else(|p| p.into_inner());
    {
        let free = lock(&gate.free);
        let (mut free, timeout) = gate
            .freed
            .wait_timeout_while(free, GATE_WAIT, |free| *free == 0)
            .unwrap_or_else(|p| p.into_inner());
        if timeout.timed_out() && *free == 0 {
            return Err(ApiError::Overloaded);
        }
        *free -= 1;
    }
    let out = f();
    *lock(&gate.free) += 1;
    gate.freed.notify_one();
    Ok(out)
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    gated(|| {
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })?
    .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
}

pub fn verify(password: &str, hash: &str) -> ApiResult<bool> {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return Ok(false);
    };
    gated(|| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A password no one guesses quickly: zxcvbn's score 3 of 4 ("safely unguessable") or better.
pub fn hard_to_guess(password: &str) -> Result<(), validator::ValidationError> {
    if zxcvbn::zxcvbn(password, &[]).score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    Err(
        validator::ValidationError::new("weak_password").with_message(
            "is too easy to guess: use a passphrase of several words, not a common word or pattern"
                .into(),
        ),
    )
}

/// A hash of a random password, verified against when the username is unknown so that a miss
/// takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(super::jwt::random_token(16).as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
