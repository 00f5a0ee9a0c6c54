//! The contract as generated clients and Swagger UI users meet it: the request examples work
//! as they are on the demo data, creates are idempotent, `HEAD` and `If-None-Match` work on
//! every GET, every `sort` value sorts, and the document declares what the server sends.

use actix_web::test::TestRequest;
use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

/// The README's demo password: the login example uses it.
const DEMO_PASSWORD: &str = "kompetensi-demo";

async fn spec<S: TestApp>(app: &S) -> Value {
    let r = send(app, TestRequest::get().uri("/api-docs/openapi.json")).await;
    r.expect(200);
    r.body
}

/// Every operation of the document: (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

/// The body Swagger UI prefills: the media type's example, else its schema's.
fn body_example(spec: &Value, op: &Value) -> Option<(String, Value)> {
    let (content_type, media) = op["requestBody"]["content"].as_object()?.iter().next()?;
    let example = media
        .get("example")
        .or_else(|| resolve(spec, &media["schema"]).get("example"))?;
    Some((content_type.clone(), example.clone()))
}

/// The path with each parameter replaced by its documented example, as Swagger UI fills it.
fn example_path(op: &Value, path: &str) -> String {
    let mut out = path.to_string();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            let value = match &p["example"] {
                Value::Number(n) => n.to_string(),
                Value::String(text) => text.clone(),
                _ => panic!("{path}: no example for {name}"),
            };
            out = out.replace(&format!("{{{name}}}"), &value);
        }
    }
    out
}

fn takes_idempotency_key(op: &Value) -> bool {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key")
}

/// The order a person trying the examples would follow: what a later example refers to is
/// created first; the password change comes last, as it ends the demo password.
const ORDER: &[&str] = &[
    "login",
    "refresh_session",
    "create_unit",
    "create_competency",
    "create_position",
    "create_employee",
    "import_employees",
    "create_assessment",
    "create_exemption",
    "create_development_need",
    "generate_development_needs",
    "create_external_learning",
    "create_partner",
    "create_trainer",
    "create_programme",
    "create_policy",
    "create_training",
    "create_plan",
    "create_plan_item",
    "create_enrolment",
    "bulk_update_enrolments",
    "create_user",
    "submit_feedback",
    "enter_paper_feedback",
    "create_improvement_action",
    "create_my_external_learning",
    "create_api_client",
    "create_webhook",
    "issue_client_token",
    "update_unit",
    "update_competency",
    "update_position",
    "replace_position_standards",
    "update_employee",
    "update_assessment",
    "update_exemption",
    "update_external_learning",
    "put_external_evidence",
    "review_external_learning",
    "update_partner",
    "update_trainer",
    "update_training",
    "update_enrolment",
    "create_session",
    "update_session",
    "put_attendance",
    "replace_training_quotas",
    "decide_enrolment",
    "put_action_plan",
    "review_action_plan",
    "update_programme",
    "update_development_need",
    "update_plan",
    "update_policy",
    "update_plan_item",
    "update_improvement_action",
    "sync_siasn_course_records",
    "update_settings",
    "update_user",
    "update_api_client",
    "update_webhook",
    "change_training_status",
    "logout",
    "change_password",
];

