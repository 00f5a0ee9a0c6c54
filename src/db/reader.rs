//! The asynchronous PostgreSQL read path, for every single-row read (`db::resource::read`).
//!
//! Every other query runs on Diesel's synchronous connections, handed to the blocking thread
//! pool (`web::db`). For a one-statement read that hand-off, and libpq waiting for the answer on
//! a thread of its own, cost more than the query: two context switches per request, and one
//! round trip per connection at a time. Here each actix worker keeps one `tokio-postgres`
//! connection of its own, driven on the worker's own event loop: no thread hand-off, and the
//! statements of concurrent requests on a worker are pipelined on its connection.
//!
//! Each statement is printed from Diesel's own select of the row type and returns the row as
//! JSON, which serde reads into the same type the synchronous path loads, so the two cannot
//! drift. Statements are prepared once per connection. SQLite, and PostgreSQL URLs that
//! `tokio-postgres` does not read (`sslmode=verify-ca`/`verify-full`), use the synchronous path.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;
use std::time::Duration;

use futures_util::lock::Mutex;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use postgres_openssl::MakeTlsConnector;
use tokio_postgres::{Client, Statement};

use crate::db::DbUrl;
use crate::error::{ApiError, ApiResult};

/// How to reach the server: parsed once, shared by every worker.
#[derive(Clone)]
pub struct PgReader {
    config: tokio_postgres::Config,
    tls: MakeTlsConnector,
    /// How long a connection attempt or a read may take (`KOMPETENSI_POOL_TIMEOUT_MS`, the
    /// bound a request waits for a pooled connection) before the request gets 503.
    timeout: Duration,
}

/// One worker's connection, with the statements prepared on it.
struct Conn {
    client: Client,
    statements: RefCell<HashMap<&'static str, Statement>>,
}

thread_local! {
    /// The current worker's connection. The lock makes concurrent first requests (or requests
    /// after the connection broke) wait for one reconnection instead of each opening their own.
    static SLOT: Rc<Mutex<Option<Rc<Conn>>>> = Rc::new(Mutex::new(None));
}

