//! Trainers, trainings, status flow, enrolment rights and capacity, completion, learning record.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

fn training(title: &str) -> Value {
    json!({
        "title": title, "form": "pelatihan", "mode": "in_person", "jp": 12,
        "start_date": "2026-03-02", "end_date": "2026-03-04", "location": "Aula BKPSDM", "capacity": 30
    })
}

async fn status_to<S, B>(app: &S, token: &str, id: i64, status: &str) -> Resp
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    post(
        app,
        &format!("/api/v1/trainings/{id}/status"),
        token,
        json!({"status": status}),
    )
    .await
}

/// Creates a training and walks it to `status`.
async fn training_in<S, B>(app: &S, token: &str, body: Value, status: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = post(app, "/api/v1/trainings", token, body).await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    for step in ["planned", "open", "ongoing", "completed"] {
        if status == "draft" {
            break;
        }
        status_to(app, token, id, step).await.expect(200);
        if step == status {
            break;
        }
    }
    id
}

async fn trainers(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let employee = ctx.insert_employee("198503102010011001", unit);
    let c1 = ctx.insert_competency("M.01");
    let partner = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "UBB", "kind": "university"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let r = post(&app, "/api/v1/trainers", &admin, json!({"name": "Widyaiswara Rina", "kind": "internal", "employee_id": employee, "competency_ids": [c1]})).await;
    r.expect(201);
    assert_eq!(r.body["competency_ids"], json!([c1]));
    let ext = post(
        &app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "Dr. Hendra", "kind": "external", "partner_id": partner}),
    )
    .await;
    ext.expect(201);
    for (body, field) in [
        (json!({"name": "X", "kind": "internal"}), "employee_id"),
        (
            json!({"name": "X", "kind": "external", "employee_id": employee}),
            "employee_id",
        ),
        (
            json!({"name": "X", "kind": "external", "partner_id": 999}),
            "partner_id",
        ),
        (
            json!({"name": "X", "kind": "internal", "employee_id": 999}),
            "employee_id",
        ),
        (
            json!({"name": "X", "kind": "external", "competency_ids": [999]}),
            "competency_ids",
        ),
        (json!({"name": "", "kind": "external"}), "name"),
    ] {
        let r = post(&app, "/api/v1/trainers", &admin, body).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    let r = get(
        &app,
        &format!("/api/v1/trainers?competency_id={c1}"),
        &admin,
    )
    .await;
    assert_eq!(r.body["total"], 1);
    let r = get(&app, "/api/v1/trainers?kind=external", &admin).await;
    assert_eq!(r.body["items"][0]["partner_id"], partner);
    let emp = user_with_role(
        &app,
        &admin,
        "emp",
        "employee",
        json!({"employee_id": employee}),
    )
    .await;
    get(&app, "/api/v1/trainers", &emp).await.expect(200);
    post(
        &app,
        "/api/v1/trainers",
        &emp,
        json!({"name": "X", "kind": "external"}),
    )
    .await
    .problem(403, "forbidden");
    let id = ext.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/trainers/{id}"),
        &emp,
        json!({"name": "Y"}),
    )
    .await
    .problem(403, "forbidden");
    // Named by a training → 409 on delete.
    let mut t = training("Seminar SPBE");
    t["trainer_ids"] = json!([id]);
    post(&app, "/api/v1/trainings", &admin, t).await.expect(201);
    delete(&app, &format!("/api/v1/trainers/{id}"), &admin)
        .await
        .problem(409, "conflict");
    delete(&app, &format!("/api/v1/competencies/{c1}"), &admin)
        .await
        .problem(409, "conflict");
}
on_each_backend!(trainers_bindings_and_use, trainers);

