//! argon2id. Call these inside `web::block`: they are slow on purpose.
//!
//! Parameters: m = 7 MiB, t = 5, p = 1, one of OWASP's equivalent argon2id settings (with
//! 19 MiB × 2 and 12 MiB × 3). The crate's default is the 19 MiB one; each sign-in then holds
//! 19 MiB for its duration, which alone put the server's peak RSS past 60 MiB. A hash carries its
//! own parameters, so hashes made with other settings still verify.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the username is unknown so that a miss
/// takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&super::jwt::random_token(16)).unwrap_or_default())
}
