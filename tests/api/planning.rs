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
    let year = kompetensi::types::today().year();
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
    // A classical completion is on the training's end date: moved into next year, it no longer
    // meets this year's need; moved back, it does again.
    let needs_of_a1 = format!("/api/v1/development-needs?employee_id={a1}&year={year}");
    patch(
        &app,
        &format!("/api/v1/trainings/{t}"),
        &admin,
        json!({"end_date": format!("{}-01-02", year + 1)}),
    )
    .await
    .expect(200);
    let moved = get(&app, &needs_of_a1, &admin).await;
    assert_eq!(
        status_of(&moved, c1),
        vec![("open".to_string(), Value::Null)]
    );
    patch(
        &app,
        &format!("/api/v1/trainings/{t}"),
        &admin,
        json!({"end_date": crate::evaluation::day(0)}),
    )
    .await
    .expect(200);
    let back = get(&app, &needs_of_a1, &admin).await;
    assert_eq!(status_of(&back, c1), vec![("met".to_string(), json!(t))]);
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

/// A training this year, held on its first day (so it may already be ongoing or completed).
async fn held<S: TestApp>(app: &S, admin: &str, title: &str, cost: i64, competency: i64) -> i64 {
    let first = format!("{}-01-01", kompetensi::types::today().year());
    id(&post(
        app,
        "/api/v1/trainings",
        admin,
        json!({"title": title, "form": "workshop", "mode": "in_person", "jp": 8,
               "start_date": first, "end_date": first, "cost": cost,
               "competencies": [{"competency_id": competency, "target_level": 3}]}),
    )
    .await)
}

