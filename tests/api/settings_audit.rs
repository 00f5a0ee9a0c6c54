//! Settings (admin writes, operator reads) and the audit log (admin).

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::*;
use crate::on_each_backend;

async fn settings(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("DISDIK", None);
    let employee = ctx.insert_employee("198712122012122002", unit);
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

    let r = get(&app, "/api/v1/settings", &admin).await;
    r.expect(200);
    assert_eq!(
        r.body,
        json!({"jp_target": 20, "jp_target_pppk": null, "jp_cap_pppk": 24, "max_jp_per_day": 10, "min_attendance_percent": 80,
               "late_completion_days": 60, "dissatisfaction_threshold": 0.5, "flag_overall_below": 3.0, "flag_nps_below": 0.0, "min_group_size": 3, "feedback_window_days": 30, "action_plan_days": 30, "transfer_review_after_days": 90,
               "jpm_optimal_min": 90, "jpm_cukup_min": 78, "jpm_methods": ["assessment_center", "test"],
               "certificate_number_format": "{year}/{training_id}/{seq:04}", "public_base_url": null, "institution_name": "BKPSDM Kota Pangkalpinang",
               "siasn_instansi_id": null, "siasn_certificate_type": null, "siasn_course_type_by_form": {"pelatihan": 3, "kursus": 3, "bimtek": 8,
               "workshop": 4, "seminar": 9, "sosialisasi": 7, "magang": 10, "e_learning": 3, "coaching": 3,
               "mentoring": 3, "other": 3}, "version": 1})
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    get(&app, "/api/v1/settings", &operator).await.expect(200);
    get(&app, "/api/v1/settings", &manager)
        .await
        .problem(403, "forbidden");
    get(&app, "/api/v1/settings", &emp)
        .await
        .problem(403, "forbidden");
    patch(
        &app,
        "/api/v1/settings",
        &operator,
        json!({"jp_target": 24}),
    )
    .await
    .problem(403, "forbidden");

    let r = patch(
        &app,
        "/api/v1/settings",
        &admin,
        json!({"jp_target": 24, "dissatisfaction_threshold": 0.4}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["jp_target"], 24);
    assert_eq!(r.body["dissatisfaction_threshold"], 0.4);
    assert_eq!(r.body["min_group_size"], 3);
    assert_eq!(r.body["version"], 2);

    for (body, field) in [
        (json!({"jp_target": 0}), "jp_target"),
        (
            json!({"dissatisfaction_threshold": 1.5}),
            "dissatisfaction_threshold",
        ),
        (json!({"min_group_size": 0}), "min_group_size"),
        (json!({"jpm_cukup_min": 95}), "jpm_cukup_min"),
        (json!({"max_jp_per_day": 0}), "max_jp_per_day"),
        (json!({"max_jp_per_day": 25}), "max_jp_per_day"),
        (
            json!({"min_attendance_percent": 101}),
            "min_attendance_percent",
        ),
        (json!({"jpm_optimal_min": 101}), "jpm_optimal_min"),
        (json!({"jp_target": "20"}), "jp_target"),
        (json!({"version": 7}), "version"),
        (json!({"min_group_size": null}), "min_group_size"),
        (json!({"jp_target_pppk": 0}), "jp_target_pppk"),
        (json!({"jp_cap_pppk": null}), "jp_cap_pppk"),
        (json!({"late_completion_days": -1}), "late_completion_days"),
    ] {
        let r = patch(&app, "/api/v1/settings", &admin, body).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    let stale = send(
        &app,
        auth(TestRequest::patch().uri("/api/v1/settings"), &admin)
            .insert_header(("If-Match", "\"1\""))
            .set_json(json!({"jp_target": 30})),
    )
    .await;
    stale.problem(412, "precondition_failed");
    assert_eq!(r.body["jp_target"], 24, "rejected writes changed nothing");
    assert_eq!(r.body["version"], 2);

    let current = send(
        &app,
        auth(TestRequest::patch().uri("/api/v1/settings"), &admin)
            .insert_header(("If-Match", "\"2\""))
            .set_json(json!({"jp_target": 20})),
    )
    .await;
    current.expect(200);
    let log = get(&app, "/api/v1/audit-log?action=settings_change", &admin).await;
    assert_eq!(log.body["total"], 2);
    assert_eq!(log.body["items"][0]["entity"], "settings");
    // A nullable setting set and cleared again.
    for value in [json!(12), json!(null)] {
        let r = patch(
            &app,
            "/api/v1/settings",
            &admin,
            json!({"jp_target_pppk": value}),
        )
        .await;
        r.expect(200);
        assert_eq!(r.body["jp_target_pppk"], value);
    }
    let r = get(&app, "/api/v1/settings", &admin).await;
    assert_eq!(r.body["jp_target_pppk"], json!(null));
}
on_each_backend!(settings_read_and_change, settings);

async fn audit_log(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let operator = user_with_role(&app, &admin, "opr", "operator", json!({})).await;
    get(&app, "/api/v1/audit-log", &operator)
        .await
        .problem(403, "forbidden");
    send(&app, TestRequest::get().uri("/api/v1/audit-log"))
        .await
        .problem(401, "unauthorized");

    let p = post(
        &app,
        "/api/v1/partners",
        &operator,
        json!({"name": "LPMP", "kind": "government"}),
    )
    .await;
    let pid = p.body["id"].as_i64().unwrap();
    let op_id = get(&app, "/api/v1/auth/me", &operator).await.body["id"]
        .as_i64()
        .unwrap();

    let r = get(
        &app,
        &format!("/api/v1/audit-log?entity=partner&entity_id={pid}"),
        &admin,
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["total"], 1);
    let e = &r.body["items"][0];
    assert_eq!(e["action"], "create");
    assert_eq!(e["actor_kind"], "user");
    assert_eq!(e["actor_id"], op_id);
    assert_eq!(e["outcome"], "success");
    assert_eq!(e["request_id"].as_str().map(str::len), Some(36));
    assert_eq!(
        p.header("x-request-id").as_deref(),
        e["request_id"].as_str(),
        "the audit row names the request"
    );

    let all = get(&app, "/api/v1/audit-log?per_page=100", &admin).await;
    let ids: Vec<i64> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");
    let by_actor = get(&app, &format!("/api/v1/audit-log?actor_id={op_id}"), &admin).await;
    assert!(by_actor.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_id"] == op_id));
    let today = kompetensi::types::today();
    let r = get(
        &app,
        &format!("/api/v1/audit-log?from={today}&to={today}"),
        &admin,
    )
    .await;
    assert_eq!(r.body["total"], all.body["total"]);
    let r = get(&app, "/api/v1/audit-log?to=2000-01-01", &admin).await;
    assert_eq!(r.body["total"], 0);
    get(&app, "/api/v1/audit-log?action=dance", &admin)
        .await
        .invalid("action");
    get(&app, "/api/v1/audit-log?from=yesterday", &admin)
        .await
        .invalid("from");
}
on_each_backend!(audit_log_is_admin_only_and_filterable, audit_log);
