//! Development needs: generation from gaps (exact and idempotent), proposals by who may make
//! them, visibility by reach, and needs met by a completion (and open again when it is undone).

use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{enrol, set, walk};
use crate::on_each_backend;

fn id(r: &Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text))
}

/// Competencies with these codes, and a position whose standard requires these levels of them.
async fn standard<S: TestApp>(app: &S, admin: &str, required: &[(&str, i64)]) -> (Vec<i64>, i64) {
    let mut competencies = Vec::new();
    for (code, _) in required {
        competencies.push(id(&post(
            app,
            "/api/v1/competencies",
            admin,
            json!({"code": code, "name": format!("Kompetensi {code}"), "kind": "technical"}),
        )
        .await));
    }
    let pos = id(&post(
        app,
        "/api/v1/positions",
        admin,
        json!({"name": "Analis", "kind": "fungsional"}),
    )
    .await);
    let levels: Vec<Value> = competencies
        .iter()
        .zip(required)
        .map(|(c, (_, level))| json!({"competency_id": c, "required_level": level}))
        .collect();
    send(
        app,
        auth(
            actix_web::test::TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")),
            admin,
        )
        .set_json(levels),
    )
    .await
    .expect(200);
    (competencies, pos)
}

async fn needs(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let year = chrono::Utc::now().year();
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let (competencies, pos) = standard(&app, &admin, &[("C1", 3), ("C2", 2)]).await;
    let (c1, c2) = (competencies[0], competencies[1]);
    let mut people = Vec::new();
    for (nip, unit) in [
        ("198503102010011001", unit_a),
        ("199001012015012001", unit_a),
        ("198812122012121002", unit_b),
    ] {
        people.push(id(&post(&app, "/api/v1/employees", &admin, json!({"nip": nip, "name": format!("P{nip}"), "asn_type": "pns", "unit_id": unit, "position_id": pos})).await));
    }
    let (a1, a2, b1) = (people[0], people[1], people[2]);
    // a1: C1 at 1 (two below: priority 1), C2 at 2 (met); a2: C1 at 3, C2 at 1; b1: C1 at 2;
    // a2's C2 unassessed counts for nothing.
    for (e, c, level) in [
        (a1, c1, 1),
        (a1, c2, 2),
        (a2, c1, 3),
        (a2, c2, 1),
        (b1, c1, 2),
    ] {
        post(
            &app,
            &format!("/api/v1/employees/{e}/assessments"),
            &admin,
            json!({"competency_id": c, "level": level, "assessed_on": "2026-02-01", "method": "test"}),
        )
        .await
        .expect(201);
    }
    let manager_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let employee_a1 =
        user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": a1})).await;
    post(
        &app,
        "/api/v1/development-needs/generate",
        &manager_a,
        json!({"year": year}),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        "/api/v1/development-needs/generate",
        &admin,
        json!({"year": 1800}),
    )
    .await
    .invalid("year");
    let r = post(
        &app,
        "/api/v1/development-needs/generate",
        &admin,
        json!({"year": year}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body, json!({"year": year, "created": 3}));
    let again = post(
        &app,
        "/api/v1/development-needs/generate",
        &admin,
        json!({"year": year}),
    )
    .await;
    assert_eq!(
        again.body,
        json!({"year": year, "created": 0}),
        "a second run opens nothing"
    );
    let list = get(
        &app,
        &format!("/api/v1/development-needs?year={year}"),
        &admin,
    )
    .await;
    let mut rows: Vec<(i64, i64, i64, String)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["employee_id"].as_i64().unwrap(),
                n["competency_id"].as_i64().unwrap(),
                n["priority"].as_i64().unwrap(),
                n["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            (a1, c1, 1, "gap".into()),
            (a2, c2, 2, "gap".into()),
            (b1, c1, 2, "gap".into())
        ]
    );

    // Proposals: the employee for themself (`self`), the unit manager for their people
    // (`supervisor`), staff for anyone.
    let body = |employee: i64| json!({"employee_id": employee, "competency_id": c2, "title": "Analisis data", "year": year});
    let own = post(&app, "/api/v1/development-needs", &employee_a1, body(a1)).await;
    own.expect(201);
    assert_eq!(
        (
            own.body["source"].clone(),
            own.body["status"].clone(),
            own.body["priority"].clone()
        ),
        (json!("self"), json!("open"), json!(2))
    );
    post(&app, "/api/v1/development-needs", &employee_a1, body(a2))
        .await
        .problem(404, "not_found");
    let mut claimed = body(a1);
    claimed["source"] = json!("supervisor");
    post(&app, "/api/v1/development-needs", &employee_a1, claimed)
        .await
        .invalid("source");
    let proposed = post(&app, "/api/v1/development-needs", &manager_a, body(a2)).await;
    proposed.expect(201);
    assert_eq!(proposed.body["source"], "supervisor");
    post(&app, "/api/v1/development-needs", &manager_a, body(b1))
        .await
        .problem(404, "not_found");
    for (field, value) in [
        ("priority", json!(4)),
        ("status", json!("met")),
        ("competency_id", json!(999_999)),
        ("source", json!("gap")),
        ("year", json!("soon")),
        ("title", json!("")),
    ] {
        let mut bad = body(b1);
        bad[field] = value;
        post(&app, "/api/v1/development-needs", &admin, bad)
            .await
            .invalid(field);
    }
    // Who sees what: the manager their unit's, the employee their own.
    let seen = |r: &Resp| -> Vec<i64> {
        let mut v: Vec<i64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["employee_id"].as_i64().unwrap())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        seen(&get(&app, "/api/v1/development-needs", &manager_a).await),
        vec![a1, a2]
    );
    assert_eq!(
        seen(&get(&app, "/api/v1/development-needs", &employee_a1).await),
        vec![a1]
    );
    let b_need = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["employee_id"] == b1)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    get(
        &app,
        &format!("/api/v1/development-needs/{b_need}"),
        &manager_a,
    )
    .await
    .problem(404, "not_found");
    patch(
        &app,
        &format!("/api/v1/development-needs/{b_need}"),
        &manager_a,
        json!({"priority": 1}),
    )
    .await
    .problem(404, "not_found");
    patch(
        &app,
        &format!("/api/v1/development-needs/{}", own.body["id"]),
        &employee_a1,
        json!({"priority": 1}),
    )
    .await
    .problem(403, "forbidden");
    patch(
        &app,
        &format!("/api/v1/development-needs/{}", own.body["id"]),
        &manager_a,
        json!({"employee_id": a2}),
    )
    .await
    .invalid("employee_id");
    let r = patch(
        &app,
        &format!("/api/v1/development-needs/{}", proposed.body["id"]),
        &manager_a,
        json!({"status": "planned"}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["version"], 2);

    // A completion of a training targeting C1 this year meets a1's C1 need (not the C2 ones);
    // undoing it opens the need again.
    let t = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({"title": "Pelatihan C1", "form": "workshop", "mode": "in_person", "jp": 8,
        "start_date": crate::evaluation::day(-1), "end_date": crate::evaluation::day(0),
        "competencies": [{"competency_id": c1, "target_level": 3}]}),
    )
    .await);
    walk(&app, &admin, t, &["planned", "open"]).await;
    let e = enrol(&app, &admin, t, a1).await;
    walk(&app, &admin, t, &["ongoing"]).await;
    set(&app, &admin, e, json!({"status": "completed"})).await;
    let status_of = |r: &Resp, competency: i64| -> Vec<(String, Value)> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["competency_id"] == competency)
            .map(|n| {
                (
                    n["status"].as_str().unwrap().to_string(),
                    n["training_id"].clone(),
                )
            })
            .collect()
    };
    let mine = get(
        &app,
        &format!("/api/v1/development-needs?employee_id={a1}"),
        &admin,
    )
    .await;
    assert_eq!(status_of(&mine, c1), vec![("met".to_string(), json!(t))]);
    assert!(status_of(&mine, c2).iter().all(|(s, _)| s == "open"));
    let met = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["status"] == "met")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    patch(
        &app,
        &format!("/api/v1/development-needs/{met}"),
        &admin,
        json!({"priority": 3}),
    )
    .await
    .problem(409, "conflict");
    set(&app, &admin, e, json!({"status": "attended"})).await;
    let mine = get(
        &app,
        &format!("/api/v1/development-needs?employee_id={a1}"),
        &admin,
    )
    .await;
    assert_eq!(
        status_of(&mine, c1),
        vec![("open".to_string(), Value::Null)]
    );
    delete(
        &app,
        &format!("/api/v1/development-needs/{met}"),
        &manager_a,
    )
    .await
    .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/development-needs/{met}"), &admin)
        .await
        .expect(204);
}

