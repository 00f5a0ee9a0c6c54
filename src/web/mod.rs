//! HTTP plumbing shared by every area: validated extractors, pagination, ETags, the request id,
//! the fallback for unknown routes and wrong methods, and running queries off the async workers.
//! `write` is the HTTP side of the write pipeline.

pub mod cache;
pub mod csv;
pub mod idempotency;
pub mod openapi;
pub mod routes;
pub mod write;

pub use idempotency::IdempotencyKey;
pub use write::{Created, Patch, Write};

use std::future::{ready, Ready};

use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::db::{AnyConnection, DbPool};
use crate::error::{ApiError, ApiResult, FieldErrors};

/// Runs `f` with a pooled connection on the blocking thread pool: actix workers never block.
pub async fn db<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    db_blocking(move || with_connection(&pool, f)).await
}

/// Runs `f` on the blocking thread pool (which takes its own connections).
pub async fn db_blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await?
}

/// `f` with a connection of `pool`; a connection that met an outage is not reused.
pub fn with_connection<T>(
    pool: &DbPool,
    f: impl FnOnce(&mut AnyConnection) -> ApiResult<T>,
) -> ApiResult<T> {
    let mut conn = pool.get()?;
    let result = f(&mut conn);
    if matches!(result, Err(ApiError::Unavailable)) {
        // The connection may be dead (the server restarted, the network dropped): the pool
        // replaces it instead of handing it out again, so service resumes by itself.
        crate::db::mark_broken(&mut conn);
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Validated JSON bodies

/// Secret fields keep their exact bytes: trimming a password would change it.
const UNTRIMMED_FIELDS: &[&str] = &[
    "password",
    "current_password",
    "new_password",
    "client_secret",
    "refresh_token",
];

/// A JSON body that is parsed, cleaned (strings trimmed, NUL bytes refused), deserialized with
/// unknown fields refused, and validated, all before the handler sees it. Every failure is 4xx.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let web::Json(mut value) = body.await?;
            // For a create with an Idempotency-Key: is a retry the same request?
            let bytes = serde_json::to_vec(&value).unwrap_or_default();
            req.extensions_mut()
                .insert(idempotency::BodyDigest(idempotency::digest(&bytes)));
            Ok(ValidJson(parse_value(&mut value)?))
        })
    }
}

impl ValidJson<serde_json::Value> {
    /// The JSON body with its strings cleaned, not yet given a type.
    pub fn clean(
        req: &HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> LocalBoxFuture<'static, Result<serde_json::Value, actix_web::Error>> {
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(mut value) = body.await?;
            let mut errors = FieldErrors::new();
            clean_strings(&mut value, "", &mut errors);
            if errors.is_empty() {
                Ok(value)
            } else {
                Err(ApiError::fields(errors).into())
            }
        })
    }
}

/// Cleans and validates an already parsed JSON value (also used for form bodies).
pub fn parse_value<T: DeserializeOwned + Validate>(value: &mut serde_json::Value) -> ApiResult<T> {
    let mut errors = FieldErrors::new();
    clean_strings(value, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let parsed: T = serde_path_to_error::deserialize(value.take()).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match path.as_str() {
            "." | "" => json_data_error(&inner),
            _ => ApiError::validation(&path, without_position(&inner)),
        }
    })?;
    parsed.validate().map_err(|e| validation_error(&e))?;
    Ok(parsed)
}

fn clean_strings(value: &mut serde_json::Value, path: &str, errors: &mut FieldErrors) {
    match value {
        serde_json::Value::String(s) => {
            if s.contains('\0') {
                errors
                    .entry(field_or_body(path))
                    .or_default()
                    .push("must not contain NUL bytes".into());
            } else if !UNTRIMMED_FIELDS.contains(&path.rsplit('.').next().unwrap_or(path)) {
                let trimmed = s.trim();
                if trimmed.len() != s.len() {
                    *s = trimmed.to_string();
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                clean_strings(item, &format!("{path}[{i}]"), errors);
            }
        }
        serde_json::Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if key.contains('\0') {
                    errors
                        .entry(field_or_body(path))
                        .or_default()
                        .push("field names must not contain NUL bytes".into());
                    continue;
                }
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if let Some(v) = map.get_mut(&key) {
                    clean_strings(v, &child, errors);
                }
            }
        }
        _ => {}
    }
}

