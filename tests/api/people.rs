//! Units, competencies, positions and standards, employees, import, assessments, profile.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

fn levels() -> Value {
    json!((1..=5).map(|l| json!({"level": l, "description": format!("Level {l}"), "indicators": [format!("Behaviour {l}")]})).collect::<Vec<_>>())
}

async fn units(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let r = post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "DINKES", "name": "Dinas Kesehatan"}),
    )
    .await;
    r.expect(201);
    let root = r.body["id"].as_i64().unwrap();
    let child = post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "PKM-GERUNGGANG", "name": "Puskesmas Gerunggang", "parent_id": root}),
    )
    .await;
    child.expect(201);
    let child = child.body["id"].as_i64().unwrap();
    let grandchild = post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "PUSTU-1", "name": "Pustu 1", "parent_id": child}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "dinkes", "name": "Dup"}),
    )
    .await
    .problem(409, "conflict");
    let r = post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "X", "name": "X", "parent_id": 9999}),
    )
    .await;
    r.problem(422, "validation_failed");
    assert!(!r.field_errors("parent_id").is_empty());
    post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "bad code", "name": "X"}),
    )
    .await
    .problem(422, "validation_failed");

    let tree = get(&app, &format!("/api/v1/units/{root}/tree"), &admin).await;
    tree.expect(200);
    assert_eq!(tree.body["code"], "DINKES");
    assert_eq!(tree.body["children"][0]["code"], "PKM-GERUNGGANG");
    assert_eq!(tree.body["children"][0]["children"][0]["id"], grandchild);
    get(&app, "/api/v1/units/9999/tree", &admin)
        .await
        .problem(404, "not_found");

    // No cycles: a unit cannot move under itself or its descendants.
    let r = patch(
        &app,
        &format!("/api/v1/units/{root}"),
        &admin,
        json!({"parent_id": grandchild}),
    )
    .await;
    r.problem(422, "validation_failed");
    patch(
        &app,
        &format!("/api/v1/units/{root}"),
        &admin,
        json!({"parent_id": root}),
    )
    .await
    .problem(422, "validation_failed");
    let r = patch(
        &app,
        &format!("/api/v1/units/{grandchild}"),
        &admin,
        json!({"parent_id": root, "name": "Pustu Satu"}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["version"], 2);

    // In use → 409; leaf → 204.
    delete(&app, &format!("/api/v1/units/{root}"), &admin)
        .await
        .problem(409, "conflict");
    ctx.insert_employee("198503102010011001", child);
    delete(&app, &format!("/api/v1/units/{child}"), &admin)
        .await
        .problem(409, "conflict");
    delete(&app, &format!("/api/v1/units/{grandchild}"), &admin)
        .await
        .expect(204);

    let list = get(&app, "/api/v1/units?q=puskesmas", &admin).await;
    assert_eq!(list.body["total"], 1);
    let list = get(&app, &format!("/api/v1/units?parent_id={root}"), &admin).await;
    assert_eq!(list.body["items"][0]["id"], child);

    let employee = ctx.insert_employee("199001012015012001", child);
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
        json!({"unit_id": child}),
    )
    .await;
    for token in [&emp, &mgr] {
        get(&app, "/api/v1/units", token).await.expect(200);
        post(
            &app,
            "/api/v1/units",
            token,
            json!({"code": "Y", "name": "Y"}),
        )
        .await
        .problem(403, "forbidden");
        patch(
            &app,
            &format!("/api/v1/units/{root}"),
            token,
            json!({"name": "Y"}),
        )
        .await
        .problem(403, "forbidden");
        delete(&app, &format!("/api/v1/units/{root}"), token)
            .await
            .problem(403, "forbidden");
    }
    send(&app, TestRequest::get().uri("/api/v1/units"))
        .await
        .problem(401, "unauthorized");
}
on_each_backend!(units_tree_cycles_and_deletion, units);

/// The attack: a unit chain thousands deep, then its tree. At most 10 levels are written
/// through the API (422 beyond, creating or moving); a deeper chain already stored (written
/// around the API) is answered 409, not a crash, and the service keeps serving.
async fn deep_units(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let mut parent = Value::Null;
    let mut chain = Vec::new();
    for level in 1..=10 {
        let r = post(
            &app,
            "/api/v1/units",
            &admin,
            json!({"code": format!("L{level}"), "name": format!("Level {level}"), "parent_id": parent}),
        )
        .await;
        r.expect(201);
        parent = r.body["id"].clone();
        chain.push(parent.as_i64().unwrap());
    }
    post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "L11", "name": "Level 11", "parent_id": parent}),
    )
    .await
    .invalid("parent_id");
    // Moving a two-level subtree under level 9 would make 11 levels.
    let top = post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "T1", "name": "T1"}),
    )
    .await;
    let top = top.body["id"].as_i64().unwrap();
    post(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "T2", "name": "T2", "parent_id": top}),
    )
    .await
    .expect(201);
    patch(
        &app,
        &format!("/api/v1/units/{top}"),
        &admin,
        json!({"parent_id": chain[8]}),
    )
    .await
    .invalid("parent_id");
    let tree = get(&app, &format!("/api/v1/units/{}/tree", chain[0]), &admin).await;
    tree.expect(200);
    let mut depth = 0;
    let mut node = &tree.body;
    while !node.is_null() {
        depth += 1;
        node = &node["children"][0];
    }
    assert_eq!(depth, 10);
    // Stored around the API: 5,000 more levels under the chain.
    let mut below = chain[9];
    for i in 0..5000 {
        below = ctx.insert_unit(&format!("D{i}"), Some(below));
    }
    let employee_account = user_with_role(&app, &admin, "pegawai", "operator", json!({})).await;
    get(
        &app,
        &format!("/api/v1/units/{}/tree", chain[0]),
        &employee_account,
    )
    .await
    .problem(409, "conflict");
    get(&app, "/health/live", &admin).await.expect(200);
}
on_each_backend!(unit_trees_are_at_most_ten_levels_deep, deep_units);