async fn examples(ctx: &Ctx) {
    kompetensi::seed::seed_demo(&ctx.state.pool, 60).expect("seed");
    let seeded_feedback = ctx.count("feedback");
    let app = ctx.app().await;
    let spec = spec(&app).await;
    let mut with_body: Vec<(String, String, Value)> = operations(&spec)
        .into_iter()
        .filter(|(_, _, op)| op.get("requestBody").is_some())
        .collect();
    let mut ids: Vec<&str> = with_body
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut ordered = ORDER.to_vec();
    ordered.sort_unstable();
    assert_eq!(ids, ordered, "every operation with a body is replayed once");
    with_body.sort_by_key(|(_, _, op)| {
        ORDER
            .iter()
            .position(|id| op["operationId"] == *id)
            .unwrap()
    });
    let admin = token_of(&app, "admin", DEMO_PASSWORD).await;
    // Action plans follow a completion by days the examples cannot know: the window is opened
    // wide, and the review allowed at once.
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"action_plan_days": 3650, "transfer_review_after_days": 0}),
    )
    .await
    .expect(200);
    // Paper forms go to a held training with participants who have not answered.
    let evaluation = get(&app, "/api/v1/reports/training-evaluation", &admin).await;
    let paper_training = evaluation.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["eligible"].as_i64() > t["responses"].as_i64())
        .map(|t| t["training_id"].clone())
        .expect("a training with unanswered participants");
    // Quotas and a decision go to the demo's training that takes nominations.
    let open = get(&app, "/api/v1/trainings?status=open&per_page=100", &admin).await;
    let nominating = open.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["nomination_required"] == true)
        .map(|t| t["id"].clone())
        .expect("a training that takes nominations");
    let pending = get(
        &app,
        &format!("/api/v1/trainings/{nominating}/enrolments?status=nominated"),
        &admin,
    )
    .await;
    let nominated = pending.body["items"][0]["id"].clone();
    assert!(nominated.is_i64(), "{}", pending.text);
    // What no static example can know: tokens and secrets issued on the way.
    let mut refresh_token = String::new();
    // The plan the examples create (the demo's own plan of this year is approved).
    let mut plan = Value::Null;
    let mut plan_item = Value::Null;
    // A session of training 1, on its first day, with the attendance of its enrolment 1.
    let first_day = get(&app, "/api/v1/trainings/1", &admin).await.body["start_date"].clone();
    let mut session = Value::Null;
    let mut client = Value::Null;
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (method, path, op) in &with_body {
        let id = op["operationId"].as_str().unwrap();
        let (content_type, mut example) =
            body_example(&spec, op).unwrap_or_else(|| panic!("{id}: no request example"));
        let uri = match id {
            "enter_paper_feedback" => format!("/api/v1/trainings/{paper_training}/feedback/paper"),
            "replace_training_quotas" => format!("/api/v1/trainings/{nominating}/quotas"),
            "decide_enrolment" => format!("/api/v1/enrolments/{nominated}/decision"),
            "create_plan_item" => format!("/api/v1/plans/{plan}/items"),
            "update_plan_item" => format!("/api/v1/plans/{plan}/items/{plan_item}"),
            "update_session" => format!("/api/v1/sessions/{session}"),
            "put_attendance" => format!("/api/v1/sessions/{session}/attendance"),
            _ => example_path(op, path),
        };
        let token = match id {
            "submit_feedback" | "create_my_external_learning" => {
                let user = body_example(&spec, &spec["paths"]["/api/v1/users"]["post"])
                    .unwrap()
                    .1;
                token_of(
                    &app,
                    user["username"].as_str().unwrap(),
                    user["password"].as_str().unwrap(),
                )
                .await
            }
            // Signing out ended the admin's access tokens: a person signs in again.
            "change_password" => token_of(&app, "admin", DEMO_PASSWORD).await,
            _ => admin.clone(),
        };
        match id {
            "refresh_session" | "logout" => example["refresh_token"] = json!(refresh_token),
            // Next year's: the demo holds this year's.
            "create_plan" => example["year"] = json!(kompetensi::types::today().year() + 1),
            "create_session" => {
                let on = first_day.as_str().unwrap();
                example["starts_at"] = json!(format!("{on}T01:00:00Z"));
                example["ends_at"] = json!(format!("{on}T04:00:00Z"));
                example["jp"] = json!(1);
            }
            "issue_client_token" => {
                example["client_id"] = client["client_id"].clone();
                example["client_secret"] = client["client_secret"].clone();
            }
            _ => {}
        }
        let key = takes_idempotency_key(op).then(|| format!("example-{id}"));
        let request = || {
            let mut request = auth(
                TestRequest::default().method(method.to_uppercase().parse().unwrap()),
                &token,
            )
            .uri(&uri)
            .insert_header(("content-type", content_type.as_str()));
            if let Some(key) = &key {
                request = request.insert_header(("Idempotency-Key", key.as_str()));
            }
            match content_type.as_str() {
                "application/json" => request.set_payload(example.to_string()),
                "application/x-www-form-urlencoded" => {
                    request.set_payload(serde_urlencoded::to_string(&example).unwrap())
                }
                _ => request.set_payload(example.as_str().unwrap().to_string()),
            }
        };
        let r = send(&app, request()).await;
        if !(200..300).contains(&r.status) {
            failures.push(format!("{id} {method} {uri}: {} {}", r.status, r.text));
        } else if key.is_some() {
            // A retry of a create is answered as the first time, and creates nothing.
            let again = send(&app, request()).await;
            let same = (again.status, again.text.as_str(), again.header("location"));
            if same != (r.status, r.text.as_str(), r.header("location"))
                || again.header("idempotent-replayed").as_deref() != Some("true")
            {
                failures.push(format!(
                    "{id}: the retry got {} {}",
                    again.status, again.text
                ));
            }
            replayed += 1;
        }
        match id {
            "login" | "refresh_session" => {
                refresh_token = r.body["refresh_token"].as_str().unwrap_or("").into()
            }
            "create_api_client" => client = r.body.clone(),
            "create_plan" => plan = r.body["id"].clone(),
            "create_plan_item" => plan_item = r.body["id"].clone(),
            "create_session" => session = r.body["id"].clone(),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n{}",
        failures.len(),
        with_body.len(),
        failures.join("\n")
    );
    let creates = with_body
        .iter()
        .filter(|(_, _, op)| op["responses"].get("201").is_some())
        .inspect(|(_, path, op)| assert!(takes_idempotency_key(op), "{path} takes no key"))
        .count();
    assert_eq!((replayed, creates), (25, 25), "every create was retried");
    // What the examples did, as they say; the password example changed the demo password.
    let new_password = body_example(&spec, &spec["paths"]["/api/v1/auth/password"]["put"])
        .unwrap()
        .1["new_password"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = token_of(&app, "admin", &new_password).await;
    let found = |list: Value| list["total"].as_i64().unwrap();
    for (list, expected) in [
        ("/api/v1/partners?q=Pertiba", 1),
        ("/api/v1/employees?q=Dewi%20Lestari", 1),
        ("/api/v1/employees?q=Rina%20Marlina", 1),
        ("/api/v1/trainings/1/enrolments", 2),
        ("/api/v1/api-clients", 1),
    ] {
        assert_eq!(
            found(get(&app, list, &admin).await.body),
            expected,
            "{list}"
        );
    }
    // The enrolment example completed enrolment 1; the sync example marked its record sent.
    let enrolment = get(&app, "/api/v1/enrolments/1", &admin).await;
    assert_eq!(
        (
            enrolment.body["status"].clone(),
            enrolment.body["post_test_score"].clone()
        ),
        (json!("completed"), json!(82.5))
    );
    assert!(enrolment.body["verification_code"].is_string());
    let sent = get(
        &app,
        "/api/v1/exports/siasn/course-records?per_page=1000",
        &admin,
    )
    .await;
    let t1 = sent.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_key"] == "T1");
    assert!(
        t1.is_some_and(|r| r["synced_at"].is_string()),
        "{}",
        sent.text
    );
    let training = get(&app, "/api/v1/trainings/1", &admin).await;
    assert_eq!(training.body["status"], "completed");
    // The participant's answer and the paper form.
    assert_eq!(ctx.count("feedback") - seeded_feedback, 2);
    login(&app, "admin", DEMO_PASSWORD)
        .await
        .problem(401, "unauthorized");
}
on_each_backend!(
    every_request_example_is_accepted_on_the_demo_data,
    examples,
    |c| c.admin_password = Some(super::DEMO_PASSWORD.into())
);

/// The query-parameter schema of `name` on `op`, if it takes one.
fn query_param<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["in"] == "query" && p["name"] == name)
}