fn field_or_body(path: &str) -> String {
    if path.is_empty() {
        "body".into()
    } else {
        path.into()
    }
}

/// serde's messages name the field between backticks for unknown and missing fields.
fn json_data_error(err: &serde_json::Error) -> ApiError {
    let msg = err.to_string();
    let field = if msg.starts_with("unknown field") || msg.starts_with("missing field") {
        msg.split('`').nth(1).map(str::to_string)
    } else {
        None
    };
    let text = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let text = match text.split_once(", expected one of") {
        Some((head, _)) if text.starts_with("unknown field") => format!("{head} is not accepted"),
        _ => text,
    };
    ApiError::validation(&field.unwrap_or_else(|| "body".into()), text)
}

pub fn validation_error(errors: &ValidationErrors) -> ApiError {
    let mut out = FieldErrors::new();
    flatten_validation(errors, "", &mut out);
    ApiError::fields(out)
}

fn flatten_validation(errors: &ValidationErrors, prefix: &str, out: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        let name = match (prefix.is_empty(), field.as_ref()) {
            (true, "__all__") => "body".to_string(),
            (false, "__all__") => prefix.to_string(),
            (true, f) => f.to_string(),
            (false, f) => format!("{prefix}.{f}"),
        };
        match kind {
            // Struct-level checks name the field they concern by their error code.
            ValidationErrorsKind::Field(list) if field.as_ref() == "__all__" => {
                for err in list {
                    let key = if prefix.is_empty() {
                        err.code.to_string()
                    } else {
                        format!("{prefix}.{}", err.code)
                    };
                    out.entry(key).or_default().push(describe_validation(err));
                }
            }
            ValidationErrorsKind::Field(list) => {
                let entry = out.entry(name).or_default();
                entry.extend(list.iter().map(describe_validation));
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(inner, &name, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten_validation(inner, &format!("{name}[{i}]"), out);
                }
            }
        }
    }
}

fn describe_validation(err: &validator::ValidationError) -> String {
    if let Some(message) = &err.message {
        return message.to_string();
    }
    let param = |name: &str| {
        err.params
            .get(name)
            .map(|v| v.to_string().trim_matches('"').to_string())
    };
    match err.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(eq)) => format!("must be exactly {eq} characters long"),
            (Some(min), Some(max), _) => format!("must be between {min} and {max} characters long"),
            (Some(min), None, _) => format!("must be at least {min} characters long"),
            (None, Some(max), _) => format!("must be at most {max} characters long"),
            _ => "has an invalid length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        "regex" => "has an invalid format".into(),
        other => format!("is invalid ({other})"),
    }
}

// ---------------------------------------------------------------------------------------------
// Query strings

/// A query string read and validated by `parse_query`.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for ValidQuery<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(
            parse_query(req.query_string())
                .map(ValidQuery)
                .map_err(Into::into),
        )
    }
}

/// A query string read into `T`: a value that does not parse, or breaks a rule, is 422 with
/// `errors` keyed by the parameter. (Parameters the operation does not declare were refused
/// before routing, by `strict_query`.)
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> ApiResult<T> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    if let Some((name, _)) = pairs
        .clone()
        .find(|(n, v)| n.contains('\0') || v.contains('\0'))
    {
        return Err(ApiError::validation(
            &name.replace('\0', ""),
            "must not contain NUL bytes",
        ));
    }
    let parsed: T = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
        .map_err(|e| {
            let field = e.path().to_string();
            let message = e.into_inner().to_string();
            let field = if field == "." {
                "query".to_string()
            } else {
                field
            };
            ApiError::validation(&field, message)
        })?;
    parsed.validate().map_err(|e| validation_error(&e))?;
    Ok(parsed)
}

/// `?page=&per_page=` of every list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    #[validate(range(min = 1, max = 1_000_000))]
    pub page: Option<i64>,
    /// Items per page, 1..100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    #[validate(range(min = 1, max = 100))]
    pub per_page: Option<i64>,
}

/// The fields a list may be sorted by (its `SortBy` parameter lists them as an enum).
pub trait SortFields: 'static {
    const FIELDS: &'static [&'static str];
}