async fn competencies(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let r = post(
        &app,
        "/api/v1/competencies",
        &admin,
        json!({"code": "M.01", "name": "Integritas", "kind": "managerial", "levels": levels()}),
    )
    .await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["levels"].as_array().unwrap().len(), 5);
    assert_eq!(r.body["levels"][2]["indicators"][0], "Behaviour 3");
    post(&app, "/api/v1/competencies", &admin, json!({"code": "T.01", "name": "Pengelolaan Data Kepegawaian", "kind": "technical", "field": "Kepegawaian"}))
        .await
        .expect(201);
    post(
        &app,
        "/api/v1/competencies",
        &admin,
        json!({"code": "m.01", "name": "Dup", "kind": "managerial"}),
    )
    .await
    .problem(409, "conflict");

    let with_levels =
        |ls: Value| json!({"code": "M.99", "name": "X", "kind": "managerial", "levels": ls});
    let mut level0 = levels();
    level0[0]["level"] = json!(0);
    let mut level6 = levels();
    level6[4]["level"] = json!(6);
    let mut duplicate = levels();
    duplicate[4]["level"] = json!(4);
    let four = json!(levels().as_array().unwrap()[..4].to_vec());
    let mut empty_indicator = levels();
    empty_indicator[0]["indicators"] = json!([""]);
    for (ls, field) in [
        (level0, "levels[0].level"),
        (level6, "levels[4].level"),
        (duplicate, "levels"),
        (four, "levels"),
        (empty_indicator, "levels[0].indicators"),
    ] {
        let r = post(&app, "/api/v1/competencies", &admin, with_levels(ls)).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    post(
        &app,
        "/api/v1/competencies",
        &admin,
        json!({"code": "M.98", "name": "X", "kind": "spiritual"}),
    )
    .await
    .problem(422, "validation_failed");

    let r = get(&app, "/api/v1/competencies?kind=technical", &admin).await;
    assert_eq!(r.body["total"], 1);
    let r = get(&app, "/api/v1/competencies?q=INTEGRITAS", &admin).await;
    assert_eq!(r.body["items"][0]["code"], "M.01");

    // Used by a standard → cannot be deleted; deactivating works.
    let pos = post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Kepala Bidang", "kind": "administrator"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let put = auth(
        TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")),
        &admin,
    )
    .set_json(json!([{"competency_id": id, "required_level": 3}]));
    send(&app, put).await.expect(200);
    delete(&app, &format!("/api/v1/competencies/{id}"), &admin)
        .await
        .problem(409, "conflict");
    let r = patch(
        &app,
        &format!("/api/v1/competencies/{id}"),
        &admin,
        json!({"active": false}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["levels"].as_array().unwrap().len(), 5, "levels kept");

    let unit = ctx.insert_unit("U1", None);
    let employee = ctx.insert_employee("199203152019031004", unit);
    let emp = user_with_role(
        &app,
        &admin,
        "emp",
        "employee",
        json!({"employee_id": employee}),
    )
    .await;
    get(&app, "/api/v1/competencies", &emp).await.expect(200);
    post(
        &app,
        "/api/v1/competencies",
        &emp,
        json!({"code": "Z", "name": "Z", "kind": "technical"}),
    )
    .await
    .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/competencies/{id}"), &emp)
        .await
        .problem(403, "forbidden");
}
on_each_backend!(competency_levels_codes_and_use, competencies);

