//! The command line: spec export, migrations, create-admin, configuration errors.

use std::io::Write;
use std::process::{Command, Stdio};

fn kompetensi() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kompetensi"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("KOMPETENSI_JWT_SECRET")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn openapi_prints_the_committed_spec() {
    let out = kompetensi().arg("openapi").output().expect("run");
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).expect("json");
    assert_eq!(printed, committed);
}

#[test]
fn migrate_and_create_admin_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("nested/k.db").display());
    let out = kompetensi()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path().join("nested/k.db").exists(),
        "the data folder is created"
    );

    let mut child = kompetensi()
        .args(["create-admin", "--username", "Kepala.BKPSDM"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a-long-admin-password\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kepala.bkpsdm"));

    // Too short a password is refused and nothing is created.
    let mut child = kompetensi()
        .args(["create-admin", "--username", "other"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"short\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

#[test]
fn unknown_database_scheme_is_refused_at_start() {
    let out = kompetensi()
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root@localhost/x")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported scheme `mysql`"), "{err}");
}

#[test]
fn postgres_connection_errors_say_what_is_wrong() {
    let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
        // Without PostgreSQL, the same path is exercised against a closed port.
        let out = kompetensi()
            .arg("migrate")
            .env("DATABASE_URL", "postgres://x@127.0.0.1:1/none")
            .output()
            .expect("run");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            err.contains("connection refused") || err.contains("connect"),
            "{err}"
        );
        assert!(!err.contains("invalid url"), "{err}");
        return;
    };
    let url = crate::common::with_database(&base, "kompetensi_no_such_database");
    let out = kompetensi()
        .arg("migrate")
        .env("DATABASE_URL", url)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!err.to_lowercase().contains("invalid url"), "{err}");
}

#[test]
fn postgres_without_a_jwt_secret_is_refused() {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        let config = kompetensi::config::Config::for_database(kompetensi::db::DbUrl::Postgres(
            "postgres://x@h/db".into(),
        ));
        let err = kompetensi::auth::jwt::load_secret(&config).expect_err("refused");
        assert!(err.contains("KOMPETENSI_JWT_SECRET"), "{err}");
        return;
    };
    let out = kompetensi()
        .env("DATABASE_URL", url)
        .env("KOMPETENSI_BIND", "127.0.0.1:0")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KOMPETENSI_JWT_SECRET"));
}

#[test]
fn a_short_jwt_secret_is_refused() {
    let mut config = kompetensi::config::Config::for_database(kompetensi::db::DbUrl::SqliteMemory);
    config.jwt_secret = Some("too-short".into());
    assert!(kompetensi::auth::jwt::load_secret(&config).is_err());
    config.jwt_secret = Some("x".repeat(32));
    assert!(kompetensi::auth::jwt::load_secret(&config).is_ok());
}

/// A PostgreSQL URL naming a Unix-socket folder (`?host=/dir`) reaches the server without TCP.
/// Against the server of `TEST_POSTGRES_URL`, over its socket (`TEST_POSTGRES_SOCKET_DIR`,
/// default `/var/run/postgresql`); without PostgreSQL, a socket folder that does not exist must be
/// named in the error.
#[test]
fn postgres_over_a_unix_socket() {
    let dir =
        std::env::var("TEST_POSTGRES_SOCKET_DIR").unwrap_or_else(|_| "/var/run/postgresql".into());
    if std::env::var("TEST_POSTGRES_URL").is_err() {
        let out = kompetensi()
            .arg("migrate")
            .env(
                "DATABASE_URL",
                "postgres://x@/none?host=/nonexistent-socket-dir",
            )
            .output()
            .expect("run");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("/nonexistent-socket-dir"), "{err}");
        return;
    }
    // A database of its own, reached as postgres://user@/db?host=DIR.
    let db = crate::common::TestDb::new(crate::common::Backend::Postgres);
    let tcp = crate::race::url_of(&db);
    let (scheme_user, rest) = tcp.split_once('@').expect("user in TEST_POSTGRES_URL");
    let name = rest.split_once('/').map_or("postgres", |(_, d)| d);
    let url = format!("{scheme_user}@/{name}?host={dir}");
    let out = kompetensi()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env(
            "KOMPETENSI_JWT_SECRET",
            "socket-test-secret-socket-test-secret-00",
        )
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The service over the socket: writes (the pool, libpq) and a read by id (the asynchronous
    // path, tokio-postgres) both reach the database.
    let server = crate::race::start(&url);
    let token = crate::race::admin_token(server.port);
    let (status, created) = crate::race::http(
        server.port,
        "POST",
        "/api/v1/trainings",
        Some(&token),
        Some(
            &serde_json::json!({"title": "Lewat soket", "form": "seminar", "mode": "online",
            "online_url": "https://example.org/k", "jp": 2,
            "start_date": "2027-03-01", "end_date": "2027-03-01"}),
        ),
    );
    assert_eq!(status, 201, "{created}");
    let (status, read) = crate::race::http(
        server.port,
        "GET",
        &format!("/api/v1/trainings/{}", created["id"]),
        Some(&token),
        None,
    );
    assert_eq!((status, &read), (200, &created));
}

/// A server's log once `done` holds for it, or as it stands after 2 s.
fn log_when(path: &std::path::Path, done: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let text = std::fs::read_to_string(path).expect("log");
        if done(&text) || std::time::Instant::now() >= deadline {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The access log is written at `info` (the default level) and costs nothing below it.
#[test]
fn the_access_log_follows_the_log_level() {
    for (level, written) in [("info", true), ("warn", false)] {
        let db = crate::common::TestDb::new(crate::common::Backend::Sqlite);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.log");
        let log = std::fs::File::create(&path).expect("log file");
        let server =
            crate::race::start_logging(&crate::race::url_of(&db), &[("RUST_LOG", level)], log);
        let (status, _) = crate::race::http(server.port, "GET", "/health/live", None, None);
        assert_eq!(status, 200);
        let line = "\"GET /health/live HTTP/1.1\" 200";
        let text = log_when(&path, |t| t.contains(line));
        drop(server);
        assert_eq!(text.contains(line), written, "RUST_LOG={level}:\n{text}");
    }
}

/// `KOMPETENSI_SLOW_QUERY_MS` logs the statements that take at least that long, with their
/// SQL; without it none is logged.
fn slow_statement_log(backend: crate::common::Backend) {
    for (threshold, written) in [(Some("0"), true), (None, false)] {
        let db = crate::common::TestDb::new(backend);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.log");
        let log = std::fs::File::create(&path).expect("log file");
        let mut env = vec![("RUST_LOG", "warn")];
        env.extend(threshold.map(|t| ("KOMPETENSI_SLOW_QUERY_MS", t)));
        let server = crate::race::start_logging(&crate::race::url_of(&db), &env, log);
        let token = crate::race::admin_token(server.port);
        let (status, _) = crate::race::http(
            server.port,
            "GET",
            "/api/v1/employees?q=nobody",
            Some(&token),
            None,
        );
        assert_eq!(status, 200);
        let text = log_when(&path, |t| t.contains("nobody"));
        drop(server);
        let logged = text.lines().any(|l| {
            l.contains("slow statement") && l.contains("employees") && l.contains("nobody")
        });
        assert_eq!(
            logged, written,
            "{backend:?} threshold {threshold:?}:\n{text}"
        );
    }
}

crate::per_backend!(slow_statements_are_logged_when_asked, slow_statement_log);
