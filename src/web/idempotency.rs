//! `Idempotency-Key` on creates: the first answer to a key is kept (24 hours, per caller), and a
//! retry of the same request gets it again instead of creating twice; the same key with another
//! request is 422 `idempotency_key_reused`. The key is reserved inside the create's own
//! transaction (`INSERT … ON CONFLICT DO NOTHING`), so two concurrent requests with one key
//! cannot both create: on PostgreSQL the second waits for the first to commit, on SQLite the
//! write lock orders them. Answers are stored in the database, so a replay works after a
//! restart and on every instance. A kept answer is found by a keyed digest of caller and key
//! and its body is encrypted with a key derived from both, so the table tells no one who
//! created what (a feedback response stays anonymous) nor a secret shown once (an API
//! client's).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::db::schema::idempotency_keys;
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::error::{ApiError, ApiResult};

/// How long an answer is kept for replay.
const KEPT_HOURS: i64 = 24;
const HEADER: &str = "idempotency-key";

/// The header, for the OpenAPI document of every create.
pub struct IdempotencyKey;

impl IntoParams for IdempotencyKey {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        vec![super::optional_header(
            "Idempotency-Key",
            "Any 1–255 visible ASCII characters, unique per intended create: a retry with the \
             same key and body within 24 hours replays the first answer and creates nothing; \
             the same key with another body is 422 `idempotency_key_reused`.",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]+$")),
        )]
    }
}

/// The digest of a request's JSON body, left by `ValidJson` for the create that follows.
#[derive(Clone)]
pub struct BodyDigest(pub String);

pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A create's request, as far as idempotency is concerned.
pub struct Request {
    /// Names the caller's key; derived from the caller, the key and the server's secret.
    handle: String,
    /// Seals and opens this request's answer.
    cipher: XChaCha20Poly1305,
    /// Method and path.
    target: String,
    digest: String,
}

impl Request {
    /// `None` without the header; 422 when it is not 1–255 visible ASCII characters.
    pub fn of(req: &HttpRequest, sealer: &Sealer, caller: &str) -> ApiResult<Option<Self>> {
        let Some(raw) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = raw
            .to_str()
            .ok()
            .filter(|k| {
                (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
            })
            .ok_or_else(|| {
                ApiError::validation(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })?;
        let digest = req
            .extensions()
            .get::<BodyDigest>()
            .map(|d| d.0.clone())
            .unwrap_or_default();
        Ok(Some(Request {
            handle: hex::encode(sealer.derive(b"handle", caller, key)),
            cipher: XChaCha20Poly1305::new(&sealer.derive(b"seal", caller, key).into()),
            target: format!("{} {}", req.method(), req.path()),
            digest,
        }))
    }
}

/// A create's answer, as kept for replay.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn response(self, replayed: bool) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::CREATED);
        let mut builder = HttpResponse::build(status);
        builder.content_type("application/json");
        if let Some(location) = self.location {
            builder.insert_header((header::LOCATION, location));
        }
        if let Some(etag) = self.etag {
            builder.insert_header((header::ETAG, etag));
        }
        if replayed {
            builder.insert_header(("Idempotent-Replayed", "true"));
        }
        builder.body(self.body)
    }
}

/// The server's secret for kept answers (derived from the token secret).
#[derive(Clone)]
pub struct Sealer([u8; 32]);

impl Sealer {
    pub fn new(secret: &[u8]) -> Self {
        Sealer(
            Sha256::new()
                .chain_update(b"kompetensi idempotency answers\0")
                .chain_update(secret)
                .finalize()
                .into(),
        )
    }

    /// A value for one purpose, caller and key; no one without the secret can compute it.
    fn derive(&self, purpose: &[u8], caller: &str, key: &str) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.0)
            .chain_update(purpose)
            .chain_update([0])
            .chain_update(caller)
            .chain_update([0])
            .chain_update(key)
            .finalize()
            .into()
    }
}

impl Request {
    fn seal(&self, body: &[u8]) -> ApiResult<String> {
        let nonce: [u8; 24] = rand::random();
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), body)
            .map_err(|_| ApiError::Internal("cannot seal an idempotent answer".into()))?;
        Ok(format!("{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    fn open(&self, text: &str) -> ApiResult<Vec<u8>> {
        let broken = || ApiError::Internal("a kept answer does not open".into());
        let bytes = hex::decode(text).map_err(|_| broken())?;
        let (nonce, sealed) = bytes.split_at_checked(24).ok_or_else(broken)?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| broken())?;
        self.cipher
            .decrypt(&XNonce::from(nonce), sealed)
            .map_err(|_| broken())
    }
}

#[derive(Queryable)]
struct Kept {
    target: String,
    digest: String,
    status: i32,
    location: Option<String>,
    etag: Option<String>,
    body: String,
}

/// What a key already holds: the first answer to replay, a refusal (another request used the
/// key, or the first is still running), or nothing.
pub fn lookup(conn: &mut AnyConnection, request: &Request) -> ApiResult<Option<Answer>> {
    let cutoff = now() - chrono::Duration::hours(KEPT_HOURS);
    let kept: Option<Kept> = idempotency_keys::table
        .filter(idempotency_keys::handle.eq(&request.handle))
        .filter(idempotency_keys::created_at.ge(cutoff))
        .select((
            idempotency_keys::request,
            idempotency_keys::digest,
            idempotency_keys::status,
            idempotency_keys::location,
            idempotency_keys::etag,
            idempotency_keys::body,
        ))
        .first(conn)
        .optional()?;
    let Some(kept) = kept else {
        return Ok(None);
    };
    if kept.target != request.target || kept.digest != request.digest {
        return Err(ApiError::IdempotencyKeyReused);
    }
    if kept.status == 0 {
        return Err(ApiError::Conflict {
            code: "idempotency_in_progress",
            detail: "a request with this Idempotency-Key is still being processed".into(),
        });
    }
    Ok(Some(Answer {
        status: kept.status as u16,
        location: kept.location,
        etag: kept.etag,
        body: request.open(&kept.body)?,
    }))
}

/// Takes the key for this create, in its transaction (and drops answers past their time);
/// `false` when another request holds it.
pub fn reserve(tx: &mut Tx, request: &Request) -> ApiResult<bool> {
    let at = now();
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.lt(at - chrono::Duration::hours(KEPT_HOURS))),
    )
    .execute(tx.conn())?;
    let taken = diesel::sql_query(
        "INSERT INTO idempotency_keys (handle, request, digest, status, body, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (handle) DO NOTHING",
    )
    .bind::<Text, _>(&request.handle)
    .bind::<Text, _>(&request.target)
    .bind::<Text, _>(&request.digest)
    .bind::<Timestamp, _>(at)
    .execute(tx.conn())?;
    Ok(taken == 1)
}

/// Keeps the answer of the create that reserved the key.
pub fn keep(tx: &mut Tx, request: &Request, answer: &Answer) -> ApiResult<()> {
    diesel::sql_query(
        "UPDATE idempotency_keys SET status = $1, location = $2, etag = $3, body = $4 \
         WHERE handle = $5",
    )
    .bind::<Integer, _>(i32::from(answer.status))
    .bind::<diesel::sql_types::Nullable<Text>, _>(answer.location.as_deref())
    .bind::<diesel::sql_types::Nullable<Text>, _>(answer.etag.as_deref())
    .bind::<Text, _>(request.seal(&answer.body)?)
    .bind::<Text, _>(&request.handle)
    .execute(tx.conn())?;
    Ok(())
}
