//! Concurrent writes through the write pipeline, for every mutable resource from one table:
//! without `If-Match`, 16 simultaneous PATCHes all apply (last writer wins) and the version
//! moves by exactly 16; with a stale `If-Match` the write is refused (412) and nothing changes.
//! Then the writes that lock several rows, or a whole structure, under contention: bulk updates
//! of one set in opposite orders, and two units each moved under the other.

use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

/// How many PATCHes race.
const RACERS: i64 = 16;

/// Creates one of each mutable resource: (its path, a PATCH body for racer `n`).
async fn resources<S: TestApp>(app: &S, ctx: &Ctx, admin: &str) -> Vec<(String, Value)> {
    let unit = ctx.insert_unit("U1", None);
    let employee = ctx.insert_employee("198503102010011001", unit);
    let created = |path: &'static str, body: Value| async move {
        let r = post(app, path, admin, body).await;
        r.expect(201);
        format!("{path}/{}", r.body["id"])
    };
    let competency = created(
        "/api/v1/competencies",
        json!({"code": "C1", "name": "Competency", "kind": "technical"}),
    )
    .await;
    let position = created(
        "/api/v1/positions",
        json!({"name": "Analis", "kind": "fungsional"}),
    )
    .await;
    let partner = created(
        "/api/v1/partners",
        json!({"name": "Universitas Bangka Belitung", "kind": "university"}),
    )
    .await;
    let trainer = created(
        "/api/v1/trainers",
        json!({"name": "Narasumber", "kind": "external"}),
    )
    .await;
    let training = created(
        "/api/v1/trainings",
        json!({"title": "Pelatihan", "form": "workshop", "mode": "in_person", "jp": 8,
               "start_date": "2027-03-01", "end_date": "2027-03-02"}),
    )
    .await;
    post(
        app,
        &format!("{training}/status"),
        admin,
        json!({"status": "planned"}),
    )
    .await
    .expect(200);
    let enrolment = post(
        app,
        &format!("{training}/enrolments"),
        admin,
        json!({"employee_id": employee}),
    )
    .await;
    enrolment.expect(201);
    let user = created(
        "/api/v1/users",
        json!({"username": "racer", "display_name": "Racer", "password": "kerja-keras-1234", "role": "operator"}),
    )
    .await;
    let client = created(
        "/api/v1/api-clients",
        json!({"name": "SIASN", "scopes": ["records:read"]}),
    )
    .await;
    let exemption = post(
        app,
        &format!("/api/v1/employees/{employee}/exemptions"),
        admin,
        json!({"kind": "study_leave", "from": "2026-08-01", "to": "2026-10-31", "note": "Tugas belajar 0"}),
    )
    .await;
    exemption.expect(201);
    let competency_id = competency.rsplit('/').next().unwrap().to_string();
    let assessment = post(
        app,
        &format!("/api/v1/employees/{employee}/assessments"),
        admin,
        json!({"competency_id": competency_id.parse::<i64>().unwrap(), "level": 3, "assessed_on": "2026-02-10", "method": "test"}),
    )
    .await;
    assessment.expect(201);
    let external = created(
        "/api/v1/external-learning",
        json!({"employee_id": employee, "title": "MOOC", "provider": "LAN RI", "form": "e_learning",
               "start_date": "2026-01-05", "end_date": "2026-01-09", "jp": 10}),
    )
    .await;
    let programme = created(
        "/api/v1/programmes",
        json!({"code": "PPP", "name": "Pelayanan Prima"}),
    )
    .await;
    let training_id = training.rsplit('/').next().unwrap().parse::<i64>().unwrap();
    let action = created(
        "/api/v1/improvement-actions",
        json!({"training_id": training_id, "aspect": "method", "finding": "Metode", "action": "Studi kasus 0"}),
    )
    .await;
    let need = created(
        "/api/v1/development-needs",
        json!({"employee_id": employee, "title": "Kebutuhan 0", "year": 2026}),
    )
    .await;
    let plan = created("/api/v1/plans", json!({"year": 2030, "title": "Rencana 0"})).await;
    let item = post(
        app,
        &format!("{plan}/items"),
        admin,
        json!({"title": "Butir 0", "runs": 1, "seats": 10}),
    )
    .await;
    item.expect(201);
    // On a training of its own: sessions make the other one's attendance the server's.
    let scheduled = created(
        "/api/v1/trainings",
        json!({"title": "Terjadwal", "form": "workshop", "mode": "in_person", "jp": 8,
               "start_date": "2027-03-01", "end_date": "2027-03-02"}),
    )
    .await;
    let session = post(
        app,
        &format!("{scheduled}/sessions"),
        admin,
        json!({"title": "Sesi 0", "starts_at": "2027-03-01T01:00:00Z", "ends_at": "2027-03-01T02:00:00Z", "jp": 1}),
    )
    .await;
    session.expect(201);
    let webhook = created(
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/hook", "events": ["enrolment.created"]}),
    )
    .await;
    let name = |n: i64| json!({ "name": format!("Name {n}") });
    vec![
        (need, json!({"title": "Kebutuhan 0"})),
        (webhook, json!({"active": true})),
        (plan.clone(), json!({"title": "Rencana 0"})),
        (
            format!("{plan}/items/{}", item.body["id"]),
            json!({"title": "Butir 0"}),
        ),
        (
            format!("/api/v1/sessions/{}", session.body["id"]),
            json!({"title": "Sesi 0"}),
        ),
        (programme, name(0)),
        (action, json!({"action": "Studi kasus 0"})),
        (format!("/api/v1/units/{unit}"), name(0)),
        (competency, name(0)),
        (position, name(0)),
        (format!("/api/v1/employees/{employee}"), name(0)),
        (partner, name(0)),
        (trainer, name(0)),
        (training, json!({"title": "Pelatihan 0"})),
        (
            format!("/api/v1/enrolments/{}", enrolment.body["id"]),
            json!({"attendance_percent": 50}),
        ),
        (user, json!({"display_name": "Racer 0"})),
        (
            format!("/api/v1/exemptions/{}", exemption.body["id"]),
            json!({"note": "Tugas belajar 0"}),
        ),
        (client, name(0)),
        (
            format!(
                "/api/v1/employees/{employee}/assessments/{}",
                assessment.body["id"]
            ),
            json!({"notes": "Catatan 0"}),
        ),
        (external, json!({"certificate_number": "ASNU 0"})),
        (
            "/api/v1/settings".to_string(),
            json!({"feedback_window_days": 30}),
        ),
    ]
}

