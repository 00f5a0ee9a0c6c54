//! Reports served from the cache: never stale after a write of what they read (on this instance
//! or another), kept across writes of what they do not read, computed once for concurrent
//! identical requests.

use actix_web::test::TestRequest;
use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{day, world, ALL_REPORTS};
use crate::on_each_backend;

/// The reports the aggregates test does not read, beside those it does: every report.
const LATER_REPORTS: [&str; 4] = [
    "plan-realization",
    "trainer-hours",
    "policy-coverage",
    "trainer-shortage",
];

/// The report, as the cache answers it or (`fresh`) computed now; comments, which each
/// computation shuffles, sorted.
async fn report<S: TestApp>(app: &S, path: &str, token: &str, fresh: bool) -> Value {
    let mut body = page_of(app, &format!("/api/v1/reports/{path}"), token, fresh).await;
    if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if let Some(comments) = item.get_mut("comments").and_then(Value::as_array_mut) {
                comments.sort_by_key(|c| c.to_string());
            }
        }
    }
    body
}

/// The answers of the report or list `name` computed so far (not served from memory), from
/// /metrics: `kind` is "report" or "list".
async fn computed<S: TestApp>(app: &S, kind: &str, name: &str) -> u64 {
    counter_value(
        app,
        &format!("kompetensi_{kind}_computations_total{{{kind}=\"{name}\"}}"),
    )
    .await
}

/// The computations of `report` so far.
async fn computations<S: TestApp>(app: &S, report: &str) -> u64 {
    computed(app, "report", report).await
}

/// After each write, every report as the admin and a unit manager get it equals a fresh
/// computation — and the answer was kept before the write, so a stale one would show.
async fn cached_reports_follow_every_kind_of_write(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let admin = w.admin.clone();
    let check = |step: &'static str| {
        let (app, w) = (&app, &w);
        async move {
            for token in [&w.admin, &w.manager_a] {
                for path in ALL_REPORTS.iter().chain(&LATER_REPORTS) {
                    let kept = report(app, path, token, false).await;
                    let now = report(app, path, token, true).await;
                    assert_eq!(kept, now, "{path} after {step}");
                }
            }
        }
    };
    check("nothing").await;
    let [a1, a2, _] = w.a;
    patch(
        &app,
        &format!("/api/v1/employees/{a2}"),
        &admin,
        json!({"unit_id": w.unit_b}),
    )
    .await
    .expect(200);
    check("an employee moved").await;
    post(
        &app,
        &format!("/api/v1/employees/{a1}/assessments"),
        &admin,
        json!({"competency_id": w.c1, "level": 4, "assessed_on": day(0), "method": "test"}),
    )
    .await
    .expect(201);
    check("an assessment").await;
    let position = get(&app, &format!("/api/v1/employees/{a1}"), &admin)
        .await
        .body["position_id"]
        .as_i64()
        .unwrap();
    let put = auth(
        TestRequest::put().uri(&format!("/api/v1/positions/{position}/standards")),
        &admin,
    )
    .set_json(json!([{"competency_id": w.c2, "required_level": 4}]));
    send(&app, put).await.expect(200);
    check("a standard").await;
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jp_target": 30, "min_group_size": 4}),
    )
    .await
    .expect(200);
    check("the settings").await;
    patch(
        &app,
        &format!("/api/v1/trainings/{}", w.t2),
        &admin,
        json!({"start_date": "2020-03-01", "end_date": "2020-03-02"}),
    )
    .await
    .expect(200);
    check("a training's dates").await;
    let enrolment = get(
        &app,
        &format!("/api/v1/trainings/{}/enrolments", w.t1),
        &admin,
    )
    .await
    .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    patch(
        &app,
        &format!("/api/v1/enrolments/{enrolment}"),
        &admin,
        json!({"post_test_score": 99}),
    )
    .await
    .expect(200);
    check("a score").await;
    let x = post(
        &app,
        "/api/v1/external-learning",
        &admin,
        json!({"employee_id": a1, "title": "MOOC", "provider": "LAN RI",
        "form": "e_learning", "start_date": day(-3), "end_date": day(-1), "jp": 7}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    post(
        &app,
        &format!("/api/v1/external-learning/{x}/review"),
        &admin,
        json!({"decision": "verified"}),
    )
    .await
    .expect(200);
    check("external learning verified").await;
    let year = i64::from(kompetensi::types::today().year());
    post(
        &app,
        "/api/v1/plans",
        &admin,
        json!({"year": year, "title": "Rencana"}),
    )
    .await
    .expect(201);
    check("a plan").await;
    post(
        &app,
        "/api/v1/development-needs",
        &admin,
        json!({"employee_id": a1, "competency_id": w.c2, "title": "SPBE", "year": year}),
    )
    .await
    .expect(201);
    check("a development need").await;
    post(
        &app,
        "/api/v1/policies",
        &admin,
        json!({"title": "UU ASN", "reference": "UU 20/2023", "issued_on": day(-30),
        "competency_ids": [w.c1]}),
    )
    .await
    .expect(201);
    check("a policy").await;
    post(
        &app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "Drs. Baru", "kind": "external", "competency_ids": [w.c2]}),
    )
    .await
    .expect(201);
    check("a trainer").await;
    patch(
        &app,
        &format!("/api/v1/competencies/{}", w.c1),
        &admin,
        json!({"name": "Komunikasi Publik"}),
    )
    .await
    .expect(200);
    check("a competency renamed").await;
    patch(
        &app,
        &format!("/api/v1/units/{}", w.unit_a),
        &admin,
        json!({"name": "Unit A baru"}),
    )
    .await
    .expect(200);
    check("a unit renamed").await;
}
on_each_backend!(
    cached_reports_follow_every_kind_of_write,
    cached_reports_follow_every_kind_of_write
);