/// `?sort=` of a list: its fields, comma-separated (or the parameter repeated), each ascending
/// or with `-` descending, in order of precedence; ties fall back to the id.
pub struct SortBy<L> {
    pub fields: Vec<(&'static str, bool)>,
    of: std::marker::PhantomData<L>,
}

impl<L: SortFields> SortBy<L> {
    pub fn parse(query: &str) -> ApiResult<Self> {
        let mut fields = Vec::new();
        let values = form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == "sort");
        for (_, value) in values {
            for part in value.split(',') {
                let (name, desc) = match part.strip_prefix('-') {
                    Some(rest) => (rest, true),
                    None => (part, false),
                };
                match L::FIELDS.iter().find(|f| **f == name) {
                    // The values are a set (`uniqueItems`): the same one twice is a mistake.
                    Some(field) if fields.contains(&(*field, desc)) => {
                        return Err(ApiError::validation(
                            "sort",
                            format!("`{part}` is given twice"),
                        ))
                    }
                    Some(field) => fields.push((*field, desc)),
                    None => {
                        return Err(ApiError::validation(
                            "sort",
                            format!(
                                "cannot sort by `{part}`; allowed: {} (each also with `-`)",
                                L::FIELDS.join(", ")
                            ),
                        ))
                    }
                }
            }
        }
        Ok(SortBy {
            fields,
            of: std::marker::PhantomData,
        })
    }
}

impl<L: SortFields> FromRequest for SortBy<L> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Self::parse(req.query_string()).map_err(Into::into))
    }
}

impl<L: SortFields> IntoParams for SortBy<L> {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn, ParameterStyle};
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        let values: Vec<String> = L::FIELDS
            .iter()
            .flat_map(|f| [f.to_string(), format!("-{f}")])
            .collect();
        let items = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values));
        vec![ParameterBuilder::new()
            .name("sort")
            .parameter_in(ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .style(Some(ParameterStyle::Form))
            .explode(Some(false))
            .description(Some(format!(
                "Sort by these fields in order, `-` for descending (e.g. `{}`); ties by id.",
                L::FIELDS
                    .iter()
                    .rev()
                    .take(2)
                    .enumerate()
                    .map(|(i, f)| if i == 0 {
                        f.to_string()
                    } else {
                        format!("-{f}")
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            )))
            .schema(Some(ArrayBuilder::new().items(items).unique_items(true)))
            .build()]
    }
}

impl PageParams {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1)
    }
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(20)
    }
    pub fn offset(&self) -> i64 {
        (self.page() - 1) * self.per_page()
    }

    /// `(offset, limit)` of the page.
    pub fn window(&self) -> (i64, i64) {
        (self.offset(), self.per_page())
    }
}

/// The filter of a list that has none.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct NoFilter {}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// 200 with the page and an RFC 8288 `Link` header (first/prev/next/last).
pub fn paginated<T: Serialize>(
    req: &HttpRequest,
    params: &PageParams,
    total: i64,
    items: Vec<T>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::LINK, page_links(req, params, total)))
        .json(Paginated {
            items,
            total,
            page: params.page(),
            per_page: params.per_page(),
        })
}

/// The RFC 8288 `Link` header of a page: first, previous, next and last, each the request's
/// own URL with another `page`.
pub fn page_links(req: &HttpRequest, params: &PageParams, total: i64) -> String {
    let page = params.page();
    let per_page = params.per_page();
    let last = ((total + per_page - 1) / per_page).max(1);
    let link_to = |p: i64| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "page")
                .collect();
        pairs.push(("page".into(), p.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("<{}?{}>", req.path(), query)
    };
    let mut links = vec![format!("{}; rel=\"first\"", link_to(1))];
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
    }
    links.push(format!("{}; rel=\"last\"", link_to(last)));
    links.join(", ")
}

// ---------------------------------------------------------------------------------------------
// Versions, ETag and If-Match

/// The `If-Match` precondition (RFC 9110 §13.1.1): `None` when absent or `*` (last writer
/// wins), else the versions of the listed entity-tags. A tag we never issued (`"abc"`) matches
/// nothing (412); a header that is not an entity-tag list at all is malformed (400).
#[derive(Clone, Debug, Default)]
pub struct IfMatch(pub Option<Vec<i64>>);

/// One entity-tag: `"7"`, `W/"7"` (weak tags are compared weakly: a version is a version) or,
/// leniently, a bare `7`. `Some(None)`: well-formed but not ours.
fn entity_tag(tag: &str) -> Option<Option<i64>> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    if let Some(inner) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        if inner.contains('"') {
            return None;
        }
        return Some(inner.parse().ok());
    }
    tag.parse().ok().map(Some)
}

