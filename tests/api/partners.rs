//! Partners: the reference resource (CRUD, validation, lists, search, If-Match, audit, roles).

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

fn ubb() -> Value {
    json!({
        "name": "  Universitas Bangka Belitung  ",
        "kind": "university",
        "contact_person": "Dr. Rina",
        "email": "kerjasama@ubb.ac.id",
        "phone": "+62 717 422145",
        "address": "Jl. Kampus Terpadu UBB, Balunijuk",
        "website": "https://www.ubb.ac.id",
        "agreement_number": "PKS/017/2026",
        "agreement_start": "2026-01-01",
        "agreement_end": "2028-12-31",
        "notes": "Leadership training partner"
    })
}

async fn crud(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let c1 = ctx.insert_competency("M.01");
    let c2 = ctx.insert_competency("M.02");
    let mut body = ubb();
    body["competency_ids"] = json!([c2, c1, c2]);
    let r = post(&app, "/api/v1/partners", &admin, body).await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/partners/{id}")));
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        r.body["name"], "Universitas Bangka Belitung",
        "strings are trimmed"
    );
    assert_eq!(
        r.body["competency_ids"],
        json!([c1, c2]),
        "de-duplicated and sorted"
    );
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["version"], 1);

    let r = get(&app, &format!("/api/v1/partners/{id}"), &admin).await;
    r.expect(200);
    assert_eq!(r.body["agreement_end"], "2028-12-31");
    assert_eq!(r.body["email"], "kerjasama@ubb.ac.id");

    // PATCH a subset; null clears; the rest stays.
    let r = patch(
        &app,
        &format!("/api/v1/partners/{id}"),
        &admin,
        json!({"phone": null, "competency_ids": [c1], "notes": "MoU renewed"}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["phone"], Value::Null);
    assert_eq!(r.body["competency_ids"], json!([c1]));
    assert_eq!(r.body["notes"], "MoU renewed");
    assert_eq!(r.body["contact_person"], "Dr. Rina");
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));

    // null clears only what may be empty: a name or a kind cannot be nulled.
    for field in ["name", "kind", "active", "competency_ids"] {
        let r = patch(
            &app,
            &format!("/api/v1/partners/{id}"),
            &admin,
            json!({field: null}),
        )
        .await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    // The patched result is validated as a whole: an end before the kept start is refused.
    let r = patch(
        &app,
        &format!("/api/v1/partners/{id}"),
        &admin,
        json!({"agreement_end": "2025-06-30"}),
    )
    .await;
    r.problem(422, "validation_failed");
    assert!(!r.field_errors("agreement_end").is_empty());

    // If-Match: stale → 412 and nothing changes; current → applied.
    let stale = send(
        &app,
        auth(
            TestRequest::patch().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"name": "Lost update"})),
    )
    .await;
    stale.problem(412, "precondition_failed");
    // An empty If-Match is malformed, not a tag that fails to match.
    send(
        &app,
        auth(
            TestRequest::patch().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", ""))
        .set_json(json!({"name": "Lost update"})),
    )
    .await
    .problem(400, "bad_request");
    let r = get(&app, &format!("/api/v1/partners/{id}"), &admin).await;
    assert_eq!(r.body["name"], "Universitas Bangka Belitung");
    assert_eq!(r.body["version"], 2);
    let ok = send(
        &app,
        auth(
            TestRequest::patch().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"2\""))
        .set_json(json!({"name": "UBB"})),
    )
    .await;
    ok.expect(200);
    assert_eq!(ok.body["name"], "UBB");
    let stale_delete = send(
        &app,
        auth(
            TestRequest::delete().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"2\"")),
    )
    .await;
    stale_delete.problem(412, "precondition_failed");
    let garbage = send(
        &app,
        auth(
            TestRequest::delete().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "whatever")),
    )
    .await;
    garbage.problem(400, "bad_request");
    // Well-formed tags that are not the current version: 412; one of a list matching: applied.
    for tags in ["\"whatever\"", "W/\"2\", \"abc\""] {
        send(
            &app,
            auth(
                TestRequest::delete().uri(&format!("/api/v1/partners/{id}")),
                &admin,
            )
            .insert_header(("If-Match", tags)),
        )
        .await
        .problem(412, "precondition_failed");
    }
    let listed = send(
        &app,
        auth(
            TestRequest::patch().uri(&format!("/api/v1/partners/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"9\", W/\"3\""))
        .set_json(json!({"name": "UBB"})),
    )
    .await;
    listed.expect(200);

    delete(&app, &format!("/api/v1/partners/{id}"), &admin)
        .await
        .expect(204);
    get(&app, &format!("/api/v1/partners/{id}"), &admin)
        .await
        .problem(404, "not_found");
    patch(
        &app,
        &format!("/api/v1/partners/{id}"),
        &admin,
        json!({"name": "x"}),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(
        ctx.count("partner_competencies"),
        0,
        "the competency links went with the partner"
    );

    let log = get(
        &app,
        &format!("/api/v1/audit-log?entity=partner&entity_id={id}"),
        &admin,
    )
    .await;
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["delete", "update", "update", "update", "create"],
        "failed writes leave no audit row: {}",
        log.text
    );
}
on_each_backend!(partner_crud_patch_if_match_and_audit, crud);

