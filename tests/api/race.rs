//! Capacity under concurrency: many enrolment requests at once, spread over two server
//! processes on one database (SQLite file or PostgreSQL). Exactly `capacity` may win.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{Backend, TestDb, ADMIN_PASSWORD, JWT_SECRET};

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn url_of(db: &TestDb) -> String {
    match &db.url {
        kompetensi::db::DbUrl::Postgres(u) => u.clone(),
        kompetensi::db::DbUrl::SqliteFile(p) => format!("sqlite://{}", p.display()),
        kompetensi::db::DbUrl::SqliteMemory => unreachable!("two processes need a shared database"),
    }
}

pub fn start(url: &str) -> Server {
    start_with(url, &[])
}

pub fn start_with(url: &str, env: &[(&str, &str)]) -> Server {
    start_logging(url, env, Stdio::null())
}

/// A server whose log (stderr) goes to `log`.
pub fn start_logging(url: &str, env: &[(&str, &str)], log: impl Into<Stdio>) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kompetensi"))
        .env("DATABASE_URL", url)
        .env("KOMPETENSI_BIND", format!("127.0.0.1:{port}"))
        .env("KOMPETENSI_JWT_SECRET", JWT_SECRET)
        .env("KOMPETENSI_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("KOMPETENSI_WORKERS", "2")
        .env("KOMPETENSI_POOL_SIZE", "4")
        .env("RUST_LOG", "error")
        // No drain unless a test asks for one: stopping is quick.
        .env("KOMPETENSI_SHUTDOWN_DRAIN_SECONDS", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start server");
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http(port, "GET", "/health/ready", None, None).0 == 200 {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server on port {port} did not become ready");
}

/// Signs in as the first admin on a running server: the access token.
pub fn admin_token(port: u16) -> String {
    let (status, login) = http(
        port,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "admin", "password": ADMIN_PASSWORD})),
    );
    assert_eq!(status, 200, "{login}");
    login["access_token"].as_str().expect("token").to_string()
}

/// A minimal HTTP/1.1 client: one request per connection.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, Value::Null);
    };
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n", payload.len());
    if body.is_some() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        request.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    if stream.write_all(request.as_bytes()).is_err() {
        return (0, Value::Null);
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn race(backend: Backend) {
    let db = TestDb::new(backend);
    let url = url_of(&db);
    let a = start(&url);
    let b = start(&url);
    let token = admin_token(a.port);
    let t = Some(token.as_str());

    let (_, unit) = http(
        a.port,
        "POST",
        "/api/v1/units",
        t,
        Some(&json!({"code": "BKPSDM", "name": "BKPSDM"})),
    );
    let unit = unit["id"].as_i64().expect("unit");
    const PEOPLE: usize = 24;
    let mut employees = Vec::new();
    for i in 0..PEOPLE {
        let nip = format!("1990010120150{}{}{:03}", 1 + i % 9, 1 + i % 2, i + 1);
        let (status, e) = http(
            b.port,
            "POST",
            "/api/v1/employees",
            t,
            Some(&json!({"nip": nip, "name": format!("P{i}"), "asn_type": "pns", "unit_id": unit})),
        );
        assert_eq!(status, 201, "{e}");
        employees.push(e["id"].as_i64().expect("employee"));
    }
    let training = |capacity: Value| {
        let body = json!({"title": "Race", "form": "workshop", "mode": "in_person", "jp": 8,
                          "start_date": "2026-06-01", "end_date": "2026-06-02", "capacity": capacity});
        let (status, tr) = http(a.port, "POST", "/api/v1/trainings", t, Some(&body));
        assert_eq!(status, 201, "{tr}");
        let id = tr["id"].as_i64().expect("training");
        for s in ["planned", "open"] {
            assert_eq!(
                http(
                    b.port,
                    "POST",
                    &format!("/api/v1/trainings/{id}/status"),
                    t,
                    Some(&json!({"status": s}))
                )
                .0,
                200
            );
        }
        id
    };

    // Distinct employees, 5 seats, 24 requests at once over both processes.
    let capped = training(json!(5));
    let barrier = Arc::new(Barrier::new(PEOPLE));
    let handles: Vec<_> = employees
        .iter()
        .enumerate()
        .map(|(i, &employee)| {
            let (barrier, token) = (barrier.clone(), token.clone());
            let port = if i % 2 == 0 { a.port } else { b.port };
            std::thread::spawn(move || {
                barrier.wait();
                http(
                    port,
                    "POST",
                    &format!("/api/v1/trainings/{capped}/enrolments"),
                    Some(&token),
                    Some(&json!({"employee_id": employee})),
                )
            })
        })
        .collect();
    let results: Vec<(u16, Value)> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let won = results.iter().filter(|(s, _)| *s == 201).count();
    let full = results
        .iter()
        .filter(|(s, body)| *s == 409 && body["code"] == "capacity_full")
        .count();
    assert_eq!((won, full), (5, PEOPLE - 5), "{backend:?}: {results:?}");
    let (_, tr) = http(
        b.port,
        "GET",
        &format!("/api/v1/trainings/{capped}"),
        t,
        None,
    );
    assert_eq!(tr["enrolled_count"], 5);
    let (_, list) = http(
        a.port,
        "GET",
        &format!("/api/v1/trainings/{capped}/enrolments"),
        t,
        None,
    );
    assert_eq!(list["total"], 5);

    // 20 PATCHes without If-Match at once on the 5 enrolments, over both processes: none may
    // fail a version check it never asked for, and the report aggregates they recompute (the
    // same training's) must not collide.
    let enrolments: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    let barrier = Arc::new(Barrier::new(20));
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let (barrier, token, enrolment) = (barrier.clone(), token.clone(), enrolments[i % 5]);
            let port = if i % 2 == 0 { a.port } else { b.port };
            std::thread::spawn(move || {
                barrier.wait();
                http(
                    port,
                    "PATCH",
                    &format!("/api/v1/enrolments/{enrolment}"),
                    Some(&token),
                    Some(&json!({"attendance_percent": 50 + i})),
                )
            })
        })
        .collect();
    let patched: Vec<(u16, Value)> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert!(
        patched.iter().all(|(s, _)| *s == 200),
        "{backend:?}: {patched:?}"
    );
    for enrolment in &enrolments {
        let (_, e) = http(
            a.port,
            "GET",
            &format!("/api/v1/enrolments/{enrolment}"),
            t,
            None,
        );
        assert_eq!(e["version"], 5, "{e}");
    }

    // The same employee many times at once: one enrolment, the rest 409.
    let open = training(Value::Null);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (barrier, token, employee) = (barrier.clone(), token.clone(), employees[0]);
            let port = if i % 2 == 0 { a.port } else { b.port };
            std::thread::spawn(move || {
                barrier.wait();
                http(
                    port,
                    "POST",
                    &format!("/api/v1/trainings/{open}/enrolments"),
                    Some(&token),
                    Some(&json!({"employee_id": employee})),
                )
                .0
            })
        })
        .collect();
    let statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let (_, list) = http(
        a.port,
        "GET",
        &format!("/api/v1/trainings/{open}/enrolments"),
        t,
        None,
    );
    assert_eq!(list["total"], 1);
    drop((a, b));
}

