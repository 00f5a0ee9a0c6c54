//! Nomination: quotas per unit, unit managers nominating within them, staff's decisions, the
//! waiting list, withdrawal before the start and the promotion it triggers — in one process,
//! and over two server processes at once (no overbooking, no free seat while someone waits).

use std::sync::{Arc, Barrier};

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;
use crate::race::{admin_token as server_admin, http, start, url_of};

fn id(r: &Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text))
}

async fn put_quotas<S: TestApp>(app: &S, token: &str, training: i64, body: Value) -> Resp {
    send(
        app,
        auth(
            TestRequest::put().uri(&format!("/api/v1/trainings/{training}/quotas")),
            token,
        )
        .set_json(body),
    )
    .await
}

async fn decide<S: TestApp>(app: &S, token: &str, enrolment: i64, decision: &str) -> Resp {
    post(
        app,
        &format!("/api/v1/enrolments/{enrolment}/decision"),
        token,
        json!({"decision": decision, "note": "sesuai kebutuhan"}),
    )
    .await
}

async fn withdraw<S: TestApp>(app: &S, token: &str, enrolment: i64) -> Resp {
    send(
        app,
        auth(
            TestRequest::post().uri(&format!("/api/v1/enrolments/{enrolment}/withdraw")),
            token,
        ),
    )
    .await
}

async fn status_of<S: TestApp>(app: &S, token: &str, enrolment: i64) -> String {
    get(app, &format!("/api/v1/enrolments/{enrolment}"), token)
        .await
        .body["status"]
        .as_str()
        .expect("status")
        .to_string()
}

/// A training from `start` that takes nominations, opened.
async fn nominated_training<S: TestApp>(app: &S, admin: &str, capacity: i64, start: &str) -> i64 {
    let t = id(&post(
        app,
        "/api/v1/trainings",
        admin,
        json!({"title": "Pelatihan Kepemimpinan Pengawas", "form": "pelatihan", "mode": "in_person",
               "jp": 8, "start_date": start, "end_date": start, "capacity": capacity,
               "nomination_required": true}),
    )
    .await);
    crate::evaluation::walk(app, admin, t, &["planned", "open"]).await;
    t
}