async fn positions(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let c1 = ctx.insert_competency("M.01");
    let c2 = ctx.insert_competency("M.02");
    let r = post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Analis SDM Aparatur", "kind": "fungsional", "unit_id": unit}),
    )
    .await;
    r.expect(201);
    let pos = r.body["id"].as_i64().unwrap();
    post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "X", "kind": "menteri"}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "X", "kind": "pelaksana", "unit_id": 999}),
    )
    .await
    .problem(422, "validation_failed");

    let put = |body: Value| {
        auth(
            TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")),
            &admin,
        )
        .set_json(body)
    };
    let r = send(&app, put(json!([{"competency_id": c1, "required_level": 3}, {"competency_id": c2, "required_level": 2}]))).await;
    r.expect(200);
    assert_eq!(
        r.body,
        json!([{"competency_id": c1, "required_level": 3}, {"competency_id": c2, "required_level": 2}])
    );
    for bad in [
        json!([{"competency_id": c1, "required_level": 0}]),
        json!([{"competency_id": c1, "required_level": 6}]),
        json!([{"competency_id": c1, "required_level": 2}, {"competency_id": c1, "required_level": 3}]),
        json!([{"competency_id": 4242, "required_level": 2}]),
        json!({"competency_id": c1, "required_level": 2}),
    ] {
        send(&app, put(bad)).await.problem(422, "validation_failed");
    }
    // The set is replaced whole; failed attempts left it as it was.
    let r = get(&app, &format!("/api/v1/positions/{pos}/standards"), &admin).await;
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    send(
        &app,
        put(json!([{"competency_id": c2, "required_level": 4}])),
    )
    .await
    .expect(200);
    let r = get(&app, &format!("/api/v1/positions/{pos}/standards"), &admin).await;
    assert_eq!(r.body, json!([{"competency_id": c2, "required_level": 4}]));
    let r = get(&app, &format!("/api/v1/positions/{pos}"), &admin).await;
    assert_eq!(r.body["version"], 3, "standard changes move the version");

    let held = post(&app, "/api/v1/employees", &admin, json!({"nip": "198503102010011001", "name": "A", "asn_type": "pns", "unit_id": unit, "position_id": pos})).await;
    held.expect(201);
    delete(&app, &format!("/api/v1/positions/{pos}"), &admin)
        .await
        .problem(409, "conflict");

    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    get(&app, &format!("/api/v1/positions/{pos}/standards"), &mgr)
        .await
        .expect(200);
    send(
        &app,
        auth(
            TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")),
            &mgr,
        )
        .set_json(json!([])),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        "/api/v1/positions",
        &mgr,
        json!({"name": "X", "kind": "pelaksana"}),
    )
    .await
    .problem(403, "forbidden");
    send(&app, put(json!([]))).await.expect(200);
    get(&app, "/api/v1/positions/999/standards", &admin)
        .await
        .problem(404, "not_found");
}
on_each_backend!(positions_and_standards, positions);

async fn employees(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("DISDIK", None);
    let sub = ctx.insert_unit("SMPN-1", Some(unit));
    let other = ctx.insert_unit("DUKCAPIL", None);
    let body = |nip: &str, asn: &str, unit: i64| {
        let grade = if asn == "pns" { "III/b" } else { "IX" };
        json!({"nip": nip, "name": format!("Pegawai {nip}"), "asn_type": asn, "unit_id": unit, "rank_grade": grade, "email": "pegawai@pangkalpinangkota.go.id"})
    };
    let r = post(
        &app,
        "/api/v1/employees",
        &admin,
        body("198503102010011001", "pns", unit),
    )
    .await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["asn_type"], "pns");
    post(
        &app,
        "/api/v1/employees",
        &admin,
        body("199001012015012001", "pns", sub),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/employees",
        &admin,
        body("199203152023211001", "pppk", other),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/employees",
        &admin,
        body("198503102010011001", "pns", other),
    )
    .await
    .problem(409, "conflict");

    for (nip, why) in [
        ("19850310201001100", "17 digits"),
        ("1985031020100110011", "19 digits"),
        ("19850310201001100X", "a letter"),
        ("198502302010011001", "30 February"),
        ("198513102010011001", "month 13 of birth"),
        ("198503102010001001", "CPNS month 00"),
        ("198503102010131001", "CPNS month 13"),
        ("198503102010010001", "sex digit 0"),
        ("198503102010013001", "sex digit 3"),
        ("198503102010011000", "sequence 000"),
        ("190001012010011001", "born 1900"),
        ("201501012030011001", "born 2015"),
        ("198503102000011001", "CPNS at 14"),
        ("198503102030011001", "CPNS in 2030"),
    ] {
        let r = post(&app, "/api/v1/employees", &admin, body(nip, "pns", unit)).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors("nip").is_empty(), "{why}: {}", r.text);
    }
    // PPPK numbers: the birth date, then a structure of their own.
    post(
        &app,
        "/api/v1/employees",
        &admin,
        body("198503102023213001", "pppk", unit),
    )
    .await
    .expect(201);
    for nip in [
        "202100000000000004",
        "198502302023211001",
        "190001012023211001",
    ] {
        let r = post(&app, "/api/v1/employees", &admin, body(nip, "pppk", unit)).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors("nip").is_empty(), "{nip}: {}", r.text);
    }
    // Grades by type: PNS I/a..IV/e, PPPK I..XVII.
    for (asn, grade, nip) in [
        ("pns", "III/e", "199512312020122001"),
        ("pns", "V/a", "199512312020122001"),
        ("pns", "IX", "199512312020122001"),
        ("pppk", "III/b", "199512312023212001"),
        ("pppk", "XVIII", "199512312023212001"),
    ] {
        let mut b = body(nip, asn, unit);
        b["rank_grade"] = json!(grade);
        let r = post(&app, "/api/v1/employees", &admin, b).await;
        r.problem(422, "validation_failed");
        assert!(
            !r.field_errors("rank_grade").is_empty(),
            "{asn} {grade}: {}",
            r.text
        );
    }
    post(
        &app,
        "/api/v1/employees",
        &admin,
        body("2023010123456789", "pppk", unit),
    )
    .await
    .problem(422, "validation_failed");
    for (field, value) in [
        ("rank_grade", json!("3b")),
        ("email", json!("x@")),
        ("unit_id", json!(9999)),
        ("asn_type", json!("honorer")),
    ] {
        let mut b = body("199512312020122001", "pns", unit);
        b[field] = value;
        let r = post(&app, "/api/v1/employees", &admin, b).await;
        r.problem(422, "validation_failed");
    }

    let r = get(&app, &format!("/api/v1/employees?unit_id={unit}"), &admin).await;
    assert_eq!(r.body["total"], 3, "the unit and its sub-units: {}", r.text);
    let r = get(&app, "/api/v1/employees?q=19900101", &admin).await;
    assert_eq!(r.body["total"], 1);
    let r = get(&app, "/api/v1/employees?q=PEGAWAI%20199203", &admin).await;
    assert_eq!(r.body["total"], 1);
    let r = get(&app, "/api/v1/employees?asn_type=pppk&sort=-nip", &admin).await;
    assert_eq!(r.body["items"][0]["nip"], "199203152023211001");

    let r = patch(
        &app,
        &format!("/api/v1/employees/{id}"),
        &admin,
        json!({"back_title": "S.Pd.", "rank_grade": null}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["back_title"], "S.Pd.");
    assert_eq!(r.body["rank_grade"], Value::Null);
    let r = patch(
        &app,
        &format!("/api/v1/employees/{id}"),
        &admin,
        json!({"asn_type": "pns", "nip": "198503102010011009"}),
    )
    .await;
    r.expect(200);
    patch(
        &app,
        &format!("/api/v1/employees/{id}"),
        &admin,
        json!({"nip": "199001012015012001"}),
    )
    .await
    .problem(409, "conflict");
}
on_each_backend!(employees_nip_rules_filters_and_updates, employees);