async fn validation(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let with = |field: &str, value: Value| {
        let mut b = ubb();
        b[field] = value;
        b
    };
    let cases = [
        (with("name", json!("")), "name"),
        (with("name", json!("   ")), "name"),
        (with("name", json!("x".repeat(201))), "name"),
        (with("kind", json!("castle")), "kind"),
        (with("email", json!("not-an-email")), "email"),
        (with("phone", json!("call me")), "phone"),
        (with("website", json!("ftp://ubb.ac.id")), "website"),
        (with("website", json!("https://")), "website"),
        (
            with("agreement_start", json!("2026-02-30")),
            "agreement_start",
        ),
        (with("agreement_end", json!("2025-12-31")), "agreement_end"),
        (with("competency_ids", json!([424242])), "competency_ids"),
        (with("notes", json!("x".repeat(2001))), "notes"),
        (with("active", json!("yes")), "active"),
    ];
    for (body, field) in cases {
        let r = post(&app, "/api/v1/partners", &admin, body).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    assert_eq!(ctx.count("partners"), 0);
    let minimal = post(
        &app,
        "/api/v1/partners",
        &admin,
        json!({"name": "Forum LSM Babel", "kind": "ngo"}),
    )
    .await;
    minimal.expect(201);
    assert_eq!(minimal.body["competency_ids"], json!([]));
    assert_eq!(minimal.body["email"], Value::Null);
}
on_each_backend!(partner_validation_rules, validation);

async fn lists(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let today = kompetensi::types::today();
    let soon = (today + chrono::Duration::days(30)).to_string();
    let later = (today + chrono::Duration::days(400)).to_string();
    let names = [
        (
            "Universitas Bangka Belitung",
            "university",
            Some(soon.as_str()),
            true,
        ),
        (
            "Politeknik Manufaktur Babel",
            "university",
            Some(later.as_str()),
            true,
        ),
        ("Yayasan Peduli 100% Babel", "ngo", None, true),
        (
            "BPSDM Provinsi Kepulauan Bangka Belitung",
            "government",
            Some(soon.as_str()),
            true,
        ),
        ("PT Timah Learning Center", "private", None, false),
    ];
    for (name, kind, end, active) in names {
        let mut b = json!({"name": name, "kind": kind, "active": active});
        if let Some(end) = end {
            b["agreement_end"] = json!(end);
        }
        post(&app, "/api/v1/partners", &admin, b).await.expect(201);
    }
    for i in 0..20 {
        post(
            &app,
            "/api/v1/partners",
            &admin,
            json!({"name": format!("Komunitas {i:02}"), "kind": "community"}),
        )
        .await
        .expect(201);
    }

    // Pagination with total and Link.
    let r = get(&app, "/api/v1/partners?per_page=10&page=2", &admin).await;
    r.expect(200);
    assert_eq!(r.body["total"], 25);
    assert_eq!(r.body["page"], 2);
    assert_eq!(r.body["per_page"], 10);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 10);
    let link = r.header("link").unwrap();
    for rel in ["first", "prev", "next", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
    assert!(
        link.contains("</api/v1/partners?per_page=10&page=3>; rel=\"next\""),
        "{link}"
    );
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    let last = get(&app, "/api/v1/partners?per_page=10&page=3", &admin).await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 5);
    assert!(!last.header("link").unwrap().contains("rel=\"next\""));
    let beyond = get(&app, "/api/v1/partners?per_page=10&page=9", &admin).await;
    assert_eq!(beyond.body["items"], json!([]));
    let default = get(&app, "/api/v1/partners", &admin).await;
    assert_eq!(default.body["per_page"], 20);
    assert_eq!(default.body["items"].as_array().unwrap().len(), 20);

    let names_of = |r: &Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Case-insensitive search on both backends; LIKE wildcards in q are literal.
    let r = get(&app, "/api/v1/partners?q=bangka%20BELITUNG", &admin).await;
    assert_eq!(
        names_of(&r),
        vec![
            "Universitas Bangka Belitung",
            "BPSDM Provinsi Kepulauan Bangka Belitung"
        ]
    );
    let r = get(&app, "/api/v1/partners?q=100%25", &admin).await;
    assert_eq!(names_of(&r), vec!["Yayasan Peduli 100% Babel"]);
    let r = get(&app, "/api/v1/partners?q=_", &admin).await;
    assert_eq!(r.body["total"], 0);

    // Filters.
    let r = get(&app, "/api/v1/partners?kind=university&sort=name", &admin).await;
    assert_eq!(
        names_of(&r),
        vec!["Politeknik Manufaktur Babel", "Universitas Bangka Belitung"]
    );
    let r = get(&app, "/api/v1/partners?active=false", &admin).await;
    assert_eq!(names_of(&r), vec!["PT Timah Learning Center"]);
    let r = get(
        &app,
        "/api/v1/partners?agreement_expiring_within_days=90&sort=-name",
        &admin,
    )
    .await;
    assert_eq!(
        names_of(&r),
        vec![
            "Universitas Bangka Belitung",
            "BPSDM Provinsi Kepulauan Bangka Belitung"
        ]
    );
    let r = get(
        &app,
        "/api/v1/partners?agreement_expiring_within_days=-1",
        &admin,
    )
    .await;
    r.problem(422, "validation_failed");

    // Sorting, several keys.
    let r = get(&app, "/api/v1/partners?sort=kind,-name&per_page=3", &admin).await;
    assert_eq!(
        names_of(&r),
        vec!["Komunitas 19", "Komunitas 18", "Komunitas 17"]
    );
    let r = get(
        &app,
        "/api/v1/partners?sort=-agreement_end,name&kind=university",
        &admin,
    )
    .await;
    assert_eq!(names_of(&r)[0], "Politeknik Manufaktur Babel");
}
on_each_backend!(partner_lists_paginate_search_filter_and_sort, lists);