/// Sixteen identical requests at once compute once; writes of what a report does not read keep
/// its answer; a write on another instance is seen by this one's next request.
async fn reports_are_computed_once_and_kept_until_their_data_changes(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let before = computations(&app, "summary").await;
    let answers = futures_util::future::join_all(
        (0..16).map(|_| get(&app, "/api/v1/reports/summary", &w.admin)),
    )
    .await;
    assert!(answers.iter().all(|r| r.status == 200));
    assert!(answers.windows(2).all(|p| p[0].body == p[1].body));
    assert_eq!(computations(&app, "summary").await, before + 1);

    // Sign-ins, accounts and plans are read by neither report: both answers are kept.
    get(&app, "/api/v1/reports/competency-gaps", &w.admin)
        .await
        .expect(200);
    let gaps = computations(&app, "competency-gaps").await;
    login(&app, "admin", ADMIN_PASSWORD).await.expect(200);
    post(
        &app,
        "/api/v1/plans",
        &w.admin,
        json!({"year": 2030, "title": "Rencana"}),
    )
    .await
    .expect(201);
    get(&app, "/api/v1/reports/competency-gaps", &w.admin)
        .await
        .expect(200);
    get(&app, "/api/v1/reports/summary", &w.admin)
        .await
        .expect(200);
    assert_eq!(computations(&app, "competency-gaps").await, gaps);
    assert_eq!(computations(&app, "summary").await, before + 1);
    // The CSV twin and another viewer are answers of their own.
    get(&app, "/api/v1/reports/summary.csv", &w.admin)
        .await
        .expect(200);
    get(&app, "/api/v1/reports/summary", &w.manager_a)
        .await
        .expect(200);
    assert_eq!(computations(&app, "summary").await, before + 3);

    // Another instance on the same database deactivates an employee: this instance's next
    // summary counts one fewer.
    let employees = |r: &Resp| r.body["employees"].as_i64().unwrap();
    let kept = get(&app, "/api/v1/reports/summary", &w.admin).await;
    let other = ctx.restarted_app().await;
    patch(
        &other,
        &format!("/api/v1/employees/{}", w.b1),
        &w.admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let after = get(&app, "/api/v1/reports/summary", &w.admin).await;
    assert_eq!(employees(&after), employees(&kept) - 1, "{}", after.text);
}
on_each_backend!(
    reports_are_computed_once_and_kept_until_their_data_changes,
    reports_are_computed_once_and_kept_until_their_data_changes
);

/// The body of a report or list page: as kept, or (`fresh`) computed now.
async fn page_of<S: TestApp>(app: &S, path: &str, token: &str, fresh: bool) -> Value {
    let r = if fresh {
        get_computed(app, path, token).await
    } else {
        get(app, path, token).await
    };
    r.expect(200);
    r.body.clone()
}

/// The pages of `list` computed so far.
async fn list_computations<S: TestApp>(app: &S, list: &str) -> u64 {
    computed(app, "list", list).await
}

/// List pages are kept: sixteen identical requests at once compute once; another viewer and
/// other parameters are answers of their own; the next request after any write, on this
/// instance or another, shows it; the audit log, which refused sign-ins append to without a
/// write, is computed every time.
async fn list_pages_are_kept_until_the_next_write(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let path = "/api/v1/employees?sort=name&per_page=100";
    let before = list_computations(&app, "list_employees").await;
    let answers = futures_util::future::join_all((0..16).map(|_| get(&app, path, &w.admin))).await;
    assert!(answers.iter().all(|r| r.status == 200));
    assert!(answers.windows(2).all(|p| p[0].body == p[1].body));
    assert_eq!(list_computations(&app, "list_employees").await, before + 1);

    let everyone = page_of(&app, path, &w.admin, false).await;
    let theirs = page_of(&app, path, &w.manager_a, false).await;
    page_of(
        &app,
        "/api/v1/employees?sort=-name&per_page=100",
        &w.admin,
        false,
    )
    .await;
    assert_eq!(list_computations(&app, "list_employees").await, before + 3);
    assert!(
        theirs["total"].as_i64() < everyone["total"].as_i64(),
        "a unit manager's page is not the admin's: {theirs} {everyone}"
    );

    patch(
        &app,
        &format!("/api/v1/employees/{}", w.a[0]),
        &w.admin,
        json!({"name": "Zulkifli Disimpan"}),
    )
    .await
    .expect(200);
    let after = page_of(&app, path, &w.admin, false).await;
    assert!(after.to_string().contains("Zulkifli Disimpan"), "{after}");
    assert_eq!(after, page_of(&app, path, &w.admin, true).await);

    let other = ctx.restarted_app().await;
    patch(
        &other,
        &format!("/api/v1/employees/{}", w.b1),
        &w.admin,
        json!({"name": "Yusuf Di Instans Lain"}),
    )
    .await
    .expect(200);
    let after = page_of(&app, path, &w.admin, false).await;
    assert!(
        after.to_string().contains("Yusuf Di Instans Lain"),
        "{after}"
    );

    // A write of another kind computes the page afresh too (a list is keyed on every kind).
    let computed = list_computations(&app, "list_employees").await;
    post(
        &app,
        "/api/v1/plans",
        &w.admin,
        json!({"year": 2031, "title": "Rencana"}),
    )
    .await
    .expect(201);
    page_of(&app, path, &w.admin, false).await;
    assert_eq!(
        list_computations(&app, "list_employees").await,
        computed + 1
    );

    let newest = |page: Value| page["items"][0]["id"].as_i64().unwrap();
    let audit = "/api/v1/audit-log?per_page=1";
    let first = newest(page_of(&app, audit, &w.admin, false).await);
    login(&app, "admin", "not-the-password").await.expect(401);
    let next = newest(page_of(&app, audit, &w.admin, false).await);
    assert!(
        next > first,
        "the refusal is listed at once: {first} then {next}"
    );
}
on_each_backend!(
    list_pages_are_kept_until_the_next_write,
    list_pages_are_kept_until_the_next_write
);

/// An employee's competency profile and learning record are kept like list pages: sixteen
/// identical requests at once compute once; another viewer gets an answer of its own (a unit
/// manager still cannot read another unit's employee the admin read first); the next request
/// after a write, on this instance or another, shows it.
async fn employee_records_are_kept_until_the_next_write(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let a1 = w.a[0];
    let profile = format!("/api/v1/employees/{a1}/competency-profile");
    let record = format!("/api/v1/employees/{a1}/learning-record");
    let before = computed(&app, "record", "competency-profile").await;
    let answers =
        futures_util::future::join_all((0..16).map(|_| get(&app, &profile, &w.admin))).await;
    assert!(answers.iter().all(|r| r.status == 200));
    assert!(answers.windows(2).all(|p| p[0].body == p[1].body));
    assert_eq!(
        computed(&app, "record", "competency-profile").await,
        before + 1
    );

    let other_unit = format!("/api/v1/employees/{}/competency-profile", w.b1);
    page_of(&app, &other_unit, &w.admin, false).await;
    get(&app, &other_unit, &w.manager_a)
        .await
        .problem(404, "not_found");
    let other_record = format!("/api/v1/employees/{}/learning-record", w.b1);
    page_of(&app, &other_record, &w.admin, false).await;
    get(&app, &other_record, &w.manager_a)
        .await
        .problem(404, "not_found");

    let level = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["competency_id"] == w.c1)
            .map(|i| i["current_level"].clone())
    };
    assert_eq!(
        level(&page_of(&app, &profile, &w.admin, false).await),
        Some(json!(2))
    );
    post(
        &app,
        &format!("/api/v1/employees/{a1}/assessments"),
        &w.admin,
        json!({"competency_id": w.c1, "level": 4, "assessed_on": day(0), "method": "test"}),
    )
    .await
    .expect(201);
    let kept = page_of(&app, &profile, &w.admin, false).await;
    assert_eq!(level(&kept), Some(json!(4)));
    assert_eq!(kept, page_of(&app, &profile, &w.admin, true).await);

    let target = |body: &Value| body["jp_target"].clone();
    let first = page_of(&app, &record, &w.admin, false).await;
    let other = ctx.restarted_app().await;
    patch(
        &other,
        "/api/v1/settings",
        &w.admin,
        json!({"jp_target": 24}),
    )
    .await
    .expect(200);
    let kept = page_of(&app, &record, &w.admin, false).await;
    assert_eq!((target(&first), target(&kept)), (json!(20), json!(24)));
    assert_eq!(kept, page_of(&app, &record, &w.admin, true).await);
    // The employee's own view is an answer of its own, and the same.
    assert_eq!(
        page_of(&app, "/api/v1/me/learning-record", &w.employee_a1, false).await,
        kept
    );
}
on_each_backend!(
    employee_records_are_kept_until_the_next_write,
    employee_records_are_kept_until_the_next_write
);