impl PgReader {
    /// The reader for a PostgreSQL URL, `None` for SQLite or a URL it cannot read the way libpq
    /// does (then every read takes the synchronous path, which libpq serves).
    pub fn new(url: &DbUrl, timeout: Duration) -> Option<Self> {
        let DbUrl::Postgres(url) = url else {
            return None;
        };
        let mut config = match tokio_postgres::Config::from_str(url) {
            Ok(c) => c,
            Err(e) => {
                log::info!("asynchronous read path off ({e}); reads use the pool");
                return None;
            }
        };
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeout);
        }
        // libpq's `prefer` and `require` encrypt without checking the certificate (the
        // verifying modes are refused above): the same here.
        let mut tls = SslConnector::builder(SslMethod::tls()).ok()?;
        tls.set_verify(SslVerifyMode::NONE);
        let mut tls = MakeTlsConnector::new(tls.build());
        tls.set_callback(|c, _| {
            c.set_verify_hostname(false);
            Ok(())
        });
        Some(PgReader {
            config,
            tls,
            timeout,
        })
    }

    /// The one text column that statement `name` (its SQL from `sql`) returns for `$1 = id`,
    /// `None` when it returns no row.
    pub async fn json(
        &self,
        name: &'static str,
        sql: fn() -> String,
        id: i64,
    ) -> ApiResult<Option<String>> {
        self.text(name, sql, &[&id]).await
    }

    /// The one text column that statement `name` (its SQL from `sql`) returns for `params`,
    /// `None` when it returns no row.
    pub async fn text(
        &self,
        name: &'static str,
        sql: fn() -> String,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> ApiResult<Option<String>> {
        Ok(self.texts(name, sql, params).await?.into_iter().next())
    }

    /// The one text column of each row that statement `name` (its SQL from `sql`) returns for
    /// `params`.
    pub async fn texts(
        &self,
        name: &'static str,
        sql: fn() -> String,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> ApiResult<Vec<String>> {
        let conn = self.conn().await?;
        let statement = self.statement(&conn, name, sql).await?;
        let rows = self
            .answer(&conn, conn.client.query(&statement, params))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<Result<_, _>>()
            .map_err(|e| ApiError::Internal(format!("read path: {name} gave no text: {e}")))
    }

    /// What the server answers within the timeout; without an answer by then, 503 and this
    /// worker's next read connects afresh.
    async fn answer<T>(
        &self,
        conn: &Rc<Conn>,
        query: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> ApiResult<T> {
        match actix_web::rt::time::timeout(self.timeout, query).await {
            Ok(answer) => answer.map_err(unavailable),
            Err(_) => {
                // A read by primary key that takes this long: the server or the network is gone
                // without closing the socket. Later requests get a new connection.
                log::warn!("read path: no answer in {:?}; reconnecting", self.timeout);
                let slot = SLOT.with(Rc::clone);
                let mut current = slot.lock().await;
                if current.as_ref().is_some_and(|c| Rc::ptr_eq(c, conn)) {
                    *current = None;
                }
                Err(ApiError::Unavailable)
            }
        }
    }

    async fn statement(
        &self,
        conn: &Conn,
        name: &'static str,
        sql: fn() -> String,
    ) -> ApiResult<Statement> {
        if let Some(statement) = conn.statements.borrow().get(name) {
            return Ok(statement.clone());
        }
        let text = sql();
        let statement = actix_web::rt::time::timeout(self.timeout, conn.client.prepare(&text))
            .await
            .map_err(|_| ApiError::Unavailable)?
            .map_err(unavailable)?;
        conn.statements.borrow_mut().insert(name, statement.clone());
        Ok(statement)
    }

    async fn conn(&self) -> ApiResult<Rc<Conn>> {
        let slot = SLOT.with(Rc::clone);
        let mut guard = slot.lock().await;
        if let Some(conn) = guard.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(Rc::clone(conn));
        }
        *guard = None;
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(unavailable)?;
        actix_web::rt::spawn(async move {
            if let Err(e) = connection.await {
                log::warn!("read connection closed: {e}");
            }
        });
        let conn = Rc::new(Conn {
            client,
            statements: RefCell::new(HashMap::new()),
        });
        *guard = Some(Rc::clone(&conn));
        Ok(conn)
    }
}

/// A failure without a server error (connection refused, cut or timed out), or a server error
/// of the classes that mean "not now" (08 connection exception, 53 insufficient resources, 57
/// operator intervention such as a shutdown): 503, and the broken connection is replaced on the
/// next request. Any other server error is a fault of ours: 500.
fn unavailable(e: tokio_postgres::Error) -> ApiError {
    match e.as_db_error().map(|d| d.code().code()) {
        Some(code) if !["08", "53", "57"].contains(&code.get(..2).unwrap_or_default()) => {
            ApiError::Internal(format!("read path: {e}"))
        }
        _ => {
            log::warn!("read path: {e}");
            ApiError::Unavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_libpq_and_tokio_postgres_read_alike_get_a_reader() {
        let t = Duration::from_secs(2);
        let pg = |u: &str| PgReader::new(&DbUrl::Postgres(u.into()), t).is_some();
        assert!(pg("postgres://root@127.0.0.1:5432/test"));
        assert!(pg(
            "postgres://root@localhost/test?host=/var/run/postgresql"
        ));
        assert!(pg("postgres://u:p@db/x?sslmode=require"));
        assert!(pg(
            "postgres://u@db/x?keepalives_idle=30&keepalives_interval=10"
        ));
        assert!(!pg("postgres://u@db/x?keepalives_count=3"));
        assert!(!pg("postgres://u:p@db/x?sslmode=verify-full"));
        assert!(PgReader::new(&DbUrl::SqliteMemory, t).is_none());
    }
}
