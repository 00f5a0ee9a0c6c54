//! Test harness: a fresh database per test (a temp SQLite file; a fresh PostgreSQL database when
//! `TEST_POSTGRES_URL` is set), the app in-process, and small request helpers.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use diesel::prelude::*;
use serde_json::{json, Value};

use kompetensi::config::Config;
use kompetensi::db::{self, AnyConnection, DbUrl};
use kompetensi::{build_app, ensure_admin, AppState};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A scenario as one test per backend (`<name>::sqlite`, `<name>::postgres`), each on a fresh
/// database, so a failure on one backend never hides the other's result. The PostgreSQL one
/// runs when `TEST_POSTGRES_URL` was set for the build (build.rs) and is listed as ignored
/// otherwise.
#[macro_export]
macro_rules! on_each_backend {
    ($name:ident, $scenario:ident) => {
        $crate::on_each_backend!($name, $scenario, |_| {});
    };
    ($name:ident, $scenario:ident, $tweak:expr) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let ctx =
                    $crate::common::Ctx::with_config($crate::common::Backend::Sqlite, $tweak).await;
                super::$scenario(&ctx).await;
            }

            #[actix_web::test]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "runs on PostgreSQL: set TEST_POSTGRES_URL when building the tests"
            )]
            async fn postgres() {
                let ctx =
                    $crate::common::Ctx::with_config($crate::common::Backend::Postgres, $tweak)
                        .await;
                super::$scenario(&ctx).await;
            }
        }
    };
}

/// The same for a test that is not async (it runs server processes of its own).
#[macro_export]
macro_rules! per_backend {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$scenario($crate::common::Backend::Sqlite);
            }

            #[test]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "runs on PostgreSQL: set TEST_POSTGRES_URL when building the tests"
            )]
            fn postgres() {
                super::$scenario($crate::common::Backend::Postgres);
            }
        }
    };
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: DbUrl,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = DbUrl::SqliteFile(dir.path().join("test.db"));
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
                let name = format!("kt_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .expect("connect to TEST_POSTGRES_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let url = with_database(&admin_url, &name);
                TestDb {
                    url: DbUrl::Postgres(url),
                    _dir: None,
                    pg: Some((admin_url, name)),
                }
            }
        }
    }
}

/// `postgres://u@h:p/db?x` with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let prefix = match base[authority_end..].find('/') {
        Some(i) => &base[..authority_end + i],
        None => base,
    };
    format!("{prefix}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

pub struct Ctx {
    pub backend: Backend,
    pub state: web::Data<AppState>,
    pub db: TestDb,
}

pub fn test_config(url: DbUrl) -> Config {
    let mut config = Config::for_database(url);
    config.jwt_secret = Some(JWT_SECRET.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config
}

impl Ctx {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    pub async fn with_config(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::new(backend);
        let mut config = test_config(db.url.clone());
        tweak(&mut config);
        let pool =
            db::connect(&config.database_url, config.pool_size, config.pool_timeout).expect("pool");
        ensure_admin(&pool, &config).expect("admin");
        let state = web::Data::new(AppState::new(config, pool).expect("state"));
        Ctx { backend, state, db }
    }

    pub async fn app(
        &self,
    ) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>
    {
        test::init_service(build_app(self.state.clone())).await
    }

    /// The service as a restart brings it up: a new state (nothing kept in memory) on the same
    /// database and configuration.
    pub async fn restarted_app(
        &self,
    ) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>
    {
        let state =
            AppState::new(self.state.config.clone(), self.state.pool.clone()).expect("state");
        test::init_service(build_app(web::Data::new(state))).await
    }

    pub fn conn(&self) -> db::DbConn {
        self.state.pool.get().expect("connection")
    }

    /// A unit row, straight into the database (the units API is another area's).
    pub fn insert_unit(&self, code: &str, parent: Option<i64>) -> i64 {
        let mut c = self.conn();
        let parent = parent
            .map(|p| p.to_string())
            .unwrap_or_else(|| "NULL".into());
        diesel::sql_query(format!(
            "INSERT INTO units (code, name, parent_id, active, created_at, updated_at, version) \
             VALUES ('{code}', 'Unit {code}', {parent}, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1) RETURNING id"
        ))
        .get_result::<Id>(&mut *c)
        .expect("insert unit")
        .id
    }

    pub fn insert_employee(&self, nip: &str, unit_id: i64) -> i64 {
        let mut c = self.conn();
        diesel::sql_query(format!(
            "INSERT INTO employees (nip, name, asn_type, unit_id, active, created_at, updated_at, version) \
             VALUES ('{nip}', 'Employee {nip}', 'pns', {unit_id}, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1) RETURNING id"
        ))
        .get_result::<Id>(&mut *c)
        .expect("insert employee")
        .id
    }

    pub fn insert_competency(&self, code: &str) -> i64 {
        let mut c = self.conn();
        diesel::sql_query(format!(
            "INSERT INTO competencies (code, name, kind, levels, active, created_at, updated_at, version) \
             VALUES ('{code}', 'Competency {code}', 'managerial', '[]', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1) RETURNING id"
        ))
        .get_result::<Id>(&mut *c)
        .expect("insert competency")
        .id
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.conn();
        let conn: &mut AnyConnection = &mut c;
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(conn)
            .expect("count")
            .n
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
    /// The body as sent (a PDF, a file).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem+json error with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        self.expect(status);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], json!(status));
        assert_eq!(self.body["code"], json!(code), "{}", self.text);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        self
    }

    /// Asserts a 422 `validation_failed` with at least one message for `field`.
    #[track_caller]
    pub fn invalid(&self, field: &str) -> &Self {
        self.problem(422, "validation_failed");
        assert!(
            !self.field_errors(field).is_empty(),
            "no error for {field}: {}",
            self.text
        );
        self
    }

    pub fn field_errors(&self, field: &str) -> Vec<String> {
        self.body["errors"][field]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn send<S, B>(app: &S, req: TestRequest) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = req
        .peer_addr("127.0.0.1:40000".parse().expect("addr"))
        .to_request();
    let res = match app.call(req).await {
        Ok(res) => res,
        Err(err) => {
            let res = err.error_response();
            let status = res.status().as_u16();
            panic!("service error {status}: {err}");
        }
    };
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
        bytes: bytes.to_vec(),
    }
}

pub fn auth(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

pub async fn get<S, B>(app: &S, path: &str, token: &str) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, auth(TestRequest::get().uri(path), token)).await
}

/// GET computed now (`Cache-Control: no-cache`), not as kept: what a rebuild beside the
/// service changed, which moves no data version, shows.
pub async fn get_computed<S, B>(app: &S, path: &str, token: &str) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req =
        auth(TestRequest::get().uri(path), token).insert_header(("Cache-Control", "no-cache"));
    send(app, req).await
}