async fn plans(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let year = kompetensi::types::today().year();
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
    // Needs: a1 C1 and C2, a2 C1, b1 C1.
    for (e, c, level) in [(a1, c1, 1), (a1, c2, 1), (a2, c1, 2), (b1, c1, 1)] {
        post(
            &app,
            &format!("/api/v1/employees/{e}/assessments"),
            &admin,
            json!({"competency_id": c, "level": level, "assessed_on": format!("{year}-01-01"), "method": "test"}),
        )
        .await
        .expect(201);
    }
    post(
        &app,
        "/api/v1/development-needs/generate",
        &admin,
        json!({"year": year}),
    )
    .await
    .expect(200);
    // T1 completed (a1 completes, a2 stays registered), T2 ongoing (b1), T3 cancelled.
    let t1 = held(&app, &admin, "Pelayanan Prima I", 10_000_000, c1).await;
    let t2 = held(&app, &admin, "Literasi Digital", 5_000_000, c2).await;
    let t3 = held(&app, &admin, "Pelayanan Prima II", 7_000_000, c1).await;
    for t in [t1, t2, t3] {
        walk(&app, &admin, t, &["planned", "open"]).await;
    }
    let e1 = enrol(&app, &admin, t1, a1).await;
    enrol(&app, &admin, t1, a2).await;
    enrol(&app, &admin, t2, b1).await;
    enrol(&app, &admin, t3, a1).await;
    walk(&app, &admin, t1, &["ongoing"]).await;
    set(
        &app,
        &admin,
        e1,
        json!({"status": "completed", "attendance_percent": 100}),
    )
    .await;
    walk(&app, &admin, t1, &["completed"]).await;
    walk(&app, &admin, t2, &["ongoing"]).await;
    walk(&app, &admin, t3, &["cancelled"]).await;

    // The plan: who may write it, one a year, items that name what exists.
    let manager_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let employee =
        user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": a1})).await;
    let plan_body = json!({"year": year, "title": format!("Rencana {year}")});
    post(&app, "/api/v1/plans", &manager_a, plan_body.clone())
        .await
        .problem(403, "forbidden");
    post(
        &app,
        "/api/v1/plans",
        &admin,
        json!({"year": 1800, "title": "x"}),
    )
    .await
    .invalid("year");
    post(
        &app,
        "/api/v1/plans",
        &admin,
        json!({"year": year, "title": "x", "budget": 1}),
    )
    .await
    .expect(422);
    let plan = post(&app, "/api/v1/plans", &admin, plan_body.clone()).await;
    plan.expect(201);
    assert_eq!(plan.body["status"], "draft");
    let plan = id(&plan);
    post(&app, "/api/v1/plans", &admin, plan_body)
        .await
        .problem(409, "conflict");
    get(&app, "/api/v1/plans", &employee)
        .await
        .problem(403, "forbidden");
    assert_eq!(
        get(&app, "/api/v1/plans", &manager_a).await.body["total"],
        1
    );
    let items = format!("/api/v1/plans/{plan}/items");
    let i1_body = json!({"title": "Pelayanan Publik", "form": "workshop", "competency_ids": [c1], "runs": 2, "seats": 20,
                         "seats_by_unit": [{"unit_id": unit_a, "seats": 12}, {"unit_id": unit_b, "seats": 8}],
                         "unit_cost": 500_000, "training_ids": [t1, t3]});
    for (field, bad) in [
        ("competency_ids", json!([999_999])),
        ("training_ids", json!([999_999])),
        ("seats_by_unit", json!([{"unit_id": unit_a, "seats": 21}])),
        (
            "seats_by_unit",
            json!([{"unit_id": unit_a, "seats": 1}, {"unit_id": unit_a, "seats": 1}]),
        ),
        ("runs", json!(-1)),
        ("unit_cost", json!(-5)),
    ] {
        let mut body = i1_body.clone();
        body[field] = bad;
        post(&app, &items, &admin, body).await.invalid(field);
    }
    post(&app, &items, &manager_a, i1_body.clone())
        .await
        .problem(403, "forbidden");
    let i1 = post(&app, &items, &admin, i1_body).await;
    i1.expect(201);
    assert_eq!(
        i1.header("location").as_deref(),
        Some(format!("/api/v1/plans/{plan}/items/{}", id(&i1)).as_str())
    );
    let i1 = id(&i1);
    post(
        &app,
        &items,
        &admin,
        json!({"title": "Dobel", "runs": 1, "seats": 5, "training_ids": [t1]}),
    )
    .await
    .problem(409, "conflict");
    let i2 = id(&post(
        &app,
        &items,
        &admin,
        json!({"title": "Digital", "competency_ids": [c2], "runs": 1, "seats": 10,
                                                     "budget": 6_000_000, "training_ids": [t2]}),
    )
    .await);
    get(&app, &format!("/api/v1/plans/999999/items/{i1}"), &admin)
        .await
        .problem(404, "not_found");
    assert_eq!(
        get(&app, &items, &manager_a)
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Realization, worked by hand: I1 ran T1 (T3 was cancelled): 2 seats, 10 M spent of the
    // 20 × 500 k budget; C1 needs a2 and b1 open, a1's met by T1. I2 ran T2: b1's seat, 5 M
    // of 6 M; a1's C2 need open.
    let report = get(
        &app,
        &format!("/api/v1/reports/plan-realization?year={year}"),
        &admin,
    )
    .await;
    report.expect(200);
    let expected = json!({
        "year": year, "plan_id": plan,
        "items": [
            {"item_id": i1, "title": "Pelayanan Publik", "planned_runs": 2, "held_runs": 1, "planned_seats": 20,
             "seats_used": 2, "budget": 10_000_000, "spent": 10_000_000, "needs_open": 2, "needs_met": 1},
            {"item_id": i2, "title": "Digital", "planned_runs": 1, "held_runs": 1, "planned_seats": 10,
             "seats_used": 1, "budget": 6_000_000, "spent": 5_000_000, "needs_open": 1, "needs_met": 0}
        ],
        "totals": {"planned_runs": 3, "held_runs": 2, "planned_seats": 30, "seats_used": 3,
                   "budget": 16_000_000, "spent": 15_000_000, "needs_open": 3, "needs_met": 1}
    });
    assert_eq!(report.body, expected);
    let csv = get(
        &app,
        &format!("/api/v1/reports/plan-realization.csv?year={year}"),
        &admin,
    )
    .await;
    assert_eq!(
        csv.text,
        format!(
            "item_id,title,planned_runs,held_runs,planned_seats,seats_used,budget,spent,needs_open,needs_met\n\
             {i1},Pelayanan Publik,2,1,20,2,10000000,10000000,2,1\n\
             {i2},Digital,1,1,10,1,6000000,5000000,1,0\n"
        )
    );
    // Unit A's manager: A's planned seats, A's people's seats and needs; the money is the city's.
    let mine = get(
        &app,
        &format!("/api/v1/reports/plan-realization?year={year}"),
        &manager_a,
    )
    .await;
    let figures = |r: &Resp, k: usize| -> Vec<i64> {
        [
            "planned_seats",
            "seats_used",
            "budget",
            "spent",
            "needs_open",
            "needs_met",
        ]
        .iter()
        .map(|f| r.body["items"][k][*f].as_i64().unwrap_or(-1))
        .collect()
    };
    assert_eq!(figures(&mine, 0), vec![12, 2, 10_000_000, 10_000_000, 1, 1]);
    assert_eq!(figures(&mine, 1), vec![0, 0, 6_000_000, 5_000_000, 1, 0]);
    get(&app, "/api/v1/reports/plan-realization", &employee)
        .await
        .problem(403, "forbidden");
    let none = get(&app, "/api/v1/reports/plan-realization?year=2001", &admin).await;
    assert_eq!(
        none.body,
        json!({"year": 2001, "plan_id": null, "items": [],
        "totals": {"planned_runs": 0, "held_runs": 0, "planned_seats": 0, "seats_used": 0,
                   "budget": 0, "spent": 0, "needs_open": 0, "needs_met": 0}})
    );

    // Approved: what the items plan is kept, the trainings that realise them may change.
    patch(
        &app,
        &format!("/api/v1/plans/{plan}"),
        &admin,
        json!({"status": "approved"}),
    )
    .await
    .expect(200);
    patch(&app, &format!("{items}/{i2}"), &admin, json!({"runs": 3}))
        .await
        .problem(409, "conflict");
    post(
        &app,
        &items,
        &admin,
        json!({"title": "Baru", "runs": 1, "seats": 5}),
    )
    .await
    .problem(409, "conflict");
    let relinked = patch(
        &app,
        &format!("{items}/{i2}"),
        &admin,
        json!({"training_ids": []}),
    )
    .await;
    relinked.expect(200);
    assert_eq!(relinked.body["training_ids"], json!([]));
    delete(&app, &format!("/api/v1/plans/{plan}"), &admin)
        .await
        .problem(409, "conflict");
    delete(&app, &format!("{items}/{i1}"), &admin)
        .await
        .problem(409, "conflict");
    patch(
        &app,
        &format!("/api/v1/plans/{plan}"),
        &admin,
        json!({"status": "draft"}),
    )
    .await
    .expect(200);
    delete(&app, &format!("{items}/{i1}"), &admin)
        .await
        .expect(204);
    delete(&app, &format!("/api/v1/plans/{plan}"), &admin)
        .await
        .expect(204);
    assert_eq!(ctx.count("plan_items"), 0);
}

on_each_backend!(annual_plan_and_its_realization, plans);
