//! Cross-cutting rules of API.md: problem+json for every error, status codes, headers, spec sync.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;
use kompetensi::db::DbUrl;

async fn routing_errors(ctx: &Ctx) {
    let app = ctx.app().await;
    send(&app, TestRequest::get().uri("/api/v1/nothing-here"))
        .await
        .problem(404, "not_found");
    send(&app, TestRequest::get().uri("/elsewhere"))
        .await
        .problem(404, "not_found");
    let r = send(&app, TestRequest::put().uri("/api/v1/partners")).await;
    r.problem(405, "method_not_allowed");
    let allow = r.header("allow").unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("POST") && !allow.contains("PUT"),
        "{allow}"
    );
    send(&app, TestRequest::post().uri("/api/v1/partners/5"))
        .await
        .problem(405, "method_not_allowed");
    // A known path and method without a token is 401, not 404/405.
    send(&app, TestRequest::delete().uri("/api/v1/partners/5"))
        .await
        .problem(401, "unauthorized");
}
on_each_backend!(unknown_routes_are_404_and_wrong_methods_405, routing_errors);

async fn body_errors(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let raw = |body: &'static str, content_type: &'static str| {
        auth(TestRequest::post().uri("/api/v1/partners"), &admin)
            .insert_header(("content-type", content_type))
            .set_payload(body)
    };
    send(&app, raw("{\"name\": ", "application/json"))
        .await
        .problem(400, "bad_request");
    send(&app, raw("name=x", "text/plain"))
        .await
        .problem(415, "unsupported_media_type");
    let big = format!(
        "{{\"name\":\"{}\",\"kind\":\"ngo\"}}",
        "x".repeat(70 * 1024)
    );
    let r = send(
        &app,
        auth(TestRequest::post().uri("/api/v1/partners"), &admin)
            .insert_header(("content-type", "application/json"))
            .set_payload(big),
    )
    .await;
    r.problem(413, "payload_too_large");

    let r = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "A", "kind": "ngo", "bogus": 1}),
    )
    .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.field_errors("bogus").len(), 1, "{}", r.text);
    let r = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "A\u{0}B", "kind": "ngo"}),
    )
    .await;
    r.problem(422, "validation_failed");
    assert!(r.field_errors("name")[0].contains("NUL"), "{}", r.text);
    let r = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": 5, "kind": "ngo"}),
    )
    .await;
    r.problem(422, "validation_failed");
    let r = post(&app, "/api/v1/partners", &admin, json!({"kind": "ngo"})).await;
    r.problem(422, "validation_failed");
    assert!(!r.field_errors("name").is_empty(), "{}", r.text);
    // Identity and counters cannot be set by a client.
    for field in ["id", "version"] {
        let r = post(
            &app,
            "/api/v1/partners",
            &admin,
            json!({"name": "A", "kind": "ngo", field: 99}),
        )
        .await;
        r.problem(422, "validation_failed");
    }
    assert_eq!(ctx.count("partners"), 0, "bad input changed nothing");
}
on_each_backend!(bad_bodies_are_4xx_problems_and_change_nothing, body_errors);

async fn path_and_query_errors(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    // Every parameter that does not parse or fails a rule is 422 keyed by its name.
    let keyed = [
        ("/api/v1/partners/abc", "id"),
        ("/api/v1/partners/99999999999999999999", "id"),
        ("/api/v1/partners?page=abc", "page"),
        ("/api/v1/partners?per_page=101", "per_page"),
        ("/api/v1/partners?page=0", "page"),
        ("/api/v1/partners?sort=password", "sort"),
        // The spec's pattern: no empty list, no blanks around names.
        ("/api/v1/partners?sort=", "sort"),
        ("/api/v1/partners?sort=name,", "sort"),
        ("/api/v1/partners?sort=%20name", "sort"),
        ("/api/v1/partners?sort=name,,kind", "sort"),
        ("/api/v1/partners?sort=name,name", "sort"),
        ("/api/v1/partners?kind=castle", "kind"),
        ("/api/v1/partners?q=%00", "q"),
        ("/api/v1/partners?colour=red", "colour"),
        ("/api/v1/employees?unit=1", "unit"),
        ("/api/v1/units/1/tree?page=1", "page"),
        ("/api/v1/reports/jp-compliance?per_page=5", "per_page"),
    ];
    for (uri, field) in keyed {
        get(&app, uri, &admin).await.invalid(field);
    }
    for unknown in ["/api/v1/partners/12345", "/api/v1/partners/0"] {
        get(&app, unknown, &admin).await.problem(404, "not_found");
    }
}
on_each_backend!(
    bad_paths_and_queries_are_4xx_problems,
    path_and_query_errors
);