/// An optional request header as the OpenAPI document describes it (`IfMatch`,
/// `IdempotencyKey`).
pub(crate) fn optional_header(
    name: &str,
    description: &str,
    schema: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::path::Parameter {
    utoipa::openapi::path::ParameterBuilder::new()
        .name(name)
        .parameter_in(utoipa::openapi::path::ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// The header, for the OpenAPI document of every write under a precondition.
impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        vec![optional_header(
            "If-Match",
            "The ETag read before; 412 when stale",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
        )]
    }
}

impl IfMatch {
    pub fn from_headers(req: &HttpRequest) -> ApiResult<Self> {
        let Some(raw) = req.headers().get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let malformed = || {
            ApiError::BadRequest(
                "If-Match is not an entity-tag: send the ETag you read (e.g. \"3\"), or leave the header out"
                    .into(),
            )
        };
        let value = raw
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(malformed)?;
        if value == "*" {
            return Ok(IfMatch(None));
        }
        let mut versions = Vec::new();
        for tag in value.split(',') {
            match entity_tag(tag) {
                Some(Some(v)) => versions.push(v),
                Some(None) => {}
                None => return Err(malformed()),
            }
        }
        Ok(IfMatch(Some(versions)))
    }

    /// 412 when a precondition was sent and none of its tags is the stored version.
    pub fn check(&self, current: i64) -> ApiResult<()> {
        match &self.0 {
            Some(versions) if !versions.contains(&current) => Err(ApiError::PreconditionFailed),
            _ => Ok(()),
        }
    }
}

pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// 200 with the object and its `ETag`.
pub fn ok_versioned<T: Serialize>(body: &T, version: i64) -> HttpResponse {
    HttpResponse::Ok().insert_header(etag(version)).json(body)
}

/// 201 with `Location`, the object and its `ETag`.
pub fn created<T: Serialize>(location: String, body: &T, version: i64) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(etag(version))
        .json(body)
}

// ---------------------------------------------------------------------------------------------
// Request identity: id and client address

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Who sent the request, for the audit log and rate limits.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(request_meta(req)))
    }
}

pub fn request_meta(req: &HttpRequest) -> RequestMeta {
    let trusted = req
        .app_data::<web::Data<crate::AppState>>()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let ip = req
        .peer_addr()
        .map(|peer| client_address(peer.ip(), &forwarded, trusted).to_string());
    RequestMeta {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ip,
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then, walking
/// `X-Forwarded-For` from the right (each proxy appends the address it saw), the first address
/// that is not a trusted proxy. Entries left of it are the client's to write, and ignored.
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded_for: &str,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    for entry in forwarded_for.rsplit(',').map(str::trim) {
        match entry.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // Garbage in the header: stop at the last address a trusted proxy vouched for.
            Err(_) => break,
        }
    }
    client
}

/// Gives every request an id (kept from a sane incoming `X-Request-Id`), echoes it, adds the
/// security headers, and answers problems in Indonesian for `Accept-Language: id`.
pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let incoming = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string);
    let id = incoming.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let is_api = req.path().starts_with("/api/v1")
        || req.path().starts_with("/health")
        || req.path() == "/metrics";
    let indonesian = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("id"));
    // A method no route has is answered here, and labelled `OTHER` for the metrics (which read
    // the method from the request): whatever methods clients invent, the series stay bounded.
    let invented = ![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(req.method());
    let invented = invented.then(|| {
        let method = req.method().to_string();
        req.head_mut().method = Method::from_bytes(b"OTHER").unwrap_or(Method::GET);
        method
    });
    // HEAD is routed as GET, and answered as GET without its body (see `without_body`).
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let unknown = match req.query_string() {
        "" => None,
        query => req
            .app_data::<web::Data<RouteTable>>()
            .and_then(|routes| routes.unknown_query(req.method(), req.path(), query)),
    };
    let if_none_match = (req.method() == Method::GET)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let mut res = match (invented, unknown) {
        (Some(method), _) => {
            let error = match req
                .app_data::<web::Data<RouteTable>>()
                .and_then(|routes| routes.allowed(req.path()))
            {
                Some(allow) => ApiError::MethodNotAllowed {
                    method,
                    allow: allow.to_vec(),
                },
                None => ApiError::NotFound,
            };
            let (http, _) = req.into_parts();
            ServiceResponse::new(http, error.error_response())
        }
        (None, Some(errors)) => {
            let (http, _) = req.into_parts();
            ServiceResponse::new(http, ApiError::fields(errors).error_response())
        }
        (None, None) => next.call(req).await?.map_into_boxed_body(),
    };
    if let Some(tags) = if_none_match {
        res = not_modified(res, &tags);
    }
    let mut is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == crate::error::PROBLEM_JSON.as_bytes());
    // A refusal by a layer with its own plain-text errors (a CORS preflight from an origin not
    // allowed) is answered as problem+json too.
    if is_api && !is_problem && (res.status().is_client_error() || res.status().is_server_error()) {
        res = as_problem(res).await;
        is_problem = true;
    }
    if indonesian && is_problem {
        res = translate_problem(res).await;
    }
    let headers = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        headers.insert(header::HeaderName::from_static("x-request-id"), v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    // No page of this service may be framed (clickjacking), Swagger UI included; API answers
    // load nothing at all.
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(if is_api {
            "default-src 'none'; frame-ancestors 'none'"
        } else {
            "frame-ancestors 'none'"
        }),
    );
    if is_api {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(if head { without_body(res) } else { res })
}