async fn roles(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("KEC-BI", None);
    let employee = ctx.insert_employee("199203152019031004", unit);
    let operator = user_with_role(&app, &admin, "opr", "operator", json!({})).await;
    let manager = user_with_role(
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
        "emp",
        "employee",
        json!({"employee_id": employee}),
    )
    .await;

    let r = post(
        &app,
        "/api/v1/partners",
        &operator,
        json!({"name": "UBB", "kind": "university"}),
    )
    .await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/partners/{id}"),
        &operator,
        json!({"notes": "ok"}),
    )
    .await
    .expect(200);
    for token in [&manager, &emp] {
        get(&app, "/api/v1/partners", token).await.expect(200);
        get(&app, &format!("/api/v1/partners/{id}"), token)
            .await
            .expect(200);
        post(
            &app,
            "/api/v1/partners",
            token,
            json!({"name": "X", "kind": "ngo"}),
        )
        .await
        .problem(403, "forbidden");
        patch(
            &app,
            &format!("/api/v1/partners/{id}"),
            token,
            json!({"name": "X"}),
        )
        .await
        .problem(403, "forbidden");
        delete(&app, &format!("/api/v1/partners/{id}"), token)
            .await
            .problem(403, "forbidden");
    }
    for req in [
        TestRequest::get().uri("/api/v1/partners"),
        TestRequest::get().uri(&format!("/api/v1/partners/{id}")),
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_json(json!({"name": "X", "kind": "ngo"})),
        TestRequest::patch()
            .uri(&format!("/api/v1/partners/{id}"))
            .set_json(json!({"name": "X"})),
        TestRequest::delete().uri(&format!("/api/v1/partners/{id}")),
    ] {
        send(&app, req).await.problem(401, "unauthorized");
    }
    let r = get(&app, &format!("/api/v1/partners/{id}"), &admin).await;
    assert_eq!(r.body["name"], "UBB");
    assert_eq!(r.body["version"], 2);
    delete(&app, &format!("/api/v1/partners/{id}"), &operator)
        .await
        .expect(204);
}
on_each_backend!(partner_roles, roles);
