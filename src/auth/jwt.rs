//! HS256 tokens with every registered claim required and the token type checked (RFC 8725).

use std::time::Duration;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::Config;

pub const ISSUER: &str = "kompetensi";
pub const AUDIENCE: &str = "kompetensi-api";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub typ: TokenType,
    /// `user` or `api_client`.
    pub act: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Access tokens: the principal's `token_version` when issued (`auth::revocations`).
    #[serde(default)]
    pub ver: i64,
    /// Refresh tokens: the id stored (hashed) server-side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, String> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies signature, algorithm, issuer, audience, expiry and the expected token type.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, String> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| e.to_string())?;
        if data.claims.typ != expected {
            return Err("wrong token type".into());
        }
        Ok(data.claims)
    }
}

pub fn now_secs() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

pub fn expiry(ttl: Duration) -> u64 {
    now_secs() + ttl.as_secs()
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The signing secret: from the environment, else (SQLite) generated once and kept beside the
/// data, else (PostgreSQL, where instances share the database but not a disk) a start-up error.
pub fn load_secret(config: &Config) -> Result<Vec<u8>, String> {
    if let Some(secret) = &config.jwt_secret {
        if secret.len() < 32 {
            return Err("KOMPETENSI_JWT_SECRET must be at least 32 bytes long".into());
        }
        return Ok(secret.as_bytes().to_vec());
    }
    if config.database_url.is_postgres() {
        return Err("KOMPETENSI_JWT_SECRET is required with PostgreSQL (at least 32 bytes, the same on every instance)".into());
    }
    let Some(dir) = config.database_url.data_dir() else {
        // In-memory database: nothing survives the process, neither need the tokens.
        return Ok(random_token(32).into_bytes());
    };
    let path = dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let secret = random_token(32);
    write_private(&path, &secret).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    log::info!("generated a JWT secret in {}", path.display());
    Ok(secret.into_bytes())
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}
