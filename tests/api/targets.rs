//! The JP target each person is held to: appointment date, exemptions, PNS against PPPK, and
//! `jp-compliance` with the totals of every unit's whole subtree, on a hand-worked set.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

/// The hand-worked set, year 2026, target 20 JP, PPPK cap 24:
///
/// | who | unit | type | appointed | exempt | JP | months | target | result |
/// |---|---|---|---|---|---|---|---|---|
/// | p1 | PUSK1 | PNS | 2026-07-01 | Aug–Oct | 5 | 3 | 5 | compliant |
/// | p2 | PUSK2 | PNS | 2010-01-01 (NIP) | | 24 | 12 | 20 | compliant |
/// | p3 | PUSK2 | PPPK | | | 26 | 12 | none | over the cap |
/// | p4 | DINKES | PNS | 2015-04-01 (NIP) | | 0 | 12 | 20 | below |
async fn targets(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let dinkes = ctx.insert_unit("DINKES", None);
    let pusk1 = ctx.insert_unit("PUSK1", Some(dinkes));
    let pusk2 = ctx.insert_unit("PUSK2", Some(dinkes));
    let employee = |nip: &str, asn: &str, unit: i64, appointed: Value| {
        let app = &app;
        let admin = &admin;
        let body = json!({"nip": nip, "name": format!("Pegawai {nip}"), "asn_type": asn,
                          "unit_id": unit, "appointed_on": appointed});
        async move {
            let r = post(app, "/api/v1/employees", admin, body).await;
            r.expect(201);
            r.body.clone()
        }
    };
    let p1 = employee("199001012015012001", "pns", pusk1, json!("2026-07-01")).await;
    let p2 = employee("198503102010011001", "pns", pusk2, json!(null)).await;
    let p3 = employee("199203152023211001", "pppk", pusk2, json!(null)).await;
    let p4 = employee("198807222015042001", "pns", dinkes, json!(null)).await;
    assert_eq!(p2["appointed_on"], "2010-01-01", "a PNS's TMT from the NIP");
    assert_eq!(
        p3["appointed_on"],
        json!(null),
        "a PPPK's TMT is not in the NIP"
    );
    assert_eq!(p4["appointed_on"], "2015-04-01");
    let id = |p: &Value| p["id"].as_i64().unwrap();
    let (p1, p2, p3, p4) = (id(&p1), id(&p2), id(&p3), id(&p4));

    // p1's study leave, from August to October.
    let leave = post(
        &app,
        &format!("/api/v1/employees/{p1}/exemptions"),
        &admin,
        json!({"kind": "study_leave", "from": "2026-08-01", "to": "2026-10-31", "note": "Tugas belajar S2"}),
    )
    .await;
    leave.expect(201);
    let leave_id = leave.body["id"].as_i64().unwrap();
    assert_eq!(
        leave.header("location").as_deref(),
        Some(format!("/api/v1/exemptions/{leave_id}").as_str())
    );

    // One held training in November, 30 JP over three days; credited 5, 24 and 26 JP.
    let t = post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({
        "title": "Pelatihan Pelayanan Prima", "form": "pelatihan", "mode": "in_person", "jp": 30,
        "start_date": "2026-11-02", "end_date": "2026-11-04", "location": "Aula"}),
    )
    .await;
    t.expect(201);
    let t = t.body["id"].as_i64().unwrap();
    for step in ["planned", "open"] {
        post(
            &app,
            &format!("/api/v1/trainings/{t}/status"),
            &admin,
            json!({"status": step}),
        )
        .await
        .expect(200);
    }
    let mut enrolments = Vec::new();
    for p in [p1, p2, p3] {
        let e = post(
            &app,
            &format!("/api/v1/trainings/{t}/enrolments"),
            &admin,
            json!({"employee_id": p}),
        )
        .await;
        e.expect(201);
        enrolments.push(e.body["id"].as_i64().unwrap());
    }
    for step in ["ongoing", "completed"] {
        post(
            &app,
            &format!("/api/v1/trainings/{t}/status"),
            &admin,
            json!({"status": step}),
        )
        .await
        .expect(200);
    }
    let items: Vec<Value> = enrolments
        .iter()
        .zip([5, 24, 26])
        .map(|(e, jp)| json!({"enrolment_id": e, "status": "completed", "jp_credited": jp}))
        .collect();
    post(
        &app,
        &format!("/api/v1/trainings/{t}/enrolments/bulk-update"),
        &admin,
        json!({"items": items}),
    )
    .await
    .expect(200);

    let record = |p: i64| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = get(
                app,
                &format!("/api/v1/employees/{p}/learning-record?year=2026"),
                admin,
            )
            .await;
            r.expect(200);
            let mut b = r.body.clone();
            b.as_object_mut().unwrap().remove("items");
            b
        }
    };
    assert_eq!(
        record(p1).await,
        json!({"employee_id": p1, "asn_type": "pns", "year": 2026, "jp_total": 5, "jp_target": 20,
               "jp_target_effective": 5, "months_active": 3, "jp_cap": null, "over_cap": false,
               "compliant": true})
    );
    assert_eq!(
        record(p3).await,
        json!({"employee_id": p3, "asn_type": "pppk", "year": 2026, "jp_total": 26, "jp_target": null,
               "jp_target_effective": 0, "months_active": 12, "jp_cap": 24, "over_cap": true,
               "compliant": true})
    );
    assert_eq!(record(p4).await["compliant"], false);

    // jp-compliance: every unit with its subtree; the OPD row is its sub-units plus its own.
    let over = |query: &'static str, token: String| {
        let app = &app;
        async move {
            let path = format!("/api/v1/reports/jp-compliance?{query}");
            let r = get(app, &path, &token).await;
            r.expect(200);
            r.body.clone()
        }
    };
    let compliance = |token: String| over("year=2026", token);
    let r = compliance(admin.clone()).await;
    let row = |unit: i64,
               name: &str,
               parent: Value,
               level: i64,
               counts: [i64; 4],
               rate: Value,
               mean: Value| {
        json!({"unit_id": unit, "unit_name": name, "parent_id": parent, "level": level,
               "employees": counts[0], "compliant": counts[1], "compliance_rate": rate, "jp_mean": mean,
               "pppk_employees": counts[2], "pppk_over_cap": counts[3]})
    };
    assert_eq!(
        r["units"],
        json!([
            row(
                dinkes,
                "Unit DINKES",
                json!(null),
                1,
                [3, 2, 1, 1],
                json!(0.6667),
                json!(9.6667)
            ),
            row(
                pusk1,
                "Unit PUSK1",
                json!(dinkes),
                2,
                [1, 1, 0, 0],
                json!(1.0),
                json!(5.0)
            ),
            row(
                pusk2,
                "Unit PUSK2",
                json!(dinkes),
                2,
                [1, 1, 1, 1],
                json!(1.0),
                json!(24.0)
            ),
        ]),
        "{r}"
    );
    assert_eq!(
        r["below_target"],
        json!([{"employee_id": p4, "nip": "198807222015042001", "name": "Pegawai 198807222015042001",
                "unit_id": dinkes, "jp_total": 0, "jp_target_effective": 20}])
    );
    let summary = get(&app, "/api/v1/reports/summary?year=2026", &admin).await;
    assert_eq!(summary.body["compliance_rate"], 0.6667);

    // A unit manager of PUSK2 sees PUSK2 only.
    let manager = user_with_role(
        &app,
        &admin,
        "kapus2",
        "unit_manager",
        json!({"unit_id": pusk2}),
    )
    .await;
    let mine = compliance(manager.clone()).await;
    let units: Vec<i64> = mine["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_id"].as_i64().unwrap())
        .collect();
    assert_eq!(units, vec![pusk2]);

    // A PPPK minimum, once set, holds PPPK too (pro-rated alike); they stay counted apart.
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jp_target_pppk": 30}),
    )
    .await
    .expect(200);
    let r = compliance(admin.clone()).await;
    let below: Vec<(i64, i64)> = r["below_target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["employee_id"].as_i64().unwrap(),
                b["jp_target_effective"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(below, vec![(p4, 20), (p3, 30)]);
    assert_eq!(r["units"][0]["employees"], 3);

    // Without the exemption p1 is held to six months: ceil(20 × 6 / 12) = 10 > 5.
    send(
        &app,
        auth(
            TestRequest::delete().uri(&format!("/api/v1/exemptions/{leave_id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"1\"")),
    )
    .await
    .expect(204);
    let after = record(p1).await;
    assert_eq!(
        (
            &after["months_active"],
            &after["jp_target_effective"],
            &after["compliant"]
        ),
        (&json!(6), &json!(10), &json!(false))
    );

    // A period that is not a calendar year sums each source's JP within it: completions by
    // `completed_on` (4 November) and verified external learning by `end_date`.
    for (p, end, jp) in [
        (p4, "2026-11-10", 8),
        (p4, "2026-10-15", 3),
        (p1, "2026-11-20", 2),
    ] {
        let filed = post(
            &app,
            "/api/v1/external-learning",
            &admin,
            json!({"employee_id": p, "title": "Kursus daring", "provider": "LAN RI", "form": "e_learning",
                   "start_date": "2026-10-01", "end_date": end, "jp": jp}),
        )
        .await;
        filed.expect(201);
        post(
            &app,
            &format!("/api/v1/external-learning/{}/review", id(&filed.body)),
            &admin,
            json!({"decision": "verified"}),
        )
        .await
        .expect(200);
    }
    let below = |body: &Value| -> Vec<(i64, i64, i64)> {
        body["below_target"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                let n = |k: &str| b[k].as_i64().unwrap();
                (n("employee_id"), n("jp_total"), n("jp_target_effective"))
            })
            .collect()
    };
    // November: p1 5 + 2 (held to 10), p3 26 (PPPK, held to 30), p4 8; p2's 24 meet 20.
    let november = over("from=2026-11-01&to=2026-11-30", admin.clone()).await;
    assert_eq!(
        below(&november),
        vec![(p1, 7, 10), (p4, 8, 20), (p3, 26, 30)],
        "{november}"
    );
    let pusk1_row = november["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"] == pusk1)
        .cloned()
        .unwrap();
    assert_eq!(pusk1_row["jp_mean"], 7.0, "{november}");
    let summary = get(
        &app,
        "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30",
        &admin,
    )
    .await;
    assert_eq!(summary.body["compliance_rate"], 0.3333, "{}", summary.text);
    // January to October: only p4's October course; the rest by name (the NIPs).
    let before = over("from=2026-01-01&to=2026-10-31", admin.clone()).await;
    assert_eq!(
        below(&before),
        vec![(p2, 0, 20), (p1, 0, 10), (p3, 0, 30), (p4, 3, 20)],
        "{before}"
    );
    // The year less its last day (summed from the sources) answers as the year (kept).
    let sources = over("from=2026-01-01&to=2026-12-30", admin.clone()).await;
    let kept = over("from=2026-01-01&to=2026-12-31", admin.clone()).await;
    assert_eq!(
        below(&sources),
        vec![(p1, 7, 10), (p4, 11, 20), (p3, 26, 30)]
    );
    assert_eq!(sources["units"], kept["units"]);
    assert_eq!(sources["below_target"], kept["below_target"]);
}
on_each_backend!(jp_targets_on_a_hand_worked_set, targets);