async fn visibility(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let disdik = ctx.insert_unit("DISDIK", None);
    let smp = ctx.insert_unit("SMPN-1", Some(disdik));
    let dinkes = ctx.insert_unit("DINKES", None);
    let head = ctx.insert_employee("198503102010011001", disdik);
    let teacher = ctx.insert_employee("199001012015012001", smp);
    let nurse = ctx.insert_employee("199203152019031004", dinkes);
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
        json!({"employee_id": teacher}),
    )
    .await;

    let r = get(&app, "/api/v1/employees", &mgr).await;
    r.expect(200);
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![head, teacher], "own unit and sub-units only");
    assert_eq!(r.body["total"], 2);
    let r = get(&app, &format!("/api/v1/employees?unit_id={dinkes}"), &mgr).await;
    assert_eq!(r.body["total"], 0, "a filter cannot widen the scope");
    get(&app, &format!("/api/v1/employees/{teacher}"), &mgr)
        .await
        .expect(200);
    get(&app, &format!("/api/v1/employees/{nurse}"), &mgr)
        .await
        .problem(404, "not_found");
    get(
        &app,
        &format!("/api/v1/employees/{nurse}/competency-profile"),
        &mgr,
    )
    .await
    .problem(404, "not_found");
    get(
        &app,
        &format!("/api/v1/employees/{nurse}/assessments"),
        &mgr,
    )
    .await
    .problem(404, "not_found");
    get(&app, "/api/v1/employees/99999", &mgr)
        .await
        .problem(404, "not_found");
    post(
        &app,
        "/api/v1/employees",
        &mgr,
        json!({"nip": "199512312020122001", "name": "X", "asn_type": "pns", "unit_id": disdik}),
    )
    .await
    .problem(403, "forbidden");
    patch(
        &app,
        &format!("/api/v1/employees/{teacher}"),
        &mgr,
        json!({"name": "X"}),
    )
    .await
    .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/employees/{teacher}"), &mgr)
        .await
        .problem(403, "forbidden");

    get(&app, "/api/v1/employees", &emp)
        .await
        .problem(403, "forbidden");
    let r = get(&app, &format!("/api/v1/employees/{teacher}"), &emp).await;
    r.expect(200);
    assert_eq!(r.body["nip"], "199001012015012001");
    get(&app, &format!("/api/v1/employees/{head}"), &emp)
        .await
        .problem(404, "not_found");
    get(
        &app,
        &format!("/api/v1/employees/{head}/competency-profile"),
        &emp,
    )
    .await
    .problem(404, "not_found");
    get(&app, "/api/v1/me/competency-profile", &emp)
        .await
        .expect(200);
    get(&app, "/api/v1/me/competency-profile", &mgr)
        .await
        .problem(404, "not_found");
    patch(
        &app,
        &format!("/api/v1/employees/{teacher}"),
        &emp,
        json!({"name": "X"}),
    )
    .await
    .problem(403, "forbidden");
    send(&app, TestRequest::get().uri("/api/v1/employees"))
        .await
        .problem(401, "unauthorized");
}
on_each_backend!(employee_visibility_by_role, visibility);

/// Rina, a Kasubbag of BKPSDM, whose position requires M.01 at level 3 and M.02 at level 2.
struct Rina {
    unit: i64,
    c1: i64,
    c2: i64,
    pos: i64,
    eid: i64,
}

