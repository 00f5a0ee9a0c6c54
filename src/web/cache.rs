//! Answers kept in memory while nothing they read has changed: reports (`reports::routes`) and
//! the pages of lists (`list_route!`) and employees' records ([`record`]).
//!
//! An answer is kept under (what was asked, what the caller may see, the request's parameters,
//! today, and the data versions of the kinds of entity the answer reads). Every committed write
//! moves the versions of the kinds it recorded (`db::versions`), so the next request after a
//! write that touches what an answer reads has a new key and computes afresh; a write of
//! anything else leaves the answer in place. Each request reads the versions (one statement)
//! before looking, so no answer is served after the write that made it stale has been
//! acknowledged, on any instance. Concurrent requests for one key wait for one computation.
//! `Cache-Control: no-cache` computes afresh (and keeps that answer). A large answer goes
//! compressed (zstd or gzip) to clients that accept it ([`Body`]).

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::http::header::{self, ContentType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDate;
use moka::future::Cache;
use prometheus::{IntCounterVec, Registry};

use serde::Serialize;

use super::{page_links, PageParams, Paginated, Slices};
use crate::auth::{ActorKind, Caller, Role};
use crate::db::versions::{Kinds, Versions};
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::types::{EmployeeId, UnitId};
use crate::AppState;

/// How long an answer is kept at most: the bound on staleness from changes the versions do not
/// see (made beside the service, or lost with a killed process between commit and version).
pub const TTL: Duration = Duration::from_secs(60);

/// What decides which rows a caller is shown (`Caller::reach`, drafts): callers alike in these
/// share answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Viewer {
    kind: ActorKind,
    role: Option<Role>,
    unit: Option<UnitId>,
    employee: Option<EmployeeId>,
}

/// One answer's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    what: &'static str,
    viewer: Viewer,
    params: String,
    today: NaiveDate,
    versions: Versions,
}

impl Key {
    /// `what` names the report or list, `params` the request's parameters as text (their
    /// `Debug`), `reads` the kinds the answer comes from.
    pub fn new(
        what: &'static str,
        caller: &Caller,
        params: String,
        reads: Kinds,
        versions: &Versions,
    ) -> Key {
        Key {
            what,
            viewer: Viewer {
                kind: caller.kind,
                role: caller.role,
                unit: caller.unit_id,
                employee: caller.employee_id,
            },
            params,
            today: crate::types::today(),
            versions: versions.of(reads),
        }
    }
}

/// What a kept answer weighs against the cache's capacity.
pub trait Weighed: Clone + Send + Sync + 'static {
    fn bytes(&self) -> usize;
}

/// A kept answer's bytes, and the same bytes compressed for the clients that accept it (a
/// browser always does): a report of a few hundred kilobytes to megabytes of JSON or CSV is a
/// tenth to a twentieth of that on the wire. Each encoding is made once, by the first client
/// that takes it, off the worker thread; answers under [`Body::COMPRESS_FROM`] bytes are always
/// sent as they are.
#[derive(Clone)]
pub struct Body {
    plain: Bytes,
    gzip: Arc<OnceLock<Option<Bytes>>>,
    zstd: Arc<OnceLock<Option<Bytes>>>,
}

impl Body {
    pub const COMPRESS_FROM: usize = 8 * 1024;
    /// The largest answer compressed at the slower, smaller levels ([`Coding::compress`]).
    const BEST_UP_TO: usize = 4 << 20;

    pub fn new(plain: Bytes) -> Self {
        Body {
            plain,
            gzip: Arc::default(),
            zstd: Arc::default(),
        }
    }

    /// `builder`'s response with this body, compressed when the request accepts a coding we
    /// make ([`Coding::chosen`]); `Vary: Accept-Encoding` either way, since the representation
    /// depends on it. Sent in slices, so a large kept answer is not copied whole for each
    /// connection.
    pub async fn respond(
        &self,
        req: &HttpRequest,
        mut builder: HttpResponseBuilder,
    ) -> ApiResult<HttpResponse> {
        builder.insert_header((header::VARY, "Accept-Encoding"));
        let coding = match Coding::chosen(req) {
            Some(coding) if self.plain.len() >= Self::COMPRESS_FROM => coding,
            _ => return Ok(builder.body(Slices::new(self.plain.clone()))),
        };
        let copy = match coding {
            Coding::Gzip => &self.gzip,
            Coding::Zstd => &self.zstd,
        };
        let compressed = match copy.get() {
            Some(compressed) => compressed.clone(),
            None => {
                let (plain, copy) = (self.plain.clone(), copy.clone());
                crate::web::db_blocking(move || {
                    Ok(copy.get_or_init(|| coding.compress(&plain)).clone())
                })
                .await?
            }
        };
        // A coding that could not be made (memory) leaves the answer as it is.
        let Some(body) = compressed else {
            return Ok(builder.body(Slices::new(self.plain.clone())));
        };
        builder.insert_header((header::CONTENT_ENCODING, coding.name()));
        Ok(builder.body(Slices::new(body)))
    }
}

