//! Webhooks: subscriptions (admin only, the secret shown once), events written with the change
//! that caused them (none for a rolled-back write), and deliveries to a real receiver on
//! 127.0.0.1: signed, retried with the same delivery id until answered 2xx, logged, never
//! following a redirect.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::*;
use crate::evaluation::{enrol, walk};
use crate::on_each_backend;

/// One request the receiver got: its headers (lower-case names) and body.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on 127.0.0.1 answering each request with the next scripted status (200
/// when the script is done), recording what it got.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let (got_t, script_t) = (got.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut headers = Vec::new();
                let mut line = String::new();
                let _ = reader.read_line(&mut line); // request line
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((n, v)) = line.trim_end().split_once(':') {
                        headers.push((n.trim().to_lowercase(), v.trim().to_string()));
                    }
                }
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                got_t.lock().unwrap().push(Received {
                    headers,
                    body: String::from_utf8_lossy(&body).into(),
                });
                let status = script_t.lock().unwrap().pop_front().unwrap_or(200);
                let extra = if status == 302 {
                    "Location: http://127.0.0.1:9/elsewhere\r\n"
                } else {
                    ""
                };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status} X\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            }
        });
        Receiver { url, got, script }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

fn settings() -> kompetensi::webhooks::worker::Settings {
    kompetensi::webhooks::worker::Settings {
        retry_base: Duration::from_millis(5),
        poll: Duration::from_millis(10),
        lease: Duration::from_secs(60),
        clock_offset_days: 0,
    }
}

/// One worker round, after the retry delay has passed.
fn deliver(ctx: &Ctx) -> usize {
    std::thread::sleep(Duration::from_millis(60));
    kompetensi::webhooks::worker::run_once(&mut ctx.conn(), settings()).expect("worker round")
}

