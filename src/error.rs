//! One error type for the whole API, rendered as RFC 9457 problem+json in one place.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{detail}")]
    Validation { detail: String, errors: FieldErrors },
    /// A 422 for a domain rule, with its own code (`attendance_below_minimum`) and the field
    /// it is about.
    #[error("{detail}")]
    Rule {
        code: &'static str,
        field: String,
        detail: String,
    },
    #[error("{} row(s) of the file are invalid; nothing was written", .0.len())]
    InvalidRows(Vec<RowError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the requested resource was not found")]
    NotFound,
    #[error("the method {method} is not allowed on this resource")]
    MethodNotAllowed { method: String, allow: Vec<String> },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error(
        "the resource was changed since you read it (If-Match does not match the current version)"
    )]
    PreconditionFailed,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// The database aborted the transaction for a deadlock or a serialization failure. The
    /// write pipeline retries it; this reaches the client only when that kept happening.
    #[error("concurrent changes to the same data kept colliding; try again")]
    Contention,
    /// Every password-hashing slot stayed taken (a flood of sign-ins): try again shortly.
    #[error("too many sign-ins at once; try again in a moment")]
    Overloaded,
    /// An `Idempotency-Key` sent again with another request.
    #[error("this Idempotency-Key was used with another request; use a new key")]
    IdempotencyKeyReused,
    #[error("an internal error occurred")]
    Internal(String),
}

/// The problem+json body (RFC 9457). `errors` appears on 422 only.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[schema(example = "about:blank")]
    pub r#type: String,
    pub title: String,
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `conflict`.
    #[schema(example = "not_found")]
    pub code: String,
    /// On 422: each invalid field or parameter with its messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ValidationErrors>)]
    pub errors: Option<ProblemErrors>,
}

/// A 422 of a file import: `errors` lists each bad cell (or, for a bad query parameter, is
/// keyed by the parameter, as any 422).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ImportProblem {
    #[schema(example = "about:blank")]
    pub r#type: String,
    pub title: String,
    #[schema(minimum = 422, maximum = 422)]
    pub status: u16,
    pub detail: String,
    #[schema(example = "validation_failed")]
    pub code: String,
    pub errors: ImportErrors,
}

/// The bad cells of an imported file, or the bad query parameters.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImportErrors {
    Rows(Vec<RowError>),
    Parameters(ValidationErrors),
}

/// Each invalid field or parameter (a dotted path for nested fields, `items[2].status`), with
/// its messages.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ValidationErrors(pub FieldErrors);

impl utoipa::PartialSchema for ValidationErrors {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Type};
        let messages = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
        ObjectBuilder::new()
            .description(Some(
                "Each invalid field or parameter (a dotted path for nested fields, \
                 `items[2].status`), with its messages.",
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(messages.build().into())))
            .examples([serde_json::json!({"name": ["must be between 1 and 200 characters long"]})])
            .into()
    }
}

impl ToSchema for ValidationErrors {}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ProblemErrors {
    Fields(FieldErrors),
    Rows(Vec<RowError>),
}