impl Weighed for Body {
    /// The plain bytes, and for an answer that may be sent compressed a quarter more for its
    /// copies (each is a tenth to a twentieth of it).
    fn bytes(&self) -> usize {
        match self.plain.len() {
            n if n < Self::COMPRESS_FROM => n,
            n => n + n / 4,
        }
    }
}

/// The content codings a kept answer is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    /// RFC 8878, which browsers accept (Chromium since 123, Firefox since 126): at 20k
    /// employees the training evaluation's 2.5 MB is 116 KB, where gzip made 145 KB in the same
    /// ~25 ms; under c32 a kept answer's rate is bound by its bytes on the wire.
    Zstd,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Zstd => "zstd",
        }
    }

    /// The coding `Accept-Encoding` prefers among ours: the higher quality, zstd on a tie (it
    /// is the smaller); a coding not named takes the quality of `*`, and quality 0 refuses
    /// (an explicit `gzip;q=0` refuses it whatever `*` says). None: send the bytes as they are.
    fn chosen(req: &HttpRequest) -> Option<Coding> {
        let (mut gzip, mut zstd, mut any) = (None, None, None);
        for item in req
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(0.0);
            if coding.eq_ignore_ascii_case("gzip") {
                gzip = Some(quality);
            } else if coding.eq_ignore_ascii_case("zstd") {
                zstd = Some(quality);
            } else if coding == "*" {
                any = Some(quality);
            }
        }
        let any = any.unwrap_or(0.0);
        let (gzip, zstd) = (gzip.unwrap_or(any), zstd.unwrap_or(any));
        if zstd > 0.0 && zstd >= gzip {
            Some(Coding::Zstd)
        } else if gzip > 0.0 {
            Some(Coding::Gzip)
        } else {
            None
        }
    }

    /// Once per kept answer. Up to [`Body::BEST_UP_TO`] bytes, gzip level 6 (at 20k employees
    /// the training evaluation's 2.5 MB is 145 KB in 25 ms, where level 1 made 290 KB in 5 ms)
    /// and zstd level 12 (116 KB in ~25 ms, [`zstd_compressed`]). Larger answers at the fastest
    /// levels: at 200k employees the same report is 25.6 MB, and gzip level 6 (1.44 MB) kept
    /// the first client after each change waiting ~0.3 s longer. Deflate's working memory is a
    /// few hundred kilobytes whatever the level; brotli, tried, made 127 KB at quality 5 but
    /// held ~8 MiB while compressing, which set the process's peak under the bench.
    fn compress(self, plain: &[u8]) -> Option<Bytes> {
        let best = plain.len() <= Body::BEST_UP_TO;
        let mut out = match self {
            Coding::Gzip => {
                use std::io::Write;
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(plain.len() / 8),
                    if best {
                        flate2::Compression::new(6)
                    } else {
                        flate2::Compression::fast()
                    },
                );
                encoder.write_all(plain).ok()?;
                encoder.finish().ok()?
            }
            Coding::Zstd => zstd_compressed(plain, best).ok()?,
        };
        out.shrink_to_fit();
        Some(Bytes::from(out))
    }
}

/// `plain` as one zstd frame. Level 12's match tables, sized for its input, would take ~55 MB
/// for a 2.5 MB answer, so they are held to 512 KiB each (116 KB where they made 113 KB); its
/// window (4 MiB) stays within the 8 MiB a browser decodes (RFC 9659), as level 1's (512 KiB)
/// does.
fn zstd_compressed(plain: &[u8], best: bool) -> std::io::Result<Vec<u8>> {
    use zstd::zstd_safe::CParameter;
    if !best {
        return zstd::bulk::compress(plain, 1);
    }
    let mut compressor = zstd::bulk::Compressor::new(12)?;
    for parameter in [
        CParameter::WindowLog(22),
        CParameter::HashLog(17),
        CParameter::ChainLog(17),
    ] {
        compressor.set_parameter(parameter)?;
    }
    compressor.compress(plain)
}

