//! The database goes away for a few seconds while clients write, and comes back.
//!
//! PostgreSQL: the server process reaches the database through a TCP proxy this test controls.
//! "Down" cuts every open connection and refuses new ones, which is what the service sees when
//! PostgreSQL restarts (the shared test server itself keeps running for the other tests).
//! SQLite: another process holds an exclusive lock on the file for the same time.
//!
//! Either way: while it is down the service answers 503 problem+json (PostgreSQL) or waits
//! (SQLite), never another 5xx and never hangs; `/health/ready` says 503 while PostgreSQL is
//! down; the service recovers by itself within seconds; every write it acknowledged with 201 is
//! in the database afterwards.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use r2d2::ManageConnection;
use serde_json::{json, Value};

use crate::common::{Backend, TestDb};
use crate::race::{admin_token, http, start_with, url_of};

const DOWN_AT: Duration = Duration::from_millis(1500);
const DOWN_FOR: Duration = Duration::from_secs(3);
const WRITE_FOR: Duration = Duration::from_secs(9);

/// A TCP proxy to `target` that can cut everything and refuse new connections.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    /// Bytes are read and dropped, connections stay open: a network that loses everything.
    stalled: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn to(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let stalled = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (up2, stalled2, open2) = (up.clone(), stalled.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut open = open2.lock().expect("lock");
                for s in [&client, &server] {
                    if let Ok(clone) = s.try_clone() {
                        open.push(clone);
                    }
                }
                for (mut from, mut to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ]
                .into_iter()
                .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
                {
                    let stalled = stalled2.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        while let Ok(n @ 1..) = from.read(&mut buf) {
                            if !stalled.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy {
            port,
            up,
            stalled,
            open,
        }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().expect("lock").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }
}

/// `postgres://user@host:port/db` → the same URL through the proxy, and `host:port`.
fn through_proxy(url: &str) -> (String, impl FnOnce(u16) -> String) {
    let (head, rest) = url.split_once('@').expect("user@ in the PostgreSQL URL");
    let (host_port, tail) = rest
        .split_once('/')
        .expect("/database in the PostgreSQL URL");
    let target = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    let (head, tail) = (head.to_string(), tail.to_string());
    (target, move |port| {
        format!("{head}@127.0.0.1:{port}/{tail}")
    })
}

struct Outcome {
    at: Duration,
    status: u16,
    body: Value,
}

/// How long after `back_at` the first answer with `status` came, if one did.
fn first_success_after(outcomes: &[Outcome], status: u16, back_at: Duration) -> Option<Duration> {
    outcomes
        .iter()
        .filter(|o| o.status == status && o.at > back_at)
        .map(|o| o.at - back_at)
        .min()
}

/// A client thread: `request(i)` for i = 1, 2, … every 20 ms until `WRITE_FOR` has passed.
fn every_20ms(
    started: Instant,
    mut request: impl FnMut(usize) -> (u16, Value) + Send + 'static,
) -> std::thread::JoinHandle<Vec<Outcome>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        while started.elapsed() < WRITE_FOR {
            let (status, body) = request(out.len() + 1);
            out.push(Outcome {
                at: started.elapsed(),
                status,
                body,
            });
            std::thread::sleep(Duration::from_millis(20));
        }
        out
    })
}