async fn nomination(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_a1 = ctx.insert_unit("A1", Some(unit_a));
    let unit_b = ctx.insert_unit("B", None);
    let a1 = ctx.insert_employee("198503102010011001", unit_a);
    let a2 = ctx.insert_employee("199001012015012001", unit_a);
    let a3 = ctx.insert_employee("198812122012121002", unit_a1);
    let b1 = ctx.insert_employee("197905052005011003", unit_b);
    let mgr_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let mgr_b = user_with_role(
        &app,
        &admin,
        "mgr.b",
        "unit_manager",
        json!({"unit_id": unit_b}),
    )
    .await;
    let emp_a1 = user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": a1})).await;
    let t = nominated_training(&app, &admin, 2, "2099-03-02").await;
    let training = get(&app, &format!("/api/v1/trainings/{t}"), &admin).await;
    assert_eq!(training.body["nomination_required"], true);
    let version = training.body["version"].as_i64().expect("version");

    // Quotas: staff only, units that exist, each once.
    get(&app, &format!("/api/v1/trainings/{t}/quotas"), &admin)
        .await
        .expect(200);
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}/quotas"), &mgr_a)
            .await
            .body,
        json!([])
    );
    get(&app, &format!("/api/v1/trainings/{t}/quotas"), &emp_a1)
        .await
        .problem(403, "forbidden");
    put_quotas(&app, &mgr_a, t, json!([{"unit_id": unit_a, "seats": 9}]))
        .await
        .problem(403, "forbidden");
    put_quotas(&app, &admin, t, json!([{"unit_id": 999_999, "seats": 2}]))
        .await
        .invalid("unit_id");
    put_quotas(
        &app,
        &admin,
        t,
        json!([{"unit_id": unit_a, "seats": 2}, {"unit_id": unit_a, "seats": 1}]),
    )
    .await
    .invalid("items");
    put_quotas(&app, &admin, t, json!([{"unit_id": unit_a, "seats": -1}]))
        .await
        .expect(422);
    put_quotas(&app, &admin, t, json!({"unit_id": unit_a}))
        .await
        .expect(422);
    let r = send(
        &app,
        auth(
            TestRequest::put().uri(&format!("/api/v1/trainings/{t}/quotas")),
            &admin,
        )
        .insert_header(("If-Match", format!("\"{}\"", version + 7)))
        .set_json(json!([{"unit_id": unit_a, "seats": 2}])),
    )
    .await;
    r.problem(412, "precondition_failed");
    let r = put_quotas(&app, &admin, t, json!([{"unit_id": unit_a, "seats": 2}])).await;
    r.expect(200);
    assert_eq!(r.body, json!([{"unit_id": unit_a, "seats": 2, "used": 0}]));
    let after = get(&app, &format!("/api/v1/trainings/{t}"), &admin).await;
    assert_eq!(
        after.body["version"],
        version + 1,
        "quotas are part of the training"
    );

    // Nominations: not by the employee; another unit's person is 404 to a manager; a unit
    // without a quota has none to use; a sub-unit's people use their OPD's quota.
    post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &emp_a1,
        json!({"employee_id": a1}),
    )
    .await
    .problem(409, "nomination_required");
    post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_b,
        json!({"employee_id": a1}),
    )
    .await
    .problem(404, "not_found");
    post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_b,
        json!({"employee_id": b1}),
    )
    .await
    .problem(409, "quota_exceeded");
    let n1 = post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_a,
        json!({"employee_id": a1}),
    )
    .await;
    n1.expect(201);
    assert_eq!(n1.body["status"], "nominated");
    let n1 = id(&n1);
    let n3 = id(&post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_a,
        json!({"employee_id": a3}),
    )
    .await);
    post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_a,
        json!({"employee_id": a2}),
    )
    .await
    .problem(409, "quota_exceeded");
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}/quotas"), &admin)
            .await
            .body,
        json!([{"unit_id": unit_a, "seats": 2, "used": 2}])
    );
    // Staff nominate beyond quotas; nominations hold no seat.
    let nb = id(&post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &admin,
        json!({"employee_id": b1}),
    )
    .await);
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}"), &admin)
            .await
            .body["enrolled_count"],
        0
    );

    // Decisions: staff only, a valid body, on pending nominations only.
    decide(&app, &mgr_a, n1, "approve")
        .await
        .problem(403, "forbidden");
    post(
        &app,
        &format!("/api/v1/enrolments/{n1}/decision"),
        &admin,
        json!({"decision": "maybe"}),
    )
    .await
    .invalid("decision");
    post(
        &app,
        &format!("/api/v1/enrolments/{n1}/decision"),
        &admin,
        json!({"decision": "approve", "seat": 1}),
    )
    .await
    .expect(422);
    decide(&app, &admin, 999_999, "approve")
        .await
        .problem(404, "not_found");
    let r = decide(&app, &admin, n1, "approve").await;
    r.expect(200);
    assert_eq!(r.body["status"], "registered");
    assert_eq!(r.body["decision_note"], "sesuai kebutuhan");
    assert_eq!(
        decide(&app, &admin, n3, "approve").await.body["status"],
        "registered"
    );
    // Full: approval waitlists.
    let r = decide(&app, &admin, nb, "approve").await;
    assert_eq!(r.body["status"], "waitlisted", "{}", r.text);
    assert!(r.body["waitlisted_at"].is_string());
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}"), &admin)
            .await
            .body["enrolled_count"],
        2
    );
    decide(&app, &admin, n1, "reject")
        .await
        .problem(409, "conflict");
    // A waitlisted enrolment does not jump the decision by a PATCH.
    patch(
        &app,
        &format!("/api/v1/enrolments/{nb}"),
        &admin,
        json!({"status": "registered"}),
    )
    .await
    .problem(409, "conflict");
    patch(
        &app,
        &format!("/api/v1/enrolments/{n1}"),
        &admin,
        json!({"status": "waitlisted"}),
    )
    .await
    .problem(409, "conflict");

    // Withdrawal: the employee their own (not another's), their manager, staff; the freed seat
    // goes to the waiting list at once.
    let emp_b1 = user_with_role(&app, &admin, "budi", "employee", json!({"employee_id": b1})).await;
    withdraw(&app, &emp_b1, n1).await.problem(404, "not_found");
    withdraw(&app, &mgr_b, n3).await.problem(404, "not_found");
    let r = withdraw(&app, &emp_a1, n1).await;
    r.expect(200);
    assert_eq!(r.body["status"], "withdrawn");
    assert_eq!(status_of(&app, &admin, nb).await, "registered");
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}"), &admin)
            .await
            .body["enrolled_count"],
        2
    );
    withdraw(&app, &emp_a1, n1).await.problem(409, "conflict");
    send(
        &app,
        auth(
            TestRequest::post().uri("/api/v1/enrolments/abc/withdraw"),
            &emp_a1,
        ),
    )
    .await
    .invalid("id");
    decide(&app, &admin, 0, "approve").await.expect(404);
    // The withdrawn nomination gave its quota back: the manager nominates again, staff reject.
    let n2 = id(&post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments"),
        &mgr_a,
        json!({"employee_id": a2}),
    )
    .await);
    assert_eq!(
        decide(&app, &admin, n2, "reject").await.body["status"],
        "rejected"
    );
    decide(&app, &admin, n2, "approve")
        .await
        .problem(409, "conflict");
    patch(
        &app,
        &format!("/api/v1/enrolments/{n2}"),
        &admin,
        json!({"status": "registered"}),
    )
    .await
    .problem(409, "conflict");
    let stale = send(
        &app,
        auth(
            TestRequest::post().uri(&format!("/api/v1/enrolments/{n3}/withdraw")),
            &mgr_a,
        )
        .insert_header(("If-Match", "\"99\"")),
    )
    .await;
    stale.problem(412, "precondition_failed");
    let r = withdraw(&app, &mgr_a, n3).await;
    assert_eq!(r.body["status"], "withdrawn", "{}", r.text);
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}"), &admin)
            .await
            .body["enrolled_count"],
        1
    );

    // More capacity goes to the waiting list first.
    let c = nominated_training(&app, &admin, 1, "2099-04-01").await;
    let w1 = id(&post(
        &app,
        &format!("/api/v1/trainings/{c}/enrolments"),
        &admin,
        json!({"employee_id": a1}),
    )
    .await);
    let w2 = id(&post(
        &app,
        &format!("/api/v1/trainings/{c}/enrolments"),
        &admin,
        json!({"employee_id": a2}),
    )
    .await);
    let w3 = id(&post(
        &app,
        &format!("/api/v1/trainings/{c}/enrolments"),
        &admin,
        json!({"employee_id": a3}),
    )
    .await);
    for w in [w1, w2, w3] {
        decide(&app, &admin, w, "approve").await.expect(200);
    }
    assert_eq!(status_of(&app, &admin, w2).await, "waitlisted");
    assert_eq!(status_of(&app, &admin, w3).await, "waitlisted");
    patch(
        &app,
        &format!("/api/v1/trainings/{c}"),
        &admin,
        json!({"capacity": 2}),
    )
    .await
    .expect(200);
    assert_eq!(
        status_of(&app, &admin, w2).await,
        "registered",
        "the oldest first"
    );
    assert_eq!(status_of(&app, &admin, w3).await, "waitlisted");
    // Cancelling withdraws everyone still in, but a rejection stays a rejection.
    post(
        &app,
        &format!("/api/v1/trainings/{t}/status"),
        &admin,
        json!({"status": "cancelled"}),
    )
    .await
    .expect(200);
    assert_eq!(status_of(&app, &admin, n2).await, "rejected");
    assert_eq!(status_of(&app, &admin, nb).await, "withdrawn");

    // From the start day on, no withdrawal.
    let today = kompetensi::types::today().to_string();
    let started = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({"title": "Bimtek", "form": "bimtek", "mode": "in_person", "jp": 8,
               "start_date": today, "end_date": today}),
    )
    .await);
    crate::evaluation::walk(&app, &admin, started, &["planned", "open"]).await;
    let e = crate::evaluation::enrol(&app, &admin, started, a1).await;
    withdraw(&app, &emp_a1, e).await.problem(409, "conflict");
    withdraw(&app, &admin, e).await.problem(409, "conflict");
    assert_eq!(status_of(&app, &admin, e).await, "registered");
}