/// A page of a list as kept: its JSON and its total (for the `Link` header).
#[derive(Clone)]
pub struct Page {
    pub total: i64,
    pub body: Body,
}

impl Weighed for Page {
    fn bytes(&self) -> usize {
        self.body.bytes()
    }
}

/// The kept answers of one kind (reports, list pages), shared by every worker.
pub struct AnswerCache<V: Weighed> {
    answers: Cache<Key, V>,
    /// `<metric>{<label>}`: answers computed (not served from memory), per report or list.
    computations: IntCounterVec,
}

impl<V: Weighed> AnswerCache<V> {
    /// Keeps at most `capacity` bytes of answers; counts computations in `metric`, labelled
    /// `label` with the name of what was asked.
    pub fn new(
        registry: &Registry,
        capacity: u64,
        (metric, help, label): (&str, &str, &str),
    ) -> Result<Self, String> {
        let computations = crate::health::counter(registry, metric, help, &[label])?;
        Ok(AnswerCache {
            answers: Cache::builder()
                .max_capacity(capacity)
                .weigher(|_, v: &V| u32::try_from(v.bytes()).unwrap_or(u32::MAX))
                .time_to_live(TTL)
                .build(),
            computations,
        })
    }

    /// The answer under `key`: kept, or computed by `compute` once for all who ask meanwhile
    /// (and always computed when `fresh`). Errors are not kept.
    pub async fn answer(
        &self,
        key: Key,
        fresh: bool,
        compute: impl Future<Output = ApiResult<V>>,
    ) -> ApiResult<V> {
        let what = key.what;
        let counted = async {
            self.computations.with_label_values(&[what]).inc();
            compute.await
        };
        let counted = async {
            let answer = counted.await;
            // Building a large answer freed many times its size in rows and strings, scattered
            // over the arena of the thread that built it (SQLite, 20k: the training evaluation
            // left ~10 MiB resident after its 2.5 MB answer).
            if answer.as_ref().is_ok_and(|a| a.bytes() >= TRIM_FROM) {
                crate::release_freed_memory();
            }
            answer
        };
        if fresh {
            let answer = counted.await?;
            self.answers.insert(key, answer.clone()).await;
            // The answer it replaces is dropped only when the cache catches up with its queued
            // writes: until then every fresh request of a large report left one more copy
            // resident (SQLite, 20k: +2.5 MiB per training-evaluation, 46 -> 75 MiB in ten).
            self.answers.run_pending_tasks().await;
            return Ok(answer);
        }
        self.answers
            .try_get_with(key, counted)
            .await
            .map_err(|e| (*e).clone())
    }
}

/// The size of an answer after whose computation the freed memory is handed back.
const TRIM_FROM: usize = 256 << 10;

/// `Cache-Control: no-cache` (or `no-store`): the client wants the answer computed now.
pub fn asks_fresh(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::CACHE_CONTROL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| {
            matches!(
                d.trim().to_ascii_lowercase().as_str(),
                "no-cache" | "no-store"
            )
        })
}

/// The bytes of list pages kept at most.
const LIST_CAPACITY: u64 = 4 << 20;

/// The kept list pages; counts computations in `kompetensi_list_computations_total{list}`.
pub fn new_list_cache(registry: &Registry) -> Result<AnswerCache<Page>, String> {
    AnswerCache::new(
        registry,
        LIST_CAPACITY,
        (
            "kompetensi_list_computations_total",
            "List pages computed rather than served from the cache",
            "list",
        ),
    )
}

/// How a list's pages may be kept.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    /// Under the versions of every kind (a list reads its rows, their joins and the caller's
    /// reach), so any write computes its pages afresh.
    Kept,
    /// Never: rows are added without a write that moves a version (the audit log, which
    /// refused sign-ins append to; webhook deliveries, which the worker records).
    Computed,
}