fn outage(backend: Backend) {
    let db = TestDb::new(backend);
    let direct = url_of(&db);
    let (proxy, url) = match backend {
        Backend::Postgres => {
            let (target, rewrite) = through_proxy(&direct);
            let proxy = Proxy::to(target);
            let url = rewrite(proxy.port);
            (Some(proxy), url)
        }
        Backend::Sqlite => (None, direct.clone()),
    };
    // A short checkout timeout: while the database is away, requests give up after 1 s.
    let server = start_with(&url, &[("KOMPETENSI_POOL_TIMEOUT_MS", "1000")]);
    let port = server.port;
    let token = admin_token(port);
    // A training to read while the database is away (on PostgreSQL a read by id takes the
    // asynchronous path, with connections of its own that must recover too).
    let (status, training) = http(
        port,
        "POST",
        "/api/v1/trainings",
        Some(&token),
        Some(
            &json!({"title": "Dibaca", "form": "seminar", "mode": "in_person", "jp": 2,
                     "start_date": "2027-03-01", "end_date": "2027-03-01"}),
        ),
    );
    assert_eq!(status, 201, "{training}");
    let training_id = training["id"].as_i64().expect("id");

    let started = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let token = token.clone();
            every_20ms(started, move |i| {
                http(
                    port,
                    "POST",
                    "/api/v1/partners",
                    Some(&token),
                    Some(&json!({"name": format!("Mitra {w}-{i}"), "kind": "ngo"})),
                )
            })
        })
        .collect();
    let reader = {
        let token = token.clone();
        every_20ms(started, move |_| {
            http(
                port,
                "GET",
                &format!("/api/v1/trainings/{training_id}"),
                Some(&token),
                None,
            )
        })
    };
    let health = std::thread::spawn(move || {
        let mut out = Vec::new();
        while started.elapsed() < WRITE_FOR {
            let (status, _) = http(port, "GET", "/health/ready", None, None);
            out.push((started.elapsed(), status));
            std::thread::sleep(Duration::from_millis(100));
        }
        out
    });

    std::thread::sleep(DOWN_AT);
    match &proxy {
        Some(p) => {
            p.down();
            std::thread::sleep(DOWN_FOR);
            p.up();
        }
        None => {
            // Another process's exclusive lock: every writer waits for it.
            let mut lock = kompetensi::db::ConnectionManager::new(db.url.clone())
                .connect()
                .expect("second connection");
            lock.batch_execute("BEGIN EXCLUSIVE").expect("lock");
            std::thread::sleep(DOWN_FOR);
            lock.batch_execute("COMMIT").expect("unlock");
        }
    }
    let back_at = DOWN_AT + DOWN_FOR;

    let outcomes: Vec<Outcome> = writers
        .into_iter()
        .flat_map(|h| h.join().expect("writer"))
        .collect();
    let ready = health.join().expect("health");
    let reads = reader.join().expect("reader");

    // Reads: the training, or 503 problem+json; on SQLite the lock does not stop readers.
    for o in &reads {
        assert!(
            (o.status == 200 && o.body["id"] == training_id)
                || (o.status == 503
                    && o.body["status"] == 503
                    && matches!(backend, Backend::Postgres)),
            "{backend:?} read at {:?}: {} {}",
            o.at,
            o.status,
            o.body
        );
    }
    let reads_refused = reads.iter().filter(|o| o.status == 503).count();
    let read_again =
        first_success_after(&reads, 200, back_at).expect("reads succeed after the outage");
    assert!(
        read_again < Duration::from_secs(5),
        "{backend:?}: reads recovered {read_again:?} after"
    );

    // Only 201 or 503 (problem+json), nothing else; no request hung (the client waits 30 s).
    for o in &outcomes {
        assert!(
            o.status == 201 || (o.status == 503 && o.body["status"] == 503),
            "{backend:?} at {:?}: {} {}",
            o.at,
            o.status,
            o.body
        );
    }
    let acknowledged: Vec<i64> = outcomes
        .iter()
        .filter(|o| o.status == 201)
        .map(|o| o.body["id"].as_i64().expect("id"))
        .collect();
    let refused = outcomes.iter().filter(|o| o.status == 503).count();
    let recovery = first_success_after(&outcomes, 201, back_at)
        .expect("writes succeed again after the outage");
    assert!(
        recovery < Duration::from_secs(5),
        "{backend:?}: recovered {recovery:?} after"
    );
    if matches!(backend, Backend::Postgres) {
        assert!(
            refused > 0,
            "no request was refused while the database was down"
        );
        assert!(
            reads
                .iter()
                .any(|o| o.status == 503 && o.at > DOWN_AT && o.at < back_at),
            "no read was refused while the database was down"
        );
        assert!(
            ready
                .iter()
                .any(|(at, s)| *s == 503 && *at > DOWN_AT && *at < back_at),
            "/health/ready never said 503 during the outage: {ready:?}"
        );
    }
    assert_eq!(ready.last().map(|r| r.1), Some(200), "{ready:?}");

    // Every acknowledged write is there.
    let admin = admin_token(port);
    let t = admin.as_str();
    let lost: Vec<i64> = acknowledged
        .iter()
        .copied()
        .filter(|id| {
            http(
                port,
                "GET",
                &format!("/api/v1/partners/{id}"),
                Some(t),
                None,
            )
            .0 != 200
        })
        .collect();
    assert_eq!(
        lost,
        Vec::<i64>::new(),
        "{backend:?}: acknowledged but lost"
    );
    // The network loses every byte but closes nothing: a read gives up after the configured
    // 1 s with 503 instead of hanging, and the next reads get a working connection.
    if let Some(p) = &proxy {
        let read = || {
            let t = Instant::now();
            let (status, body) = http(
                port,
                "GET",
                &format!("/api/v1/trainings/{training_id}"),
                Some(&token),
                None,
            );
            (status, body["status"].clone(), t.elapsed())
        };
        p.stall(true);
        let (status, problem, took) = read();
        p.stall(false);
        assert_eq!((status, problem), (503, json!(503)), "silent network");
        assert!(took < Duration::from_secs(3), "a silent read took {took:?}");
        for _ in 0..4 {
            assert_eq!(read().0, 200, "reads after the network came back");
        }
    }
    eprintln!(
        "outage on {backend:?}: {} writes acknowledged, {refused} refused with 503, 0 lost, \
         first write {recovery:?} after the database came back; {} reads, {reads_refused} \
         refused with 503, first read {read_again:?} after",
        acknowledged.len(),
        reads.len()
    );
    drop(server);
}

crate::per_backend!(
    database_outage_answers_503_and_loses_no_acknowledged_write,
    outage
);