async fn rina<S: TestApp>(ctx: &Ctx, app: &S, admin: &str) -> Rina {
    let unit = ctx.insert_unit("BKPSDM", None);
    let c1 = ctx.insert_competency("M.01");
    let c2 = ctx.insert_competency("M.02");
    let pos = post(
        app,
        "/api/v1/positions",
        admin,
        json!({"name": "Kasubbag", "kind": "pengawas"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let put = auth(TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")), admin)
        .set_json(json!([{"competency_id": c1, "required_level": 3}, {"competency_id": c2, "required_level": 2}]));
    send(app, put).await.expect(200);
    let e = post(app, "/api/v1/employees", admin, json!({"nip": "198503102010011001", "name": "Rina", "asn_type": "pns", "unit_id": unit, "position_id": pos})).await;
    e.expect(201);
    Rina {
        unit,
        c1,
        c2,
        pos,
        eid: e.body["id"].as_i64().unwrap(),
    }
}

async fn profile(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let Rina {
        unit,
        c1,
        c2,
        pos,
        eid,
    } = rina(ctx, &app, &admin).await;
    let other = ctx.insert_unit("DINKES", None);
    let c3 = ctx.insert_competency("M.03");
    let path = format!("/api/v1/employees/{eid}/assessments");

    // Never assessed: no gaps and no JPM (not a low one).
    let r = get(
        &app,
        &format!("/api/v1/employees/{eid}/competency-profile"),
        &admin,
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["items"][0]["gap"], Value::Null);
    assert_eq!(r.body["jpm"], Value::Null);
    assert_eq!(r.body["jpm_band"], "unassessed");
    assert_eq!(r.body["coverage"], 0.0);

    // An older level for c1 is superseded by the later one.
    post(
        &app,
        &path,
        &admin,
        json!({"competency_id": c1, "level": 1, "assessed_on": "2025-03-01", "method": "self"}),
    )
    .await
    .expect(201);
    post(&app, &path, &admin, json!({"competency_id": c1, "level": 2, "assessed_on": "2026-02-10", "method": "assessment_center", "assessor": "UPT Penilaian"})).await.expect(201);
    let r = post(
        &app,
        &path,
        &admin,
        json!({"competency_id": c2, "level": 3, "assessed_on": "2026-02-10", "method": "test"}),
    )
    .await;
    r.expect(201);
    assert_eq!(r.body["method"], "test");
    post(
        &app,
        &path,
        &admin,
        json!({"competency_id": c3, "level": 5, "assessed_on": "2026-02-10", "method": "test"}),
    )
    .await
    .expect(201);

    let r = get(
        &app,
        &format!("/api/v1/employees/{eid}/competency-profile"),
        &admin,
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["position_id"], pos);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "only the standard's competencies");
    assert_eq!(items[0]["competency_id"], c1);
    assert_eq!(items[0]["required_level"], 3);
    assert_eq!(items[0]["current_level"], 2);
    assert_eq!(items[0]["assessed_on"], "2026-02-10");
    assert_eq!(items[0]["gap"], 1);
    assert_eq!(items[1]["current_level"], 3);
    assert_eq!(items[1]["gap"], -1);
    assert_eq!(r.body["jpm"], 80.0);
    assert_eq!(r.body["jpm_band"], "cukup_optimal");
    assert_eq!(r.body["coverage"], 1.0);
    // The self rating is shown beside the levels, not as one.
    let others = r.body["other_assessments"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{}", r.text);
    assert_eq!(others[0]["competency_id"], c1);
    assert_eq!(others[0]["method"], "self");
    assert_eq!(others[0]["level"], 1);

    // The bands follow the settings.
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jpm_optimal_min": 80}),
    )
    .await
    .expect(200);
    let r = get(
        &app,
        &format!("/api/v1/employees/{eid}/competency-profile"),
        &admin,
    )
    .await;
    assert_eq!(r.body["jpm_band"], "optimal");

    let history = get(&app, &path, &admin).await;
    assert_eq!(history.body["total"], 4);
    assert_eq!(history.body["items"][3]["level"], 1, "oldest last");

    for bad in [
        json!({"competency_id": c1, "level": 0, "assessed_on": "2026-01-01", "method": "test"}),
        json!({"competency_id": c1, "level": 6, "assessed_on": "2026-01-01", "method": "test"}),
        json!({"competency_id": c1, "level": 3, "assessed_on": "2999-01-01", "method": "test"}),
        json!({"competency_id": c1, "level": 3, "assessed_on": "2026-01-01", "method": "astrology"}),
        json!({"competency_id": 4242, "level": 3, "assessed_on": "2026-01-01", "method": "test"}),
    ] {
        post(&app, &path, &admin, bad)
            .await
            .problem(422, "validation_failed");
    }
    assert_eq!(get(&app, &path, &admin).await.body["total"], 4);

    // Unit managers record supervisor assessments for their unit only.
    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    let stranger = user_with_role(
        &app,
        &admin,
        "mgr2",
        "unit_manager",
        json!({"unit_id": other}),
    )
    .await;
    post(&app, &path, &mgr, json!({"competency_id": c1, "level": 3, "assessed_on": "2026-06-01", "method": "supervisor"})).await.expect(201);
    post(&app, &path, &mgr, json!({"competency_id": c1, "level": 5, "assessed_on": "2026-06-01", "method": "assessment_center"})).await.problem(403, "forbidden");
    post(&app, &path, &stranger, json!({"competency_id": c1, "level": 1, "assessed_on": "2026-06-01", "method": "supervisor"})).await.problem(404, "not_found");
    let emp = user_with_role(
        &app,
        &admin,
        "rina",
        "employee",
        json!({"employee_id": eid}),
    )
    .await;
    post(
        &app,
        &path,
        &emp,
        json!({"competency_id": c1, "level": 5, "assessed_on": "2026-06-01", "method": "self"}),
    )
    .await
    .problem(403, "forbidden");
    let mine = get(&app, "/api/v1/me/competency-profile", &emp).await;
    mine.expect(200);
    assert_eq!(
        mine.body["items"][0]["current_level"], 2,
        "a supervisor's later rating does not override the assessment centre"
    );
    assert_eq!(mine.body["jpm"], 80.0);
    let methods: Vec<&str> = mine.body["other_assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["self", "supervisor"], "{}", mine.text);
    get(&app, &path, &emp).await.expect(200);
}
on_each_backend!(competency_profile_worked_example, profile);

/// Assessments are corrected and deleted by staff (audited, versioned); the current level, the
/// JPM and the gap report follow, and the setting `jpm_methods` decides which methods count.
async fn corrections(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let Rina {
        unit, c1, c2, eid, ..
    } = rina(ctx, &app, &admin).await;
    let other = ctx.insert_employee("199001012015012001", unit);
    let path = format!("/api/v1/employees/{eid}/assessments");
    let add = |body: Value| {
        let (app, admin, path) = (&app, &admin, &path);
        async move {
            let r = post(app, path, admin, body).await;
            r.expect(201);
            r.body["id"].as_i64().unwrap()
        }
    };
    let measured = add(json!({"competency_id": c1, "level": 2, "assessed_on": "2026-02-10", "method": "assessment_center"})).await;
    add(json!({"competency_id": c2, "level": 2, "assessed_on": "2026-02-10", "method": "test"}))
        .await;
    let rated = add(
        json!({"competency_id": c1, "level": 1, "assessed_on": "2026-03-01", "method": "self"}),
    )
    .await;
    let profile = || {
        let app = &app;
        let admin = &admin;
        async move {
            let r = get(
                app,
                &format!("/api/v1/employees/{eid}/competency-profile"),
                admin,
            )
            .await;
            r.expect(200);
            r
        }
    };
    let gaps = || {
        let app = &app;
        let admin = &admin;
        async move {
            let r = get(
                app,
                &format!("/api/v1/reports/competency-gaps?unit_id={unit}"),
                admin,
            )
            .await;
            r.expect(200);
            let below = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["competency_id"] == c1)
                .unwrap()["below_standard"]
                .clone();
            (below, r.body["jpm_bands"].clone())
        }
    };
    let p = profile().await;
    assert_eq!(p.body["jpm"], 80.0, "{}", p.text);
    assert_eq!(gaps().await.0, 1);

    // A correction: the assessment centre's level was 3, not 2.
    let item = format!("{path}/{measured}");
    let r = patch(&app, &item, &admin, json!({"level": 3})).await;
    r.expect(200);
    assert_eq!(
        (r.body["level"].clone(), r.body["version"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(
        r.body["method"], "assessment_center",
        "untouched fields stay"
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let p = profile().await;
    assert_eq!(
        (
            p.body["items"][0]["current_level"].clone(),
            p.body["jpm"].clone()
        ),
        (json!(3), json!(100.0))
    );
    let (below, bands) = gaps().await;
    assert_eq!(below, 0);
    assert_eq!(bands["optimal"], 1, "{bands}");

    // Stale If-Match, bad input, another employee's path, callers who may not: nothing changes.
    let stale = auth(TestRequest::patch().uri(&item), &admin)
        .insert_header(("if-match", "\"1\""))
        .set_json(json!({"level": 1}));
    send(&app, stale).await.problem(412, "precondition_failed");
    for bad in [
        json!({"level": 6}),
        json!({"level": 0}),
        json!({"method": "astrology"}),
        json!({"assessed_on": "2999-01-01"}),
        json!({"competency_id": 4242}),
        json!({"employee_id": other}),
        json!({"version": 7}),
        json!({"level": null}),
    ] {
        patch(&app, &item, &admin, bad)
            .await
            .problem(422, "validation_failed");
    }
    patch(
        &app,
        &format!("/api/v1/employees/{other}/assessments/{measured}"),
        &admin,
        json!({"level": 1}),
    )
    .await
    .problem(404, "not_found");
    patch(&app, &format!("{path}/999999"), &admin, json!({"level": 1}))
        .await
        .problem(404, "not_found");
    patch(&app, &format!("{path}/abc"), &admin, json!({"level": 1}))
        .await
        .problem(422, "validation_failed");
    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    let emp = user_with_role(
        &app,
        &admin,
        "rina",
        "employee",
        json!({"employee_id": eid}),
    )
    .await;
    let operator = user_with_role(&app, &admin, "operator1", "operator", json!({})).await;
    for token in [&mgr, &emp] {
        patch(&app, &item, token, json!({"level": 1}))
            .await
            .problem(403, "forbidden");
        delete(&app, &item, token).await.problem(403, "forbidden");
    }
    delete(
        &app,
        &format!("/api/v1/employees/{other}/assessments/{measured}"),
        &admin,
    )
    .await
    .problem(404, "not_found");
    let r = get(&app, &path, &admin).await;
    assert_eq!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == measured)
            .unwrap()["level"],
        3
    );

    // One assessment reads as its list does: the employee and their manager too, with its ETag.
    for token in [&emp, &mgr, &operator] {
        let r = get(&app, &item, token).await;
        r.expect(200);
        assert_eq!(
            (r.body["level"].clone(), r.header("etag")),
            (json!(3), Some("\"2\"".to_string()))
        );
    }
    get(
        &app,
        &format!("/api/v1/employees/{other}/assessments/{measured}"),
        &admin,
    )
    .await
    .problem(404, "not_found");
    let outsider = user_with_role(
        &app,
        &admin,
        "budi",
        "employee",
        json!({"employee_id": other}),
    )
    .await;
    get(&app, &item, &outsider).await.problem(404, "not_found");

    // An operator corrects the self rating; the JPM does not move (it is not a JPM method).
    patch(
        &app,
        &format!("{path}/{rated}"),
        &operator,
        json!({"level": 2, "notes": "dikoreksi"}),
    )
    .await
    .expect(200);
    assert_eq!(profile().await.body["jpm"], 100.0);

    // Deleted: C1 falls back to no measured level; JPM over the one assessed item.
    let del = auth(TestRequest::delete().uri(&item), &admin).insert_header(("if-match", "\"1\""));
    send(&app, del).await.problem(412, "precondition_failed");
    delete(&app, &item, &admin).await.expect(204);
    get(&app, &item, &admin).await.problem(404, "not_found");
    delete(&app, &item, &admin).await.problem(404, "not_found");
    let p = profile().await;
    assert_eq!(
        p.body["items"][0]["current_level"],
        Value::Null,
        "{}",
        p.text
    );
    assert_eq!(
        (p.body["jpm"].clone(), p.body["coverage"].clone()),
        (json!(100.0), json!(0.5))
    );
    assert_eq!(gaps().await.0, 0, "unassessed is not below standard");

    // Counting self ratings too (a policy choice): C1 is the self rating of 2 now.
    for bad in [
        json!({"jpm_methods": []}),
        json!({"jpm_methods": ["test", "test"]}),
        json!({"jpm_methods": ["horoscope"]}),
    ] {
        patch(&app, "/api/v1/settings", &admin, bad)
            .await
            .problem(422, "validation_failed");
    }
    let r = patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jpm_methods": ["assessment_center", "test", "self"]}),
    )
    .await;
    r.expect(200);
    assert_eq!(
        r.body["jpm_methods"],
        json!(["assessment_center", "test", "self"])
    );
    let p = profile().await;
    assert_eq!(
        (
            p.body["items"][0]["current_level"].clone(),
            p.body["jpm"].clone()
        ),
        (json!(2), json!(80.0)),
        "{}",
        p.text
    );
    assert_eq!(p.body["other_assessments"], json!([]));
    assert_eq!(gaps().await.0, 1);
    patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jpm_methods": ["assessment_center", "test"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        profile().await.body["items"][0]["current_level"],
        Value::Null
    );

    // Every correction is in the audit log.
    let log = get(
        &app,
        &format!("/api/v1/audit-log?entity=assessment&entity_id={measured}"),
        &admin,
    )
    .await;
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create"], "{}", log.text);
}
on_each_backend!(
    assessments_are_corrected_and_only_jpm_methods_set_levels,
    corrections
);

fn csv_request(token: &str, body: impl Into<String>, query: &str) -> TestRequest {
    auth(
        TestRequest::post().uri(&format!("/api/v1/employees/import{query}")),
        token,
    )
    .insert_header(("content-type", "text/csv"))
    .set_payload(body.into())
}

async fn import(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    ctx.insert_unit("DINKES", None);
    let position = post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Analis Kepegawaian", "kind": "fungsional", "unit_id": unit}),
    )
    .await
    .body["id"]
        .clone();
    // Inactive, with titles and a SIASN id the file does not carry: all kept by an update.
    let budi = post(&app, "/api/v1/employees", &admin, json!({"nip": "198503102010011001", "name": "Old Name", "asn_type": "pns", "unit_id": unit, "siasn_id": "S-1", "front_title": "Dr.", "back_title": "S.E.", "active": false})).await;
    budi.expect(201);
    post(
        &app,
        "/api/v1/employees",
        &admin,
        json!({"nip": "199001012015012001", "name": "Same", "asn_type": "pns", "unit_id": unit}),
    )
    .await
    .expect(201);
    let header = "nip,name,asn_type,rank_grade,unit_code,position_name,email,phone\n";
    let good = format!(
        "{header}198503102010011001,\"Rahman, Budi\",pns,III/c,BKPSDM,Analis Kepegawaian,budi@pangkalpinangkota.go.id,0812 3456 789\n\
         199001012015012001,Same,pns,,BKPSDM,,,\n\
         199203152023211001,Dewi Lestari,pppk,IX,dinkes,,,\n"
    );
    let r = send(&app, csv_request(&admin, good.clone(), "?dry_run=true")).await;
    r.expect(200);
    assert_eq!(
        r.body,
        json!({"created": 1, "updated": 1, "unchanged": 1, "dry_run": true})
    );
    assert_eq!(ctx.count("employees"), 2, "a dry run writes nothing");

    let r = send(&app, csv_request(&admin, good.clone(), "")).await;
    r.expect(200);
    assert_eq!(
        r.body,
        json!({"created": 1, "updated": 1, "unchanged": 1, "dry_run": false})
    );
    // Every column of an updated employee, on both backends' statement: the file's columns
    // written (RFC 4180 quoting kept), the others as they were, the version moved.
    let r = get(
        &app,
        &format!("/api/v1/employees/{}", budi.body["id"]),
        &admin,
    )
    .await;
    assert_eq!(
        r.body,
        json!({"id": budi.body["id"], "nip": "198503102010011001", "name": "Rahman, Budi",
               "front_title": "Dr.", "back_title": "S.E.", "asn_type": "pns", "rank_grade": "III/c",
               "position_id": position, "unit_id": unit, "email": "budi@pangkalpinangkota.go.id",
               "phone": "0812 3456 789", "siasn_id": "S-1", "appointed_on": "2010-01-01",
               "active": false, "version": 2})
    );
    let r = send(&app, csv_request(&admin, good.clone(), "")).await;
    assert_eq!(
        r.body,
        json!({"created": 0, "updated": 0, "unchanged": 3, "dry_run": false})
    );

    // The optional columns: a file that has them owns them; a PNS without a date gets the
    // first day of the CPNS month in the NIP.
    let mut with_ids = String::from(header.trim_end());
    with_ids.push_str(",siasn_id,appointed_on\n");
    for line in good.lines().skip(1) {
        let extra = match line.starts_with("198503102010011001") {
            true => "S-9,2011-04-01",
            false => ",",
        };
        with_ids.push_str(&format!("{line},{extra}\n"));
    }
    let r = send(&app, csv_request(&admin, with_ids.clone(), "")).await;
    r.expect(200);
    let budi_now = get(
        &app,
        &format!("/api/v1/employees/{}", budi.body["id"]),
        &admin,
    )
    .await;
    assert_eq!(
        (&budi_now.body["siasn_id"], &budi_now.body["appointed_on"]),
        (&json!("S-9"), &json!("2011-04-01"))
    );
    let bad_day = with_ids.replace("2011-04-01", "2011-04-31");
    let r = send(&app, csv_request(&admin, bad_day, "")).await;
    r.problem(422, "validation_failed");
    assert!(
        r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "appointed_on"),
        "{}",
        r.text
    );
    send(&app, csv_request(&admin, good.clone(), ""))
        .await
        .expect(200);
    let kept = get(
        &app,
        &format!("/api/v1/employees/{}", budi.body["id"]),
        &admin,
    )
    .await;
    assert_eq!(
        kept.body["appointed_on"], "2011-04-01",
        "a file without the column keeps it"
    );

    // All or nothing: a bad last row leaves the table untouched.
    let before = get(&app, "/api/v1/employees?per_page=100", &admin)
        .await
        .body;
    let mut bad = String::from(header);
    for i in 0..50 {
        bad.push_str(&format!(
            "19900101201501{:04},Pegawai {i},pns,,BKPSDM,,,\n",
            1001 + i
        ));
    }
    bad.push_str("198502302010011001,Bad Date,pns,,NOWHERE,,,\n");
    let r = send(&app, csv_request(&admin, bad, "")).await;
    r.problem(422, "validation_failed");
    let errors = r.body["errors"].as_array().unwrap();
    assert!(errors.contains(&json!({"row": 52, "field": "nip", "message": "characters 1-8 must be a real birth date (YYYYMMDD)"})), "{}", r.text);
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 52 && e["field"] == "unit_code"),
        "{}",
        r.text
    );
    assert_eq!(errors.len(), 2);
    assert_eq!(
        get(&app, "/api/v1/employees?per_page=100", &admin)
            .await
            .body,
        before
    );

    let cases = [
        ("nip,name\n1,2\n".to_string(), 1, "asn_type"),
        (format!("{header}198503102010011001,A,pns,,BKPSDM,,,\n198503102010011001,B,pns,,BKPSDM,,,\n"), 3, "nip"),
        (format!("{header}198503102010011001,A,pns,,BKPSDM,No Such Position,,\n"), 2, "position_name"),
        (format!("{header}198503102010011001,A,pns,3b,BKPSDM,,not-mail,\n"), 2, "email"),
        (format!("{header}198503102010011001,A,honorer,,BKPSDM,,,\n"), 2, "asn_type"),
        (format!("{header}199203152023211001,A,pppk,III/b,BKPSDM,,,\n"), 2, "rank_grade"),
        (format!("{header}198503102010011001,A,pns,IV/f,BKPSDM,,,\n"), 2, "rank_grade"),
        (format!("{header}198503102030011001,A,pns,,BKPSDM,,,\n"), 2, "nip"),
        (format!("{header}198503102010011001,A,pns\n"), 2, "row"),
        (header.to_string(), 1, "body"),
    ];
    for (body, row, field) in cases {
        let r = send(&app, csv_request(&admin, body, "")).await;
        r.problem(422, "validation_failed");
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["row"] == row && e["field"] == field),
            "{field}: {}",
            r.text
        );
    }
    let r = send(
        &app,
        auth(TestRequest::post().uri("/api/v1/employees/import"), &admin)
            .set_json(json!({"nip": "1"})),
    )
    .await;
    r.problem(415, "unsupported_media_type");
    let huge = format!("{header}{}", "x".repeat(10 * 1024 * 1024 + 1));
    send(&app, csv_request(&admin, huge, ""))
        .await
        .problem(413, "payload_too_large");
    assert_eq!(
        get(&app, "/api/v1/employees?per_page=100", &admin)
            .await
            .body,
        before
    );

    let mgr = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    send(&app, csv_request(&mgr, header, ""))
        .await
        .problem(403, "forbidden");
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/employees/import")
            .insert_header(("content-type", "text/csv"))
            .set_payload(header),
    )
    .await
    .problem(401, "unauthorized");
    let log = get(&app, "/api/v1/audit-log?action=import", &admin).await;
    // The two imports above, the one with the optional columns and the one after it.
    assert_eq!(log.body["total"], 4, "one audit row per applied import");
}
on_each_backend!(employee_csv_import_all_or_nothing, import);