/// Large kept answers (reports, their CSV twins, list pages) go compressed to a client that
/// accepts zstd or gzip, in the coding it prefers (zstd on a tie, `*` standing for a coding it
/// does not name), and decompress to the very bytes a client that accepts neither gets; small
/// answers, and clients that refuse both (`q=0`), get them as they are. Every such answer says
/// `Vary: Accept-Encoding`.
async fn large_answers_are_sent_compressed_to_clients_that_accept_it(ctx: &Ctx) {
    use std::io::Read;
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    // Ninety partners with long names: their list page and their report are over 8 KiB.
    for n in 0..90 {
        post(
            &app,
            "/api/v1/partners",
            &admin,
            json!({"name": format!("Lembaga Pelatihan dan Pengembangan Sumber Daya Aparatur Nomor {n:03} Kepulauan Bangka Belitung"),
                   "kind": "private", "notes": "Mitra pelatihan teknis. ".repeat(40)}),
        )
        .await
        .expect(201);
    }
    let with = |path: &str, accept: Option<&str>| {
        let mut req = auth(TestRequest::get().uri(path), &admin);
        if let Some(accept) = accept {
            req = req.insert_header(("Accept-Encoding", accept));
        }
        send(&app, req)
    };
    // (Accept-Encoding, the coding sent)
    let cases = [
        ("gzip, deflate, br, zstd", Some("zstd")),
        ("zstd", Some("zstd")),
        ("*", Some("zstd")),
        ("gzip;q=0, *", Some("zstd")),
        ("br;q=1.0, gzip;q=0.5", Some("gzip")),
        ("gzip, zstd;q=0.5", Some("gzip")),
        ("zstd;q=0, *", Some("gzip")),
        ("gzip;q=0, identity", None),
        ("gzip;q=0, zstd;q=0, *", None),
        ("br, deflate", None),
    ];
    for path in [
        "/api/v1/partners?per_page=100",
        "/api/v1/reports/partners",
        "/api/v1/reports/partners.csv",
    ] {
        let plain = with(path, None).await;
        plain.expect(200);
        assert!(
            plain.bytes.len() > 8 * 1024,
            "{path}: {} bytes",
            plain.bytes.len()
        );
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        assert!(varies_by_encoding(&plain), "{path}");
        for (accept, coding) in cases {
            let sent = with(path, Some(accept)).await;
            sent.expect(200);
            assert_eq!(
                sent.header("content-encoding").as_deref(),
                coding,
                "{path} {accept}"
            );
            assert_eq!(sent.header("content-type"), plain.header("content-type"));
            assert!(varies_by_encoding(&sent), "{path} {accept}");
            let mut decoded = Vec::new();
            match coding {
                Some("gzip") => {
                    flate2::read::GzDecoder::new(&sent.bytes[..])
                        .read_to_end(&mut decoded)
                        .expect("a gzip stream");
                }
                Some(_) => decoded = zstd::decode_all(&sent.bytes[..]).expect("a zstd frame"),
                None => decoded = sent.bytes.to_vec(),
            }
            assert_eq!(decoded, plain.bytes, "{path} {accept}");
            if coding.is_some() {
                assert!(
                    sent.bytes.len() * 3 < plain.bytes.len(),
                    "{path} {accept}: compression saves little"
                );
            }
        }
    }
    let small = with("/api/v1/reports/summary", Some("zstd, gzip")).await;
    small.expect(200);
    assert!(small.bytes.len() < 8 * 1024);
    assert_eq!(small.header("content-encoding"), None);
    assert!(varies_by_encoding(&small));
}

/// Whether `Vary` names `Accept-Encoding` (beside the CORS headers).
fn varies_by_encoding(r: &Resp) -> bool {
    r.header("vary").is_some_and(|v| {
        v.split(',')
            .any(|h| h.trim().eq_ignore_ascii_case("accept-encoding"))
    })
}
on_each_backend!(
    large_answers_are_sent_compressed_to_clients_that_accept_it,
    large_answers_are_sent_compressed_to_clients_that_accept_it
);