/// The body for racer `n`: the same field, another value.
fn varied(body: &Value, n: i64) -> Value {
    let (key, value) = body
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("one field");
    let value = match value {
        Value::String(s) => json!(format!("{} {n}", s.trim_end_matches(" 0"))),
        Value::Number(_) => json!(30 + n),
        other => other.clone(),
    };
    json!({ key: value })
}

async fn concurrent_patches(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let table = resources(&app, ctx, &admin).await;
    assert_eq!(table.len(), 21, "every mutable resource");
    for (path, body) in &table {
        let before = get(&app, path, &admin).await;
        before.expect(200);
        let first = before.body["version"].as_i64().expect("version");
        let answers =
            join_all((1..=RACERS).map(|n| patch(&app, path, &admin, varied(body, n)))).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![200; RACERS as usize],
            "{path}: {:?}",
            answers.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        let after = get(&app, path, &admin).await;
        assert_eq!(after.body["version"], json!(first + RACERS), "{path}");
        assert_eq!(
            after.header("etag"),
            Some(format!("\"{}\"", first + RACERS))
        );

        // A write based on the first version has lost: 412, and nothing moves.
        let stale = send(
            &app,
            auth(TestRequest::patch().uri(path), &admin)
                .insert_header(("If-Match", format!("\"{first}\"")))
                .set_json(varied(body, 99)),
        )
        .await;
        stale.problem(412, "precondition_failed");
        let unchanged = get(&app, path, &admin).await;
        assert_eq!(unchanged.body, after.body, "{path}");
    }
}
on_each_backend!(patches_without_if_match_all_apply, concurrent_patches);