async fn catalogue(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let employee = ctx.insert_employee("198503102010011001", unit);
    let c1 = ctx.insert_competency("M.01");
    let partner = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "UBB", "kind": "university"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let trainer = post(
        &app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "Dr. Hendra", "kind": "external"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();

    let mut full = training("Pelatihan Kepemimpinan Pengawas");
    full["partner_ids"] = json!([partner]);
    full["trainer_ids"] = json!([trainer]);
    full["competencies"] = json!([{"competency_id": c1, "target_level": 3}]);
    full["organizer_unit_id"] = json!(unit);
    full["cost"] = json!(15_000_000);
    full["siasn_course_type_id"] = json!(5);
    let r = post(&app, "/api/v1/trainings", &admin, full).await;
    r.expect(201);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["classical"], true);
    assert_eq!(r.body["enrolled_count"], 0);
    assert_eq!(r.body["partner_ids"], json!([partner]));
    assert_eq!(
        r.body["competencies"],
        json!([{"competency_id": c1, "target_level": 3}])
    );
    let draft = r.body["id"].as_i64().unwrap();

    let with = |field: &str, value: Value| {
        let mut b = training("X");
        b[field] = value;
        b
    };
    let cases = [
        (with("end_date", json!("2026-03-01")), "end_date"),
        (with("mode", json!("online")), "online_url"),
        (with("mode", json!("blended")), "online_url"),
        (with("jp", json!(0)), "jp"),
        (with("jp", json!(1001)), "jp"),
        (with("capacity", json!(0)), "capacity"),
        (with("form", json!("ceramah")), "form"),
        (with("partner_ids", json!([999])), "partner_ids"),
        (with("trainer_ids", json!([999])), "trainer_ids"),
        (
            with(
                "competencies",
                json!([{"competency_id": 999, "target_level": 2}]),
            ),
            "competencies",
        ),
        (
            with(
                "competencies",
                json!([{"competency_id": c1, "target_level": 6}]),
            ),
            "competencies[0].target_level",
        ),
        (
            with(
                "competencies",
                json!([{"competency_id": c1, "target_level": 2}, {"competency_id": c1, "target_level": 3}]),
            ),
            "competencies",
        ),
        (
            with("enrolment_deadline", json!("2026-04-01")),
            "enrolment_deadline",
        ),
        (with("organizer_unit_id", json!(999)), "organizer_unit_id"),
        (with("online_url", json!("not a url")), "online_url"),
        (with("status", json!("open")), "status"),
        (with("enrolled_count", json!(5)), "enrolled_count"),
    ];
    for (body, field) in cases {
        let r = post(&app, "/api/v1/trainings", &admin, body).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    let mut online = with("mode", json!("online"));
    online["online_url"] = json!("https://zoom.example/j/123");
    online["form"] = json!("e_learning");
    online["capacity"] = Value::Null;
    let r = post(&app, "/api/v1/trainings", &admin, online).await;
    r.expect(201);
    assert_eq!(r.body["classical"], false);
    let published = training_in(&app, &admin, training("Bimtek Arsip Digital"), "open").await;

    // Employees and unit managers never see drafts.
    let emp = user_with_role(
        &app,
        &admin,
        "emp",
        "employee",
        json!({"employee_id": employee}),
    )
    .await;
    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    for token in [&emp, &mgr] {
        get(&app, &format!("/api/v1/trainings/{draft}"), token)
            .await
            .problem(404, "not_found");
        get(&app, &format!("/api/v1/trainings/{published}"), token)
            .await
            .expect(200);
        let r = get(&app, "/api/v1/trainings", token).await;
        assert_eq!(r.body["total"], 1, "{}", r.text);
        post(&app, "/api/v1/trainings", token, training("X"))
            .await
            .problem(403, "forbidden");
        status_to(&app, token, published, "ongoing")
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(
        get(&app, "/api/v1/trainings", &admin).await.body["total"],
        3
    );

    // Filters.
    let count = |q: String| {
        let (app, admin) = (&app, admin.clone());
        async move {
            get(app, &format!("/api/v1/trainings?{q}"), &admin)
                .await
                .body["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count("status=draft".into()).await, 2);
    assert_eq!(count("form=e_learning".into()).await, 1);
    assert_eq!(count("mode=online".into()).await, 1);
    assert_eq!(count(format!("partner_id={partner}")).await, 1);
    assert_eq!(count(format!("competency_id={c1}")).await, 1);
    assert_eq!(count("year=2026".into()).await, 3);
    assert_eq!(count("year=2025".into()).await, 0);
    assert_eq!(count("from=2026-03-05".into()).await, 0);
    assert_eq!(count("to=2026-03-01".into()).await, 0);
    assert_eq!(count("q=kepemimpinan".into()).await, 1);
    assert_eq!(count("q=AULA".into()).await, 3);

    // PATCH: capacity cannot drop below seats taken; links replaced.
    let r = patch(
        &app,
        &format!("/api/v1/trainings/{draft}"),
        &admin,
        json!({"partner_ids": [], "jp": 16}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["partner_ids"], json!([]));
    assert_eq!(r.body["jp"], 16);
    patch(
        &app,
        &format!("/api/v1/trainings/{draft}"),
        &admin,
        json!({"status": "open"}),
    )
    .await
    .problem(422, "validation_failed");

    // Delete: staff only; a training with enrolments is cancelled, not deleted.
    post(
        &app,
        &format!("/api/v1/trainings/{published}/enrolments"),
        &admin,
        json!({"employee_id": employee}),
    )
    .await
    .expect(201);
    delete(&app, &format!("/api/v1/trainings/{published}"), &admin)
        .await
        .problem(409, "conflict");
    delete(&app, &format!("/api/v1/trainings/{draft}"), &emp)
        .await
        .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/trainings/{draft}"), &mgr)
        .await
        .problem(403, "forbidden");
    send(
        &app,
        TestRequest::delete().uri(&format!("/api/v1/trainings/{draft}")),
    )
    .await
    .problem(401, "unauthorized");
    delete(&app, &format!("/api/v1/trainings/{draft}"), &admin)
        .await
        .expect(204);
    get(&app, &format!("/api/v1/trainings/{draft}"), &admin)
        .await
        .problem(404, "not_found");
    delete(&app, "/api/v1/trainings/abc", &admin)
        .await
        .invalid("id");
}
on_each_backend!(training_catalogue_validation_and_visibility, catalogue);

async fn status_machine(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let all = [
        "draft",
        "planned",
        "open",
        "ongoing",
        "completed",
        "cancelled",
    ];
    let legal = |from: &str, to: &str| {
        matches!(
            (from, to),
            ("draft", "planned")
                | ("planned", "open")
                | ("open", "ongoing")
                | ("ongoing", "completed")
                | ("draft" | "planned" | "open" | "ongoing", "cancelled")
        )
    };
    for from in all {
        for to in all {
            // A fresh training in `from` for every attempt.
            let id = if from == "cancelled" {
                let id = training_in(&app, &admin, training("T"), "draft").await;
                status_to(&app, &admin, id, "cancelled").await.expect(200);
                id
            } else {
                training_in(&app, &admin, training("T"), from).await
            };
            let before = get(&app, &format!("/api/v1/trainings/{id}"), &admin)
                .await
                .body;
            let r = status_to(&app, &admin, id, to).await;
            if legal(from, to) {
                r.expect(200);
                assert_eq!(r.body["status"], to);
                assert_eq!(r.body["version"], before["version"].as_i64().unwrap() + 1);
            } else {
                r.problem(409, "conflict");
                let after = get(&app, &format!("/api/v1/trainings/{id}"), &admin)
                    .await
                    .body;
                assert_eq!(after, before, "{from} → {to} changed nothing");
            }
        }
    }
    status_to(&app, &admin, 99999, "planned")
        .await
        .problem(404, "not_found");
    let id = training_in(&app, &admin, training("T"), "draft").await;
    status_to(&app, &admin, id, "archived")
        .await
        .problem(422, "validation_failed");
    let log = get(
        &app,
        &format!("/api/v1/audit-log?entity=training&entity_id={id}"),
        &admin,
    )
    .await;
    assert_eq!(log.body["items"][0]["action"], "create");
}
on_each_backend!(training_status_transitions, status_machine);

async fn enrolment_rights(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let disdik = ctx.insert_unit("DISDIK", None);
    let smp = ctx.insert_unit("SMPN-1", Some(disdik));
    let dinkes = ctx.insert_unit("DINKES", None);
    let guru = ctx.insert_employee("199001012015012001", smp);
    let guru2 = ctx.insert_employee("199101012016012002", smp);
    let perawat = ctx.insert_employee("199203152019031004", dinkes);
    let operator = user_with_role(&app, &admin, "opr", "operator", json!({})).await;
    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": disdik}),
    )
    .await;
    let emp = user_with_role(
        &app,
        &admin,
        "guru",
        "employee",
        json!({"employee_id": guru}),
    )
    .await;
    let nurse = user_with_role(
        &app,
        &admin,
        "perawat",
        "employee",
        json!({"employee_id": perawat}),
    )
    .await;

    let planned = training_in(&app, &admin, training("Planned"), "planned").await;
    let open = training_in(&app, &admin, training("Open"), "open").await;
    let draft = training_in(&app, &admin, training("Draft"), "draft").await;
    let path = |id: i64| format!("/api/v1/trainings/{id}/enrolments");

    // Operators: anyone, while planned/open/ongoing.
    let r = post(
        &app,
        &path(planned),
        &operator,
        json!({"employee_id": perawat}),
    )
    .await;
    r.expect(201);
    assert_eq!(r.body["status"], "registered");
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/api/v1/enrolments/"));
    post(
        &app,
        &path(draft),
        &operator,
        json!({"employee_id": perawat}),
    )
    .await
    .problem(409, "conflict");
    post(
        &app,
        &path(planned),
        &operator,
        json!({"employee_id": 9999}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        &path(planned),
        &operator,
        json!({"employee_id": perawat}),
    )
    .await
    .problem(409, "conflict");

    // Unit managers: their unit (incl. sub-units), open trainings only.
    post(&app, &path(open), &mgr, json!({"employee_id": guru2}))
        .await
        .expect(201);
    post(&app, &path(open), &mgr, json!({"employee_id": perawat}))
        .await
        .problem(404, "not_found");
    post(&app, &path(planned), &mgr, json!({"employee_id": guru}))
        .await
        .problem(409, "conflict");
    post(&app, &path(draft), &mgr, json!({"employee_id": guru}))
        .await
        .problem(404, "not_found");

    // Employees: themselves only, open trainings only.
    post(&app, &path(open), &emp, json!({"employee_id": guru2}))
        .await
        .problem(403, "forbidden");
    post(&app, &path(planned), &emp, json!({"employee_id": guru}))
        .await
        .problem(409, "conflict");
    let mine = post(&app, &path(open), &emp, json!({"employee_id": guru})).await;
    mine.expect(201);
    let mine = mine.body["id"].as_i64().unwrap();

    // Deadline passed → closed for self-enrolment.
    let mut late = training("Late");
    late["start_date"] = json!("2026-01-10");
    late["end_date"] = json!("2027-12-31");
    late["enrolment_deadline"] = json!("2026-01-05");
    let late = training_in(&app, &admin, late, "open").await;
    post(&app, &path(late), &nurse, json!({"employee_id": perawat}))
        .await
        .problem(409, "conflict");
    post(
        &app,
        &path(late),
        &operator,
        json!({"employee_id": perawat}),
    )
    .await
    .expect(201);

    // Capacity: the request that finds no seat gets capacity_full; withdrawing frees one.
    let mut small = training("Small");
    small["capacity"] = json!(1);
    let small = training_in(&app, &admin, small, "open").await;
    let first = post(&app, &path(small), &operator, json!({"employee_id": guru})).await;
    first.expect(201);
    post(&app, &path(small), &operator, json!({"employee_id": guru2}))
        .await
        .problem(409, "capacity_full");
    let t = get(&app, &format!("/api/v1/trainings/{small}"), &admin).await;
    assert_eq!(t.body["enrolled_count"], 1);
    patch(
        &app,
        &format!("/api/v1/trainings/{small}"),
        &admin,
        json!({"capacity": 0}),
    )
    .await
    .problem(422, "validation_failed");
    let first_id = first.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/enrolments/{first_id}"),
        &operator,
        json!({"status": "withdrawn"}),
    )
    .await
    .expect(200);
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{small}"), &admin)
            .await
            .body["enrolled_count"],
        0
    );
    post(&app, &path(small), &operator, json!({"employee_id": guru2}))
        .await
        .expect(201);
    patch(
        &app,
        &format!("/api/v1/enrolments/{first_id}"),
        &operator,
        json!({"status": "registered"}),
    )
    .await
    .problem(409, "capacity_full");

    // Visibility of enrolments.
    get(&app, &format!("/api/v1/enrolments/{mine}"), &emp)
        .await
        .expect(200);
    get(&app, &format!("/api/v1/enrolments/{mine}"), &nurse)
        .await
        .problem(404, "not_found");
    get(&app, &format!("/api/v1/enrolments/{mine}"), &mgr)
        .await
        .expect(200);
    let r = get(&app, &path(open), &emp).await;
    assert_eq!(r.body["total"], 1, "an employee lists only their own");
    let r = get(&app, &path(open), &mgr).await;
    assert_eq!(r.body["total"], 2);
    let r = get(&app, &path(planned), &mgr).await;
    assert_eq!(
        r.body["total"], 0,
        "another unit's enrolments are not listed"
    );
    assert_eq!(get(&app, &path(planned), &admin).await.body["total"], 1);
    let me = get(&app, "/api/v1/me/enrolments", &emp).await;
    send(&app, TestRequest::get().uri("/api/v1/me/enrolments"))
        .await
        .problem(401, "unauthorized");
    get(&app, "/api/v1/me/enrolments", &mgr)
        .await
        .problem(404, "not_found");
    get(&app, "/api/v1/me/enrolments?status=done", &emp)
        .await
        .invalid("status");
    assert_eq!(me.body["total"], 2);
    patch(
        &app,
        &format!("/api/v1/enrolments/{mine}"),
        &emp,
        json!({"status": "completed"}),
    )
    .await
    .problem(403, "forbidden");
    patch(
        &app,
        &format!("/api/v1/enrolments/{mine}"),
        &mgr,
        json!({"status": "completed"}),
    )
    .await
    .problem(403, "forbidden");
    send(&app, TestRequest::get().uri(&path(open)))
        .await
        .problem(401, "unauthorized");
}
on_each_backend!(
    enrolment_rights_deadline_capacity_and_visibility,
    enrolment_rights
);

async fn completion(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let rina = ctx.insert_employee("198503102010011001", unit);
    let budi = ctx.insert_employee("199001012015012001", unit);
    let emp = user_with_role(
        &app,
        &admin,
        "rina",
        "employee",
        json!({"employee_id": rina}),
    )
    .await;
    let other = user_with_role(
        &app,
        &admin,
        "budi",
        "employee",
        json!({"employee_id": budi}),
    )
    .await;

    let mut first = training("Pelatihan 12 JP");
    first["jp"] = json!(12);
    let first = training_in(&app, &admin, first, "open").await;
    let mut second = training("Workshop 10 JP");
    second["jp"] = json!(10);
    second["form"] = json!("workshop");
    second["start_date"] = json!("2026-09-01");
    second["end_date"] = json!("2026-09-02");
    let second = training_in(&app, &admin, second, "open").await;
    let mut last_year = training("Ended last year");
    last_year["start_date"] = json!("2025-12-29");
    last_year["end_date"] = json!("2025-12-31");
    let last_year = training_in(&app, &admin, last_year, "open").await;

    let enrol = |t: i64| {
        let (app, admin, path) = (
            &app,
            admin.clone(),
            format!("/api/v1/trainings/{t}/enrolments"),
        );
        async move { post(app, &path, &admin, json!({"employee_id": rina})).await }
    };
    let e1 = enrol(first).await.body["id"].as_i64().unwrap();
    let e2 = enrol(second).await.body["id"].as_i64().unwrap();
    let e3 = enrol(last_year).await.body["id"].as_i64().unwrap();
    let e_budi = post(
        &app,
        &format!("/api/v1/trainings/{first}/enrolments"),
        &admin,
        json!({"employee_id": budi}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();

    // Results are recorded once the trainings are held.
    for t in [first, second, last_year] {
        status_to(&app, &admin, t, "ongoing").await.expect(200);
    }
    for bad in [
        json!({"pre_test_score": 101}),
        json!({"post_test_score": -1}),
        json!({"attendance_percent": 120}),
        json!({"jp_credited": -5}),
        json!({"status": "graduated"}),
    ] {
        patch(&app, &format!("/api/v1/enrolments/{e1}"), &admin, bad)
            .await
            .problem(422, "validation_failed");
    }
    let r = patch(&app, &format!("/api/v1/enrolments/{e1}"), &admin, json!({"status": "completed", "attendance_percent": 100, "pre_test_score": 55.5, "post_test_score": 80, "certificate_number": "BKPSDM/001/2026"})).await;
    r.expect(200);
    assert_eq!(
        r.body["jp_credited"], 12,
        "completion credits the training's JP"
    );
    assert!(r.body["completed_at"].is_string());
    assert_eq!(r.body["pre_test_score"], 55.5);

    let record = |token: String| {
        let app = &app;
        async move { get(app, "/api/v1/me/learning-record?year=2026", &token).await }
    };
    let r = record(emp.clone()).await;
    r.expect(200);
    assert_eq!(r.body["jp_total"], 12);
    assert_eq!(r.body["jp_target"], 20);
    assert_eq!(r.body["compliant"], false);
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        2,
        "trainings ending in 2026: {}",
        r.text
    );
    assert_eq!(r.body["items"][0]["certificate_number"], "BKPSDM/001/2026");

    // Bulk update: all or nothing.
    let bulk = |items: Value| {
        let (app, admin, path) = (
            &app,
            admin.clone(),
            format!("/api/v1/trainings/{second}/enrolments/bulk-update"),
        );
        async move { post(app, &path, &admin, json!({"items": items})).await }
    };
    let r = bulk(json!([{"enrolment_id": e2, "status": "completed"}, {"enrolment_id": e_budi, "status": "completed"}])).await;
    r.problem(422, "validation_failed");
    assert!(
        !r.field_errors("items[1].enrolment_id").is_empty(),
        "{}",
        r.text
    );
    assert_eq!(
        get(&app, &format!("/api/v1/enrolments/{e2}"), &admin)
            .await
            .body["status"],
        "registered",
        "nothing applied"
    );
    bulk(json!([{"enrolment_id": e2, "status": "completed"}, {"enrolment_id": e2, "status": "failed"}])).await.problem(422, "validation_failed");
    bulk(json!([{"enrolment_id": e2, "post_test_score": 500}]))
        .await
        .problem(422, "validation_failed");
    let r = bulk(json!([{"enrolment_id": e2, "status": "completed", "post_test_score": 90}])).await;
    r.expect(200);
    assert_eq!(r.body["items"][0]["jp_credited"], 10);

    let r = record(emp.clone()).await;
    assert_eq!(r.body["jp_total"], 22);
    assert_eq!(r.body["compliant"], true);
    let r = get(
        &app,
        &format!("/api/v1/employees/{rina}/learning-record?year=2026"),
        &admin,
    )
    .await;
    assert_eq!(r.body["jp_total"], 22);
    // A completion counts in the year its training ends.
    patch(
        &app,
        &format!("/api/v1/enrolments/{e3}"),
        &admin,
        json!({"status": "completed", "jp_credited": 4}),
    )
    .await
    .expect(200);
    let r = get(
        &app,
        &format!("/api/v1/employees/{rina}/learning-record?year=2025"),
        &admin,
    )
    .await;
    assert_eq!(r.body["jp_total"], 4);
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/employees/{rina}/learning-record?year=2026"),
            &admin
        )
        .await
        .body["jp_total"],
        22
    );
    // The target is a setting.
    patch(&app, "/api/v1/settings", &admin, json!({"jp_target": 24}))
        .await
        .expect(200);
    assert_eq!(record(emp.clone()).await.body["compliant"], false);

    // Isolation between employees.
    get(
        &app,
        &format!("/api/v1/employees/{rina}/learning-record"),
        &other,
    )
    .await
    .problem(404, "not_found");
    assert_eq!(record(other).await.body["jp_total"], 0);
    get(&app, "/api/v1/me/learning-record?year=1800", &emp)
        .await
        .problem(422, "validation_failed");
    send(
        &app,
        TestRequest::post()
            .uri(&format!(
                "/api/v1/trainings/{second}/enrolments/bulk-update"
            ))
            .set_json(json!({"items": []})),
    )
    .await
    .problem(401, "unauthorized");
    bulk(json!([])).await.problem(422, "validation_failed");
    post(
        &app,
        &format!("/api/v1/trainings/{second}/enrolments/bulk-update"),
        &emp,
        json!({"items": [{"enrolment_id": e2}]}),
    )
    .await
    .problem(403, "forbidden");
}
on_each_backend!(completion_bulk_update_and_learning_record, completion);

/// A date `offset` days from today.
fn from_today(offset: i64) -> String {
    (kompetensi::types::today() + chrono::Duration::days(offset)).to_string()
}

/// The learning record rules: JP per day, status moves by date, results only for held
/// trainings, credited JP within the training's, the attendance minimum, cancelling; each
/// refusal changes nothing, on the single PATCH and the bulk update alike.
async fn record_rules(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let people: Vec<i64> = [
        "198503102010011001",
        "199001012015012001",
        "199203152019031004",
    ]
    .iter()
    .map(|nip| ctx.insert_employee(nip, unit))
    .collect();

    // A classical training holds at most 10 JP a day (the setting); e-learning has no bound.
    let mut heavy = training("Seminar sehari");
    heavy["form"] = json!("seminar");
    heavy["start_date"] = json!("2026-03-02");
    heavy["end_date"] = json!("2026-03-02");
    heavy["jp"] = json!(11);
    post(&app, "/api/v1/trainings", &admin, heavy.clone())
        .await
        .invalid("jp");
    heavy["jp"] = json!(10);
    let seminar = post(&app, "/api/v1/trainings", &admin, heavy.clone()).await;
    seminar.expect(201);
    let seminar = seminar.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/trainings/{seminar}"),
        &admin,
        json!({"jp": 200}),
    )
    .await
    .invalid("jp");
    let mut online = heavy.clone();
    online["form"] = json!("e_learning");
    online["mode"] = json!("online");
    online["jp"] = json!(40);
    online["title"] = json!("MOOC");
    online["online_url"] = json!("https://elearning.example.go.id/mooc");
    post(&app, "/api/v1/trainings", &admin, online)
        .await
        .expect(201);
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"max_jp_per_day": 11}),
    )
    .await
    .expect(200);
    patch(
        &app,
        &format!("/api/v1/trainings/{seminar}"),
        &admin,
        json!({"jp": 11}),
    )
    .await
    .expect(200);

    // `ongoing` from the start date on, `completed` from the end date on.
    let mut later = training("Bimtek bulan depan");
    later["start_date"] = json!(from_today(30));
    later["end_date"] = json!(from_today(31));
    let later = training_in(&app, &admin, later, "open").await;
    let e_later = post(
        &app,
        &format!("/api/v1/trainings/{later}/enrolments"),
        &admin,
        json!({"employee_id": people[0]}),
    )
    .await;
    let e_later = e_later.body["id"].as_i64().unwrap();
    status_to(&app, &admin, later, "ongoing")
        .await
        .problem(409, "conflict");
    let mut now = training("Workshop hari ini");
    now["start_date"] = json!(from_today(0));
    now["end_date"] = json!(from_today(1));
    let now = training_in(&app, &admin, now, "ongoing").await;
    status_to(&app, &admin, now, "completed")
        .await
        .problem(409, "conflict");
    // A held training's start cannot move into the future.
    patch(
        &app,
        &format!("/api/v1/trainings/{now}"),
        &admin,
        json!({"start_date": from_today(1), "end_date": from_today(2)}),
    )
    .await
    .problem(409, "conflict");

    // Results only once the training is held: the same refusal on PATCH and bulk update.
    for status in ["attended", "completed", "failed"] {
        patch(
            &app,
            &format!("/api/v1/enrolments/{e_later}"),
            &admin,
            json!({"status": status}),
        )
        .await
        .problem(409, "training_not_held");
    }
    post(
        &app,
        &format!("/api/v1/trainings/{later}/enrolments/bulk-update"),
        &admin,
        json!({"items": [{"enrolment_id": e_later, "status": "completed"}]}),
    )
    .await
    .problem(409, "training_not_held");
    let unchanged = get(&app, &format!("/api/v1/enrolments/{e_later}"), &admin).await;
    assert_eq!(
        (&unchanged.body["status"], &unchanged.body["version"]),
        (&json!("registered"), &json!(1))
    );

    // A held classical training (12 JP): credited JP 1..12, attendance at least 80 %.
    let held = training_in(&app, &admin, training("Pelatihan 12 JP"), "ongoing").await;
    let mut enrolments = Vec::new();
    for p in &people {
        let r = post(
            &app,
            &format!("/api/v1/trainings/{held}/enrolments"),
            &admin,
            json!({"employee_id": p}),
        )
        .await;
        enrolments.push(r.body["id"].as_i64().unwrap());
    }
    let path = |e: i64| format!("/api/v1/enrolments/{e}");
    for jp in [0, 13, 500] {
        patch(
            &app,
            &path(enrolments[0]),
            &admin,
            json!({"status": "completed", "attendance_percent": 100, "jp_credited": jp}),
        )
        .await
        .invalid("jp_credited");
    }
    let low = patch(
        &app,
        &path(enrolments[0]),
        &admin,
        json!({"status": "completed", "attendance_percent": 10}),
    )
    .await;
    low.problem(422, "attendance_below_minimum");
    assert!(
        !low.field_errors("attendance_percent").is_empty(),
        "{}",
        low.text
    );
    let bulk = post(
        &app,
        &format!("/api/v1/trainings/{held}/enrolments/bulk-update"),
        &admin,
        json!({"items": [
            {"enrolment_id": enrolments[1], "status": "completed", "attendance_percent": 90},
            {"enrolment_id": enrolments[0], "status": "completed", "attendance_percent": 79}]}),
    )
    .await;
    bulk.problem(422, "attendance_below_minimum");
    assert!(
        !bulk.field_errors("items[1].attendance_percent").is_empty(),
        "{}",
        bulk.text
    );
    let untouched = get(&app, &path(enrolments[1]), &admin).await;
    assert_eq!(untouched.body["status"], "registered", "all or nothing");
    // A failure needs no minimum; a completion at the minimum credits the training's JP.
    patch(
        &app,
        &path(enrolments[2]),
        &admin,
        json!({"status": "failed", "attendance_percent": 10}),
    )
    .await
    .expect(200);
    let done = patch(
        &app,
        &path(enrolments[0]),
        &admin,
        json!({"status": "completed", "attendance_percent": 80}),
    )
    .await;
    done.expect(200);
    assert_eq!(done.body["jp_credited"], 12);
    patch(
        &app,
        &path(enrolments[1]),
        &admin,
        json!({"status": "completed", "jp_credited": 6}),
    )
    .await
    .expect(200);
    // The training's JP cannot drop below what was credited.
    patch(
        &app,
        &format!("/api/v1/trainings/{held}"),
        &admin,
        json!({"jp": 8}),
    )
    .await
    .problem(409, "conflict");

    // A training someone completed cannot be cancelled; cancelling withdraws everyone else.
    status_to(&app, &admin, held, "cancelled")
        .await
        .problem(409, "conflict");
    let cancelled = status_to(&app, &admin, later, "cancelled").await;
    cancelled.expect(200);
    assert_eq!(cancelled.body["enrolled_count"], 0);
    let gone = get(&app, &path(e_later), &admin).await;
    assert_eq!(
        (&gone.body["status"], &gone.body["version"]),
        (&json!("withdrawn"), &json!(2))
    );
    patch(
        &app,
        &path(e_later),
        &admin,
        json!({"status": "registered"}),
    )
    .await
    .problem(409, "conflict");
}
on_each_backend!(learning_record_rules_hold_on_every_write, record_rules);

