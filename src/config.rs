//! Configuration from the environment (DESIGN.md "Configuration").

use std::time::Duration;

use crate::db::DbUrl;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DbUrl,
    /// `KOMPETENSI_READ_DATABASE_URL`: a PostgreSQL read replica of `database_url` for the
    /// reports (`db::replica`); PostgreSQL primaries only.
    pub read_database_url: Option<DbUrl>,
    pub bind: String,
    /// `None`: generate (SQLite) or refuse to start (PostgreSQL), see `auth::jwt::load_secret`.
    pub jwt_secret: Option<String>,
    pub admin_username: String,
    pub admin_password: Option<String>,
    pub workers: usize,
    pub pool_size: u32,
    pub pool_timeout: Duration,
    pub cors_origins: Vec<String>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub login_max_per_user: usize,
    pub login_max_per_ip: usize,
    pub login_window: Duration,
    /// Public certificate checks (`GET /verify/{code}`) a minute per client address.
    pub verify_per_minute: u32,
    /// After SIGTERM, how long `/health/ready` answers 503 while requests are still served, so
    /// a load balancer stops sending before the listener closes.
    pub shutdown_drain: Duration,
    /// The proxies whose `X-Forwarded-For` is believed (`web::client_address`); empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Webhook deliveries (`webhooks::worker`): the first retry after a failure (doubling
    /// after each, for 24 h), how often the worker looks for due deliveries, and how long a
    /// claimed delivery is another instance's to leave alone.
    pub webhook_retry_base: Duration,
    pub webhook_poll: Duration,
    pub webhook_lease: Duration,
    /// A test hook (`KOMPETENSI_TEST_CLOCK_OFFSET_DAYS`): days added to today for the scheduled
    /// webhook events only, so a test can move to the next day or month. 0 in service.
    pub clock_offset_days: i64,
    /// `KOMPETENSI_SLOW_QUERY_MS`: statements taking at least this long are logged
    /// (`db::slow`); `None`: none.
    pub slow_query: Option<Duration>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match env(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a number, got `{v}`")),
    }
}

/// `KOMPETENSI_READ_DATABASE_URL`: a PostgreSQL replica, beside a PostgreSQL primary only.
fn read_replica(read: Option<&str>, primary: &DbUrl) -> Result<Option<DbUrl>, String> {
    let Some(read) = read else {
        return Ok(None);
    };
    match (DbUrl::parse(read)?, primary) {
        (read @ DbUrl::Postgres(_), DbUrl::Postgres(_)) => Ok(Some(read)),
        _ => Err(
            "KOMPETENSI_READ_DATABASE_URL names a PostgreSQL replica of a PostgreSQL DATABASE_URL"
                .into(),
        ),
    }
}