/// One page of the list `name` (every paginated list but the exports) with its `Link` header:
/// `list(conn, caller)` gives (total, items); `params` are the request's page, sort and filter as
/// text. Computed on the read replica when there is one that has caught up with the request.
pub async fn list_page<T, F>(
    req: &HttpRequest,
    state: &AppState,
    caller: Caller,
    (name, keeping): (&'static str, Keeping),
    (page, params): (&PageParams, String),
    list: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize,
    F: Fn(&mut AnyConnection, &Caller) -> ApiResult<(i64, Vec<T>)> + Send + 'static,
{
    // The versions key a kept page and, with a replica, say how far it must have replayed; a
    // page computed every time on the primary needs neither.
    let current = match (keeping, &state.replica) {
        (Keeping::Computed, None) => None,
        _ => Some(crate::db::versions::current(state).await?),
    };
    let lsn = current.as_ref().and_then(|c| c.lsn.clone());
    let (number, per_page) = (page.page(), page.per_page());
    let key = current
        .filter(|_| keeping == Keeping::Kept)
        .map(|c| Key::new(name, &caller, params, Kinds::EVERY, &c.versions));
    let compute = crate::db::replica::read(state, lsn, move |c| {
        let (total, items) = list(c, &caller)?;
        let page = Paginated {
            items,
            total,
            page: number,
            per_page,
        };
        let body =
            serde_json::to_vec(&page).map_err(|e| ApiError::Internal(format!("{name}: {e}")))?;
        Ok(Page {
            total,
            body: Body::new(body.into()),
        })
    });
    let page_of = match key {
        Some(key) => {
            state
                .list_cache
                .answer(key, asks_fresh(req), compute)
                .await?
        }
        None => compute.await?,
    };
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::LINK, page_links(req, page, page_of.total)))
        .content_type(ContentType::json());
    page_of.body.respond(req, builder).await
}

/// The bytes of employee records kept at most: a profile or a year's learning record is a few
/// kilobytes, so about a thousand of them.
const RECORD_CAPACITY: u64 = 2 << 20;

/// The kept employee records (competency profiles, learning records); counts computations in
/// `kompetensi_record_computations_total{record}`.
pub fn new_record_cache(registry: &Registry) -> Result<AnswerCache<Body>, String> {
    AnswerCache::new(
        registry,
        RECORD_CAPACITY,
        (
            "kompetensi_record_computations_total",
            "Employee records computed rather than served from the cache",
            "record",
        ),
    )
}

/// One employee's record `name` (a competency profile, a year's learning record) as JSON,
/// kept like a list page: under the versions of every kind, the caller's reach and `params`
/// (the employee, the year), so any write computes it afresh. `compute` also decides whether
/// the caller may see it; a refusal is not kept.
pub async fn record<T, F>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    (name, params): (&'static str, String),
    compute: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize,
    F: Future<Output = ApiResult<T>>,
{
    let current = crate::db::versions::current(state).await?;
    let key = Key::new(name, caller, params, Kinds::EVERY, &current.versions);
    let body = state
        .record_cache
        .answer(key, asks_fresh(req), async move {
            let record = compute.await?;
            let bytes = serde_json::to_vec(&record)
                .map_err(|e| ApiError::Internal(format!("{name}: {e}")))?;
            Ok(Body::new(bytes.into()))
        })
        .await?;
    let mut builder = HttpResponse::Ok();
    builder.content_type(ContentType::json());
    body.respond(req, builder).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept value whose live copies are counted by the strong count of the `Arc` they share.
    #[derive(Clone)]
    struct Counted(#[expect(dead_code, reason = "held for its reference count")] Arc<()>);

    impl Weighed for Counted {
        fn bytes(&self) -> usize {
            1
        }
    }

    #[actix_web::test]
    async fn a_fresh_answer_frees_the_answer_it_replaces_at_once() {
        let cache = AnswerCache::new(&Registry::new(), 1 << 20, ("t_total", "t", "what")).unwrap();
        let key = Key {
            what: "report",
            viewer: Viewer {
                kind: ActorKind::System,
                role: None,
                unit: None,
                employee: None,
            },
            params: String::new(),
            today: NaiveDate::MIN,
            versions: Versions::default(),
        };
        let shared = Arc::new(());
        for _ in 0..5 {
            let answer = cache
                .answer(key.clone(), true, async { Ok(Counted(shared.clone())) })
                .await;
            assert!(answer.is_ok());
        }
        // `shared` itself and the one kept answer: the four replaced ones are gone.
        assert_eq!(Arc::strong_count(&shared), 2);
    }
}
