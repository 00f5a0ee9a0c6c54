//! Kompetensi: the competency-development backend for the civil servants of Pangkalpinang.

pub mod aggregates;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod clients;
pub mod competencies;
pub mod config;
pub mod db;
pub mod employees;
pub mod enrolments;
pub mod error;
pub mod exemptions;
pub mod exports;
pub mod external;
pub mod feedback;
pub mod followup;
pub mod health;
pub mod improvements;
pub mod needs;
pub mod nomination;
pub mod partners;
pub mod plans;
pub mod policies;
pub mod positions;
pub mod programmes;
pub mod reports;
pub mod rules;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod trainers;
pub mod trainings;
pub mod types;
pub mod units;
pub mod users;
pub mod web;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Logger};
use actix_web::App;
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::auth::limiter::LoginLimiter;
use crate::config::Config;
use crate::db::DbPool;
use crate::web::routes::Routes;
use crate::web::RouteTable;

/// Everything the handlers share, built once per process.
pub struct AppState {
    pub pool: DbPool,
    /// SQLite's one writer at a time (`db::WriterGate`).
    pub writer: db::WriterGate,
    /// The asynchronous read path for single-row reads (PostgreSQL only, see `db::reader`).
    pub reader: Option<db::reader::PgReader>,
    pub config: Config,
    pub jwt: JwtKeys,
    pub limiter: LoginLimiter,
    pub metrics: PrometheusMetrics,
    /// The served spec, shared by every worker: the committed `openapi/openapi.json` (which a test
    /// keeps equal to `openapi()`), minified. Building the document took 34 MiB of heap at
    /// start, more than the service's whole resident set afterwards.
    pub openapi_json: actix_web::web::Bytes,
    /// The documented paths, methods and query parameters, read off the same document.
    pub routes: actix_web::web::Data<RouteTable>,
    /// Seals the answers kept for `Idempotency-Key` replays.
    pub sealer: web::idempotency::Sealer,
    /// The access tokens revoked lately (`auth::revocations`).
    pub revocations: auth::revocations::Revocations,
    /// Public certificate checks per client address (`certificates::routes`).
    pub verify_limiter: certificates::routes::VerifyLimiter,
    /// The read replica for reports, when configured (`db::replica`).
    pub replica: Option<std::sync::Arc<db::replica::Replica>>,
    /// Report answers kept while nothing they read has changed (`reports::cache`).
    pub report_cache: reports::cache::ReportCache,
    /// List pages kept while nothing has changed (`web::cache`).
    pub list_cache: web::cache::AnswerCache<web::cache::Page>,
    /// Employees' competency profiles and learning records, kept alike (`web::cache::record`).
    pub record_cache: web::cache::AnswerCache<web::cache::Body>,
    /// Set on SIGTERM: `/health/ready` answers 503 from then on (the drain).
    pub draining: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub fn new(config: Config, pool: DbPool) -> Result<Self, String> {
        let secret = auth::jwt::load_secret(&config)?;
        let registry = prometheus::Registry::new();
        let collector = health::PoolCollector::new(pool.clone()).map_err(|e| e.to_string())?;
        registry
            .register(Box::new(collector))
            .map_err(|e| e.to_string())?;
        let report_cache = reports::cache::new(&registry)?;
        let list_cache = web::cache::new_list_cache(&registry)?;
        let record_cache = web::cache::new_record_cache(&registry)?;
        let replica = match &config.read_database_url {
            Some(url) => Some(std::sync::Arc::new(db::replica::Replica::new(
                url,
                config.pool_size,
                &registry,
            )?)),
            None => None,
        };
        let metrics = PrometheusMetricsBuilder::new("kompetensi")
            .registry(registry)
            .endpoint("/metrics")
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| format!("cannot set up metrics: {e}"))?;
        let openapi_json = committed_openapi_json()?.into();
        let routes = actix_web::web::Data::new(RouteTable::from_document(COMMITTED_OPENAPI)?);
        // What reading the document and the migrations freed is not kept resident till the
        // first pass of `release_freed_memory_every`.
        release_freed_memory();
        Ok(AppState {
            limiter: LoginLimiter::new(
                config.login_max_per_user,
                config.login_max_per_ip,
                config.login_window,
            ),
            jwt: JwtKeys::new(&secret),
            sealer: web::idempotency::Sealer::new(&secret),
            reader: db::reader::PgReader::new(&config.database_url, config.pool_timeout),
            writer: db::WriterGate::for_url(&config.database_url),
            revocations: auth::revocations::Revocations::new(pool.clone(), config.access_ttl),
            verify_limiter: certificates::routes::VerifyLimiter::new(config.verify_per_minute),
            pool,
            config,
            metrics,
            openapi_json,
            routes,
            report_cache,
            list_cache,
            record_cache,
            replica,
            draining: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kompetensi API",
        description = "Competency development of the civil servants (ASN) of the Pangkalpinang city government: \
competency standards and assessments, trainings with partners and trainers, enrolment and completion, feedback and reports.\n\n\
Sign in with `POST /api/v1/auth/login`, then press **Authorize** and paste the `access_token`. \
Errors are RFC 9457 `application/problem+json` with a stable `code`. \
Timestamps are RFC 3339 in UTC; dates (`YYYY-MM-DD`) are days in Pangkalpinang (WIB, UTC+7): \
today, a completion's or a session's day, and the days of a period (`from`, `to`).",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "Kompetensi, BKPSDM Kota Pangkalpinang")
    ),
    servers((url = "/", description = "This service (paths are relative to where the document is served)")),
    modifiers(&BearerAuth),
    components(schemas(error::Problem)),
    tags(
        (name = "auth", description = "Sign-in, tokens and the signed-in account"),
        (name = "users", description = "Accounts and roles (admin)"),
        (name = "units", description = "Organisational units (OPD and sub-units)"),
        (name = "competencies", description = "The competency dictionary and its levels"),
        (name = "positions", description = "Positions (jabatan) and their competency standards"),
        (name = "employees", description = "Civil servants (PNS and PPPK), CSV import"),
        (name = "assessments", description = "Assessed competency levels and the competency profile (gaps, JPM)"),
        (name = "exemptions", description = "Exemptions from the yearly JP target (study leave, unpaid leave, …)"),
        (name = "external-learning", description = "Learning outside the city's trainings, its evidence and its verification"),
        (name = "me", description = "The signed-in employee's own records"),
        (name = "api-clients", description = "Machine clients of national and regional systems (admin)"),
        (name = "partners", description = "Partner organisations: universities, NGOs, agencies"),
        (name = "trainers", description = "Trainers, speakers and instructors"),
        (name = "trainings", description = "The training catalogue and its status flow"),
        (name = "enrolments", description = "Enrolment, attendance, scores, completion and the learning record"),
        (name = "certificates", description = "Certificates of completion: the PDF, and the public check of a certificate's code"),
        (name = "programmes", description = "Recurring programmes whose runs (angkatan) are trainings"),
        (name = "feedback", description = "Anonymous participant feedback"),
        (name = "planning", description = "Development needs: from gaps, supervisors, employees and policy changes"),
        (name = "policies", description = "Policy change: the regulations staff must follow, whom they affect, and refreshers"),
        (name = "webhooks", description = "Events POSTed to other systems, signed, retried, logged"),
        (name = "sessions", description = "Sessions of a training: schedule, JP and speakers per session, attendance per session"),
        (name = "nomination", description = "Quotas per unit, decisions on nominations, the waiting list and withdrawal"),
        (name = "evaluation", description = "Closing the loop: improvement actions, action plans and their review"),
        (name = "reports", description = "Reports that drive improvement (JSON and CSV)"),
        (name = "exports", description = "Exports for national systems (SIASN)"),
        (name = "settings", description = "Programme policy values"),
        (name = "audit", description = "Who changed what"),
        (name = "operations", description = "Health checks"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The one route tree, shared by the server, the tests and the spec export: every area's
/// handlers under `/api/v1` (registered by `areas`), then the health checks.
fn api_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(scope::scope("/api/v1").configure(|cfg| areas(&mut Routes::Described(cfg))))
        .service(health::check_live)
        .service(health::check_ready)
}

/// [`api_routes`] served without their description (`web::routes::Routes`).
fn served_routes<T>(app: App<T>) -> App<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(actix_web::web::scope("/api/v1").configure(|cfg| areas(&mut Routes::Served(cfg))))
        .service(health::check_live)
        .service(health::check_ready)
}

/// Each area's handlers.
fn areas(cfg: &mut Routes) {
    auth::routes::configure(cfg);
    users::routes::configure(cfg);
    clients::routes::configure(cfg);
    units::routes::configure(cfg);
    competencies::routes::configure(cfg);
    positions::routes::configure(cfg);
    employees::routes::configure(cfg);
    assessments::routes::configure(cfg);
    exemptions::routes::configure(cfg);
    external::routes::configure(cfg);
    partners::routes::configure(cfg);
    trainers::routes::configure(cfg);
    programmes::routes::configure(cfg);
    trainings::routes::configure(cfg);
    enrolments::routes::configure(cfg);
    certificates::routes::configure(cfg);
    feedback::routes::configure(cfg);
    improvements::routes::configure(cfg);
    followup::routes::configure(cfg);
    needs::routes::configure(cfg);
    nomination::routes::configure(cfg);
    plans::routes::configure(cfg);
    policies::routes::configure(cfg);
    sessions::routes::configure(cfg);
    webhooks::routes::configure(cfg);
    reports::routes::configure(cfg);
    exports::routes::configure(cfg);
    settings::routes::configure(cfg);
    audit::routes::configure(cfg);
}

/// The OpenAPI document the server serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut base = ApiDoc::openapi();
    base.info.version = env!("CARGO_PKG_VERSION").to_string();
    let (_, mut api) = api_routes(App::new().into_utoipa_app().openapi(base)).split_for_parts();
    web::openapi::declare_common_headers(&mut api);
    api
}

