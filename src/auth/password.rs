//! argon2id. `hash` and `verify` are awaited: the request waits for its hash without holding a
//! thread, so a flood of sign-ins cannot take the blocking threads the database work needs.
//!
//! Hashes are computed by a pool of their own, half the cores in size (the same half the HTTP
//! workers leave to blocking work), at the lowest CPU priority (nice 19): a flood of sign-ins takes
//! at most that half, and less of it while other requests want the CPU. At most
//! `MAX_WAITING` hashes wait per hashing thread; a sign-in that finds no room within `ROOM_WAIT`
//! is answered 503 `overloaded` with `Retry-After`. The wait is for room in the queue, not for
//! the hash to start: at the lowest priority (nice 19) with a start deadline, a loaded machine
//! starved the pool and refused sign-ins that were not a flood.
//!
//! Parameters: m = 7 MiB, t = 5, p = 1, one of OWASP's equivalent argon2id settings (with
//! 19 MiB × 2 and 12 MiB × 3). The crate's default is the 19 MiB one; each sign-in then holds
//! 19 MiB for its duration, which alone put the server's peak RSS past 60 MiB. A hash carries its
//! own parameters, so hashes made with other settings still verify.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{oneshot, Semaphore};

use crate::error::{ApiError, ApiResult};

/// Hashes waiting per hashing thread, beyond the one it computes.
const MAX_WAITING: usize = 16;

/// How long a sign-in waits for room in the queue before it is refused.
const ROOM_WAIT: Duration = Duration::from_secs(1);

/// Room for the hashes computed and waiting.
fn room() -> &'static std::sync::Arc<Semaphore> {
    static ROOM: OnceLock<std::sync::Arc<Semaphore>> = OnceLock::new();
    ROOM.get_or_init(|| std::sync::Arc::new(Semaphore::new(threads() * (1 + MAX_WAITING))))
}

type Job = Box<dyn FnOnce() + Send>;

fn threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores / 2).max(1)
}

fn pool() -> &'static Sender<Job> {
    static POOL: OnceLock<Sender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for n in 0..threads() {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = next else { return };
                        job();
                    }
                })
                .expect("a password-hashing thread");
        }
        tx
    })
}

/// This thread runs at nice 19: Linux keeps the nice value per thread, so only the hashing
/// threads yield. Where that is refused, hashing runs at the normal priority.
fn lower_priority() {
    // SAFETY: setpriority takes plain integers and changes only the calling thread (tid).
    let tid = unsafe { libc::gettid() };
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) } != 0 {
        log::warn!("password hashing runs at the normal priority: setpriority was refused");
    }
}

/// Queues `f` on the hashing pool, `reply` to get its value.
fn submit<T: 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
    reply: impl FnOnce(ApiResult<T>) + Send + 'static,
) -> ApiResult<()> {
    pool()
        .send(Box::new(move || reply(f())))
        .map_err(|_| ApiError::Internal("the password-hashing pool stopped".into()))
}

/// Runs `f` on the hashing pool; the request awaits it without holding a thread.
async fn gated<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let permit = tokio::time::timeout(ROOM_WAIT, room().clone().acquire_owned())
        .await
        .map_err(|_| ApiError::Overloaded)?
        .map_err(|_| stopped())?;
    let (done, answer) = oneshot::channel();
    submit(f, move |v| {
        drop(permit);
        let _ = done.send(v);
    })?;
    answer.await.map_err(|_| stopped())?
}

/// [`gated`] outside the server (start-up, the command line, tests' set-up): blocks until done.
fn gated_blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let (done, answer) = mpsc::sync_channel(1);
    submit(f, move |v| {
        let _ = done.send(v);
    })?;
    answer.recv().map_err(|_| stopped())?
}

fn stopped() -> ApiError {
    ApiError::Internal("a password-hashing thread stopped".into())
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hashing(password: String) -> impl FnOnce() -> ApiResult<String> {
    move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
    }
}

pub async fn hash(password: String) -> ApiResult<String> {
    gated(hashing(password)).await
}

/// [`hash`] outside the server (start-up, the command line): blocks until done.
pub fn hash_blocking(password: &str) -> ApiResult<String> {
    gated_blocking(hashing(password.to_owned()))
}

pub async fn verify(password: String, hash: String) -> ApiResult<bool> {
    if PasswordHash::new(&hash).is_err() {
        return Ok(false);
    }
    let check = move || {
        Ok(PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        }))
    };
    gated(check).await
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
