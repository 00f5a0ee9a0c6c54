//! One binary, two backends: the connection type, the pool, migrations and transactions.

pub mod fixed;
pub mod reader;
pub mod refs;
pub mod replica;
pub mod resource;
pub mod schema;
pub mod search;
pub mod slow;
pub mod versions;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Backend = <AnyConnection as Connection>::Backend;
pub type DbPool = Pool<ConnectionManager>;
pub type DbConn = PooledConnection<ConnectionManager>;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    SqliteFile(PathBuf),
    SqliteMemory,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(DbUrl::SqliteMemory);
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("DATABASE_URL `sqlite://` needs a file path".into());
            }
            return Ok(DbUrl::SqliteFile(PathBuf::from(path)));
        }
        let scheme = url.split(':').next().unwrap_or_default();
        Err(format!(
            "DATABASE_URL has the unsupported scheme `{scheme}`: use sqlite://PATH, sqlite::memory: or postgres://..."
        ))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbUrl::Postgres(_))
    }

    /// The folder of a SQLite file, where generated secrets are kept beside the data.
    pub fn data_dir(&self) -> Option<&Path> {
        match self {
            DbUrl::SqliteFile(p) => Some(p.parent().unwrap_or_else(|| Path::new("."))),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Our own r2d2 manager: it dispatches on the URL scheme itself, so a connection failure reports
/// the server's real reason (a wrong password says so) instead of the derived "invalid URL".
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    url: DbUrl,
}

impl ConnectionManager {
    pub fn new(url: DbUrl) -> Self {
        Self { url }
    }
}

/// Ids written into SQL as a list (`1, 2, 3`): integers, so formatting them in is safe, and a
/// literal list lets either database walk an index for each.
pub fn id_list(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    list.join(", ")
}

/// A row of integer (`BIGINT`) columns read by position, for statements whose columns are
/// generated (one per kept sum): the caller knows the order it wrote them in. Positional reads
/// spare the per-column name lookup of a derived row, and one wide row per key replaces a row
/// per (key, column) pair.
pub struct Integers(pub Vec<i64>);

impl<DB: diesel::backend::Backend> diesel::deserialize::QueryableByName<DB> for Integers
where
    i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
{
    fn build<'a>(row: &impl diesel::row::NamedRow<'a, DB>) -> diesel::deserialize::Result<Self> {
        (0..row.field_count())
            .map(|i| row.get_value::<diesel::sql_types::BigInt, i64, _>(i))
            .collect::<diesel::deserialize::Result<_>>()
            .map(Integers)
    }
}

/// SQLite's one writer at a time, for the write pipeline: taken before a write transaction
/// takes a connection. SQLite lets one writer in at a time anyway; queueing here instead of
/// each waiting writer holding a pooled connection until the file's lock is free keeps the
/// rest of the pool for reads while a long write (or another process) holds the lock.
/// PostgreSQL's writers lock rows and pass freely.
#[derive(Clone)]
pub struct WriterGate(Option<std::sync::Arc<tokio::sync::Semaphore>>);

impl WriterGate {
    pub fn for_url(url: &DbUrl) -> WriterGate {
        WriterGate(
            (!url.is_postgres()).then(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1))),
        )
    }

    /// The turn to write, waited for as long as a writer waited before: `checkout` for a
    /// pooled connection, then SQLite's busy timeout for the lock (then 503). Waiting here holds
    /// neither a connection nor a thread.
    pub async fn turn(
        &self,
        checkout: Duration,
    ) -> crate::error::ApiResult<Option<tokio::sync::OwnedSemaphorePermit>> {
        let Some(gate) = &self.0 else {
            return Ok(None);
        };
        let wait = checkout + SQLITE_BUSY_TIMEOUT;
        match tokio::time::timeout(wait, gate.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(crate::error::ApiError::Unavailable),
        }
    }
}

/// How long a SQLite write waits for the file's lock (another process's write) before it fails.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `cache_size = -512`: each pooled connection keeps at most 512 KiB of pages of its own (the
/// default is 2 MiB); the file's pages stay in the kernel's cache, shared by all of them.
/// Measured on the 20k set under `bench/run.sh`: the same throughput, 5 MiB less peak RSS.
fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {}; \
         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -512;",
        SQLITE_BUSY_TIMEOUT.as_millis()
    )
}