on_each_backend!(nomination_quotas_decisions_waiting_list, nomination);

/// 20 approvals and withdrawals at a time over two server processes, round after round: the
/// training never holds more than its capacity, and never has a free seat while someone waits.
fn withdrawals_and_approvals(backend: Backend) {
    let db = TestDb::new(backend);
    let url = url_of(&db);
    let (a, b) = (start(&url), start(&url));
    let token = server_admin(a.port);
    let t = Some(token.as_str());
    let (_, unit) = http(
        a.port,
        "POST",
        "/api/v1/units",
        t,
        Some(&json!({"code": "OPD", "name": "OPD"})),
    );
    let unit = unit["id"].as_i64().expect("unit");
    const CAPACITY: i64 = 5;
    let (_, tr) = http(
        a.port,
        "POST",
        "/api/v1/trainings",
        t,
        Some(&json!({
        "title": "Nominasi", "form": "workshop", "mode": "in_person", "jp": 8,
        "start_date": "2099-06-01", "end_date": "2099-06-02", "capacity": CAPACITY,
        "nomination_required": true})),
    );
    let training = tr["id"].as_i64().expect("training");
    for s in ["planned", "open"] {
        let path = format!("/api/v1/trainings/{training}/status");
        assert_eq!(
            http(b.port, "POST", &path, t, Some(&json!({"status": s}))).0,
            200
        );
    }
    let mut nominations = Vec::new();
    for i in 0..40 {
        let nip = format!("1990010120150{}{}{:03}", 1 + i % 9, 1 + i % 2, i + 1);
        let (status, e) = http(
            b.port,
            "POST",
            "/api/v1/employees",
            t,
            Some(&json!({"nip": nip, "name": format!("P{i}"), "asn_type": "pns", "unit_id": unit})),
        );
        assert_eq!(status, 201, "{e}");
        let (status, n) = http(
            a.port,
            "POST",
            &format!("/api/v1/trainings/{training}/enrolments"),
            t,
            Some(&json!({"employee_id": e["id"]})),
        );
        assert_eq!(status, 201, "{n}");
        nominations.push(n["id"].as_i64().expect("enrolment"));
    }
    let state = || -> (Vec<(i64, String)>, i64) {
        let (_, list) = http(
            a.port,
            "GET",
            &format!("/api/v1/trainings/{training}/enrolments?per_page=100"),
            t,
            None,
        );
        let items = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| {
                (
                    e["id"].as_i64().expect("id"),
                    e["status"].as_str().expect("status").to_string(),
                )
            })
            .collect();
        let (_, tr) = http(
            b.port,
            "GET",
            &format!("/api/v1/trainings/{training}"),
            t,
            None,
        );
        (items, tr["enrolled_count"].as_i64().expect("count"))
    };
    let mut pending = nominations.clone();
    for round in 0..6 {
        let (items, _) = state();
        let registered: Vec<i64> = items
            .iter()
            .filter(|(_, s)| s == "registered")
            .map(|(i, _)| *i)
            .collect();
        // Up to half withdrawals of seated people, the rest approvals of waiting nominations.
        let mut requests: Vec<(String, Option<Value>)> = registered
            .iter()
            .take(10)
            .map(|e| (format!("/api/v1/enrolments/{e}/withdraw"), None))
            .collect();
        while requests.len() < 20 {
            let Some(n) = pending.pop() else { break };
            requests.push((
                format!("/api/v1/enrolments/{n}/decision"),
                Some(json!({"decision": "approve"})),
            ));
        }
        let barrier = Arc::new(Barrier::new(requests.len()));
        let handles: Vec<_> = requests
            .into_iter()
            .enumerate()
            .map(|(i, (path, body))| {
                let (barrier, token) = (barrier.clone(), token.clone());
                let port = if i % 2 == 0 { a.port } else { b.port };
                std::thread::spawn(move || {
                    barrier.wait();
                    http(port, "POST", &path, Some(&token), body.as_ref())
                })
            })
            .collect();
        let answers: Vec<(u16, Value)> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        assert!(
            answers.iter().all(|(s, _)| *s == 200),
            "{backend:?} round {round}: {answers:?}"
        );
        let (items, count) = state();
        let seated = items.iter().filter(|(_, s)| s == "registered").count() as i64;
        let waiting = items.iter().filter(|(_, s)| s == "waitlisted").count();
        assert_eq!(
            seated, count,
            "{backend:?} round {round}: enrolled_count is the seats held"
        );
        assert!(
            seated <= CAPACITY,
            "{backend:?} round {round}: overbooked, {seated} seats"
        );
        assert!(
            waiting == 0 || seated == CAPACITY,
            "{backend:?} round {round}: {seated} seats held while {waiting} wait"
        );
    }
    drop((a, b));
}

crate::per_backend!(
    nomination_holds_across_two_server_processes,
    withdrawals_and_approvals
);