/// `completed_on`, the participant's own completion day: a classical training's end date; for
/// self-paced forms the day given within the training's dates plus `late_completion_days` and
/// not in the future, or the day it is recorded. The learning record, `jp-compliance` and the
/// SIASN export count a completion in the year of that day.
async fn completion_days(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let [a, b, c, d]: [i64; 4] = [
        "198503102010011001",
        "199001012015012001",
        "199203152019031004",
        "199405052020122003",
    ]
    .map(|nip| ctx.insert_employee(nip, unit));
    let enrol = |training: i64, employee: i64| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = post(
                app,
                &format!("/api/v1/trainings/{training}/enrolments"),
                admin,
                json!({"employee_id": employee}),
            )
            .await;
            r.expect(201);
            r.body["id"].as_i64().unwrap()
        }
    };
    let path = |e: i64| format!("/api/v1/enrolments/{e}");

    // Classical (2026-03-02..04, 12 JP): completed on the end date, no other day.
    let classical = training_in(&app, &admin, training("Pelatihan klasikal"), "open").await;
    let ea = enrol(classical, a).await;
    for step in ["ongoing", "completed"] {
        status_to(&app, &admin, classical, step).await.expect(200);
    }
    patch(
        &app,
        &path(ea),
        &admin,
        json!({"status": "completed", "completed_on": "2026-03-03"}),
    )
    .await
    .invalid("completed_on");
    let done = patch(&app, &path(ea), &admin, json!({"status": "completed"})).await;
    done.expect(200);
    assert_eq!(done.body["completed_on"], "2026-03-04");

    // Self-paced e-learning from 2025-06-01 to 2026-05-31 (40 JP): the person's own day.
    let mut mooc = training("MOOC ASN");
    mooc["form"] = json!("e_learning");
    mooc["mode"] = json!("online");
    mooc["online_url"] = json!("https://elearning.example.go.id/mooc");
    mooc["jp"] = json!(40);
    mooc["start_date"] = json!("2025-06-01");
    mooc["end_date"] = json!("2026-05-31");
    let mooc = training_in(&app, &admin, mooc, "open").await;
    let (eb, ec) = (enrol(mooc, b).await, enrol(mooc, c).await);
    for step in ["ongoing", "completed"] {
        status_to(&app, &admin, mooc, step).await.expect(200);
    }
    // Before the start, past the end plus 60 days: refused, on PATCH and bulk update alike.
    for day in ["2025-05-31", "2026-07-31"] {
        patch(
            &app,
            &path(ec),
            &admin,
            json!({"status": "completed", "completed_on": day}),
        )
        .await
        .invalid("completed_on");
    }
    post(
        &app,
        &format!("/api/v1/trainings/{mooc}/enrolments/bulk-update"),
        &admin,
        json!({"items": [
            {"enrolment_id": eb, "status": "completed", "completed_on": "2025-12-20"},
            {"enrolment_id": ec, "status": "completed", "completed_on": "2026-08-01"}]}),
    )
    .await
    .invalid("items[1].completed_on");
    assert_eq!(
        get(&app, &path(eb), &admin).await.body["status"],
        "registered",
        "all or nothing"
    );
    let done = patch(
        &app,
        &path(eb),
        &admin,
        json!({"status": "completed", "completed_on": "2025-12-20"}),
    )
    .await;
    done.expect(200);
    assert_eq!(done.body["completed_on"], "2025-12-20");
    // The last day of the window (end + 60) is still accepted.
    let late = patch(
        &app,
        &path(ec),
        &admin,
        json!({"status": "completed", "completed_on": "2026-07-30"}),
    )
    .await;
    late.expect(200);
    assert_eq!(late.body["completed_on"], "2026-07-30");

    // A course running now: not in the future; without a day, the day it is recorded.
    let mut running = training("Kursus daring berjalan");
    running["form"] = json!("coaching");
    running["start_date"] = json!(from_today(-10));
    running["end_date"] = json!(from_today(30));
    let running = training_in(&app, &admin, running, "open").await;
    let ed = enrol(running, d).await;
    status_to(&app, &admin, running, "ongoing")
        .await
        .expect(200);
    patch(
        &app,
        &path(ed),
        &admin,
        json!({"status": "completed", "completed_on": from_today(1)}),
    )
    .await
    .invalid("completed_on");
    let today = patch(&app, &path(ed), &admin, json!({"status": "completed"})).await;
    today.expect(200);
    assert_eq!(today.body["completed_on"], json!(from_today(0)));
    // Not completed any more: no completion day.
    let undone = patch(&app, &path(ed), &admin, json!({"status": "attended"})).await;
    undone.expect(200);
    assert_eq!(undone.body["completed_on"], json!(null));

    // The learning record counts b's MOOC in 2025, the year b finished it, not in 2026.
    let record = |employee: i64, year: i32| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = get(
                app,
                &format!("/api/v1/employees/{employee}/learning-record?year={year}"),
                admin,
            )
            .await;
            r.expect(200);
            r.body
        }
    };
    let b2025 = record(b, 2025).await;
    assert_eq!(b2025["jp_total"], 40);
    assert_eq!(b2025["items"][0]["completed_on"], "2025-12-20");
    let b2026 = record(b, 2026).await;
    assert_eq!(b2026["jp_total"], 0);
    assert_eq!(b2026["items"], json!([]));
    assert_eq!(record(c, 2026).await["jp_total"], 40);
    assert_eq!(record(a, 2026).await["jp_total"], 12);

    // jp-compliance agrees, by year.
    let below = |year: i32| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = get(
                app,
                &format!("/api/v1/reports/jp-compliance?year={year}"),
                admin,
            )
            .await;
            r.expect(200);
            let mut ids: Vec<i64> = r.body["below_target"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["employee_id"].as_i64().unwrap())
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    assert_eq!(below(2025).await, vec![a, c, d]);
    assert_eq!(below(2026).await, vec![a, b, d]);

    // SIASN gets b's own day, and the period selects by it.
    let r = get(
        &app,
        "/api/v1/exports/siasn/course-records?from=2025-01-01&to=2025-12-31",
        &admin,
    )
    .await;
    r.expect(200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.text);
    assert_eq!(items[0]["record_key"], format!("T{eb}"));
    assert_eq!(items[0]["tahun_kursus"], 2025);
    assert_eq!(items[0]["tanggal_selesai_kursus"], "20-12-2025");

    // A classical training's end date moves its completions with it.
    patch(
        &app,
        &format!("/api/v1/trainings/{classical}"),
        &admin,
        json!({"end_date": "2026-03-05"}),
    )
    .await
    .expect(200);
    assert_eq!(
        get(&app, &path(ea), &admin).await.body["completed_on"],
        "2026-03-05"
    );
}
on_each_backend!(completion_day_decides_the_year, completion_days);