/// SQLite's heap, every connection's together, is kept near this much per pooled connection
/// ([`limit_sqlite_heap`]): the pages `cache_size` allows, the schema and the prepared
/// statements.
const SQLITE_HEAP_PER_CONNECTION: i64 = 2 << 20;

/// The bundled SQLite is built with `SQLITE_ENABLE_MEMORY_MANAGEMENT`, so the page caches of all
/// connections draw on one allowance, the sum of their sizes; and each temporary b-tree a
/// statement opens (an `IN (…)` list, a sort) adds a cache of the default 2 MiB to that sum
/// while it is open, whatever `cache_size` says. Under 32 concurrent name searches the 4
/// connections' caches grew to 8 MiB where `cache_size` meant 2. Past the soft limit SQLite
/// recycles cached pages instead of allocating more (the file's pages stay in the kernel's
/// cache). Process-wide: the pool of a SQLite file sets it.
fn limit_sqlite_heap(connections: u32) {
    // SAFETY: sets an advisory limit, which SQLite reads under its own mutex; no preconditions.
    unsafe {
        libsqlite3_sys::sqlite3_soft_heap_limit64(
            i64::from(connections) * SQLITE_HEAP_PER_CONNECTION,
        );
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = DbError;

    fn connect(&self) -> Result<AnyConnection, DbError> {
        match &self.url {
            DbUrl::Postgres(url) => Ok(AnyConnection::Postgresql(diesel::PgConnection::establish(
                url,
            )?)),
            DbUrl::SqliteFile(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(&sqlite_pragmas())?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DbUrl::SqliteMemory => {
                let mut conn = diesel::SqliteConnection::establish(":memory:")?;
                conn.batch_execute(&sqlite_pragmas())?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        // A connection left inside a transaction (a panic mid-closure) must not be reused.
        let status = match conn {
            AnyConnection::Postgresql(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            AnyConnection::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        };
        !matches!(status, Ok(None))
    }
}

/// Builds the pool and applies pending migrations.
pub fn connect(url: &DbUrl, pool_size: u32, checkout_timeout: Duration) -> Result<DbPool, String> {
    if let DbUrl::SqliteFile(path) = url {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
        }
        // Staff data: readable by the service's user only. SQLite gives its -wal and -shm files
        // the database file's permissions.
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("cannot create the database {}: {e}", path.display()))?;
        }
    }
    let manager = ConnectionManager::new(url.clone());
    // Fail fast with the server's own words rather than r2d2's generic timeout.
    let mut first = manager.connect().map_err(|e| e.to_string())?;
    run_migrations(&mut first)?;
    drop(first);
    // Every in-memory SQLite connection is its own database: keep exactly one.
    let size = if *url == DbUrl::SqliteMemory {
        1
    } else {
        pool_size.max(1)
    };
    if let DbUrl::SqliteFile(_) = url {
        limit_sqlite_heap(size);
    }
    Pool::builder()
        .max_size(size)
        .min_idle(Some(if *url == DbUrl::SqliteMemory { 1 } else { 0 }))
        .test_on_check_out(false)
        .connection_timeout(checkout_timeout)
        .build(manager)
        .map_err(|e| format!("cannot open the database pool: {e}"))
}

/// Migrations that correct stored data: on a database that held data before them, the report
/// aggregates are rebuilt afterwards, since SQL cannot keep them (`aggregates` is their one
/// definition).
const DATA_FIXES: &[&str] = &[
    "20261202000011",
    "20261202000015",
    "20261202000019",
    "20261202000020",
];

/// A computation of kept rows, run once after the migration that adds their table.
type Fill = fn(&mut AnyConnection) -> crate::error::ApiResult<()>;

/// Migrations that add a kept table whose rule lives in `aggregates`, not in SQL: on a
/// database that held data before them, it is computed afterwards (unless a data fix rebuilds
/// everything anyway).
const NEW_KEPT: &[(&str, &str, Fill)] = &[
    (
        "20261206000036",
        "the yearly JP standing",
        crate::aggregates::rebuild_standing,
    ),
    (
        "20261206000039",
        "the policy coverage",
        crate::aggregates::rebuild_coverage,
    ),
    (
        "20261206000040",
        "the trainings' comments",
        crate::aggregates::rebuild_comments,
    ),
    (
        "20261206000041",
        "the trainings' evaluations",
        crate::aggregates::rebuild_evaluations,
    ),
    (
        "20261206000042",
        "the trainings' evaluations per OPD",
        crate::aggregates::rebuild_evaluations,
    ),
    (
        "20261207000044",
        "the trainer pool's candidates",
        crate::aggregates::rebuild_candidates,
    ),
    (
        "20261207000045",
        "the trainings' evaluations as CSV lines",
        crate::aggregates::rebuild_evaluations,
    ),
    (
        "20261207000047",
        "the enrolment totals of the trainings with survey answers",
        crate::aggregates::rebuild_answered,
    ),
    (
        "20261208000048",
        "the trainings' evaluations with their paper forms' authors counted",
        crate::aggregates::rebuild_evaluations,
    ),
];

pub fn run_migrations(conn: &mut AnyConnection) -> Result<(), String> {
    let applied: Vec<String> = match conn {
        AnyConnection::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    if applied.is_empty() {
        return Ok(());
    }
    log::info!("applied {} migration(s)", applied.len());
    // A fresh database applies its first migration now: it has nothing to correct.
    let fresh = applied.iter().any(|v| v == FIRST_MIGRATION);
    if !fresh && applied.iter().any(|v| DATA_FIXES.contains(&v.as_str())) {
        crate::aggregates::rebuild(conn)
            .map_err(|e| format!("rebuilding the aggregates after a data fix failed: {e}"))?;
        log::info!("rebuilt the report aggregates after a data fix");
    } else if !fresh {
        for (version, what, fill) in NEW_KEPT {
            if applied.iter().any(|v| v == version) {
                fill(conn).map_err(|e| format!("computing {what} failed: {e}"))?;
                log::info!("computed {what}");
            }
        }
    }
    Ok(())
}

const FIRST_MIGRATION: &str = "20261127000001";

/// A write transaction (only the write pipeline, `write::run`, opens one). On SQLite it is
/// `BEGIN IMMEDIATE`, so check-then-write sequences take the write lock up front instead of
/// failing with SQLITE_BUSY when a reader tries to upgrade.
fn write_tx<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
    }
    match f(conn) {
        Ok(value) => {
            match conn {
                AnyConnection::Postgresql(c) => AnsiTransactionManager::commit_transaction(c)?,
                AnyConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)?,
            }
            Ok(value)
        }
        Err(err) => {
            let rolled_back = match conn {
                AnyConnection::Postgresql(c) => AnsiTransactionManager::rollback_transaction(c),
                AnyConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            if let Err(rb) = rolled_back {
                log::error!("rollback failed: {rb}");
            }
            Err(err)
        }
    }
}

/// A `LIKE` pattern matching `q` anywhere, with the wildcards of `q` escaped.
pub fn contains_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for ch in q.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// Hands each row of `query` to `each` as it is read: on PostgreSQL as the server sends it
/// (libpq's single-row mode), so a large answer is worked on while the rest is still coming and
/// never held whole; on SQLite as the statement steps.
pub fn each_row<R, E>(
    conn: &mut AnyConnection,
    query: diesel::query_builder::SqlQuery,
    mut each: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
    E: From<diesel::result::Error>,
{
    use diesel::connection::DefaultLoadingMode;
    use diesel::pg::PgRowByRowLoadingMode;
    match conn {
        AnyConnection::Postgresql(pg) => {
            for row in query.load_iter::<R, PgRowByRowLoadingMode>(pg)? {
                each(row?)?;
            }
        }
        AnyConnection::Sqlite(lite) => {
            for row in query.load_iter::<R, DefaultLoadingMode>(lite)? {
                each(row?)?;
            }
        }
    }
    Ok(())
}

/// The current time as stored: UTC, microsecond precision (what PostgreSQL keeps).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub use r2d2::PoolError;

/// Tells the pool not to reuse this connection (its `has_broken` check then fails): after a
/// connection-level error, a dead connection would otherwise fail every later request.
pub fn mark_broken(conn: &mut AnyConnection) {
    match conn {
        AnyConnection::Postgresql(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).set_in_error()
        }
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).set_in_error()
        }
    }
}