/// `KOMPETENSI_TRUSTED_PROXIES`: comma-separated networks or addresses (`10.0.0.0/24, ::1`).
/// `KOMPETENSI_TRUST_PROXY=1` alone, as before, trusts a proxy on this host (loopback).
fn trusted_proxies(list: Option<&str>, loopback: bool) -> Result<Vec<ipnet::IpNet>, String> {
    let mut nets: Vec<ipnet::IpNet> = Vec::new();
    for item in list
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let net = item
            .parse::<ipnet::IpNet>()
            .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| {
                format!("KOMPETENSI_TRUSTED_PROXIES: `{item}` is not a network or an address")
            })?;
        nets.push(net);
    }
    if loopback && nets.is_empty() {
        nets = vec![
            "127.0.0.0/8".parse().map_err(|_| "loopback")?,
            "::1/128".parse().map_err(|_| "loopback")?,
        ];
    }
    Ok(nets)
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let url = env("DATABASE_URL").unwrap_or_else(|| "sqlite://data/kompetensi.db".into());
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let database_url = DbUrl::parse(&url)?;
        let read_database_url = read_replica(
            env("KOMPETENSI_READ_DATABASE_URL").as_deref(),
            &database_url,
        )?;
        Ok(Config {
            database_url,
            read_database_url,
            bind: env("KOMPETENSI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret: env("KOMPETENSI_JWT_SECRET"),
            admin_username: env("KOMPETENSI_ADMIN_USERNAME").unwrap_or_else(|| "admin".into()),
            admin_password: env("KOMPETENSI_ADMIN_PASSWORD"),
            // Half the CPUs run the HTTP event loops; the rest is left to the blocking
            // threads that run the queries and to the database itself (measured, bench/run.sh:
            // on 2 CPUs one worker beats two on every endpoint, GET /trainings/{id} by a third).
            workers: env_num("KOMPETENSI_WORKERS", (cpus / 2).max(1))?.max(1),
            pool_size: env_num("KOMPETENSI_POOL_SIZE", (cpus as u32 * 2).max(4))?,
            pool_timeout: Duration::from_millis(env_num("KOMPETENSI_POOL_TIMEOUT_MS", 2000u64)?),
            cors_origins: env("KOMPETENSI_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            access_ttl: Duration::from_secs(env_num("KOMPETENSI_ACCESS_TTL_SECONDS", 900u64)?),
            refresh_ttl: Duration::from_secs(env_num(
                "KOMPETENSI_REFRESH_TTL_SECONDS",
                14 * 24 * 3600u64,
            )?),
            login_max_per_user: env_num("KOMPETENSI_LOGIN_MAX_FAILURES_PER_USER", 10usize)?,
            login_max_per_ip: env_num("KOMPETENSI_LOGIN_MAX_FAILURES_PER_IP", 30usize)?,
            login_window: Duration::from_secs(env_num("KOMPETENSI_LOGIN_WINDOW_SECONDS", 900u64)?),
            verify_per_minute: env_num("KOMPETENSI_VERIFY_PER_MINUTE", 60u32)?,
            shutdown_drain: Duration::from_secs(env_num(
                "KOMPETENSI_SHUTDOWN_DRAIN_SECONDS",
                5u64,
            )?),
            webhook_retry_base: Duration::from_millis(env_num(
                "KOMPETENSI_WEBHOOK_RETRY_BASE_MS",
                10_000u64,
            )?),
            webhook_poll: Duration::from_millis(env_num("KOMPETENSI_WEBHOOK_POLL_MS", 500u64)?),
            webhook_lease: Duration::from_secs(env_num("KOMPETENSI_WEBHOOK_LEASE_SECONDS", 60u64)?),
            clock_offset_days: env_num("KOMPETENSI_TEST_CLOCK_OFFSET_DAYS", 0i64)?,
            slow_query: match env("KOMPETENSI_SLOW_QUERY_MS") {
                Some(_) => Some(Duration::from_millis(env_num(
                    "KOMPETENSI_SLOW_QUERY_MS",
                    0u64,
                )?)),
                None => None,
            },
            trusted_proxies: trusted_proxies(
                env("KOMPETENSI_TRUSTED_PROXIES").as_deref(),
                matches!(
                    env("KOMPETENSI_TRUST_PROXY").as_deref(),
                    Some("1" | "true" | "yes")
                ),
            )?,
        })
    }

    /// Defaults for tests and tools: everything as in production, on the given database.
    pub fn for_database(database_url: DbUrl) -> Self {
        Config {
            database_url,
            read_database_url: None,
            bind: "127.0.0.1:0".into(),
            jwt_secret: None,
            admin_username: "admin".into(),
            admin_password: None,
            workers: 1,
            pool_size: 4,
            pool_timeout: Duration::from_secs(2),
            cors_origins: Vec::new(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            login_max_per_user: 10,
            login_max_per_ip: 30,
            login_window: Duration::from_secs(900),
            verify_per_minute: 60,
            shutdown_drain: Duration::ZERO,
            trusted_proxies: Vec::new(),
            webhook_retry_base: Duration::from_secs(10),
            webhook_poll: Duration::from_millis(500),
            webhook_lease: Duration::from_secs(60),
            clock_offset_days: 0,
            slow_query: None,
        }
    }
}

#[cfg(test)]
mod read_replica_tests {
    use super::*;

    #[test]
    fn a_read_replica_is_a_postgresql_url_beside_a_postgresql_primary() {
        let pg = DbUrl::parse("postgres://u@db/k").unwrap();
        let sqlite = DbUrl::parse("sqlite://data/k.db").unwrap();
        assert_eq!(read_replica(None, &pg), Ok(None));
        assert_eq!(
            read_replica(Some("postgres://u@replica/k"), &pg),
            Ok(Some(DbUrl::parse("postgres://u@replica/k").unwrap()))
        );
        assert!(read_replica(Some("postgres://u@replica/k"), &sqlite).is_err());
        assert!(read_replica(Some("sqlite://other.db"), &pg).is_err());
        assert!(read_replica(Some("mysql://u@replica/k"), &pg).is_err());
    }
}