/// One bad cell of an imported file. Row 1 is the header.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), vec![message.into()]);
        ApiError::Validation {
            detail: "the request is invalid".into(),
            errors,
        }
    }

    pub fn fields(errors: FieldErrors) -> Self {
        ApiError::Validation {
            detail: "the request is invalid".into(),
            errors,
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code: "conflict",
            detail: detail.into(),
        }
    }

    /// The same error with its field names under `prefix` (`items[3].status`), for an error
    /// about one item of a list.
    pub fn within(self, prefix: &str) -> Self {
        match self {
            ApiError::Validation { detail, errors } => ApiError::Validation {
                detail,
                errors: errors
                    .into_iter()
                    .map(|(field, messages)| (format!("{prefix}.{field}"), messages))
                    .collect(),
            },
            ApiError::Rule {
                code,
                field,
                detail,
            } => ApiError::Rule {
                code,
                field: format!("{prefix}.{field}"),
                detail,
            },
            other => other,
        }
    }

    pub fn forbidden() -> Self {
        ApiError::Forbidden("your role may not do this".into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Validation { .. } | ApiError::InvalidRows(_) => "validation_failed",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict { code, .. } | ApiError::Rule { code, .. } => code,
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable => "service_unavailable",
            ApiError::Contention => "contention",
            ApiError::Overloaded => "overloaded",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Bad request",
            ApiError::Validation { .. } | ApiError::Rule { .. } | ApiError::InvalidRows(_) => {
                "Validation failed"
            }
            ApiError::IdempotencyKeyReused => "Idempotency key reused",
            ApiError::Unauthorized(_) => "Unauthorized",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::NotFound => "Not found",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::PreconditionFailed => "Precondition failed",
            ApiError::PayloadTooLarge(_) => "Payload too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::RateLimited { .. } => "Too many requests",
            ApiError::Unavailable => "Service unavailable",
            ApiError::Contention | ApiError::Overloaded => "Busy",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    pub fn problem(&self) -> Problem {
        let detail = match self {
            // Internals are logged, never sent.
            ApiError::Internal(_) => "an internal error occurred".to_string(),
            other => other.to_string(),
        };
        Problem {
            r#type: "about:blank".into(),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail,
            code: self.code().into(),
            errors: match self {
                ApiError::Validation { errors, .. } => Some(ProblemErrors::Fields(errors.clone())),
                ApiError::Rule { field, detail, .. } => Some(ProblemErrors::Fields(
                    [(field.clone(), vec![detail.clone()])].into(),
                )),
                ApiError::InvalidRows(rows) => Some(ProblemErrors::Rows(rows.clone())),
                ApiError::IdempotencyKeyReused => Some(ProblemErrors::Fields(
                    [(
                        "Idempotency-Key".to_string(),
                        vec!["was used with another request".to_string()],
                    )]
                    .into(),
                )),
                _ => None,
            },
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. }
            | ApiError::Rule { .. }
            | ApiError::InvalidRows(_)
            | ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::Contention | ApiError::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(msg) = self {
            log::error!("internal error: {msg}");
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::RateLimited { retry_after } => {
                builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                builder.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::Unavailable => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Contention | ApiError::Overloaded => {
                builder.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        builder.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error as E};
        match err {
            E::NotFound => ApiError::NotFound,
            E::DatabaseError(Kind::UniqueViolation, info) => {
                log::debug!("unique violation: {}", info.message());
                ApiError::conflict("a resource with the same unique value already exists")
            }
            E::DatabaseError(Kind::ForeignKeyViolation, info) => {
                log::debug!("foreign key violation: {}", info.message());
                ApiError::conflict("the resource is referenced by, or refers to, another resource")
            }
            E::DatabaseError(Kind::CheckViolation, info) => {
                log::warn!("check violation: {}", info.message());
                ApiError::conflict(
                    "the change would break a data rule (for example more enrolments than seats)",
                )
            }
            E::DatabaseError(Kind::ClosedConnection, _) => ApiError::Unavailable,
            E::DatabaseError(Kind::SerializationFailure, _) => ApiError::Contention,
            // 40P01 has no kind of its own in diesel; PostgreSQL's message names it.
            E::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                ApiError::Contention
            }
            E::DatabaseError(_, info) if is_unavailable_message(info.message()) => {
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Connection-level failures that mean "the database is down", not "the query is wrong".
fn is_unavailable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("server closed the connection")
        || m.contains("connection refused")
        || m.contains("terminating connection")
        || m.contains("no connection to the server")
        || m.contains("could not connect")
        || m.contains("the database system is")
}

impl From<crate::db::PoolError> for ApiError {
    fn from(err: crate::db::PoolError) -> Self {
        log::warn!("database pool: {err}");
        ApiError::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Internal("blocking task was cancelled".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The problem responses the API documents, one row per status: (status, code, title,
/// description, detail of the example).
const DOCUMENTED: &[(u16, &str, &str, &str, &str)] = &[
    (
        400,
        "bad_request",
        "Bad request",
        "The body is not JSON at all or not readable, or If-Match is not a list of entity-tags",
        "the body is not valid JSON: expected value",
    ),
    (
        401,
        "unauthorized",
        "Unauthorized",
        "Missing, invalid or expired access token",
        "an access token is required (Authorization: Bearer <token>)",
    ),
    (
        403,
        "forbidden",
        "Forbidden",
        "The caller's role or scope may not do this",
        "your role may not do this",
    ),
    (
        404,
        "not_found",
        "Not found",
        "Not found, or not visible to the caller",
        "the requested resource was not found",
    ),
    (
        409,
        "conflict",
        "Conflict",
        "Conflict: a duplicate, a row still in use, or a state that does not allow it",
        "a resource with the same unique value already exists",
    ),
    (
        412,
        "precondition_failed",
        "Precondition failed",
        "If-Match does not match the current version: read it again",
        "the resource was changed since you read it (If-Match does not match the current version)",
    ),
    (
        413,
        "payload_too_large",
        "Payload too large",
        "The body is larger than the limit",
        "the JSON body is larger than 64 KiB",
    ),
    (
        415,
        "unsupported_media_type",
        "Unsupported media type",
        "The body is not of the content type the operation takes",
        "the body must be application/json",
    ),
    (
        422,
        "validation_failed",
        "Validation failed",
        "Invalid fields or parameters; `errors` names each",
        "the request is invalid",
    ),
    (
        429,
        "rate_limited",
        "Too many requests",
        "Too many attempts; wait `Retry-After` seconds",
        "too many attempts; try again in 60 seconds",
    ),
    (
        503,
        "service_unavailable",
        "Service unavailable",
        "The database is unavailable or busy; retry after `Retry-After` seconds",
        "the database is unavailable; try again shortly",
    ),
];

/// The problem responses of one kind of operation, each with its example, for the OpenAPI
/// document: `problem_responses!(ReadErrors: 401, 403, 404, 422, 503)`.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident: $($status:literal),+;)+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                problem_responses(&[$($status),+])
            }
        }
    )+};
}

problem_responses! {
    /// What a read of one resource can answer besides 200.
    ReadErrors: 401, 403, 404, 422, 503;
    /// What a list or a report can answer besides 200.
    ListErrors: 401, 403, 422, 503;
    /// What a create can answer besides 201.
    CreateErrors: 400, 401, 403, 404, 409, 413, 415, 422, 503;
    /// What a change under `If-Match` (PATCH, PUT, a state change) can answer besides 200.
    WriteErrors: 400, 401, 403, 404, 409, 412, 413, 415, 422, 503;
    /// What a delete can answer besides 204 (400: an `If-Match` that is not an entity-tag list).
    DeleteErrors: 400, 401, 403, 404, 409, 412, 422, 503;
    /// What an action without a precondition (a bulk update, feedback) can answer besides 2xx.
    ActionErrors: 400, 401, 403, 404, 409, 413, 415, 422, 503;
    /// What a password change can answer besides 204 (429: wrong current passwords count as
    /// failed sign-ins).
    PasswordErrors: 400, 401, 403, 404, 409, 413, 415, 422, 429, 503;
    /// What a sign-in or token exchange can answer besides 200.
    SignInErrors: 400, 401, 413, 415, 422, 429, 503;
    /// What the public certificate check can answer besides 200.
    VerifyErrors: 404, 422, 429, 503;
    /// What the liveness probe can answer besides 200 (a query parameter: it takes none).
    LiveErrors: 422;
    /// What the readiness probe can answer besides 200.
    ReadyErrors: 422, 503;
    /// What a file import can answer besides 200 and its own 422 (`ImportProblem`).
    ImportFileErrors: 400, 401, 403, 409, 413, 415, 503;
}

/// The documented problem responses for these statuses.
pub fn problem_responses(
    statuses: &[u16],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
{
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
    statuses
        .iter()
        .filter_map(|status| DOCUMENTED.iter().find(|row| row.0 == *status))
        .map(|&(status, code, title, description, detail)| {
            let mut example = serde_json::json!({
                "type": "about:blank", "title": title, "status": status, "detail": detail, "code": code,
            });
            if status == 422 {
                example["errors"] = serde_json::json!({"name": ["must be between 1 and 200 characters long"]});
            }
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .example(Some(example))
                .build();
            let mut response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, content);
            let seconds = || ObjectBuilder::new().schema_type(Type::Integer).build();
            match status {
                429 | 503 => {
                    response = response.header(
                        "Retry-After",
                        HeaderBuilder::new()
                            .schema(Some(seconds()))
                            .description(Some("Seconds to wait before trying again"))
                            .build(),
                    )
                }
                401 => {
                    response = response.header(
                        "WWW-Authenticate",
                        HeaderBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                            .description(Some("`Bearer`"))
                            .build(),
                    )
                }
                _ => {}
            }
            (status.to_string(), response.build().into())
        })
        .collect()
}

/// Indonesian title and detail for a problem code (`Accept-Language: id`). The specific English
/// detail follows in parentheses where it says more than the code.
pub fn indonesian(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "bad_request" => (
            "Permintaan tidak valid",
            "Permintaan tidak dapat dibaca: periksa JSON, parameter kueri, atau path",
        ),
        "validation_failed" => (
            "Validasi gagal",
            "Ada isian yang tidak valid; lihat `errors`",
        ),
        "unauthorized" => (
            "Tidak terautentikasi",
            "Token akses tidak ada, tidak valid, atau kedaluwarsa",
        ),
        "forbidden" => (
            "Akses ditolak",
            "Peran atau cakupan Anda tidak mengizinkan tindakan ini",
        ),
        "not_found" => (
            "Tidak ditemukan",
            "Sumber daya yang diminta tidak ditemukan",
        ),
        "method_not_allowed" => (
            "Metode tidak diizinkan",
            "Metode ini tidak diizinkan untuk sumber daya ini",
        ),
        "conflict" => (
            "Konflik",
            "Permintaan bertentangan dengan keadaan data saat ini",
        ),
        "capacity_full" => ("Kuota penuh", "Kuota peserta pelatihan sudah penuh"),
        "quota_exceeded" => (
            "Kuota unit habis",
            "Kuota usulan peserta untuk unit Anda pada pelatihan ini sudah habis",
        ),
        "nomination_required" => (
            "Perlu usulan",
            "Pelatihan ini hanya menerima peserta melalui usulan atasan unit",
        ),
        "training_not_held" => (
            "Pelatihan belum berlangsung",
            "Kehadiran dan hasil baru dapat dicatat setelah pelatihan berlangsung",
        ),
        "attendance_below_minimum" => (
            "Kehadiran kurang",
            "Kehadiran di bawah batas minimum untuk kelulusan pelatihan klasikal",
        ),
        "idempotency_key_reused" => (
            "Kunci idempoten terpakai",
            "Idempotency-Key ini sudah dipakai untuk permintaan lain; gunakan kunci baru",
        ),
        "precondition_failed" => (
            "Prasyarat gagal",
            "Data telah berubah sejak Anda membacanya (If-Match tidak cocok)",
        ),
        "payload_too_large" => (
            "Muatan terlalu besar",
            "Isi permintaan melebihi batas ukuran",
        ),
        "unsupported_media_type" => (
            "Jenis media tidak didukung",
            "Jenis konten permintaan tidak didukung",
        ),
        "rate_limited" => (
            "Terlalu banyak permintaan",
            "Terlalu banyak percobaan; coba lagi nanti",
        ),
        "service_unavailable" => (
            "Layanan tidak tersedia",
            "Basis data tidak tersedia; coba lagi sebentar lagi",
        ),
        "overloaded" => (
            "Sedang sibuk",
            "Terlalu banyak proses masuk bersamaan; coba lagi sebentar lagi",
        ),
        "contention" => (
            "Sedang sibuk",
            "Perubahan bersamaan pada data yang sama terus berbenturan; coba lagi",
        ),
        "internal_error" => ("Kesalahan internal", "Terjadi kesalahan internal"),
        _ => return None,
    })
}