/// Refreshes the planner's statistics of `table` after a bulk load, so plans cached while the
/// table was small (a sequential scan looks cheapest on an empty table) are made again with
/// the index. `table` is one of ours, never client input.
pub fn analyze(conn: &mut AnyConnection, table: &'static str) -> QueryResult<()> {
    conn.batch_execute(&format!("ANALYZE {table}"))
}

/// Runs a statement whose SQL diesel builds per backend (multi-row `VALUES`) on the native
/// connection inside an `AnyConnection`; evaluates to `QueryResult<usize>`.
#[macro_export]
macro_rules! execute_native {
    ($conn:expr, $statement:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql(c) => diesel::RunQueryDsl::execute($statement, c),
            $crate::db::AnyConnection::Sqlite(c) => diesel::RunQueryDsl::execute($statement, c),
        }
    };
}

/// Inserts every row of a slice into a table in multi-row INSERTs of [`ROWS_PER_INSERT`] (see
/// [`execute_native!`]): `insert_rows!(conn, table, rows)`, with `rows` a slice or a `Vec` and
/// `conn` a `&mut AnyConnection`; evaluates to `QueryResult<()>`.
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        $rows
            .chunks($crate::db::ROWS_PER_INSERT)
            .try_for_each(|chunk| {
                $crate::execute_native!(&mut *$conn, diesel::insert_into($table).values(chunk))
                    .map(|_| ())
            })
    };
}