async fn sorting(ctx: &Ctx) {
    kompetensi::seed::seed_demo(&ctx.state.pool, 60).expect("seed");
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    // Something to sort on every list: clients, accounts, webhooks, a second enrolment of
    // training 1 (which employee 2's account sees as its own).
    for port in [9, 7] {
        post(
            &app,
            "/api/v1/webhooks",
            &admin,
            json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["enrolment.created"]}),
        )
        .await
        .expect(201);
    }
    for (name, scopes) in [
        ("SIASN", json!(["records:read"])),
        ("e-Kinerja", json!(["employees:read"])),
        ("Dasbor", json!(["reports:read"])),
    ] {
        post(
            &app,
            "/api/v1/api-clients",
            &admin,
            json!({"name": name, "scopes": scopes}),
        )
        .await
        .expect(201);
    }
    let employee = user_with_role(
        &app,
        &admin,
        "pegawai.dua",
        "employee",
        json!({"employee_id": 2}),
    )
    .await;
    user_with_role(&app, &admin, "operator.satu", "operator", json!({})).await;
    // Two pieces of employee 2's own external learning.
    for (title, end) in [
        ("MOOC Etika ASN", "2026-02-10"),
        ("Bimtek SAKIP", "2026-05-20"),
    ] {
        post(
            &app,
            "/api/v1/me/external-learning",
            &employee,
            json!({"title": title, "provider": "LAN RI", "form": "e_learning", "start_date": "2026-01-05", "end_date": end, "jp": 6}),
        )
        .await
        .expect(201);
    }
    for employee_id in [1, 3] {
        post(
            &app,
            "/api/v1/trainings/1/enrolments",
            &admin,
            json!({"employee_id": employee_id}),
        )
        .await
        .expect(201);
    }
    for training in [2, 3] {
        post(
            &app,
            &format!("/api/v1/trainings/{training}/enrolments"),
            &admin,
            json!({"employee_id": 2}),
        )
        .await;
    }
    let spec = spec(&app).await;
    let mut checked = 0;
    for (method, path, op) in operations(&spec) {
        let Some(sort) = query_param(&op, "sort").filter(|_| method == "get") else {
            continue;
        };
        let base = example_path(&op, &path);
        let fields: Vec<&str> = sort["schema"]["items"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().filter(|v| !v.starts_with('-')))
            .collect();
        assert!(!fields.is_empty(), "{path}: a sort without fields");
        let values = |body: &Value, field: &str| -> Vec<Value> {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i[field].clone())
                .collect()
        };
        for field in fields {
            let token = if path.starts_with("/api/v1/me/") {
                &employee
            } else {
                &admin
            };
            let up = get(&app, &format!("{base}?sort={field}&per_page=100"), token).await;
            up.expect(200);
            let down = get(&app, &format!("{base}?sort=-{field}&per_page=100"), token).await;
            down.expect(200);
            let total = up.body["total"].as_i64().unwrap();
            assert!(total >= 2, "{path}: {total} items to sort");
            if total <= 100 {
                let mut reversed = values(&down.body, field);
                reversed.reverse();
                assert_eq!(values(&up.body, field), reversed, "{path} sort={field}");
            }
            let ups = values(&up.body, field);
            if ups.iter().all(Value::is_number) {
                let numbers: Vec<f64> = ups.iter().map(|v| v.as_f64().unwrap()).collect();
                assert!(
                    numbers.windows(2).all(|w| w[0] <= w[1]),
                    "{path} sort={field}"
                );
            }
            checked += 1;
        }
        let r = get(&app, &format!("{base}?sort=no_such_field"), &admin).await;
        r.invalid("sort");
    }
    assert!(checked >= 30, "only {checked} sort fields checked");
}
on_each_backend!(every_sort_value_sorts_every_list, sorting);