async fn token_errors(ctx: &Ctx) {
    let app = ctx.app().await;
    let r = send(&app, TestRequest::get().uri("/api/v1/partners")).await;
    r.problem(401, "unauthorized");
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    get(&app, "/api/v1/partners", "not-a-token")
        .await
        .problem(401, "unauthorized");
    let r = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/partners")
            .insert_header(("Authorization", "Basic YTpi")),
    )
    .await;
    r.problem(401, "unauthorized");
}
on_each_backend!(missing_or_malformed_tokens_are_401, token_errors);

async fn headers(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let r = get(&app, "/api/v1/partners", &admin).await;
    r.expect(200);
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.header("x-request-id").is_some_and(|id| id.len() >= 16));
    let r = send(
        &app,
        auth(TestRequest::get().uri("/api/v1/partners"), &admin)
            .insert_header(("X-Request-Id", "trace-abc-123")),
    )
    .await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("trace-abc-123"));
    // Errors carry the same headers.
    let r = send(&app, TestRequest::get().uri("/api/v1/nothing")).await;
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}
on_each_backend!(security_headers_and_request_ids, headers);

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| {
        c.cors_origins = vec!["https://portal.example".into()]
    })
    .await;
    let app = ctx.app().await;
    let preflight = |origin: &'static str| {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/partners")
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "GET"))
    };
    let r = send(&app, preflight("https://portal.example")).await;
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://portal.example")
    );
    let r = send(&app, preflight("https://evil.example")).await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    r.problem(400, "bad_request");
    assert!(r.header("x-request-id").is_some());
}

#[actix_web::test]
async fn no_page_can_be_framed() {
    let ctx = Ctx::new(Backend::Sqlite).await;
    let app = ctx.app().await;
    for uri in [
        "/swagger-ui/",
        "/api-docs/openapi.json",
        "/api/v1/partners",
        "/health/live",
    ] {
        let r = send(&app, TestRequest::get().uri(uri)).await;
        assert_eq!(
            r.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{uri}"
        );
        assert!(
            r.header("content-security-policy")
                .is_some_and(|csp| csp.contains("frame-ancestors 'none'")),
            "{uri}"
        );
    }
}

#[actix_web::test]
async fn the_sqlite_files_are_the_service_users_only() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = Ctx::new(Backend::Sqlite).await;
    let app = ctx.app().await;
    // A write, so the -wal and -shm files exist.
    let admin = admin_token(&app).await;
    post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "UBB", "kind": "university"}),
    )
    .await
    .expect(201);
    let DbUrl::SqliteFile(path) = &ctx.db.url else {
        panic!("a SQLite file")
    };
    let mut checked = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the database and its WAL");
}

async fn health(ctx: &Ctx) {
    let app = ctx.app().await;
    send(&app, TestRequest::get().uri("/health/live"))
        .await
        .expect(200);
    let r = send(&app, TestRequest::get().uri("/health/ready")).await;
    r.expect(200);
    assert_eq!(r.body["status"], "ok");
    send(&app, TestRequest::get().uri("/api/v1/partners")).await;
    let r = send(&app, TestRequest::get().uri("/metrics")).await;
    r.expect(200);
    assert!(
        r.text.contains("kompetensi_http_requests_total"),
        "{}",
        r.text
    );
    assert!(r.text.contains("kompetensi_db_pool_max 4"), "{}", r.text);
    assert!(
        r.text.contains("endpoint=\"/api/v1/partners\""),
        "{}",
        r.text
    );
}
on_each_backend!(health_and_metrics, health);