on_each_backend!(development_needs_from_gaps_proposals_and_completions, needs);

async fn seats_fill_needs(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("A", None);
    let (c, pos) = standard(&app, &admin, &[("C1", 3), ("C2", 2), ("C3", 4)]).await;
    // Three below in C1, two in C2, one in C3 (which needs level 4).
    let levels = [[1, 2, 4], [2, 1, 4], [2, 1, 3], [3, 2, 4]];
    for (i, person) in levels.iter().enumerate() {
        let e = id(&post(&app, "/api/v1/employees", &admin, json!({"nip": format!("199001012015011{:03}", 100 + i), "name": format!("P{i}"), "asn_type": "pns", "unit_id": unit, "position_id": pos})).await);
        for (k, level) in person.iter().enumerate() {
            post(
                &app,
                &format!("/api/v1/employees/{e}/assessments"),
                &admin,
                json!({"competency_id": c[k], "level": level, "assessed_on": "2026-02-01", "method": "test"}),
            )
            .await
            .expect(201);
        }
    }
    // A: four seats at level 3 for all three; B: no limit, C2 at level 2; C: C3 at level 3,
    // below what C3's need requires.
    let training = |title: &str, capacity: Value, targets: Value| {
        json!({"title": title, "form": "workshop", "mode": "in_person", "jp": 8,
        "start_date": "2027-03-01", "end_date": "2027-03-01", "capacity": capacity, "competencies": targets})
    };
    for body in [
        training(
            "A",
            json!(4),
            json!([{"competency_id": c[0], "target_level": 3}, {"competency_id": c[1], "target_level": 3}, {"competency_id": c[2], "target_level": 3}]),
        ),
        training(
            "B",
            Value::Null,
            json!([{"competency_id": c[1], "target_level": 2}]),
        ),
        training(
            "C",
            json!(30),
            json!([{"competency_id": c[2], "target_level": 3}]),
        ),
    ] {
        let t = id(&post(&app, "/api/v1/trainings", &admin, body).await);
        walk(&app, &admin, t, &["planned"]).await;
    }
    let r = get(&app, "/api/v1/reports/training-needs", &admin).await;
    let rows: Vec<(String, i64, i64, i64)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["code"].as_str().unwrap().to_string(),
                n["employees_below_standard"].as_i64().unwrap(),
                n["planned_seats"].as_i64().unwrap(),
                n["unmet"].as_i64().unwrap(),
            )
        })
        .collect();
    // A's four seats: three to C1, one to C2 (not four to each); B fills C2's other need; no
    // seat reaches C3's level 4.
    assert_eq!(
        rows,
        vec![
            ("C1".to_string(), 3, 3, 0),
            ("C2".to_string(), 2, 2, 0),
            ("C3".to_string(), 1, 0, 1)
        ]
    );
}

on_each_backend!(a_planned_seat_fills_one_need, seats_fill_needs);