async fn head_and_conditional_gets(ctx: &Ctx) {
    kompetensi::seed::seed_demo(&ctx.state.pool, 30).expect("seed");
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let employee = user_with_role(
        &app,
        &admin,
        "pegawai.dua",
        "employee",
        json!({"employee_id": 2}),
    )
    .await;
    post(
        &app,
        "/api/v1/api-clients",
        &admin,
        json!({"name": "SIASN", "scopes": ["records:read"]}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/webhooks",
        &admin,
        json!({"url": "http://127.0.0.1:9/hook", "events": ["enrolment.created"]}),
    )
    .await
    .expect(201);
    let spec = spec(&app).await;
    // A certificate is a completion's, and its code is issued by the server: take a completed
    // enrolment of the demo set for those two.
    let done = get(
        &app,
        "/api/v1/trainings?status=completed&per_page=1",
        &admin,
    )
    .await;
    let training = done.body["items"][0]["id"]
        .as_i64()
        .expect("a completed training");
    let completions = get(
        &app,
        &format!("/api/v1/trainings/{training}/enrolments?status=completed&per_page=1"),
        &admin,
    )
    .await;
    let completion = &completions.body["items"][0];
    // Its action plan, filed whatever the day of completion.
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"action_plan_days": 3650}),
    )
    .await
    .expect(200);
    let plan = json!({"items": [{"description": "Menerapkan SOP baru.", "due_on": "2027-03-31"}]});
    let put = auth(
        TestRequest::put().uri(&format!(
            "/api/v1/enrolments/{}/action-plan",
            completion["id"]
        )),
        &admin,
    )
    .set_json(plan);
    send(&app, put).await.expect(200);
    let mut checked = (0, 0);
    for (method, path, op) in operations(&spec) {
        if method != "get" {
            continue;
        }
        let uri = match path.as_str() {
            "/api/v1/enrolments/{id}/certificate.pdf" => {
                format!("/api/v1/enrolments/{}/certificate.pdf", completion["id"])
            }
            "/api/v1/verify/{verification_code}" => format!(
                "/api/v1/verify/{}",
                completion["verification_code"].as_str().unwrap()
            ),
            "/api/v1/enrolments/{id}/action-plan" => {
                format!("/api/v1/enrolments/{}/action-plan", completion["id"])
            }
            "/api/v1/reports/programme-trends" | "/api/v1/reports/programme-trends.csv" => {
                format!("{path}?programme_id=1")
            }
            _ => example_path(&op, &path),
        };
        let token = if path.starts_with("/api/v1/me/") {
            &employee
        } else {
            &admin
        };
        let full = get(&app, &uri, token).await;
        assert!(
            full.status == 200,
            "GET {uri}: {} {}",
            full.status,
            full.text
        );
        let head = send(
            &app,
            auth(
                TestRequest::default()
                    .method(actix_web::http::Method::HEAD)
                    .uri(&uri),
                token,
            ),
        )
        .await;
        assert_eq!(head.status, 200, "HEAD {uri}");
        assert_eq!(
            head.header("content-type"),
            full.header("content-type"),
            "HEAD {uri}"
        );
        assert!(head.text.is_empty(), "HEAD {uri} sent a body");
        assert!(head.header("x-request-id").is_some(), "HEAD {uri}");
        checked.0 += 1;
        let declared = op["responses"]["200"]["headers"].get("ETag").is_some();
        assert_eq!(
            full.header("etag").is_some(),
            declared,
            "GET {uri}: ETag as declared"
        );
        let Some(etag) = full.header("etag") else {
            continue;
        };
        let unchanged = send(
            &app,
            auth(TestRequest::get().uri(&uri), token)
                .insert_header(("If-None-Match", etag.as_str())),
        )
        .await;
        assert_eq!(unchanged.status, 304, "GET {uri} If-None-Match {etag}");
        assert!(unchanged.text.is_empty());
        assert_eq!(unchanged.header("etag").as_deref(), Some(etag.as_str()));
        let listed = send(
            &app,
            auth(TestRequest::get().uri(&uri), token)
                .insert_header(("If-None-Match", format!("\"0\", {etag}"))),
        )
        .await;
        assert_eq!(listed.status, 304, "GET {uri}: one of a list matches");
        let other = send(
            &app,
            auth(TestRequest::get().uri(&uri), token)
                .insert_header(("If-None-Match", "\"999999\"")),
        )
        .await;
        assert_eq!(other.status, 200, "GET {uri} with another ETag");
        assert_eq!(other.text, full.text);
        checked.1 += 1;
    }
    assert!(checked.0 >= 50 && checked.1 >= 11, "checked {checked:?}");
    // A change moves the ETag on: the old one no longer answers 304.
    let before = get(&app, "/api/v1/partners/1", &admin).await;
    let etag = before.header("etag").unwrap();
    patch(
        &app,
        "/api/v1/partners/1",
        &admin,
        json!({"phone": "+62 717 000 111"}),
    )
    .await
    .expect(200);
    let after = send(
        &app,
        auth(TestRequest::get().uri("/api/v1/partners/1"), &admin)
            .insert_header(("If-None-Match", etag.as_str())),
    )
    .await;
    assert_eq!(after.status, 200);
    assert_eq!(after.body["phone"], "+62 717 000 111");
    // HEAD follows the rules of GET: no token, no answer.
    let anonymous = send(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/api/v1/partners"),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}
on_each_backend!(
    head_and_if_none_match_on_every_get,
    head_and_conditional_gets
);

fn keyed(req: TestRequest, key: &str) -> TestRequest {
    req.insert_header(("Idempotency-Key", key))
}

async fn idempotency(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let operator = user_with_role(&app, &admin, "operator.satu", "operator", json!({})).await;
    let create = |token: &str, key: &str, name: &str| {
        keyed(
            auth(TestRequest::post().uri("/api/v1/partners"), token),
            key,
        )
        .set_json(json!({"name": name, "kind": "university"}))
    };
    let first = send(&app, create(&admin, "k-1", "Universitas Pertiba")).await;
    first.expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = send(&app, create(&admin, "k-1", "Universitas Pertiba")).await;
    again.expect(201);
    assert_eq!(
        (
            again.text.clone(),
            again.header("location"),
            again.header("etag")
        ),
        (
            first.text.clone(),
            first.header("location"),
            first.header("etag")
        )
    );
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(ctx.count("partners"), 1);
    // The same key with another body, or on another operation: refused, nothing written.
    send(&app, create(&admin, "k-1", "Universitas Lain"))
        .await
        .problem(422, "idempotency_key_reused");
    send(
        &app,
        keyed(
            auth(TestRequest::post().uri("/api/v1/units"), &admin),
            "k-1",
        )
        .set_json(json!({"code": "X1", "name": "Unit X"})),
    )
    .await
    .problem(422, "idempotency_key_reused");
    assert_eq!((ctx.count("partners"), ctx.count("units")), (1, 0));
    // Keys are the caller's own: another caller's same key is another request.
    send(&app, create(&operator, "k-1", "Universitas Lain"))
        .await
        .expect(201);
    assert_eq!(ctx.count("partners"), 2);
    // A key is 1–255 visible ASCII characters.
    for bad in ["", " ", "kunci rahasia", &"k".repeat(256)] {
        send(&app, create(&admin, bad, "Universitas Ketiga"))
            .await
            .invalid("Idempotency-Key");
    }
    assert_eq!(ctx.count("partners"), 2);
    // A failed create keeps nothing: the same key may be used again once the body is right.
    let bad = send(
        &app,
        keyed(
            auth(TestRequest::post().uri("/api/v1/partners"), &admin),
            "k-2",
        )
        .set_json(json!({"name": "", "kind": "university"})),
    )
    .await;
    bad.invalid("name");
    send(&app, create(&admin, "k-2", "Universitas Ketiga"))
        .await
        .expect(201);
    // Kept in the database: a restarted service (a new state on the same database) replays.
    let restarted = ctx.restarted_app().await;
    let replay = send(&restarted, create(&admin, "k-1", "Universitas Pertiba")).await;
    assert_eq!(replay.text, first.text);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    // Concurrent retries of one create: one row, one answer for all.
    let answers = futures_util::future::join_all(
        (0..8).map(|_| send(&app, create(&admin, "k-3", "Universitas Serentak"))),
    )
    .await;
    let bodies: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|r| {
            r.expect(201);
            r.text.clone()
        })
        .collect();
    assert_eq!(bodies.len(), 1, "one answer for every retry");
    let r = get(&app, "/api/v1/partners?q=Serentak", &admin).await;
    assert_eq!(r.body["total"], 1);
    // A secret shown once (an API client's) is not readable in the table.
    let client = send(
        &app,
        keyed(
            auth(TestRequest::post().uri("/api/v1/api-clients"), &admin),
            "k-4",
        )
        .set_json(json!({"name": "SIASN", "scopes": ["records:read"]})),
    )
    .await;
    client.expect(201);
    let secret = client.body["client_secret"].as_str().unwrap().to_string();
    let kept: Vec<String> = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            body: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            handle: String,
        }
        diesel::sql_query("SELECT body, handle FROM idempotency_keys")
            .load::<Row>(&mut ctx.conn())
            .unwrap()
            .into_iter()
            .flat_map(|r| [r.body, r.handle])
            .collect()
    };
    assert!(kept.len() >= 10);
    assert!(
        kept.iter()
            .all(|v| !v.contains(&secret) && !v.contains("k-4") && !v.contains("admin")),
        "the table names no caller, key or secret"
    );
}
on_each_backend!(creates_are_idempotent_per_caller_and_key, idempotency);