pub async fn post<S, B>(app: &S, path: &str, token: &str, body: Value) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        app,
        auth(TestRequest::post().uri(path), token).set_json(body),
    )
    .await
}

pub async fn patch<S, B>(app: &S, path: &str, token: &str, body: Value) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        app,
        auth(TestRequest::patch().uri(path), token).set_json(body),
    )
    .await
}

pub async fn delete<S, B>(app: &S, path: &str, token: &str) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, auth(TestRequest::delete().uri(path), token)).await
}

pub async fn login<S, B>(app: &S, username: &str, password: &str) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        app,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"username": username, "password": password})),
    )
    .await
}

pub async fn admin_token<S, B>(app: &S) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    token_of(app, "admin", ADMIN_PASSWORD).await
}

pub async fn token_of<S, B>(app: &S, username: &str, password: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = login(app, username, password).await;
    r.expect(200);
    r.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Creates a user through the API and returns a token for it.
pub async fn user_with_role<S, B>(
    app: &S,
    admin: &str,
    username: &str,
    role: &str,
    extra: Value,
) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut body = json!({"username": username, "display_name": username, "password": "kerja-keras-1234", "role": role});
    if let (Some(obj), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    post(app, "/api/v1/users", admin, body).await.expect(201);
    token_of(app, username, "kerja-keras-1234").await
}

/// The app under test, for helper functions: any service answering `ServiceResponse`s.
pub trait TestApp:
    Service<Request, Response = ServiceResponse<Self::Body>, Error = actix_web::Error>
{
    type Body: MessageBody;
}

impl<S, B> TestApp for S
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Body = B;
}

/// The value of one counter series in `/metrics`, e.g. `name{label="value"}`; 0 before it
/// first counts.
pub async fn counter_value<S: TestApp>(app: &S, series: &str) -> u64 {
    let text = send(app, TestRequest::get().uri("/metrics")).await.text;
    let prefix = format!("{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Whether an RFC 3339 timestamp says a day only: the first instant of a day in the city.
pub fn says_the_day_only(at: &str) -> bool {
    let t: chrono::DateTime<chrono::Utc> = at.parse().expect("an RFC 3339 timestamp");
    kompetensi::types::day_start(kompetensi::types::day_of(t)) == t.naive_utc()
}