fn hmac_hex(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn webhooks(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let operator = user_with_role(&app, &admin, "operator.a", "operator", json!({})).await;
    let receiver = Receiver::start();
    let body =
        json!({"url": receiver.url, "events": ["enrolment.created", "enrolment.status_changed"]});

    // Subscriptions: the admin's; a valid URL and known events, each once.
    post(&app, "/api/v1/webhooks", &operator, body.clone())
        .await
        .problem(403, "forbidden");
    get(&app, "/api/v1/webhooks", &operator)
        .await
        .problem(403, "forbidden");
    for (field, bad) in [
        ("url", json!("ftp://127.0.0.1/hook")),
        ("url", json!("http://")),
        ("events", json!([])),
        ("events", json!(["training.deleted"])),
        ("events", json!(["enrolment.created", "enrolment.created"])),
    ] {
        let mut b = body.clone();
        b[field] = bad;
        post(&app, "/api/v1/webhooks", &admin, b).await.expect(422);
    }
    let created = post(&app, "/api/v1/webhooks", &admin, body.clone()).await;
    created.expect(201);
    let secret = created.body["secret"]
        .as_str()
        .expect("secret once")
        .to_string();
    assert!(secret.len() >= 32);
    let hook = created.body["id"].as_i64().unwrap();
    let read = get(&app, &format!("/api/v1/webhooks/{hook}"), &admin).await;
    assert!(
        read.body.get("secret").is_none(),
        "the secret is shown once: {}",
        read.text
    );
    assert_eq!(
        read.body["events"],
        json!(["enrolment.created", "enrolment.status_changed"])
    );

    // An enrolment: one event, one pending delivery.
    let unit = ctx.insert_unit("A", None);
    let a1 = ctx.insert_employee("198503102010011001", unit);
    let a2 = ctx.insert_employee("199001012015012001", unit);
    let t = post(&app, "/api/v1/trainings", &admin, json!({"title": "Webhook", "form": "workshop", "mode": "in_person", "jp": 4, "start_date": "2099-01-05", "end_date": "2099-01-05"})).await;
    let t = t.body["id"].as_i64().unwrap();
    walk(&app, &admin, t, &["planned", "open"]).await;
    let events_before = ctx.count("webhook_events");
    let e1 = enrol(&app, &admin, t, a1).await;
    assert_eq!(ctx.count("webhook_events"), events_before + 1);
    let log = format!("/api/v1/webhooks/{hook}/deliveries");
    let pending = get(&app, &log, &admin).await;
    assert_eq!(pending.body["total"], 1);
    assert_eq!(
        (
            pending.body["items"][0]["status"].clone(),
            pending.body["items"][0]["attempts"].clone()
        ),
        (json!("pending"), json!(0))
    );

    // The receiver fails twice, then takes it: three attempts of one delivery.
    receiver.script.lock().unwrap().extend([500, 500]);
    for expected in [500, 500, 200] {
        assert_eq!(deliver(ctx), 1);
        let item = get(&app, &log, &admin).await.body["items"][0].clone();
        assert_eq!(item["last_status_code"], expected, "{item}");
    }
    let done = get(&app, &log, &admin).await.body["items"][0].clone();
    assert_eq!(
        (done["status"].clone(), done["attempts"].clone()),
        (json!("delivered"), json!(3))
    );
    assert_eq!(deliver(ctx), 0, "a delivered event is not sent again");
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let delivery = got[0].header("x-kompetensi-delivery").unwrap().to_string();
    assert_eq!(delivery, done["id"].to_string());
    for r in &got {
        assert_eq!(r.header("x-kompetensi-delivery"), Some(delivery.as_str()));
        assert_eq!(r.header("x-kompetensi-event"), Some("enrolment.created"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let signature = r.header("x-kompetensi-signature").unwrap();
        assert_eq!(
            signature,
            format!("sha256={}", hmac_hex(&secret, &r.body)),
            "the signature verifies"
        );
        assert_ne!(
            signature,
            format!("sha256={}", hmac_hex("another secret", &r.body))
        );
        let sent: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(sent["event"], "enrolment.created");
        assert_eq!(sent["id"].to_string(), delivery);
        assert_eq!(sent["data"]["enrolment_id"], e1);
        assert_eq!(sent["data"]["employee_id"], a1);
        assert!(sent["occurred_at"].as_str().unwrap().ends_with('Z'));
    }

    // A write that rolls back emits nothing: a bulk update whose second item is invalid.
    let e2 = enrol(&app, &admin, t, a2).await;
    let before = ctx.count("webhook_events");
    post(&app, &format!("/api/v1/trainings/{t}/enrolments/bulk-update"), &admin,
        json!({"items": [{"enrolment_id": e1, "status": "withdrawn"}, {"enrolment_id": e2, "attendance_percent": 500}]}))
        .await
        .expect(422);
    assert_eq!(
        ctx.count("webhook_events"),
        before,
        "a rolled-back write emits nothing"
    );
    patch(
        &app,
        &format!("/api/v1/enrolments/{e1}"),
        &admin,
        json!({"status": "withdrawn"}),
    )
    .await
    .expect(200);
    assert_eq!(
        ctx.count("webhook_events"),
        before + 1,
        "the status change is an event"
    );

    // A redirect is an answer, not a way elsewhere: the delivery stays pending.
    receiver.script.lock().unwrap().push_back(302);
    let requests = receiver.received().len();
    assert_eq!(deliver(ctx), 2);
    let page = get(&app, &format!("{log}?status=pending"), &admin).await;
    assert_eq!(page.body["total"], 1, "{}", page.text);
    assert_eq!(page.body["items"][0]["last_status_code"], 302);
    assert_eq!(
        receiver.received().len(),
        requests + 2,
        "nothing followed the redirect"
    );

    // An inactive subscription gets nothing new; a deleted one takes its log with it.
    patch(
        &app,
        &format!("/api/v1/webhooks/{hook}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let before = ctx.count("webhook_deliveries");
    patch(
        &app,
        &format!("/api/v1/enrolments/{e2}"),
        &admin,
        json!({"status": "withdrawn"}),
    )
    .await
    .expect(200);
    assert_eq!(ctx.count("webhook_deliveries"), before);
    get(&app, &format!("{log}?status=lost"), &admin)
        .await
        .invalid("status");
    get(&app, "/api/v1/webhooks/999999/deliveries", &admin)
        .await
        .problem(404, "not_found");
    get(&app, &log, &operator).await.problem(403, "forbidden");
    delete(&app, &format!("/api/v1/webhooks/{hook}"), &admin)
        .await
        .expect(204);
    assert_eq!(ctx.count("webhook_deliveries"), 0);
}

on_each_backend!(webhooks_sign_retry_and_log, webhooks);

/// Employees straight into the database of server processes: `n` of them in one unit.
fn people(url: &kompetensi::db::DbUrl, n: usize) -> Vec<i64> {
    use diesel::connection::SimpleConnection;
    use r2d2::ManageConnection;
    let mut conn = kompetensi::db::ConnectionManager::new(url.clone())
        .connect()
        .expect("connect");
    let at = "'2026-01-01 00:00:00'";
    let rows: Vec<String> = (0..n)
        .map(|i| format!("('199001012015011{:03}', 'P{i}', 'pns', 1, {at}, {at})", i))
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('OPD', 'OPD', {at}, {at}); \
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at) VALUES {};",
        rows.join(", ")
    ))
    .expect("employees");
    (1..=n as i64).collect()
}

/// Waits until the receiver got `n` requests (and a moment more, to see any extra), or 60 s.
fn wait_for(receiver: &Receiver, n: usize) -> Vec<Received> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while receiver.received().len() < n && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    receiver.received()
}

/// An open training on a server, unlimited, and a subscription to `enrolment.created`.
fn training_and_hook(port: u16, token: &str, receiver: &Receiver) -> i64 {
    use crate::race::http;
    let t = Some(token);
    let (status, hook) = http(
        port,
        "POST",
        "/api/v1/webhooks",
        t,
        Some(&json!({"url": receiver.url, "events": ["enrolment.created"]})),
    );
    assert_eq!(status, 201, "{hook}");
    let (_, tr) = http(
        port,
        "POST",
        "/api/v1/trainings",
        t,
        Some(&json!({"title": "Burst", "form": "workshop",
        "mode": "in_person", "jp": 4, "start_date": "2099-01-05", "end_date": "2099-01-05"})),
    );
    let training = tr["id"].as_i64().expect("training");
    for s in ["planned", "open"] {
        let path = format!("/api/v1/trainings/{training}/status");
        assert_eq!(
            http(port, "POST", &path, t, Some(&json!({"status": s}))).0,
            200
        );
    }
    training
}

/// Two server processes on one database, 200 events at once: the receiver, which dedupes
/// nothing, gets each exactly once.
fn burst(backend: Backend) {
    use crate::race::{admin_token, http, start_with, url_of};
    let db = TestDb::new(backend);
    let url = url_of(&db);
    let env = [
        ("KOMPETENSI_WEBHOOK_POLL_MS", "20"),
        ("KOMPETENSI_WEBHOOK_RETRY_BASE_MS", "200"),
    ];
    let (a, b) = (start_with(&url, &env), start_with(&url, &env));
    let token = admin_token(a.port);
    let receiver = Receiver::start();
    let training = training_and_hook(a.port, &token, &receiver);
    const EVENTS: usize = 200;
    let employees = people(&db.url, EVENTS);
    let handles: Vec<_> = employees
        .chunks(EVENTS / 20)
        .enumerate()
        .map(|(i, chunk)| {
            let (chunk, token) = (chunk.to_vec(), token.clone());
            let port = if i % 2 == 0 { a.port } else { b.port };
            std::thread::spawn(move || {
                chunk
                    .iter()
                    .map(|e| {
                        http(
                            port,
                            "POST",
                            &format!("/api/v1/trainings/{training}/enrolments"),
                            Some(&token),
                            Some(&json!({"employee_id": e})),
                        )
                        .0
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 201),
        "{backend:?}: {statuses:?}"
    );
    let got = wait_for(&receiver, EVENTS);
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| r.header("x-kompetensi-delivery").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        ids.len(),
        EVENTS,
        "{backend:?}: {} requests for {EVENTS} events",
        ids.len()
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), EVENTS, "{backend:?}: each event once");
    drop((a, b));
}

crate::per_backend!(two_processes_deliver_each_event_once, burst);

/// A delivery still pending when its server is killed (SIGKILL) is delivered by the next one.
fn killed(backend: Backend) {
    use crate::race::{admin_token, http, start_with, url_of};
    let db = TestDb::new(backend);
    let url = url_of(&db);
    let env = [
        ("KOMPETENSI_WEBHOOK_POLL_MS", "20"),
        ("KOMPETENSI_WEBHOOK_RETRY_BASE_MS", "1500"),
    ];
    let mut a = start_with(&url, &env);
    let token = admin_token(a.port);
    let receiver = Receiver::start();
    receiver.script.lock().unwrap().push_back(503);
    let training = training_and_hook(a.port, &token, &receiver);
    let employees = people(&db.url, 1);
    let (status, _) = http(
        a.port,
        "POST",
        &format!("/api/v1/trainings/{training}/enrolments"),
        Some(&token),
        Some(&json!({"employee_id": employees[0]})),
    );
    assert_eq!(status, 201);
    assert_eq!(
        wait_for(&receiver, 1).len(),
        1,
        "the first attempt, answered 503"
    );
    a.child.kill().expect("SIGKILL");
    a.child.wait().expect("gone");
    let b = start_with(&url, &env);
    let got = wait_for(&receiver, 2);
    assert_eq!(got.len(), 2, "{backend:?}: delivered after the restart");
    assert_eq!(
        got[0].header("x-kompetensi-delivery"),
        got[1].header("x-kompetensi-delivery")
    );
    let token = admin_token(b.port);
    let (_, log) = http(
        b.port,
        "GET",
        "/api/v1/webhooks/1/deliveries",
        Some(&token),
        None,
    );
    assert_eq!(
        (
            log["items"][0]["status"].clone(),
            log["items"][0]["attempts"].clone()
        ),
        (json!("delivered"), json!(2)),
        "{log}"
    );
    drop(b);
}

crate::per_backend!(a_pending_delivery_survives_sigkill, killed);

/// Two instances, and then two more with the clock a day on: `agreement.expiring` once per
/// expiring agreement per day, `jp.below_target` once in the month.
fn scheduled(backend: Backend) {
    use crate::race::{admin_token, http, start_with, url_of};
    let db = TestDb::new(backend);
    let url = url_of(&db);
    let receiver = Receiver::start();
    let day =
        |offset: i64| (kompetensi::types::today() + chrono::Duration::days(offset)).to_string();
    let env = [("KOMPETENSI_WEBHOOK_POLL_MS", "20")];
    let (a, b) = (start_with(&url, &env), start_with(&url, &env));
    let token = admin_token(a.port);
    let t = Some(token.as_str());
    let mut expiring = Vec::new();
    for (name, start, end) in [
        ("Universitas Bangka Belitung", day(-300), day(10)),
        ("Yayasan Pelita", day(-300), day(200)),
        ("BPSDM Provinsi", day(-300), day(30)),
        ("Lama", day(-300), day(-1)),
    ] {
        let (status, p) = http(
            b.port,
            "POST",
            "/api/v1/partners",
            t,
            Some(&json!({"name": name, "kind": "ngo",
            "agreement_number": format!("PKS/{name}"), "agreement_start": start, "agreement_end": end})),
        );
        assert_eq!(status, 201, "{p}");
        if name != "Yayasan Pelita" && name != "Lama" {
            expiring.push(p["id"].as_i64().unwrap());
        }
    }
    let (status, _) = http(
        a.port,
        "POST",
        "/api/v1/webhooks",
        t,
        Some(&json!({"url": receiver.url, "events": ["agreement.expiring", "jp.below_target"]})),
    );
    assert_eq!(status, 201);
    let first = wait_for(&receiver, 3);
    let of = |got: &[Received], event: &str| -> Vec<Value> {
        got.iter()
            .filter(|r| r.header("x-kompetensi-event") == Some(event))
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["data"].clone())
            .collect()
    };
    let partners = |data: &[Value]| -> Vec<i64> {
        let mut ids: Vec<i64> = data
            .iter()
            .map(|d| d["partner_id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        partners(&of(&first, "agreement.expiring")),
        expiring,
        "{backend:?}: today's, once"
    );
    assert_eq!(
        of(&first, "jp.below_target").len(),
        1,
        "{backend:?}: this month's, once"
    );
    drop((a, b));

    // The next day, on two fresh instances: each expiring agreement once more.
    let env = [
        ("KOMPETENSI_WEBHOOK_POLL_MS", "20"),
        ("KOMPETENSI_TEST_CLOCK_OFFSET_DAYS", "1"),
    ];
    let (a, b) = (start_with(&url, &env), start_with(&url, &env));
    let month_turns = day(1)[..7] != day(0)[..7];
    let all = wait_for(&receiver, 5 + usize::from(month_turns));
    let days = of(&all, "agreement.expiring");
    let mut both = expiring
        .iter()
        .chain(expiring.iter())
        .copied()
        .collect::<Vec<_>>();
    both.sort();
    assert_eq!(partners(&days), both, "{backend:?}: once a day each");
    let mut as_of: Vec<String> = days
        .iter()
        .map(|d| d["as_of"].as_str().unwrap().to_string())
        .collect();
    as_of.sort();
    as_of.dedup();
    assert_eq!(as_of, vec![day(0), day(1)]);
    assert_eq!(
        of(&all, "jp.below_target").len(),
        1 + usize::from(month_turns)
    );
    drop((a, b));
}

crate::per_backend!(scheduled_events_once_per_period_across_instances, scheduled);