crate::per_backend!(capacity_holds_across_two_server_processes, race);

/// SIGTERM while requests are in flight: every one of them is answered, and the process exits 0.
fn graceful(backend: Backend) {
    let db = TestDb::new(backend);
    // No failure limit here: every sign-in goes on to the password hashing.
    let mut server = start_with(
        &url_of(&db),
        &[
            ("KOMPETENSI_LOGIN_MAX_FAILURES_PER_USER", "100000"),
            ("KOMPETENSI_LOGIN_MAX_FAILURES_PER_IP", "100000"),
        ],
    );
    let port = server.port;
    // Sign-ins are the slowest requests: they queue for the few password-hashing slots, and
    // those that wait past a second are answered 503 `overloaded`. 256 at once are still being
    // answered well after the signal.
    const IN_FLIGHT: usize = 256;
    // Each client sends its request, then waits for the others; the signal goes out once all
    // requests are on the wire, and only then are the answers read. (Checked: with a shutdown
    // timeout of 0 instead of 30 s, dozens of them get no answer.)
    let sent = Arc::new(Barrier::new(IN_FLIGHT + 1));
    let body = json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string();
    let handles: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (sent, body) = (sent.clone(), body.clone());
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
                let request = format!(
                    "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(request.as_bytes()).expect("send");
                sent.wait();
                let mut response = String::new();
                let _ = stream.read_to_string(&mut response);
                response
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse::<u16>().ok())
                    .unwrap_or(0)
            })
        })
        .collect();
    sent.wait();
    // Time for the server to accept them all (a request still in the listen backlog when the
    // listener closes was never taken, and is reset), not to answer them all: 256 sign-ins take
    // well over a second.
    std::thread::sleep(Duration::from_millis(250));
    let pid = server.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    // Every one answered by the service: signed in, or told to come back (none reset).
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{backend:?}: {statuses:?}"
    );
    assert!(statuses.contains(&200), "{backend:?}: {statuses:?}");
    let deadline = Instant::now() + Duration::from_secs(35);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 35 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{backend:?}: exit {status:?}");
    // Nothing listens any more.
    assert_eq!(http(port, "GET", "/health/live", None, None).0, 0);
}

crate::per_backend!(sigterm_answers_requests_in_flight_and_exits_0, graceful);

/// The drain: 8 clients keep sending through a SIGTERM. Readiness turns 503 at once, every
/// request (new connections included) is still answered for the drain's 2 s, then the process
/// stops and exits 0; not one request fails.
fn drain(backend: Backend) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let db = TestDb::new(backend);
    let mut server = start_with(&url_of(&db), &[("KOMPETENSI_SHUTDOWN_DRAIN_SECONDS", "2")]);
    let port = server.port;
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    statuses.push(http(port, "GET", "/health/live", None, None).0);
                }
                statuses
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill")
        .success());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        http(port, "GET", "/health/ready", None, None).0,
        503,
        "not ready while draining"
    );
    // The clients stop sending before the drain ends, as a load balancer that saw the 503 would.
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let statuses: Vec<u16> = clients
        .into_iter()
        .flat_map(|c| c.join().expect("client"))
        .collect();
    assert!(statuses.len() >= 200, "only {} requests", statuses.len());
    let failed = statuses.iter().filter(|s| **s != 200).count();
    assert_eq!(
        failed,
        0,
        "{backend:?}: {failed} of {} failed",
        statuses.len()
    );
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(35),
            "still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{backend:?}: exit {status:?}");
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "stopped before the drain ended"
    );
}

crate::per_backend!(sigterm_drains_before_the_listener_closes, drain);