/// Who may read and write exemptions, and what is refused.
async fn exemption_access(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let person = ctx.insert_employee("199001012015012001", unit_a);
    let other = ctx.insert_employee("198503102010011001", unit_b);
    let operator = user_with_role(&app, &admin, "opr", "operator", json!({})).await;
    let manager_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let manager_b = user_with_role(
        &app,
        &admin,
        "mgr.b",
        "unit_manager",
        json!({"unit_id": unit_b}),
    )
    .await;
    let employee = user_with_role(
        &app,
        &admin,
        "emp",
        "employee",
        json!({"employee_id": person}),
    )
    .await;
    let list = format!("/api/v1/employees/{person}/exemptions");
    let body = json!({"kind": "unpaid_leave", "from": "2026-01-01", "to": "2026-03-31"});

    post(&app, &list, &manager_a, body.clone())
        .await
        .problem(403, "forbidden");
    post(&app, &list, &employee, body.clone())
        .await
        .problem(403, "forbidden");
    send(&app, TestRequest::post().uri(&list).set_json(body.clone()))
        .await
        .problem(401, "unauthorized");
    for (bad, field) in [
        (
            json!({"kind": "unpaid_leave", "from": "2026-03-31", "to": "2026-01-01"}),
            "to",
        ),
        (
            json!({"kind": "holiday", "from": "2026-01-01", "to": "2026-01-02"}),
            "kind",
        ),
        (
            json!({"kind": "other", "from": "0999-01-01", "to": "2026-01-02"}),
            "from",
        ),
        (json!({"kind": "other", "from": "2026-01-01"}), "to"),
        (
            json!({"kind": "other", "from": "2026-01-01", "to": "2026-01-02", "employee_id": other}),
            "employee_id",
        ),
    ] {
        post(&app, &list, &operator, bad).await.invalid(field);
    }
    post(
        &app,
        "/api/v1/employees/999999/exemptions",
        &operator,
        body.clone(),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(ctx.count("exemptions"), 0, "refusals change nothing");

    let created = post(&app, &list, &operator, body.clone()).await;
    created.expect(201);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["employee_id"], person);
    let one = format!("/api/v1/exemptions/{id}");

    // Reads: staff and the person's unit manager; another unit's manager gets 404.
    for token in [&admin, &operator, &manager_a] {
        let r = get(&app, &list, token).await;
        r.expect(200);
        assert_eq!(r.body["total"], 1);
        get(&app, &one, token).await.expect(200);
    }
    get(&app, &list, &manager_b).await.problem(404, "not_found");
    get(&app, &one, &manager_b).await.problem(404, "not_found");
    get(&app, &list, &employee).await.problem(403, "forbidden");

    // Changes: staff only, under If-Match, validated as a whole after the merge.
    patch(&app, &one, &manager_a, json!({"note": "x"}))
        .await
        .problem(403, "forbidden");
    patch(&app, &one, &operator, json!({"to": "2025-12-31"}))
        .await
        .invalid("to");
    let stale = send(
        &app,
        auth(TestRequest::patch().uri(&one), &operator)
            .insert_header(("If-Match", "\"7\""))
            .set_json(json!({"note": "stale"})),
    )
    .await;
    stale.problem(412, "precondition_failed");
    let changed = patch(
        &app,
        &one,
        &operator,
        json!({"to": "2026-04-30", "note": "Diperpanjang"}),
    )
    .await;
    changed.expect(200);
    assert_eq!(
        (&changed.body["to"], &changed.body["version"]),
        (&json!("2026-04-30"), &json!(2))
    );
    // An employee with exemptions is kept (409), as with any history.
    delete(&app, &format!("/api/v1/employees/{person}"), &operator)
        .await
        .problem(409, "conflict");
    delete(&app, &one, &manager_a)
        .await
        .problem(403, "forbidden");
    delete(&app, &one, &operator).await.expect(204);
    get(&app, &one, &admin).await.problem(404, "not_found");
    let log = get(
        &app,
        &format!("/api/v1/audit-log?entity=exemption&entity_id={id}"),
        &admin,
    )
    .await;
    assert_eq!(log.body["total"], 3, "create, update and delete audited");
}
on_each_backend!(exemptions_who_may_and_what_is_refused, exemption_access);