pub fn openapi_json() -> String {
    openapi().to_pretty_json().unwrap_or_default()
}

/// `openapi/openapi.json`, as committed.
const COMMITTED_OPENAPI: &[u8] = include_bytes!("../openapi/openapi.json");

/// The committed document (`openapi_json()` as printed), minified as it is read.
fn committed_openapi_json() -> Result<Vec<u8>, String> {
    let mut json = Vec::with_capacity(1 << 20);
    serde_transcode::transcode(
        &mut serde_json::Deserializer::from_slice(COMMITTED_OPENAPI),
        &mut serde_json::Serializer::new(&mut json),
    )
    .map_err(|e| format!("cannot read the OpenAPI document: {e}"))?;
    Ok(json)
}

fn cors(config: &Config) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "accept",
            "accept-language",
            "x-request-id",
            "idempotency-key",
            "if-none-match",
        ])
        .expose_headers([
            "etag",
            "location",
            "link",
            "retry-after",
            "x-request-id",
            "content-disposition",
            "idempotent-replayed",
        ])
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Hands the free pages of every heap arena back to the kernel: glibc keeps what a thread freed
/// resident unless asked. Called where much was just freed: after a large answer was computed
/// (`web::cache`), and every few seconds ([`release_freed_memory_every`]).
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free heap pages back to the kernel; no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Every `period`, on a thread of its own, hands back what the heap arenas have freed
/// ([`release_freed_memory`]): what one request frees is otherwise kept resident for the next
/// in whichever arena it was freed, so the peak of a busy hour stays the floor of the quiet
/// ones, and each burst of one kind of request (searches, reports) starts from where the last
/// burst of another left off. A pass took 0.4–0.8 ms with the 20k set.
pub fn release_freed_memory_every(period: std::time::Duration) -> Result<(), String> {
    std::thread::Builder::new()
        .name("release-freed".into())
        .spawn(move || loop {
            std::thread::sleep(period);
            let started = std::time::Instant::now();
            release_freed_memory();
            log::trace!("freed memory handed back in {:?}", started.elapsed());
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the memory release thread: {e}"))
}

/// Peak resident memory is mostly what glibc keeps after it is freed:
/// - glibc raises its mmap threshold to the size of the largest block freed (up to 32 MiB). After
///   the first large answer, the multi-MiB buffers of reports, exports and list pages came from
///   the heap arena of whichever thread made them and stayed resident there when freed. A fixed
///   threshold hands such blocks back to the kernel when they are freed.
/// - Each thread that meets contention gets an arena of its own (up to 8 per core), and what one
///   arena frees the others cannot reuse. Two arenas keep most of the concurrency; one cost about
///   a fifth of the profile's throughput.
///
/// Measured under `bench/run.sh` (SQLite, 20k): peak RSS 125 MiB as glibc comes, 96 with the
/// threshold, 78 with two arenas as well (76 with one).
pub fn keep_less_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// The application for one worker.
pub fn build_app(
    state: actix_web::web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let routes = state.routes.clone();
    served_routes(App::new())
        .app_data(state.clone())
        .app_data(routes)
        .app_data(web::json_config())
        .app_data(web::query_config())
        .app_data(web::path_config())
        .app_data(web::form_config())
        .route(
            "/api-docs/openapi.json",
            actix_web::web::get().to(|state: actix_web::web::Data<AppState>| async move {
                actix_web::HttpResponse::Ok()
                    .content_type("application/json")
                    .body(state.openapi_json.clone())
            }),
        )
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                // The token pasted into Authorize survives a reload of the page.
                .config(
                    utoipa_swagger_ui::Config::new(["/api-docs/openapi.json"])
                        .persist_authorization(true),
                ),
        )
        .service(actix_web::web::redirect("/", "/swagger-ui/"))
        .default_service(actix_web::web::to(web::fallback))
        .wrap(cors(&state.config))
        .wrap(from_fn(web::request_context))
        .wrap(state.metrics.clone())
        // The access log renders its fields for every request, whatever the log level: only
        // when it is written.
        .wrap(actix_web::middleware::Condition::new(
            log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info),
            Logger::new(r#"%{x-request-id}o %a "%r" %s %b %Dms"#),
        ))
}

/// Creates the first admin when no account exists. Returns the generated password, if any,
/// so the caller can print it once.
pub fn ensure_admin(pool: &DbPool, config: &Config) -> Result<Option<String>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if users::queries::count(&mut conn).map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), false),
        None => (auth::jwt::random_token(12), true),
    };
    let username = config.admin_username.to_lowercase();
    users::queries::create_admin(&mut conn, &username, &password)?;
    log::info!("created the first admin account `{username}`");
    Ok(generated.then_some(password))
}