/// The attack: invented methods and random paths, no token, each once. The series stay
/// bounded: every invented method is `OTHER`, every unmatched path `UNKNOWN`.
#[actix_web::test]
async fn metrics_series_stay_bounded_whatever_clients_send() {
    let ctx = Ctx::new(Backend::Sqlite).await;
    let app = ctx.app().await;
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    for warm_up in ["X0", "Y0"] {
        let method = actix_web::http::Method::from_bytes(warm_up.as_bytes()).unwrap();
        send(
            &app,
            TestRequest::default()
                .method(method)
                .uri("/api/v1/partners"),
        )
        .await;
        send(&app, TestRequest::get().uri("/no/such/path/0")).await;
    }
    send(&app, TestRequest::get().uri("/metrics")).await;
    let before = series(&send(&app, TestRequest::get().uri("/metrics")).await.text);
    for i in 1..=300 {
        let method = actix_web::http::Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
        let r = send(
            &app,
            TestRequest::default()
                .method(method)
                .uri("/api/v1/partners"),
        )
        .await;
        r.problem(405, "method_not_allowed");
        assert!(r.body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("X{i}")));
        let method = actix_web::http::Method::from_bytes(format!("Y{i}").as_bytes()).unwrap();
        send(
            &app,
            TestRequest::default()
                .method(method)
                .uri(&format!("/no/such/{i}")),
        )
        .await
        .problem(404, "not_found");
        send(&app, TestRequest::get().uri(&format!("/no/such/path/{i}")))
            .await
            .problem(404, "not_found");
    }
    let after = send(&app, TestRequest::get().uri("/metrics")).await.text;
    assert!(
        !after.contains("X1") && !after.contains("/no/such"),
        "{after}"
    );
    // Only the request counters of /metrics itself may have moved on to new lines.
    assert!(
        series(&after) <= before + 20,
        "{before} series before, {} after",
        series(&after)
    );
}

#[actix_web::test]
async fn readiness_is_503_when_the_database_does_not_answer() {
    use kompetensi::db::{ConnectionManager, DbUrl};
    // Nothing listens on port 1: every checkout fails.
    let url = DbUrl::Postgres("postgres://nobody@127.0.0.1:1/none".into());
    let pool = r2d2::Pool::builder()
        .connection_timeout(std::time::Duration::from_millis(300))
        .build_unchecked(ConnectionManager::new(url.clone()));
    let state = actix_web::web::Data::new(
        kompetensi::AppState::new(test_config(url), pool).expect("state"),
    );
    let app = actix_web::test::init_service(kompetensi::build_app(state)).await;
    send(&app, TestRequest::get().uri("/health/live"))
        .await
        .expect(200);
    let r = send(&app, TestRequest::get().uri("/health/ready")).await;
    r.problem(503, "service_unavailable");
    let r = login(&app, "admin", "whatever-password").await;
    r.problem(503, "service_unavailable");
    assert!(
        !r.text.to_lowercase().contains("postgres"),
        "no internals leak: {}",
        r.text
    );
}

#[actix_web::test]
async fn committed_openapi_equals_the_served_spec() {
    let ctx = Ctx::new(Backend::Sqlite).await;
    let app = ctx.app().await;
    let served = send(&app, TestRequest::get().uri("/api-docs/openapi.json")).await;
    served.expect(200);
    let committed: Value = serde_json::from_str(include_str!("../../openapi/openapi.json"))
        .expect("committed spec is JSON");
    // The server serves the committed file; what the routes and models describe is printed.
    let printed: Value = serde_json::from_str(&kompetensi::openapi_json()).expect("printed spec");
    assert!(
        printed == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    assert_eq!(
        served.body, committed,
        "the served spec is the committed one"
    );
    let ui = send(&app, TestRequest::get().uri("/swagger-ui/")).await;
    ui.expect(200);
    assert!(ui.text.contains("swagger"), "Swagger UI page");
}

#[test]
fn the_spec_documents_security_and_problem_responses() {
    let spec: Value = serde_json::from_str(&kompetensi::openapi_json()).expect("spec");
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public = [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/token",
        "/api/v1/verify/{verification_code}",
        "/health/live",
        "/health/ready",
    ];
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(
                secured,
                !public.contains(&path.as_str()),
                "{method} {path} security"
            );
            for (status, response) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {path} {status} is problem+json"
                    );
                }
            }
        }
    }
    // Validation rules are stated in the schema.
    let partner = &spec["components"]["schemas"]["PartnerInput"]["properties"];
    assert_eq!(partner["name"]["maxLength"], 200);
    assert!(partner["phone"]["pattern"].is_string());
}

