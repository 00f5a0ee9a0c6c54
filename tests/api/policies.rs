//! Policy change: the register, trainings linked to it, the coverage report on a hand-worked
//! set, the policy needs it opens (once) and their being met by a linked training.

use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{day, enrol, set, walk};
use crate::on_each_backend;

fn id(r: &Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text))
}

async fn position<S: TestApp>(app: &S, admin: &str, name: &str, standard: Value) -> i64 {
    let p = id(&post(
        app,
        "/api/v1/positions",
        admin,
        json!({"name": name, "kind": "pelaksana"}),
    )
    .await);
    send(
        app,
        auth(
            actix_web::test::TestRequest::put().uri(&format!("/api/v1/positions/{p}/standards")),
            admin,
        )
        .set_json(standard),
    )
    .await
    .expect(200);
    p
}

async fn policies(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let c1 = ctx.insert_competency("C1");
    let c2 = ctx.insert_competency("C2");
    let p1 = position(
        &app,
        &admin,
        "Analis",
        json!([{"competency_id": c1, "required_level": 3}]),
    )
    .await;
    let p2 = position(
        &app,
        &admin,
        "Pranata",
        json!([{"competency_id": c2, "required_level": 2}]),
    )
    .await;
    let p3 = position(&app, &admin, "Pengadministrasi", json!([])).await;
    let mut people = Vec::new();
    for (nip, unit, pos) in [
        ("198503102010011001", unit_a, p1),
        ("199001012015012001", unit_a, p1),
        ("198812122012121002", unit_a, p3),
        ("197905052005011003", unit_b, p2),
        ("198001012006041004", unit_b, p3),
        ("198202022008011005", unit_b, p1),
    ] {
        people.push(id(&post(&app, "/api/v1/employees", &admin, json!({"nip": nip, "name": format!("P{nip}"), "asn_type": "pns", "unit_id": unit, "position_id": pos})).await));
    }
    let (a1, a2, _a3, b1, _b2, b3) = (
        people[0], people[1], people[2], people[3], people[4], people[5],
    );
    patch(
        &app,
        &format!("/api/v1/employees/{b3}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
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

    // The register: who may write it, and what it takes.
    let body = json!({"title": "UU ASN", "reference": "UU 20/2023", "issued_on": "2025-01-01",
                      "competency_ids": [c1], "position_ids": [p3], "refresher_due_days": 30});
    post(&app, "/api/v1/policies", &manager_a, body.clone())
        .await
        .problem(403, "forbidden");
    for (field, bad) in [
        ("competency_ids", json!([999_999])),
        ("position_ids", json!([999_999])),
        ("effective_on", json!("2024-12-31")),
        ("refresher_due_days", json!(-1)),
        ("issued_on", json!("1800-01-01")),
        ("reference", json!("")),
    ] {
        let mut b = body.clone();
        b[field] = bad;
        post(&app, "/api/v1/policies", &admin, b)
            .await
            .invalid(field);
    }
    let x = post(&app, "/api/v1/policies", &admin, body).await;
    x.expect(201);
    let x = id(&x);
    // Issued tomorrow: a completion today does not refresh on it.
    let y = id(&post(
        &app,
        "/api/v1/policies",
        &admin,
        json!({"title": "Perwako Pelayanan", "reference": "Perwako 7/2026",
        "issued_on": day(1), "competency_ids": [c2]}),
    )
    .await);
    assert_eq!(
        get(&app, &format!("/api/v1/policies/{y}"), &employee)
            .await
            .body["refresher_due_days"],
        180
    );
    assert_eq!(
        get(&app, "/api/v1/policies?q=perwako", &employee)
            .await
            .body["total"],
        1
    );
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/policies?competency_id={c1}"),
            &admin
        )
        .await
        .body["total"],
        1
    );

    // Refreshers: T on X, completed by a1; U on Y, completed by b1 before Y was issued.
    let training = |title: &str, policy: i64| {
        json!({"title": title, "form": "sosialisasi", "mode": "in_person", "jp": 4,
        "start_date": day(-1), "end_date": day(0), "policy_ids": [policy]})
    };
    let mut bad = training("x", x);
    bad["policy_ids"] = json!([999_999]);
    post(&app, "/api/v1/trainings", &admin, bad)
        .await
        .invalid("policy_ids");
    let t = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        training("Sosialisasi UU ASN", x),
    )
    .await);
    assert_eq!(
        get(&app, &format!("/api/v1/trainings/{t}"), &admin)
            .await
            .body["policy_ids"],
        json!([x])
    );
    let u = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        training("Sosialisasi Perwako", y),
    )
    .await);
    for tr in [t, u] {
        walk(&app, &admin, tr, &["planned", "open"]).await;
    }
    let e1 = enrol(&app, &admin, t, a1).await;
    let e2 = enrol(&app, &admin, t, a2).await;
    let eb = enrol(&app, &admin, u, b1).await;
    for tr in [t, u] {
        walk(&app, &admin, tr, &["ongoing"]).await;
    }
    set(&app, &admin, e1, json!({"status": "completed"})).await;
    set(&app, &admin, eb, json!({"status": "completed"})).await;

    // X affects a1, a2 (standard with C1), a3, b2 (position P3) — b3 is inactive; a1 is
    // refreshed; X's 30 days passed long ago. Y affects b1, not refreshed, not yet due.
    let report = get(&app, "/api/v1/reports/policy-coverage", &admin).await;
    report.expect(200);
    assert_eq!(
        report.body,
        json!({"items": [
            {"policy_id": x, "title": "UU ASN", "reference": "UU 20/2023", "affected_employees": 4, "refreshed": 1, "refreshed_share": 0.25, "overdue": 3},
            {"policy_id": y, "title": "Perwako Pelayanan", "reference": "Perwako 7/2026", "affected_employees": 1, "refreshed": 0, "refreshed_share": 0.0, "overdue": 0}
        ]})
    );
    let mine = get(&app, "/api/v1/reports/policy-coverage", &manager_a).await;
    assert_eq!(
        mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["affected_employees"].clone(),
                r["refreshed"].clone(),
                r["refreshed_share"].clone(),
                r["overdue"].clone()
            ))
            .collect::<Vec<_>>(),
        vec![
            (json!(3), json!(1), json!(0.3333), json!(2)),
            (json!(0), json!(0), Value::Null, json!(0))
        ]
    );
    let csv = get(&app, "/api/v1/reports/policy-coverage.csv", &admin).await;
    assert_eq!(
        csv.text,
        format!("policy_id,title,reference,affected_employees,refreshed,refreshed_share,overdue\n\
                 {x},UU ASN,UU 20/2023,4,1,0.25,3\n{y},Perwako Pelayanan,Perwako 7/2026,1,0,0.0,0\n")
    );
    get(&app, "/api/v1/reports/policy-coverage", &employee)
        .await
        .problem(403, "forbidden");

    // Needs for those behind, once; a linked completion meets one.
    post(
        &app,
        &format!("/api/v1/policies/{x}/needs"),
        &manager_a,
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    post(&app, "/api/v1/policies/999999/needs", &admin, json!({}))
        .await
        .problem(404, "not_found");
    let opened = post(
        &app,
        &format!("/api/v1/policies/{x}/needs"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(opened.body, json!({"policy_id": x, "created": 3}));
    let again = post(
        &app,
        &format!("/api/v1/policies/{x}/needs"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(
        again.body,
        json!({"policy_id": x, "created": 0}),
        "needs are opened once"
    );
    let needs = get(
        &app,
        &format!("/api/v1/development-needs?source=policy&employee_id={a2}"),
        &admin,
    )
    .await;
    assert_eq!(needs.body["items"][0]["policy_id"], x);
    assert_eq!(
        needs.body["items"][0]["priority"], 1,
        "overdue: first priority"
    );
    set(&app, &admin, e2, json!({"status": "completed"})).await;
    let met = get(
        &app,
        &format!("/api/v1/development-needs?source=policy&employee_id={a2}"),
        &admin,
    )
    .await;
    assert_eq!(
        (
            met.body["items"][0]["status"].clone(),
            met.body["items"][0]["training_id"].clone()
        ),
        (json!("met"), json!(t))
    );
    assert_eq!(
        post(
            &app,
            &format!("/api/v1/policies/{y}/needs"),
            &admin,
            json!({})
        )
        .await
        .body["created"],
        1
    );

    // A policy in use is kept.
    delete(&app, &format!("/api/v1/policies/{x}"), &admin)
        .await
        .problem(409, "conflict");
    let spare = id(&post(
        &app,
        "/api/v1/policies",
        &admin,
        json!({"title": "Lama", "reference": "PP 1/2000", "issued_on": "2000-01-01"}),
    )
    .await);
    delete(&app, &format!("/api/v1/policies/{spare}"), &manager_a)
        .await
        .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/policies/{spare}"), &admin)
        .await
        .expect(204);

    // The kept coverage follows each write that changes it. a3 moves from P3 to P2: X loses
    // them, Y (C2, P2's standard) gains them. Y then also names P1 (a1, a2). T refreshes on Y
    // instead of X: a1's and a2's completions no longer count for X, nor yet for Y (issued
    // tomorrow).
    let a3 = people[2];
    for (path, change) in [
        (
            format!("/api/v1/employees/{a3}"),
            json!({"position_id": p2}),
        ),
        (
            format!("/api/v1/policies/{y}"),
            json!({"position_ids": [p1]}),
        ),
        (format!("/api/v1/trainings/{t}"), json!({"policy_ids": [y]})),
    ] {
        patch(&app, &path, &admin, change).await.expect(200);
    }
    let coverage = || async {
        let r = get_computed(&app, "/api/v1/reports/policy-coverage", &admin).await;
        r.expect(200);
        r.body
    };
    let kept = coverage().await;
    assert_eq!(
        kept,
        json!({"items": [
            {"policy_id": x, "title": "UU ASN", "reference": "UU 20/2023", "affected_employees": 3, "refreshed": 0, "refreshed_share": 0.0, "overdue": 3},
            {"policy_id": y, "title": "Perwako Pelayanan", "reference": "Perwako 7/2026", "affected_employees": 4, "refreshed": 0, "refreshed_share": 0.0, "overdue": 0}
        ]})
    );
    // And equals what a rebuild from the source rows gives.
    kompetensi::aggregates::rebuild(&mut ctx.conn()).unwrap();
    assert_eq!(coverage().await, kept);
}

on_each_backend!(policy_register_coverage_and_needs, policies);

async fn trainer_pool(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let c1 = ctx.insert_competency("C1");
    let c2 = ctx.insert_competency("C2");
    let pos = position(&app, &admin, "Analis", json!([{"competency_id": c1, "required_level": 3}, {"competency_id": c2, "required_level": 2}])).await;
    let mut people = Vec::new();
    for (nip, unit) in [
        ("198503102010011001", unit_a),
        ("199001012015012001", unit_a),
        ("198812122012121002", unit_b),
        ("197905052005011003", unit_b),
        ("198001012006041004", unit_b),
    ] {
        people.push(id(&post(&app, "/api/v1/employees", &admin, json!({"nip": nip, "name": format!("P{nip}"), "asn_type": "pns", "unit_id": unit, "position_id": pos})).await));
    }
    let (a1, a2, a3, b1, b2) = (people[0], people[1], people[2], people[3], people[4]);
    for (e, c, level) in [
        (a1, c1, 4),
        (a2, c1, 5),
        (a3, c1, 1),
        (b1, c1, 4),
        (b2, c2, 4),
    ] {
        post(&app, &format!("/api/v1/employees/{e}/assessments"), &admin,
            json!({"competency_id": c, "level": level, "assessed_on": "2026-02-01", "method": "test"}))
            .await
            .expect(201);
    }
    patch(
        &app,
        &format!("/api/v1/employees/{b1}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let qual = |kind: &str, competency: i64, issued: &str, expires: Value| json!({"kind": kind, "competency_id": competency, "level": 3, "issued_on": issued, "expires_on": expires});
    let trainer = |name: &str, extra: Value| {
        let mut body = json!({"name": name, "kind": "external"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // Bad qualifications and capacity.
    for (body, field) in [
        (
            trainer(
                "x",
                json!({"qualifications": [qual("tot", 999_999, "2020-01-01", Value::Null)]}),
            ),
            "qualifications",
        ),
        (
            trainer("x", json!({"max_jp_per_month": 0})),
            "max_jp_per_month",
        ),
    ] {
        post(&app, "/api/v1/trainers", &admin, body)
            .await
            .invalid(field);
    }
    post(
        &app,
        "/api/v1/trainers",
        &admin,
        trainer(
            "x",
            json!({"qualifications": [qual("tot", c1, "2020-01-01", json!("2019-01-01"))]}),
        ),
    )
    .await
    .expect(422);
    post(
        &app,
        "/api/v1/trainers",
        &admin,
        trainer(
            "x",
            json!({"qualifications": [qual("guru", c1, "2020-01-01", Value::Null)]}),
        ),
    )
    .await
    .expect(422);
    // Qualified in C1 today: t1 (ToT to 2099) and the internal t2 (widyaiswara, no end); not
    // t3 (expired), t4 (inactive) or t5 (C2, from next year).
    let t1 = post(&app, "/api/v1/trainers", &admin, trainer("Dr. Rahmat", json!({
        "qualifications": [qual("tot", c1, "2020-01-01", json!("2099-12-31"))], "max_jp_per_month": 40}))).await;
    t1.expect(201);
    assert_eq!(t1.body["max_jp_per_month"], 40);
    assert_eq!(t1.body["qualifications"][0]["kind"], "tot");
    let widyaiswara = id(&post(&app, "/api/v1/trainers", &admin, json!({"name": "Widyaiswara", "kind": "internal", "employee_id": a2,
        "qualifications": [qual("widyaiswara", c1, "2018-01-01", Value::Null)], "max_jp_per_month": 20}))
        .await);
    post(&app, "/api/v1/trainers", &admin, trainer("Lama", json!({
        "qualifications": [qual("assessor", c1, "2019-01-01", json!("2024-12-31"))], "max_jp_per_month": 30}))).await.expect(201);
    post(
        &app,
        "/api/v1/trainers",
        &admin,
        trainer(
            "Cuti",
            json!({"active": false,
        "qualifications": [qual("tot", c1, "2019-01-01", Value::Null)], "max_jp_per_month": 30}),
        ),
    )
    .await
    .expect(201);
    post(&app, "/api/v1/trainers", &admin, trainer("Baru", json!({
        "qualifications": [qual("certified_instructor", c2, &day(400), Value::Null)], "max_jp_per_month": 30}))).await.expect(201);

    let report = get(&app, "/api/v1/reports/trainer-shortage", &admin).await;
    report.expect(200);
    let name = |e: i64| {
        format!(
            "P{}",
            [
                "198503102010011001",
                "199001012015012001",
                "198812122012121002",
                "197905052005011003",
                "198001012006041004"
            ][people.iter().position(|p| *p == e).unwrap()]
        )
    };
    assert_eq!(
        report.body,
        json!({"items": [
            {"competency_id": c1, "code": "C1", "name": "Competency C1", "employees_below_standard": 1, "qualified_trainers": 2,
             "jp_capacity_per_month": 60, "candidates": [{"employee_id": a1, "name": name(a1), "unit_id": unit_a, "level": 4}]},
            {"competency_id": c2, "code": "C2", "name": "Competency C2", "employees_below_standard": 0, "qualified_trainers": 0,
             "jp_capacity_per_month": 0, "candidates": [{"employee_id": b2, "name": name(b2), "unit_id": unit_b, "level": 4}]}
        ]}),
        "{}",
        report.text
    );
    let manager_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let mine = get(&app, "/api/v1/reports/trainer-shortage", &manager_a).await;
    assert_eq!(
        mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["employees_below_standard"].clone(),
                r["candidates"].as_array().unwrap().len()
            ))
            .collect::<Vec<_>>(),
        vec![(json!(0), 1), (json!(0), 0)]
    );
    let employee =
        user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": a1})).await;
    get(&app, "/api/v1/reports/trainer-shortage", &employee)
        .await
        .problem(403, "forbidden");
    let csv = get(&app, "/api/v1/reports/trainer-shortage.csv", &admin).await;
    assert_eq!(
        csv.text,
        format!(
            "competency_id,code,name,employees_below_standard,qualified_trainers,jp_capacity_per_month,candidates\n\
             {c1},C1,Competency C1,1,2,60,\"{} ({a1}, 4)\"\n{c2},C2,Competency C2,0,0,0,\"{} ({b2}, 4)\"\n",
            name(a1),
            name(b2)
        )
    );

    // The candidates are kept (`trainer_candidates`): each write that moves who they are, or
    // their name or unit, is followed at once, and the kept rows equal a rebuild.
    let candidates = || async {
        let r = get_computed(&app, "/api/v1/reports/trainer-shortage", &admin).await;
        r.expect(200);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| {
                let c = row["competency_id"].as_i64().unwrap();
                let list = row["candidates"].as_array().unwrap().clone();
                list.into_iter().map(move |p| {
                    (
                        c,
                        p["employee_id"].as_i64().unwrap(),
                        p["name"].as_str().unwrap().to_string(),
                        p["unit_id"].as_i64().unwrap(),
                        p["level"].as_i64().unwrap(),
                    )
                })
            })
            .collect::<Vec<_>>()
    };
    // (stage, path, body, the candidates after: competency, employee, name ("": as created),
    // unit, level)
    type Candidates<'a> = Vec<(i64, i64, &'a str, i64, i64)>;
    let stages: [(&str, &str, Value, Candidates); 4] = [
        // The internal trainer is now b2: a2 is a candidate again (first: level 5), b2 not.
        (
            "a trainer names another employee",
            &format!("/api/v1/trainers/{widyaiswara}"),
            json!({"employee_id": b2}),
            vec![(c1, a2, "", unit_a, 5), (c1, a1, "", unit_a, 4)],
        ),
        (
            "a candidate renamed and moved",
            &format!("/api/v1/employees/{a1}"),
            json!({"name": "Ani Baru", "unit_id": unit_b}),
            vec![(c1, a2, "", unit_a, 5), (c1, a1, "Ani Baru", unit_b, 4)],
        ),
        (
            "an employee active again",
            &format!("/api/v1/employees/{b1}"),
            json!({"active": true}),
            vec![
                (c1, a2, "", unit_a, 5),
                (c1, a1, "Ani Baru", unit_b, 4),
                (c1, b1, "", unit_b, 4),
            ],
        ),
        (
            "a level lowered",
            &format!("/api/v1/employees/{a2}/assessments"),
            json!({"competency_id": c1, "level": 3, "assessed_on": "2026-03-01", "method": "test"}),
            vec![(c1, a1, "Ani Baru", unit_b, 4), (c1, b1, "", unit_b, 4)],
        ),
    ];
    for (stage, path, body, want) in stages {
        let r = if path.ends_with("assessments") {
            post(&app, path, &admin, body).await
        } else {
            patch(&app, path, &admin, body).await
        };
        assert!((200..300).contains(&r.status), "{stage}: {}", r.text);
        let want: Vec<_> = want
            .into_iter()
            .map(|(c, e, n, u, l)| {
                (
                    c,
                    e,
                    if n.is_empty() { name(e) } else { n.to_string() },
                    u,
                    l,
                )
            })
            .collect();
        assert_eq!(candidates().await, want, "{stage}");
    }
    // The trainer record removed: b2 is a candidate again.
    delete(&app, &format!("/api/v1/trainers/{widyaiswara}"), &admin)
        .await
        .expect(204);
    let kept = candidates().await;
    assert!(kept.contains(&(c2, b2, name(b2), unit_b, 4)), "{kept:?}");
    kompetensi::aggregates::rebuild(&mut ctx.conn()).unwrap();
    assert_eq!(candidates().await, kept, "kept = rebuilt");
}

on_each_backend!(trainer_pool_and_shortage, trainer_pool);