/// A body kept in memory, sent in slices of [`Slices::SLICE`] bytes with its whole length as
/// `Content-Length`. The HTTP layer copies each chunk it takes into the connection's write buffer
/// and takes the next only once that has drained, so a large shared answer (a cached report)
/// costs each connection one slice, not a copy of the whole.
pub struct Slices(web::Bytes);

impl Slices {
    /// Large enough that a kept report sent compressed goes in one (20k employees: the training
    /// evaluation, 145 KB gzipped): measured under c32 it came at 10–12k req/s, against 6–7k in
    /// 64 KiB slices and 1.3k in 16 KiB ones. The connection's buffer gives back what it grew
    /// beyond 128 KiB once drained.
    const SLICE: usize = 256 * 1024;

    pub fn new(body: web::Bytes) -> Self {
        Slices(body)
    }
}

impl actix_web::body::MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(None);
        }
        let n = self.0.len().min(Self::SLICE);
        std::task::Poll::Ready(Some(Ok(self.0.split_to(n))))
    }
}

/// A plain error answer as problem+json with its status, its text as the detail (4xx).
async fn as_problem(
    res: ServiceResponse<actix_web::body::BoxBody>,
) -> ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let (req, res) = res.into_parts();
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let text: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
    let error = match status.as_u16() {
        401 => ApiError::Unauthorized(text),
        403 => ApiError::Forbidden(text),
        404 => ApiError::NotFound,
        400..=499 => ApiError::BadRequest(text),
        _ => ApiError::Internal(text),
    };
    let mut answer = error.error_response();
    *answer.status_mut() = status;
    ServiceResponse::new(req, answer)
}

/// The answer to a HEAD: the GET's status and headers, and no body. The body stands in with
/// the GET body's size, so the HTTP layer still sends the GET's `Content-Length` (RFC 9110
/// §9.3.2); it writes no body for a HEAD whatever the size says.
fn without_body(
    res: ServiceResponse<actix_web::body::BoxBody>,
) -> ServiceResponse<actix_web::body::BoxBody> {
    use actix_web::body::MessageBody;
    res.map_body(|_, body| HeadBody(body.size()).boxed())
}

struct HeadBody(actix_web::body::BodySize);

impl actix_web::body::MessageBody for HeadBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        self.0
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

/// 304 without a body when the response's `ETag` is among the request's `If-None-Match` tags
/// (weakly compared, as RFC 9110 wants for GET).
fn not_modified(
    res: ServiceResponse<actix_web::body::BoxBody>,
    tags: &header::HeaderValue,
) -> ServiceResponse<actix_web::body::BoxBody> {
    let Some(etag) = res.headers().get(header::ETAG).cloned() else {
        return res;
    };
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let current = bare(etag.to_str().unwrap_or_default());
    let matches = tags
        .to_str()
        .unwrap_or_default()
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == current);
    if !matches || res.status() != actix_web::http::StatusCode::OK {
        return res;
    }
    let (req, _) = res.into_parts();
    let reply = HttpResponse::NotModified()
        .insert_header((header::ETAG, etag))
        .finish();
    ServiceResponse::new(req, reply)
}