/// The attack: dates PostgreSQL cannot hold (years 0, −1, 10000, 262142) in filters and bodies.
/// Every date is a year 1900..2999, or 422 naming the field, on both backends.
async fn out_of_range_dates(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    for date in [
        "0000-01-01",
        "-0001-01-01",
        "%2B10000-01-01",
        "%2B262142-01-01",
        "1899-12-31",
        "3000-01-01",
    ] {
        for (path, field) in [
            ("/api/v1/reports/summary?from=", "from"),
            ("/api/v1/reports/training-evaluation.csv?to=", "to"),
            ("/api/v1/exports/siasn/course-records?from=", "from"),
            ("/api/v1/audit-log?to=", "to"),
            ("/api/v1/trainings?from=", "from"),
        ] {
            get(&app, &format!("{path}{date}"), &admin)
                .await
                .invalid(field);
        }
    }
    for (start, end) in [
        ("0000-01-01", "0000-01-02"),
        ("9999-01-01", "9999-01-01"),
        ("+10000-01-01", "+10000-01-01"),
    ] {
        let r = post(
            &app,
            "/api/v1/trainings",
            &admin,
            json!({"title": "Tahun aneh", "form": "seminar", "mode": "in_person", "jp": 2,
                   "start_date": start, "end_date": end}),
        )
        .await;
        r.invalid("start_date");
    }
    post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "P", "kind": "ngo", "agreement_end": "0001-01-01"}),
    )
    .await
    .invalid("agreement_end");
    assert_eq!(
        ctx.count("trainings") + ctx.count("partners"),
        0,
        "nothing written"
    );
    // The edges are in (a report that measures one year, as `year` does, up to 2200).
    for path in [
        "/api/v1/reports/training-evaluation?from=1900-01-01&to=2999-12-31",
        "/api/v1/reports/partners?to=2999-12-31",
        "/api/v1/reports/summary?from=1900-01-01",
        "/api/v1/reports/summary?to=2200-12-31",
    ] {
        get(&app, path, &admin).await.expect(200);
    }
}
on_each_backend!(dates_outside_1900_to_2999_are_422, out_of_range_dates);

/// Every query that takes a period (`from`, `to`): a `to` before `from` is 422 naming `to`,
/// one day (`from` = `to`) is a period. Reports that measure one calendar year take it from
/// `from` or `to` when `year` is not given, and refuse a `from` or `to` outside it, rather than
/// answering an empty period.
async fn reversed_periods(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let periods = [
        "/api/v1/reports/summary",
        "/api/v1/reports/jp-compliance",
        "/api/v1/reports/jp-compliance.csv",
        "/api/v1/reports/plan-realization",
        "/api/v1/reports/training-evaluation",
        "/api/v1/reports/training-evaluation.csv",
        "/api/v1/reports/learning-outcomes",
        "/api/v1/reports/trainer-hours",
        "/api/v1/exports/siasn/course-records",
        "/api/v1/exports/siasn/course-records.csv",
        "/api/v1/exports/siasn/diklat-struktural",
        "/api/v1/audit-log",
        "/api/v1/trainings",
    ];
    for path in periods {
        let r = get(
            &app,
            &format!("{path}?from=2025-05-02&to=2025-05-01"),
            &admin,
        )
        .await;
        r.invalid("to");
        assert_eq!(
            r.field_errors("to"),
            ["must not be before `from`"],
            "{path}"
        );
        get(
            &app,
            &format!("{path}?from=2025-05-01&to=2025-05-01"),
            &admin,
        )
        .await
        .expect(200);
    }

    for path in [
        "/api/v1/reports/summary",
        "/api/v1/reports/jp-compliance",
        "/api/v1/reports/plan-realization",
    ] {
        // The year is the period's: 2025, whatever today's year.
        for period in [
            "from=2025-02-01&to=2025-11-30",
            "from=2025-02-01",
            "to=2025-11-30",
        ] {
            get(&app, &format!("{path}?{period}"), &admin)
                .await
                .expect(200);
        }
        // Another year than the one measured, or a date's year that `year` could not name (it
        // stops at 2200).
        let elsewhere = "2025, the year this report measures";
        let unnamed = "1900 to 2200, the years this report measures";
        for (query, field, message) in [
            ("from=2025-02-01&to=2026-01-31", "to", elsewhere),
            (
                "year=2026&from=2025-12-01",
                "from",
                "2026, the year this report measures",
            ),
            (
                "year=2024&to=2025-01-01",
                "to",
                "2024, the year this report measures",
            ),
            ("from=2500-01-01", "from", unnamed),
            ("to=2201-12-31", "to", unnamed),
            ("from=2500-01-01&to=2500-12-31", "from", unnamed),
        ] {
            let r = get(&app, &format!("{path}?{query}"), &admin).await;
            r.invalid(field);
            assert_eq!(
                r.field_errors(field),
                [format!("must lie in {message}")],
                "{path}?{query}"
            );
        }
    }
    for (query, year) in [
        ("jp-compliance?from=2025-02-01&to=2025-11-30", 2025),
        ("plan-realization?to=2024-06-30", 2024),
        ("summary?from=2023-03-01", 2023),
    ] {
        let r = get(&app, &format!("/api/v1/reports/{query}"), &admin).await;
        assert_eq!(r.expect(200).body["year"], year, "{query}");
    }
}
on_each_backend!(a_period_ending_before_it_starts_is_422, reversed_periods);