/// What the document promises a generated client, checked over every operation.
#[test]
fn the_document_declares_what_the_server_sends() {
    let spec = serde_json::to_value(kompetensi::openapi()).unwrap();
    assert_eq!(spec["info"]["license"]["identifier"], "MIT");
    assert!(spec["info"]["contact"]["name"].is_string());
    assert_eq!(spec["servers"][0]["url"], "/");
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    assert!(!schemas
        .keys()
        .any(|k| k.contains("BTreeMap") || k.contains("HashMap")));
    assert_eq!(schemas["ValidationErrors"]["type"], "object", "one shape");
    let mut ids = std::collections::BTreeSet::new();
    let tags: Vec<&Value> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["name"])
        .collect();
    for (method, path, op) in operations(&spec) {
        let here = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap().to_string();
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !["summary", "token", "me", "get", "list", "create", "update", "delete"]
                    .contains(&id.as_str())
                && (id.contains('_') || ["login", "logout"].contains(&id.as_str())),
            "{here}: operationId {id} is not a method name"
        );
        assert!(ids.insert(id), "{here}: operationId twice");
        assert!(
            op["description"].as_str().is_some_and(|d| d.len() > 20),
            "{here}: no description"
        );
        assert!(
            op["tags"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| tags.contains(&t)),
            "{here}"
        );
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            op["responses"].get("412").is_some(),
            params.contains(&"If-Match"),
            "{here}: 412 where If-Match is taken, only there"
        );
        assert!(
            !params.contains(&"format"),
            "{here}: format is the CSV twin's job"
        );
        for (status, response) in op["responses"].as_object().unwrap() {
            let headers = &response["headers"];
            assert!(
                headers.get("X-Request-Id").is_some(),
                "{here} {status}: X-Request-Id"
            );
            let content = response["content"].as_object();
            let types: Vec<&String> = content.iter().flat_map(|c| c.keys()).collect();
            // A file is sent as the kind it is: its download and upload name each kind.
            let file = path.ends_with("/evidence");
            assert!(
                types.len() <= 1 || file,
                "{here} {status}: one media type, not {types:?}"
            );
            if status == "201" {
                assert!(
                    headers.get("Location").is_some() && headers.get("ETag").is_some(),
                    "{here}"
                );
            }
            if status == "200" && params.contains(&"page") {
                assert!(headers.get("Link").is_some(), "{here}: Link on a page");
            }
            if status.starts_with('4') || status.starts_with('5') {
                let problem = &content.unwrap()["application/problem+json"];
                assert_eq!(
                    problem["example"]["status"].as_u64(),
                    status.parse().ok(),
                    "{here} {status}"
                );
            }
            // A list or report names its item schema: generated clients get `Partner`, not
            // an anonymous item class.
            if let Some(schema) = content
                .and_then(|c| c.get("application/json"))
                .map(|m| &m["schema"])
            {
                let body = resolve(&spec, schema);
                if let Some(items) = body["properties"]["items"]["items"].as_object() {
                    assert!(
                        items.contains_key("$ref"),
                        "{here} {status}: inline item schema"
                    );
                }
            }
        }
        let ok = &op["responses"]["200"]["content"];
        if path.ends_with(".csv") {
            assert!(ok.get("text/csv").is_some(), "{here}: text/csv");
            assert!(op["responses"]["200"]["headers"]
                .get("Content-Disposition")
                .is_some());
            let json_twin = &spec["paths"][path.trim_end_matches(".csv")]["get"];
            assert!(
                json_twin.is_object(),
                "{here}: a twin without its JSON operation"
            );
        } else if method == "get" && (path.contains("/reports/") || path.contains("/exports/")) {
            assert!(ok.get("application/json").is_some(), "{here}: JSON");
            assert!(
                spec["paths"][format!("{path}.csv")]["get"].is_object(),
                "{here}: no CSV twin"
            );
        }
    }
    assert!(ids.len() >= 93, "{} operations", ids.len());
}