async fn opposite_orders(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("U1", None);
    let training = post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({"title": "Bimtek", "form": "bimtek", "mode": "in_person", "jp": 8,
               "start_date": "2027-03-01", "end_date": "2027-03-02"}),
    )
    .await
    .body["id"]
        .clone();
    post(
        &app,
        &format!("/api/v1/trainings/{training}/status"),
        &admin,
        json!({"status": "planned"}),
    )
    .await
    .expect(200);
    let mut enrolments = Vec::new();
    for i in 0..12 {
        let employee = ctx.insert_employee(&format!("19850310201001{:04}", 1000 + i), unit);
        let r = post(
            &app,
            &format!("/api/v1/trainings/{training}/enrolments"),
            &admin,
            json!({"employee_id": employee}),
        )
        .await;
        r.expect(201);
        enrolments.push(r.body["id"].as_i64().unwrap());
    }
    let path = format!("/api/v1/trainings/{training}/enrolments/bulk-update");
    let bulk = |ids: Vec<i64>, percent: i64| {
        let items: Vec<Value> = ids
            .iter()
            .map(|id| json!({"enrolment_id": id, "attendance_percent": percent}))
            .collect();
        post(&app, &path, &admin, json!({ "items": items }))
    };
    let mut reversed = enrolments.clone();
    reversed.reverse();
    let mut applied = 0;
    for round in 0..10 {
        let answers = join_all([
            bulk(enrolments.clone(), 60 + round),
            bulk(reversed.clone(), 80 + round),
            bulk(enrolments.clone(), 70 + round),
        ])
        .await;
        for r in &answers {
            assert!(
                [200, 409, 503].contains(&r.status),
                "round {round}: {} {}",
                r.status,
                r.text
            );
            applied += usize::from(r.status == 200);
        }
        // Whatever won, each bulk update applied whole: all enrolments carry one value.
        let list = get(
            &app,
            &format!("/api/v1/trainings/{training}/enrolments?per_page=100"),
            &admin,
        )
        .await;
        let values: Vec<&Value> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["attendance_percent"])
            .collect();
        assert!(
            values.iter().all(|v| *v == values[0]),
            "round {round}: {values:?}"
        );
    }
    assert!(applied >= 10, "most bulk updates apply: {applied} of 30");
}
on_each_backend!(bulk_updates_in_opposite_orders_never_fail, opposite_orders);

async fn parent_swaps(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let root = ctx.insert_unit("ROOT", None);
    for round in 0..10 {
        let x = ctx.insert_unit(&format!("X{round}"), Some(root));
        let y = ctx.insert_unit(&format!("Y{round}"), Some(root));
        let answers = join_all([
            patch(
                &app,
                &format!("/api/v1/units/{x}"),
                &admin,
                json!({"parent_id": y}),
            ),
            patch(
                &app,
                &format!("/api/v1/units/{y}"),
                &admin,
                json!({"parent_id": x}),
            ),
        ])
        .await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        // One move wins; the other would close a cycle and is refused.
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            vec![200, 422],
            "round {round}: {:?}",
            answers.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        let px = get(&app, &format!("/api/v1/units/{x}"), &admin).await.body["parent_id"].clone();
        let py = get(&app, &format!("/api/v1/units/{y}"), &admin).await.body["parent_id"].clone();
        assert!(
            !(px == json!(y) && py == json!(x)),
            "round {round}: the two units are each other's parent"
        );
        get(&app, &format!("/api/v1/units/{root}/tree"), &admin)
            .await
            .expect(200);
    }
}
on_each_backend!(swapping_two_units_parents_keeps_the_tree, parent_swaps);