/// Rows a multi-row INSERT takes: SQLite binds at most 32,766 values a statement, and our widest
/// rows have fewer than 32 columns.
pub const ROWS_PER_INSERT: usize = 1000;

/// Runs an INSERT and gives the new row's id (`RETURNING id`, on both backends): diesel builds
/// RETURNING per backend, so dispatch on the connection. Evaluates to `QueryResult<Id>`.
#[macro_export]
macro_rules! insert_returning_id {
    ($conn:expr, $insert:expr, $id:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql(c) => {
                diesel::RunQueryDsl::get_result($insert.returning($id), c)
            }
            $crate::db::AnyConnection::Sqlite(c) => {
                diesel::RunQueryDsl::get_result($insert.returning($id), c)
            }
        }
    };
}

/// Applies `?sort=` to a boxed query: `order_by!(q, sort, { "name" => table::name, … })`, each
/// field ascending or descending as asked, in the order given; unnamed fields are ignored (the
/// whitelist was checked when the parameter was parsed).
#[macro_export]
macro_rules! order_by {
    ($query:expr, $sort:expr, { $($name:literal => $column:expr),+ $(,)? }) => {{
        let mut q = $query;
        for (field, desc) in $sort.iter() {
            q = match (*field, *desc) {
                $(
                    ($name, false) => q.then_order_by($column.asc()),
                    ($name, true) => q.then_order_by($column.desc()),
                )+
                _ => q,
            };
        }
        q
    }};
}

/// Equality filters from a list's filter struct: `eq_filters!(q, f; kind => table::kind, …)`
/// adds `column = value` for each field that was given.
#[macro_export]
macro_rules! eq_filters {
    ($q:ident, $f:expr; $($field:ident => $column:expr),+ $(,)?) => {
        $(
            if let Some(value) = $f.$field.clone() {
                $q = $q.filter($column.eq(value));
            }
        )+
    };
}

/// `?q=`: case-insensitive containment in any of the text columns, from an index
/// (`db::search`): `text_search!(q, f.q, table: column, other_column)`.
#[macro_export]
macro_rules! text_search {
    ($q:ident, $text:expr, $table:ident: $($column:ident),+ $(,)?) => {
        // Trimmed like every string a client sends: a text as typed in a search box, spaces
        // around it, finds what the text finds; spaces alone are no search, as an empty text.
        if let Some(text) = $text.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The columns are named here so that a renamed one fails to compile.
            let _ = ($($crate::db::schema::$table::$column,)+);
            $q = $q.filter($crate::db::search::Contains::new(
                stringify!($table),
                &[$(stringify!($column)),+],
                text,
            ));
        }
    };
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        used: i32,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the planner stability guarantee:
    /// without it every statement with a bound LIMIT is parsed again on each execution.
    #[test]
    fn the_bundled_sqlite_keeps_plans_whatever_the_bound_values() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let option: Used =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
                .get_result(&mut conn)
                .unwrap();
        assert_eq!(option.used, 1);
    }
}