/// Rewrites a problem body's title and detail in Indonesian (by its stable code).
async fn translate_problem(
    res: ServiceResponse<actix_web::body::BoxBody>,
) -> ServiceResponse<actix_web::body::BoxBody> {
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<crate::error::Problem>(&bytes) {
        Ok(mut problem) => {
            if let Some((title, detail)) = crate::error::indonesian(&problem.code) {
                problem.title = title.into();
                problem.detail = format!("{detail} ({})", problem.detail);
                head.headers_mut().insert(
                    header::CONTENT_LANGUAGE,
                    header::HeaderValue::from_static("id"),
                );
            }
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    head.headers_mut().remove(header::CONTENT_LENGTH);
    ServiceResponse::new(req, head.set_body(actix_web::body::BoxBody::new(body)))
}

// ---------------------------------------------------------------------------------------------
// Unknown routes and wrong methods

/// Every documented path with its methods and the query parameters each declares, taken from
/// the OpenAPI document, so a wrong method on a known path answers 405 with `Allow`, anything
/// else 404, and a query parameter an operation does not declare 422.
pub struct RouteTable(Vec<Route>);

struct Route {
    def: ResourceDef,
    methods: Vec<String>,
    /// Per method, the query parameters it takes.
    query: Vec<(String, Vec<String>)>,
}

/// Query parameters that work without being documented: `format` on a report or export whose
/// CSV has its own operation (`<path>.csv`).
const UNDOCUMENTED: &[&str] = &["format"];

/// What [`RouteTable`] reads of a path of the OpenAPI document.
#[derive(Deserialize)]
struct PathItem {
    get: Option<Operation>,
    post: Option<Operation>,
    put: Option<Operation>,
    patch: Option<Operation>,
    delete: Option<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    #[serde(default)]
    parameters: Vec<Parameter>,
}

/// A parameter written out (a `$ref` has neither field, and is not a query parameter here).
#[derive(Deserialize)]
struct Parameter {
    #[serde(default)]
    name: String,
    #[serde(rename = "in", default)]
    location: String,
}

impl RouteTable {
    /// The table of the OpenAPI document `json` (the committed one, which a test keeps equal
    /// to the routes' description), read once per process.
    pub fn from_document(json: &[u8]) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Document {
            paths: serde_json::Map<String, serde_json::Value>,
        }
        let unreadable = |e: serde_json::Error| format!("cannot read the OpenAPI document: {e}");
        let doc: Document = serde_json::from_slice(json).map_err(unreadable)?;
        let mut routes = Vec::new();
        for (path, item) in &doc.paths {
            let item = PathItem::deserialize(item).map_err(unreadable)?;
            let mut methods: Vec<String> = Vec::new();
            let mut query = Vec::new();
            let ops = [
                ("GET", item.get),
                ("POST", item.post),
                ("PUT", item.put),
                ("PATCH", item.patch),
                ("DELETE", item.delete),
            ];
            let has_twin = doc.paths.contains_key(&format!("{path}.csv"));
            for (name, op) in ops {
                let Some(op) = op else { continue };
                methods.push(name.into());
                let mut names: Vec<String> = op
                    .parameters
                    .into_iter()
                    .filter(|p| p.location == "query")
                    .map(|p| p.name)
                    .collect();
                if has_twin {
                    names.extend(UNDOCUMENTED.iter().map(|n| n.to_string()));
                }
                query.push((name.to_string(), names));
            }
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".into());
            }
            routes.push(Route {
                def: ResourceDef::new(path.as_str()),
                methods,
                query,
            });
        }
        Ok(RouteTable(routes))
    }

    fn route(&self, path: &str) -> Option<&Route> {
        self.0.iter().find(|r| r.def.is_match(path))
    }

    fn allowed(&self, path: &str) -> Option<&[String]> {
        self.route(path).map(|r| r.methods.as_slice())
    }

    /// The query parameters of `query` that the operation does not take, as field errors.
    fn unknown_query(&self, method: &Method, path: &str, query: &str) -> Option<FieldErrors> {
        let route = self.route(path)?;
        let (_, names) = route.query.iter().find(|(m, _)| m == method.as_str())?;
        let mut errors = FieldErrors::new();
        for (key, _) in form_urlencoded::parse(query.as_bytes()) {
            if !names.iter().any(|n| *n == key) {
                errors.insert(
                    key.into_owned(),
                    vec![match names.is_empty() {
                        true => "this operation takes no query parameters".into(),
                        false => format!("is not a parameter here; known: {}", names.join(", ")),
                    }],
                );
            }
        }
        (!errors.is_empty()).then_some(errors)
    }
}

pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    match routes.allowed(path) {
        Some(allow) if *req.method() == Method::OPTIONS => Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow.join(", ")))
            .finish()),
        Some(allow) => Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.to_vec(),
        }),
        None => Err(ApiError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------------
// Extractor failures → problem+json

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError as E;
            let api = match &err {
                E::OverflowKnownLength { .. } | E::Overflow { .. } => {
                    ApiError::PayloadTooLarge("the JSON body is larger than 64 KiB".into())
                }
                E::ContentType => {
                    ApiError::UnsupportedMediaType("the body must be application/json".into())
                }
                E::Deserialize(e) if e.is_data() => json_data_error(e),
                E::Deserialize(e) => ApiError::BadRequest(format!(
                    "the body is not valid JSON: {}",
                    without_position(e)
                )),
                other => ApiError::BadRequest(format!("the body could not be read: {other}")),
            };
            api.into()
        })
}

fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    s.split(" at line ").next().unwrap_or(&s).to_string()
}

/// A path segment that does not read as its parameter: 422 naming the parameter (every path
/// parameter is an integer id).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, req| {
        let mut errors = FieldErrors::new();
        for (name, value) in req.match_info().iter() {
            if value.parse::<i64>().map_or(true, |v| v < 1) {
                errors.insert(
                    name.to_string(),
                    vec!["must be an id: an integer from 1".into()],
                );
            }
        }
        if errors.is_empty() {
            errors.insert("path".into(), vec!["is not valid".into()]);
        }
        ApiError::fields(errors).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::validation("query", err.to_string()).into())
}

pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| {
            use actix_web::error::UrlencodedError as E;
            let api = match err {
                E::Overflow { .. } => {
                    ApiError::PayloadTooLarge("the form body is larger than 64 KiB".into())
                }
                E::ContentType => ApiError::UnsupportedMediaType("the body must be a form".into()),
                other => ApiError::BadRequest(format!("the form body is invalid: {other}")),
            };
            api.into()
        })
}

/// A file's bytes in the OpenAPI document (`type: string, format: binary`), so generated
/// clients hand a PDF or an image over as a file, not as JSON.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// Reads a raw body of at most `limit` bytes (413 with `too_large` beyond it).
pub async fn read_body(
    mut payload: web::Payload,
    limit: usize,
    too_large: &str,
) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(too_large.into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod client_address_tests {
    use super::client_address;

    #[test]
    fn the_right_most_untrusted_address_is_the_clients() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // Not through a trusted proxy: the header is the client's own, and ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), "1.2.3.4", &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: what it appended, not what the client put first.
        assert_eq!(
            client_address(ip("10.0.0.5"), "1.2.3.4, 198.51.100.7", &trusted),
            ip("198.51.100.7")
        );
        // Two trusted hops.
        assert_eq!(
            client_address(ip("10.0.0.5"), "9.9.9.9, 198.51.100.7, 10.0.0.6", &trusted),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy itself, or the last vouched-for address.
        assert_eq!(client_address(ip("10.0.0.5"), "", &trusted), ip("10.0.0.5"));
        assert_eq!(
            client_address(ip("10.0.0.5"), "198.51.100.7, junk, 10.0.0.6", &trusted),
            ip("10.0.0.6")
        );
        // Nothing trusted: always the peer.
        assert_eq!(
            client_address(ip("10.0.0.5"), "1.2.3.4", &[]),
            ip("10.0.0.5")
        );
    }
}

#[cfg(test)]
mod slices_tests {
    use super::Slices;
    use actix_web::body::{BodySize, MessageBody};

    #[actix_web::test]
    async fn a_large_body_goes_in_slices_with_its_whole_length() {
        let whole: Vec<u8> = (0..Slices::SLICE * 5 / 2)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut body = Box::pin(Slices::new(whole.clone().into()));
        assert_eq!(body.size(), BodySize::Sized(whole.len() as u64));
        let mut chunks = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            chunks.push(chunk.unwrap());
        }
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![Slices::SLICE, Slices::SLICE, Slices::SLICE / 2]);
        assert_eq!(chunks.concat(), whole);
    }
}
