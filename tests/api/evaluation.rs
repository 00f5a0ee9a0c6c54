//! Feedback, reports (exact numbers on a hand-worked set), CSV, SIASN export, API clients,
//! unit scoping, Indonesian problems.

use actix_web::test::TestRequest;
use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

pub(crate) struct World {
    pub(crate) admin: String,
    pub(crate) manager_a: String,
    pub(crate) employee_a1: String,
    pub(crate) t1: i64,
    pub(crate) t2: i64,
    pub(crate) c1: i64,
    pub(crate) c2: i64,
    ubb: i64,
    pub(crate) unit_a: i64,
    pub(crate) unit_b: i64,
    pub(crate) a: [i64; 3],
    pub(crate) b1: i64,
}

pub(crate) fn day(offset: i64) -> String {
    (kompetensi::types::today() + chrono::Duration::days(offset)).to_string()
}

pub(crate) async fn walk<S: TestApp>(app: &S, admin: &str, id: i64, to: &[&str]) {
    for s in to {
        post(
            app,
            &format!("/api/v1/trainings/{id}/status"),
            admin,
            json!({"status": s}),
        )
        .await
        .expect(200);
    }
}

pub(crate) async fn enrol<S: TestApp>(app: &S, admin: &str, training: i64, employee: i64) -> i64 {
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

pub(crate) async fn set<S: TestApp>(app: &S, admin: &str, enrolment: i64, body: Value) {
    patch(app, &format!("/api/v1/enrolments/{enrolment}"), admin, body)
        .await
        .expect(200);
}

async fn give<S: TestApp>(app: &S, token: &str, training: i64, body: Value) -> Resp {
    post(
        app,
        &format!("/api/v1/trainings/{training}/feedback"),
        token,
        body,
    )
    .await
}

fn rating(m: [i64; 6], overall: i64, recommend: i64) -> Value {
    let mut ratings = json!({"material": m[0], "method": m[1], "trainer": m[2], "facilities": m[3], "relevance": m[4], "organisation": m[5]});
    if m[5] == 0 {
        ratings.as_object_mut().unwrap().remove("organisation");
    }
    json!({"ratings": ratings, "overall": overall, "recommend": recommend})
}

/// The hand-worked set; every expected figure in the tests below follows from it.
pub(crate) async fn world<S: TestApp>(ctx: &Ctx, app: &S) -> World {
    let admin = admin_token(app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let c1 = post(
        app,
        "/api/v1/competencies",
        &admin,
        json!({"code": "C1", "name": "Komunikasi", "kind": "managerial"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let c2 = post(
        app,
        "/api/v1/competencies",
        &admin,
        json!({"code": "C2", "name": "SPBE", "kind": "technical"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let pos = post(
        app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Analis", "kind": "fungsional"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let put = auth(TestRequest::put().uri(&format!("/api/v1/positions/{pos}/standards")), &admin)
        .set_json(json!([{"competency_id": c1, "required_level": 3}, {"competency_id": c2, "required_level": 2}]));
    send(app, put).await.expect(200);
    let mut ids = Vec::new();
    for (nip, name, unit) in [
        ("198503102010011001", "Ani", unit_a),
        ("199001012015012001", "Budi", unit_a),
        ("199203152019031004", "Cici", unit_a),
        ("198812122012121002", "Dodi", unit_b),
    ] {
        let r = post(app, "/api/v1/employees", &admin, json!({"nip": nip, "name": name, "asn_type": "pns", "unit_id": unit, "position_id": pos, "siasn_id": format!("S-{name}")})).await;
        r.expect(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let (a1, a2, a3, b1) = (ids[0], ids[1], ids[2], ids[3]);
    for (e, c, level, on) in [
        (a1, c1, 1, "2025-01-10"),
        (a1, c1, 2, "2026-02-01"),
        (a1, c2, 3, "2026-02-01"),
        (a2, c1, 3, "2026-02-01"),
        (b1, c1, 1, "2026-02-01"),
        (b1, c2, 1, "2026-02-01"),
        // Older than a1's C1 level 2: it must not become the current level.
        (a1, c1, 5, "2020-06-01"),
    ] {
        post(
            app,
            &format!("/api/v1/employees/{e}/assessments"),
            &admin,
            json!({"competency_id": c, "level": level, "assessed_on": on, "method": "test"}),
        )
        .await
        .expect(201);
    }
    let ubb = post(
        app,
        "/api/v1/partners",
        &admin,
        json!({"name": "UBB", "kind": "university", "agreement_end": day(30)}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        "/api/v1/partners",
        &admin,
        json!({"name": "LSM", "kind": "ngo"}),
    )
    .await
    .expect(201);
    post(
        app,
        "/api/v1/partners",
        &admin,
        json!({"name": "Old", "kind": "private", "agreement_end": "2020-01-01"}),
    )
    .await
    .expect(201);
    let x = post(
        app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "X", "kind": "external", "partner_id": ubb, "competency_ids": [c1]}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "Y", "kind": "internal", "employee_id": a1, "competency_ids": [c2]}),
    )
    .await
    .expect(201);

    let training = |title: &str, jp: i64, start: i64, end: i64| json!({"title": title, "form": "pelatihan", "mode": "in_person", "jp": jp, "start_date": day(start), "end_date": day(end), "siasn_course_type_id": 5});
    let mut t1 = training("Komunikasi Publik", 12, -2, 0);
    t1["partner_ids"] = json!([ubb]);
    t1["trainer_ids"] = json!([x]);
    t1["competencies"] = json!([{"competency_id": c1, "target_level": 3}]);
    let t1 = post(app, "/api/v1/trainings", &admin, t1).await.body["id"]
        .as_i64()
        .unwrap();
    let t2 = post(
        app,
        "/api/v1/trainings",
        &admin,
        training("Kelas Kecil", 10, -1, 0),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let mut t3 = training("Rencana", 8, 1, 2);
    t3["capacity"] = json!(1);
    t3["competencies"] = json!([{"competency_id": c1, "target_level": 3}]);
    let t3 = post(app, "/api/v1/trainings", &admin, t3).await.body["id"]
        .as_i64()
        .unwrap();
    walk(app, &admin, t1, &["planned", "open"]).await;
    walk(app, &admin, t2, &["planned", "open"]).await;
    walk(app, &admin, t3, &["planned"]).await;
    let e: Vec<i64> = {
        let mut v = Vec::new();
        for emp in [a1, a2, a3, b1] {
            v.push(enrol(app, &admin, t1, emp).await);
        }
        v
    };
    let f1 = enrol(app, &admin, t2, a1).await;
    let f2 = enrol(app, &admin, t2, a2).await;
    walk(app, &admin, t1, &["ongoing"]).await;
    walk(app, &admin, t2, &["ongoing"]).await;
    for en in e.iter().chain([&f1, &f2]) {
        set(app, &admin, *en, json!({"status": "attended"})).await;
    }

    let manager_a = user_with_role(
        app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let mut tokens = Vec::new();
    for (name, emp) in [("ani", a1), ("budi", a2), ("cici", a3), ("dodi", b1)] {
        tokens
            .push(user_with_role(app, &admin, name, "employee", json!({"employee_id": emp})).await);
    }
    let answers = [
        rating([4, 1, 5, 3, 5, 4], 3, 9),
        rating([5, 2, 4, 4, 4, 0], 4, 10),
        rating([3, 2, 4, 2, 3, 3], 2, 6),
        rating([5, 4, 5, 5, 5, 5], 5, 7),
    ];
    let comments = [
        Some("Materi relevan"),
        Some("Metode kurang interaktif"),
        None,
        Some("Ruang kelas panas"),
    ];
    for ((token, mut body), comment) in tokens.iter().zip(answers).zip(comments) {
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        give(app, token, t1, body).await.expect(201);
    }
    for (token, mut body, comment) in [
        (
            &tokens[0],
            rating([5, 5, 5, 5, 5, 5], 4, 10),
            "Praktik langsung",
        ),
        (
            &tokens[1],
            rating([4, 4, 4, 4, 4, 4], 5, 8),
            "Waktu terlalu singkat",
        ),
    ] {
        body["comment"] = json!(comment);
        give(app, token, t2, body).await.expect(201);
    }

    // Scores and completion.
    set(app, &admin, e[0], json!({"status": "completed", "pre_test_score": 40, "post_test_score": 70, "certificate_number": "C-1"})).await;
    set(
        app,
        &admin,
        e[1],
        json!({"status": "completed", "pre_test_score": 50, "post_test_score": 60}),
    )
    .await;
    set(
        app,
        &admin,
        e[2],
        json!({"status": "failed", "pre_test_score": 60, "post_test_score": 56}),
    )
    .await;
    set(
        app,
        &admin,
        e[3],
        json!({"status": "completed", "pre_test_score": 75, "post_test_score": 100}),
    )
    .await;
    set(app, &admin, f1, json!({"status": "completed"})).await;
    walk(app, &admin, t1, &["completed"]).await;
    World {
        admin,
        manager_a,
        employee_a1: tokens[0].clone(),
        t1,
        t2,
        c1,
        c2,
        ubb,
        unit_a,
        unit_b,
        a: [a1, a2, a3],
        b1,
    }
}

/// A row's comments, sorted: the report gives them in random order.
fn comments_of(row: &Value) -> Vec<String> {
    let mut list: Vec<String> = row["comments"]
        .as_array()
        .unwrap_or_else(|| panic!("comments are a list: {row}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    list.sort();
    list
}

fn item<'a>(r: &'a Resp, key: &str, id: i64) -> &'a Value {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i[key] == id)
        .unwrap_or_else(|| panic!("no {key} {id}: {}", r.text))
}

async fn reports(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let year = kompetensi::types::today().year();

    let r = get(&app, "/api/v1/reports/training-evaluation", &w.admin).await;
    r.expect(200);
    let t1 = item(&r, "training_id", w.t1);
    assert_eq!(t1["responses"], 4);
    assert_eq!(t1["enrolled"], 4);
    assert_eq!(
        comments_of(t1),
        [
            "Materi relevan",
            "Metode kurang interaktif",
            "Ruang kelas panas"
        ]
    );
    // t2's two answers are fewer than min_group_size (3): counts only.
    let t2 = item(&r, "training_id", w.t2);
    assert_eq!(
        (t2["suppressed"].clone(), t2["comments"].clone()),
        (json!(true), json!([]))
    );
    // Cici answered while attending, then failed: she stays among those who could answer.
    assert_eq!(t1["eligible"], 4);
    assert_eq!(t1["response_rate"], 1.0);
    assert_eq!(
        t1["aspects"]["material"],
        json!({"mean": 4.25, "top2_share": 0.75, "dissatisfied_share": 0.0})
    );
    assert_eq!(
        t1["aspects"]["method"],
        json!({"mean": 2.25, "top2_share": 0.25, "dissatisfied_share": 0.75})
    );
    assert_eq!(
        t1["aspects"]["trainer"],
        json!({"mean": 4.5, "top2_share": 1.0, "dissatisfied_share": 0.0})
    );
    assert_eq!(
        t1["aspects"]["facilities"],
        json!({"mean": 3.5, "top2_share": 0.5, "dissatisfied_share": 0.25})
    );
    assert_eq!(
        t1["aspects"]["organisation"],
        json!({"mean": 4.0, "top2_share": 0.6667, "dissatisfied_share": 0.0})
    );
    assert_eq!(t1["overall_mean"], 3.5);
    assert_eq!(t1["nps"], 25.0);
    assert_eq!(t1["flags"], json!(["method"]));
    assert_eq!(t1["suppressed"], false);
    let t2 = item(&r, "training_id", w.t2);
    assert_eq!(
        (t2["responses"].clone(), t2["suppressed"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(t2["aspects"], json!({}));
    assert_eq!(t2["nps"], Value::Null);
    // The thresholds are settings. An aspect is flagged when its dissatisfied share is above
    // the threshold, not at it: facilities (0.25) at 0.25 is not, at 0.2 it is. A bad overall
    // mean (3.5 < 3.6) and NPS (25 < 30) raise flags of their own, after the aspects.
    let flags_at = |settings: Value| {
        let (app, admin, t1) = (&app, &w.admin, w.t1);
        async move {
            patch(app, "/api/v1/settings", admin, settings)
                .await
                .expect(200);
            let r = get(
                app,
                &format!("/api/v1/reports/training-evaluation?training_id={t1}"),
                admin,
            )
            .await;
            assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
            r.body["items"][0]["flags"].clone()
        }
    };
    assert_eq!(
        flags_at(json!({"dissatisfaction_threshold": 0.25})).await,
        json!(["method"])
    );
    assert_eq!(
        flags_at(json!({"dissatisfaction_threshold": 0.2})).await,
        json!(["method", "facilities"])
    );
    assert_eq!(
        flags_at(json!({"dissatisfaction_threshold": 0.75})).await,
        json!([]),
        "0.75 of 4 is not more than 0.75"
    );
    assert_eq!(
        flags_at(json!({"dissatisfaction_threshold": 0.5, "flag_overall_below": 3.6, "flag_nps_below": 30})).await,
        json!(["method", "overall", "nps"])
    );
    assert_eq!(
        flags_at(json!({"flag_overall_below": 3.5, "flag_nps_below": 25})).await,
        json!(["method"]),
        "at the limits: no flag"
    );
    for bad in [
        json!({"flag_overall_below": 0.5}),
        json!({"flag_overall_below": 5.5}),
        json!({"flag_nps_below": -101}),
        json!({"flag_nps_below": "low"}),
    ] {
        patch(&app, "/api/v1/settings", &w.admin, bad)
            .await
            .problem(422, "validation_failed");
    }
    assert_eq!(
        flags_at(json!({"flag_overall_below": 3.0, "flag_nps_below": 0})).await,
        json!(["method"])
    );
    // The group size is a setting too: at 5, t1's four answers are counts only; back at 3
    // they show again, comments with them.
    let t1_at = |settings: Value| {
        let (app, admin, t1) = (&app, &w.admin, w.t1);
        async move {
            patch(app, "/api/v1/settings", admin, settings)
                .await
                .expect(200);
            let path = format!("/api/v1/reports/training-evaluation?training_id={t1}");
            get(app, &path, admin).await.body["items"][0].clone()
        }
    };
    let hidden = t1_at(json!({"min_group_size": 5})).await;
    assert_eq!(
        [
            &hidden["responses"],
            &hidden["suppressed"],
            &hidden["aspects"],
            &hidden["overall_mean"],
            &hidden["flags"],
            &hidden["comments"]
        ],
        [
            &json!(4),
            &json!(true),
            &json!({}),
            &Value::Null,
            &json!([]),
            &json!([])
        ]
    );
    let shown = t1_at(json!({"min_group_size": 3})).await;
    assert_eq!(
        (
            &shown["suppressed"],
            &shown["overall_mean"],
            comments_of(&shown).len()
        ),
        (&json!(false), &json!(3.5), 3)
    );
    // The title is kept with the figures: an edit shows at once (escaped as JSON; the CSV
    // comparison below needs no quoting).
    patch(
        &app,
        &format!("/api/v1/trainings/{}", w.t1),
        &w.admin,
        json!({"title": "Pelayanan Prima \\ angkatan 2 — ulang"}),
    )
    .await
    .expect(200);
    let renamed = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?training_id={}", w.t1),
        &w.admin,
    )
    .await;
    assert_eq!(
        renamed.body["items"][0]["title"],
        "Pelayanan Prima \\ angkatan 2 — ulang"
    );
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?partner_id={}", w.ubb),
        &w.admin,
    )
    .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = get(
        &app,
        "/api/v1/reports/training-evaluation?year=2000",
        &w.admin,
    )
    .await;
    assert_eq!(r.body["items"], json!([]));

    let r = get(&app, "/api/v1/reports/learning-outcomes", &w.admin).await;
    let t1 = item(&r, "training_id", w.t1);
    assert_eq!(t1["participants"], 4);
    assert_eq!(t1["pre_mean"], 56.25);
    assert_eq!(t1["post_mean"], 71.5);
    assert_eq!(t1["gain_mean"], 15.25);
    assert_eq!(t1["normalized_gain_mean"], 0.4);
    assert_eq!(t1["pass_rate"], 0.75);

    let r = get(
        &app,
        &format!("/api/v1/reports/jp-compliance?year={year}"),
        &w.admin,
    )
    .await;
    assert_eq!(r.body["jp_target"], 20);
    let a = r.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"] == w.unit_a)
        .expect("unit A");
    assert_eq!(
        (
            a["employees"].clone(),
            a["compliant"].clone(),
            a["compliance_rate"].clone(),
            a["jp_mean"].clone()
        ),
        (json!(3), json!(1), json!(0.3333), json!(11.3333))
    );
    let below: Vec<(i64, i64)> = r.body["below_target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["employee_id"].as_i64().unwrap(),
                b["jp_total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(below, vec![(w.a[2], 0), (w.a[1], 12), (w.b1, 12)]);
    // In 2000 nobody here was appointed yet (their NIPs name CPNS months from 2010 on): no
    // target, so nobody is below it.
    let r = get(&app, "/api/v1/reports/jp-compliance?year=2000", &w.admin).await;
    assert_eq!(r.body["below_target"], json!([]), "{}", r.text);

    let r = get(&app, "/api/v1/reports/competency-gaps", &w.admin).await;
    let c1 = item(&r, "competency_id", w.c1);
    assert_eq!(
        (
            c1["employees_with_standard"].clone(),
            c1["assessed"].clone(),
            c1["below_standard"].clone()
        ),
        (json!(4), json!(3), json!(2))
    );
    assert_eq!(
        (c1["below_standard_share"].clone(), c1["mean_gap"].clone()),
        (json!(0.6667), json!(1.0))
    );
    let c2 = item(&r, "competency_id", w.c2);
    assert_eq!(
        (
            c2["assessed"].clone(),
            c2["below_standard"].clone(),
            c2["below_standard_share"].clone(),
            c2["mean_gap"].clone()
        ),
        (json!(2), json!(1), json!(0.5), json!(0.0))
    );
    // A surplus (3 for 2) nets the shortfall (1 for 2) out of the mean gap, not of the shortfall.
    assert_eq!(
        (c1["mean_shortfall"].clone(), c2["mean_shortfall"].clone()),
        (json!(1.0), json!(0.5))
    );
    // JPM over the assessed items: Ani 4/5 = 80 (cukup), Budi 3/3 = 100 (C2 not assessed; he
    // is not held to a 0 for it), Cici never assessed, Dodi 2/5 = 40.
    assert_eq!(
        r.body["jpm_bands"],
        json!({"optimal": 1, "cukup_optimal": 1, "kurang_optimal": 1, "unassessed": 1})
    );

    let r = get(&app, "/api/v1/reports/training-needs", &w.admin).await;
    assert_eq!(
        r.body["items"],
        json!([
            {"competency_id": w.c1, "code": "C1", "name": "Komunikasi", "employees_below_standard": 2, "planned_seats": 1, "unmet": 1},
            {"competency_id": w.c2, "code": "C2", "name": "SPBE", "employees_below_standard": 1, "planned_seats": 0, "unmet": 1}
        ])
    );

    let r = get(&app, "/api/v1/reports/partners", &w.admin).await;
    let ubb = item(&r, "partner_id", w.ubb);
    assert_eq!(
        (
            ubb["trainings"].clone(),
            ubb["participants"].clone(),
            ubb["jp_delivered"].clone()
        ),
        (json!(1), json!(4), json!(36))
    );
    assert_eq!(
        (ubb["overall_mean"].clone(), ubb["agreement_status"].clone()),
        (json!(3.5), json!("expiring"))
    );
    let statuses: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["agreement_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["none", "expired", "expiring"],
        "sorted by name: LSM, Old, UBB"
    );

    let r = get(&app, "/api/v1/reports/trainers", &w.admin).await;
    let rows: Vec<(String, i64, i64, i64, Value)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap().to_string(),
                t["internal_trainers"].as_i64().unwrap(),
                t["external_trainers"].as_i64().unwrap(),
                t["employees_below_standard"].as_i64().unwrap(),
                t["trainees_per_trainer"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("C1".into(), 0, 1, 2, json!(2.0)),
            ("C2".into(), 1, 0, 1, json!(1.0))
        ]
    );

    let r = get(
        &app,
        &format!("/api/v1/reports/summary?year={year}"),
        &w.admin,
    )
    .await;
    assert_eq!(r.body["employees"], 4);
    assert_eq!(r.body["trainings_by_status"]["completed"], 1);
    assert_eq!(r.body["trainings_by_status"]["ongoing"], 1);
    assert_eq!(r.body["enrolments"], 6);
    assert_eq!(r.body["completions"], 4);
    assert_eq!(r.body["jp_total"], 46);
    assert_eq!(r.body["compliance_rate"], 0.25);
    assert_eq!(r.body["feedback_responses"], 6);
    // Only trainings whose answers may be shown count: t1's 14 / 4 (t2's two answers would
    // follow from the difference with a period without t2).
    assert_eq!(r.body["overall_mean"], 3.5);
    assert_eq!(r.body["partners_active"], 2);

    // Unit managers see their unit only. A's three answers to t1 are hidden: with the city's
    // four they would give Dodi's, the one answer from B.
    let r = get(&app, "/api/v1/reports/training-evaluation", &w.manager_a).await;
    let t1 = item(&r, "training_id", w.t1);
    assert_eq!(
        (t1["responses"].clone(), t1["enrolled"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(
        (
            t1["suppressed"].clone(),
            t1["aspects"].clone(),
            t1["comments"].clone()
        ),
        (json!(true), json!({}), json!([]))
    );
    let r = get(
        &app,
        &format!("/api/v1/reports/jp-compliance?year={year}"),
        &w.manager_a,
    )
    .await;
    assert_eq!(r.body["units"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["below_target"].as_array().unwrap().len(), 2);
    let r = get(&app, "/api/v1/reports/summary", &w.manager_a).await;
    assert_eq!(r.body["employees"], 3);
    let b = ctx.insert_unit("B2", None);
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?unit_id={b}"),
        &w.admin,
    )
    .await;
    assert_eq!(r.body["items"], json!([]));
    for name in ALL_REPORTS {
        get(&app, &format!("/api/v1/reports/{name}"), &w.employee_a1)
            .await
            .problem(403, "forbidden");
        send(
            &app,
            TestRequest::get().uri(&format!("/api/v1/reports/{name}")),
        )
        .await
        .problem(401, "unauthorized");
        get(
            &app,
            &format!("/api/v1/reports/{name}?year=99999"),
            &w.admin,
        )
        .await
        .problem(422, "validation_failed");
        get(
            &app,
            &format!("/api/v1/reports/{name}?format=xml"),
            &w.admin,
        )
        .await
        .invalid("format");
        // The CSV twin: the JSON's rows, every cell, in fixed columns; the older ways to ask
        // for CSV answer the same document.
        let json = get(&app, &format!("/api/v1/reports/{name}"), &w.admin).await;
        let csv = get(&app, &format!("/api/v1/reports/{name}.csv"), &w.admin).await;
        csv.expect(200);
        assert_eq!(
            csv.header("content-type").as_deref(),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            csv.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}.csv\""))
        );
        assert_eq!(csv.text, expected_csv(name, &json.body), "{name}");
        for older in [
            get(
                &app,
                &format!("/api/v1/reports/{name}?format=csv"),
                &w.admin,
            )
            .await,
            send(
                &app,
                auth(
                    TestRequest::get().uri(&format!("/api/v1/reports/{name}")),
                    &w.admin,
                )
                .insert_header(("Accept", "text/csv")),
            )
            .await,
        ] {
            assert_eq!(older.text, csv.text, "{name}");
        }
        get(
            &app,
            &format!("/api/v1/reports/{name}.csv?format=csv"),
            &w.admin,
        )
        .await
        .invalid("format");
        get(&app, &format!("/api/v1/reports/{name}.csv"), &w.employee_a1)
            .await
            .problem(403, "forbidden");
        send(
            &app,
            TestRequest::get().uri(&format!("/api/v1/reports/{name}.csv")),
        )
        .await
        .problem(401, "unauthorized");
    }
    // Whole documents, worked by hand.
    let csv = get(&app, "/api/v1/reports/training-needs.csv", &w.admin).await;
    assert_eq!(
        csv.text,
        format!(
            "competency_id,code,name,employees_below_standard,planned_seats,unmet\n\
             {},C1,Komunikasi,2,1,1\n{},C2,SPBE,1,0,1\n",
            w.c1, w.c2
        )
    );
    let csv = get(&app, "/api/v1/reports/trainers.csv", &w.admin).await;
    assert_eq!(
        csv.text,
        format!(
            "competency_id,code,internal_trainers,external_trainers,employees_below_standard,\
             trainees_per_trainer\n{},C1,0,1,2,2.0\n{},C2,1,0,1,1.0\n",
            w.c1, w.c2
        )
    );
    // An empty report still has its header row.
    let csv = get(
        &app,
        &format!("/api/v1/reports/training-evaluation.csv?unit_id={b}"),
        &w.admin,
    )
    .await;
    assert_eq!(
        csv.text,
        format!(
            "{}\n",
            columns("training-evaluation").join(",").replace('.', "_")
        )
    );
    csv_lists_the_json(&app, "/api/v1/reports/training-evaluation", &w.admin).await;
    let csv = get(&app, "/api/v1/reports/training-evaluation.csv", &w.admin).await;
    let header = csv.text.lines().next().unwrap();
    let columns: Vec<&str> = header.split(',').collect();
    let row: Vec<&str> = csv
        .text
        .lines()
        .find(|l| l.starts_with(&format!("{},", w.t1)))
        .unwrap()
        .split(',')
        .collect();
    let cell = |name: &str| {
        row[columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name}"))]
    };
    assert_eq!(
        (
            cell("flags"),
            cell("nps"),
            cell("aspects_method_dissatisfied_share")
        ),
        ("method", "25.0", "0.75")
    );

    // No-shows may not answer, so they are not in the response rate: 1 response of 2 who
    // attended (of 3 enrolled) is 0.5.
    let t3 = post(
        &app,
        "/api/v1/trainings",
        &w.admin,
        json!({"title": "Bimtek SAKIP", "form": "bimtek", "mode": "in_person",
        "jp": 8, "start_date": day(-1), "end_date": day(0)}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    walk(&app, &w.admin, t3, &["planned", "open"]).await;
    let [a1, a2, a3] = w.a;
    let (x1, x2, x3) = (
        enrol(&app, &w.admin, t3, a1).await,
        enrol(&app, &w.admin, t3, a2).await,
        enrol(&app, &w.admin, t3, a3).await,
    );
    walk(&app, &w.admin, t3, &["ongoing"]).await;
    set(&app, &w.admin, x1, json!({"status": "attended"})).await;
    set(&app, &w.admin, x2, json!({"status": "attended"})).await;
    set(&app, &w.admin, x3, json!({"status": "no_show"})).await;
    give(&app, &w.employee_a1, t3, rating([4, 4, 4, 4, 4, 4], 4, 8))
        .await
        .expect(201);
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?training_id={t3}"),
        &w.admin,
    )
    .await;
    let row = &r.body["items"][0];
    assert_eq!(
        (
            row["responses"].clone(),
            row["enrolled"].clone(),
            row["eligible"].clone(),
            row["response_rate"].clone(),
            row["suppressed"].clone()
        ),
        (json!(1), json!(3), json!(2), json!(0.5), json!(true)),
        "{}",
        r.text
    );

    // A training unit A's three answered, each with a comment: shown over every unit from
    // the kept comments and over unit A from its own respondents' (nobody else answered).
    let t4 = post(
        &app,
        "/api/v1/trainings",
        &w.admin,
        json!({"title": "Bimtek Arsip", "form": "bimtek", "mode": "in_person",
        "jp": 8, "start_date": day(-1), "end_date": day(0)}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    walk(&app, &w.admin, t4, &["planned", "open"]).await;
    let mut seats = Vec::new();
    for e in w.a {
        seats.push(enrol(&app, &w.admin, t4, e).await);
    }
    walk(&app, &w.admin, t4, &["ongoing"]).await;
    let said = ["Arsip digital", "Contoh nyata, jelas", "Perlu \"modul\""];
    for ((seat, who), comment) in seats.into_iter().zip(["ani", "budi", "cici"]).zip(said) {
        set(&app, &w.admin, seat, json!({"status": "attended"})).await;
        let token = token_of(&app, who, "kerja-keras-1234").await;
        let mut body = rating([4, 4, 4, 4, 4, 4], 4, 8);
        body["comment"] = json!(comment);
        give(&app, &token, t4, body).await.expect(201);
    }
    for scope in [String::new(), format!("&unit_id={}", w.unit_a)] {
        let r = get(
            &app,
            &format!("/api/v1/reports/training-evaluation?training_id={t4}{scope}"),
            &w.admin,
        )
        .await;
        assert_eq!(comments_of(item(&r, "training_id", t4)), said, "{scope}");
    }
    // Over unit B none of it: nobody of B answered.
    let r = get(
        &app,
        &format!(
            "/api/v1/reports/training-evaluation?training_id={t4}&unit_id={}",
            w.unit_b
        ),
        &w.admin,
    )
    .await;
    r.expect(200);
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["training_id"] != t4 || row["comments"] == json!([])),
        "{}",
        r.text
    );
}
on_each_backend!(reports_on_a_hand_worked_set, reports);

/// The kept comments are shuffled each time they are computed: their order says nothing of
/// who answered when.
async fn comments_shuffled(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let mut conn = ctx.conn();
    let mut orders = std::collections::HashSet::new();
    // 20 computations of three comments: all in one order has a chance of 6^-19.
    for _ in 0..20 {
        kompetensi::aggregates::rebuild(&mut conn).unwrap();
        let r = get_computed(&app, "/api/v1/reports/training-evaluation", &w.admin).await;
        let t1 = item(&r, "training_id", w.t1);
        assert_eq!(comments_of(t1).len(), 3);
        orders.insert(t1["comments"].to_string());
    }
    assert!(orders.len() > 1, "always {orders:?}");
}
on_each_backend!(comments_are_kept_in_a_shuffled_order, comments_shuffled);

pub(crate) const ALL_REPORTS: [&str; 10] = [
    "training-evaluation",
    "trainer-evaluation",
    "transfer",
    "learning-outcomes",
    "jp-compliance",
    "competency-gaps",
    "training-needs",
    "partners",
    "trainers",
    "summary",
];

/// The fixed columns of a report's CSV, as paths into its JSON rows.
fn columns(report: &str) -> Vec<String> {
    let aspects = [
        "material",
        "method",
        "trainer",
        "facilities",
        "relevance",
        "organisation",
    ];
    let statuses = [
        "draft",
        "planned",
        "open",
        "ongoing",
        "completed",
        "cancelled",
    ];
    let fixed = |names: &str| names.split(',').map(str::to_string).collect::<Vec<_>>();
    match report {
        "training-evaluation" => {
            let mut c =
                fixed("training_id,title,programme_id,responses,enrolled,eligible,response_rate");
            for a in aspects {
                for stat in ["mean", "top2_share", "dissatisfied_share"] {
                    c.push(format!("aspects.{a}.{stat}"));
                }
            }
            c.extend(fixed(
                "overall_mean,nps,flags,unaddressed_flags,comments,suppressed",
            ));
            c
        }
        "trainer-evaluation" => fixed(
            "trainer_id,name,kind,trainings,responses,mean,dissatisfied_share,flags,suppressed",
        ),
        "transfer" => fixed(
            "training_id,title,completed,plans_submitted,reviewed,implemented_share,behaviour_change_mean",
        ),
        "learning-outcomes" => fixed(
            "training_id,title,participants,pre_mean,post_mean,gain_mean,normalized_gain_mean,pass_rate",
        ),
        "jp-compliance" => fixed("employee_id,nip,name,unit_id,jp_total,jp_target_effective"),
        "competency-gaps" => fixed(
            "competency_id,code,name,employees_with_standard,assessed,below_standard,below_standard_share,mean_gap,mean_shortfall",
        ),
        "training-needs" => {
            fixed("competency_id,code,name,employees_below_standard,planned_seats,unmet")
        }
        "partners" => fixed(
            "partner_id,name,kind,trainings,participants,jp_delivered,overall_mean,agreement_end,agreement_status",
        ),
        "trainers" => fixed(
            "competency_id,code,internal_trainers,external_trainers,employees_below_standard,trainees_per_trainer",
        ),
        "summary" => {
            let mut c = fixed("year,employees");
            c.extend(statuses.iter().map(|s| format!("trainings_by_status.{s}")));
            c.extend(fixed(
                "enrolments,completions,jp_total,compliance_rate,feedback_responses,overall_mean,partners_active",
            ));
            c
        }
        other => panic!("no columns for {other}"),
    }
}

/// The CSV a report's JSON body should have: its rows (`items`, jp-compliance's
/// `below_target`, the summary itself) in the report's columns; no cell here needs quoting.
fn expected_csv(report: &str, body: &Value) -> String {
    let rows: Vec<&Value> = match report {
        "jp-compliance" => body["below_target"].as_array().unwrap().iter().collect(),
        "summary" => vec![body],
        _ => body["items"].as_array().unwrap().iter().collect(),
    };
    csv_of(&columns(report), &rows)
}

/// `rows` in `columns` (paths into each row) as CSV, for rows whose cells need no quoting.
fn csv_of(columns: &[String], rows: &[&Value]) -> String {
    let mut out = columns.join(",").replace('.', "_") + "\n";
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|path| match path.split('.').fold(*row, |v, key| &v[key]) {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            })
            .collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

/// Every report that reads aggregates (and the trainer shortage, which reads the kept
/// candidates) as the admin and unit A's manager see it, computed now (not kept: a rebuild
/// beside the service moves no data version).
async fn snapshot<S: TestApp>(app: &S, w: &World) -> Vec<Value> {
    let mut out = Vec::new();
    for token in [&w.admin, &w.manager_a] {
        for report in ALL_REPORTS.into_iter().chain(["trainer-shortage"]) {
            let r = get_computed(app, &format!("/api/v1/reports/{report}"), token).await;
            r.expect(200);
            let mut body = r.body;
            // Comments are in random order, shuffled again by a rebuild.
            for row in body["items"].as_array_mut().into_iter().flatten() {
                if let Some(list) = row.get_mut("comments").and_then(Value::as_array_mut) {
                    list.sort_by_key(Value::to_string);
                }
            }
            out.push(json!({"report": report, "body": body}));
        }
    }
    out
}

/// The reports read aggregates kept by the writes; after writes of every kind that feeds them,
/// they equal what a rebuild from the source rows gives, and the moved figures are right.
async fn aggregates_follow_writes(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let [a1, a2, _] = w.a;
    let gaps = |r: &Resp, c: i64| {
        let i = item(r, "competency_id", c);
        (
            i["employees_with_standard"].clone(),
            i["assessed"].clone(),
            i["below_standard"].clone(),
        )
    };
    let before = get(&app, "/api/v1/reports/competency-gaps", &w.manager_a).await;
    assert_eq!(
        gaps(&before, w.c1),
        (json!(3), json!(2), json!(1)),
        "{}",
        before.text
    );

    // Budi moves to unit B: unit A's manager no longer sees his standard, levels or enrolments.
    patch(
        &app,
        &format!("/api/v1/employees/{a2}"),
        &w.admin,
        json!({"unit_id": w.unit_b}),
    )
    .await
    .expect(200);
    let moved = get(&app, "/api/v1/reports/competency-gaps", &w.manager_a).await;
    assert_eq!(
        gaps(&moved, w.c1),
        (json!(2), json!(1), json!(1)),
        "{}",
        moved.text
    );
    let outcomes = get(&app, "/api/v1/reports/learning-outcomes", &w.manager_a).await;
    assert_eq!(
        item(&outcomes, "training_id", w.t1)["participants"],
        2,
        "{}",
        outcomes.text
    );

    // A new assessment lifts Ani's C1 to the standard: nobody in unit A is below it any more.
    post(
        &app,
        &format!("/api/v1/employees/{a1}/assessments"),
        &w.admin,
        json!({"competency_id": w.c1, "level": 4, "assessed_on": day(0), "method": "test"}),
    )
    .await
    .expect(201);
    let lifted = get(&app, "/api/v1/reports/competency-gaps", &w.manager_a).await;
    assert_eq!(
        gaps(&lifted, w.c1),
        (json!(2), json!(1), json!(0)),
        "{}",
        lifted.text
    );

    // The standard changes: C2 is no longer required of the position.
    let position = get(&app, &format!("/api/v1/employees/{a1}"), &w.admin)
        .await
        .body["position_id"]
        .as_i64()
        .unwrap();
    let put = auth(
        TestRequest::put().uri(&format!("/api/v1/positions/{position}/standards")),
        &w.admin,
    )
    .set_json(json!([{"competency_id": w.c1, "required_level": 3}]));
    send(&app, put).await.expect(200);
    let narrowed = get(&app, "/api/v1/reports/competency-gaps", &w.admin).await;
    assert!(
        narrowed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["competency_id"] != w.c2),
        "{}",
        narrowed.text
    );

    // Dodi is deactivated; a score changes; the training's dates move to last year.
    patch(
        &app,
        &format!("/api/v1/employees/{}", w.b1),
        &w.admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let enrolments = get(
        &app,
        &format!("/api/v1/trainings/{}/enrolments", w.t2),
        &w.admin,
    )
    .await;
    let f2 = enrolments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee_id"] == a2)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    set(
        &app,
        &w.admin,
        f2,
        json!({"status": "completed", "pre_test_score": 20, "post_test_score": 90}),
    )
    .await;
    let year_before = get(&app, "/api/v1/reports/jp-compliance", &w.admin).await;
    patch(
        &app,
        &format!("/api/v1/trainings/{}", w.t2),
        &w.admin,
        json!({"start_date": "2020-03-01", "end_date": "2020-03-02"}),
    )
    .await
    .expect(200);
    let year_after = get(&app, "/api/v1/reports/jp-compliance", &w.admin).await;
    let jp = |r: &Resp, e: i64| {
        r.body["below_target"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["employee_id"] == e)
            .map(|x| x["jp_total"].clone())
    };
    // Budi: 12 JP from t1 and 10 from t2 this year; then t2 counts for 2020.
    assert_eq!(
        (jp(&year_before, a2), jp(&year_after, a2)),
        (None, Some(json!(12)))
    );
    let old = get(&app, "/api/v1/reports/jp-compliance?year=2020", &w.admin).await;
    assert_eq!(jp(&old, a2), Some(json!(10)), "{}", old.text);

    // Assessments corrected and deleted, and the JPM methods changed and changed back.
    let history = get(
        &app,
        &format!("/api/v1/employees/{a1}/assessments"),
        &w.admin,
    )
    .await;
    let ids: Vec<i64> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    patch(
        &app,
        &format!("/api/v1/employees/{a1}/assessments/{}", ids[0]),
        &w.admin,
        json!({"level": 1}),
    )
    .await
    .expect(200);
    delete(
        &app,
        &format!("/api/v1/employees/{a1}/assessments/{}", ids[1]),
        &w.admin,
    )
    .await
    .expect(204);
    for methods in [json!(["supervisor"]), json!(["test", "assessment_center"])] {
        patch(
            &app,
            "/api/v1/settings",
            &w.admin,
            json!({"jpm_methods": methods}),
        )
        .await
        .expect(200);
    }

    // External learning verified for Ani, another verified and then deleted for Budi.
    for (who, keep) in [(a1, true), (a2, false)] {
        let r = post(
            &app,
            "/api/v1/external-learning",
            &w.admin,
            json!({"employee_id": who, "title": "MOOC", "provider": "LAN RI",
            "form": "e_learning", "start_date": day(-3), "end_date": day(-1), "jp": 7}),
        )
        .await;
        r.expect(201);
        let x = r.body["id"].as_i64().unwrap();
        post(
            &app,
            &format!("/api/v1/external-learning/{x}/review"),
            &w.admin,
            json!({"decision": "verified"}),
        )
        .await
        .expect(200);
        if !keep {
            delete(&app, &format!("/api/v1/external-learning/{x}"), &w.admin)
                .await
                .expect(204);
        }
    }

    // Leave, the appointment day, the ASN type and leaving the service decide whom the JP
    // target holds and for how many months: the kept yearly standing follows each write.
    let y = kompetensi::types::today().year();
    let leave = |from: &str, to: &str| json!({"kind": "study_leave", "from": format!("{y}-{from}"), "to": format!("{y}-{to}")});
    let r = post(
        &app,
        &format!("/api/v1/employees/{a1}/exemptions"),
        &w.admin,
        leave("01-01", "06-30"),
    )
    .await;
    r.expect(201);
    let kept_leave = r.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/exemptions/{kept_leave}"),
        &w.admin,
        leave("01-01", "09-30"),
    )
    .await
    .expect(200);
    let r = post(
        &app,
        &format!("/api/v1/employees/{a2}/exemptions"),
        &w.admin,
        leave("01-01", "12-31"),
    )
    .await;
    r.expect(201);
    let dropped = r.body["id"].as_i64().unwrap();
    delete(&app, &format!("/api/v1/exemptions/{dropped}"), &w.admin)
        .await
        .expect(204);
    for (who, change) in [
        (
            a2,
            json!({"appointed_on": format!("{y}-05-02"), "name": "Budi Baru"}),
        ),
        (a1, json!({"name": "Ani Baru"})),
        (w.a[2], json!({"asn_type": "pppk"})),
        (w.b1, json!({"active": false})),
    ] {
        patch(&app, &format!("/api/v1/employees/{who}"), &w.admin, change)
            .await
            .expect(200);
    }

    // Whatever the writes did, the aggregates equal a rebuild from the source rows.
    let kept = snapshot(&app, &w).await;
    let mut conn = ctx.conn();
    kompetensi::aggregates::rebuild(&mut conn).unwrap();
    let rebuilt = snapshot(&app, &w).await;
    for (k, r) in kept.iter().zip(&rebuilt) {
        assert_eq!(k, r);
    }
    // And the kept standing judges as the source rows do: the same reports with no year kept.
    assert_eq!(
        ctx.count(&format!("jp_years WHERE year = {y}")),
        1,
        "this year is kept"
    );
    diesel::RunQueryDsl::execute(diesel::sql_query("DELETE FROM jp_years"), &mut conn).unwrap();
    let judged_afresh = snapshot(&app, &w).await;
    for (k, r) in kept.iter().zip(&judged_afresh) {
        assert_eq!(k, r);
    }
    // The turn of a year keeps it again, computed for everyone.
    kompetensi::aggregates::keep_year(&mut conn, y).unwrap();
    assert_eq!(ctx.count(&format!("jp_years WHERE year = {y}")), 1);
    let kept_again = snapshot(&app, &w).await;
    for (k, r) in kept.iter().zip(&kept_again) {
        assert_eq!(k, r);
    }
}
on_each_backend!(report_aggregates_follow_writes, aggregates_follow_writes);

async fn feedback_rules(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let good = rating([4, 4, 4, 4, 4, 4], 4, 8);
    // Twice → 409; not enrolled → 403; registered only → 409; out of range → 422.
    give(&app, &w.employee_a1, w.t1, good.clone())
        .await
        .problem(409, "conflict");
    let outsider_emp = ctx.insert_employee("199512312020122001", w.unit_a);
    let outsider = user_with_role(
        &app,
        &w.admin,
        "luar",
        "employee",
        json!({"employee_id": outsider_emp}),
    )
    .await;
    give(&app, &outsider, w.t1, good.clone())
        .await
        .problem(403, "forbidden");
    let t4 = post(&app, "/api/v1/trainings", &w.admin, json!({"title": "T4", "form": "seminar", "mode": "in_person", "jp": 2, "start_date": day(-1), "end_date": day(0)})).await.body["id"].as_i64().unwrap();
    walk(&app, &w.admin, t4, &["planned", "open"]).await;
    enrol(&app, &w.admin, t4, outsider_emp).await;
    walk(&app, &w.admin, t4, &["ongoing"]).await;
    give(&app, &outsider, t4, good.clone())
        .await
        .problem(409, "conflict");
    for bad in [
        rating([4, 4, 4, 4, 4, 4], 6, 8),
        rating([4, 4, 4, 4, 4, 4], 4, 11),
        rating([0, 4, 4, 4, 4, 4], 4, 8),
        json!({"ratings": {"vibe": 5}, "overall": 4, "recommend": 8}),
        json!({"overall": 4, "recommend": 8, "comment": "x".repeat(2001)}),
        json!({"overall": 4}),
    ] {
        give(&app, &outsider, t4, bad)
            .await
            .problem(422, "validation_failed");
    }
    // Window: closed feedback_window_days after the end.
    let old = post(&app, "/api/v1/trainings", &w.admin, json!({"title": "Old", "form": "seminar", "mode": "in_person", "jp": 2, "start_date": day(-40), "end_date": day(-35)})).await.body["id"].as_i64().unwrap();
    walk(&app, &w.admin, old, &["planned", "open"]).await;
    let en = enrol(&app, &w.admin, old, outsider_emp).await;
    walk(&app, &w.admin, old, &["ongoing", "completed"]).await;
    set(&app, &w.admin, en, json!({"status": "attended"})).await;
    give(&app, &outsider, old, good.clone())
        .await
        .problem(409, "conflict");
    patch(
        &app,
        "/api/v1/settings",
        &w.admin,
        json!({"feedback_window_days": 60}),
    )
    .await
    .expect(200);
    let r = give(
        &app,
        &outsider,
        old,
        json!({"overall": 4, "recommend": 8, "comment": "  Bagus  "}),
    )
    .await;
    r.expect(201);
    assert_eq!(r.body["comment"], "Bagus");
    assert_eq!(
        r.body["ratings"],
        json!({"material": null, "method": null, "trainer": null, "facilities": null, "relevance": null, "organisation": null})
    );
    // Admins and operators only; anonymous listing, suppressed below the group size.
    let list = get(
        &app,
        &format!("/api/v1/trainings/{}/feedback", w.t1),
        &w.admin,
    )
    .await;
    list.expect(200);
    assert_eq!(
        (list.body["total"].clone(), list.body["suppressed"].clone()),
        (json!(4), json!(false))
    );
    for response in list.body["items"].as_array().unwrap() {
        let mut keys: Vec<&str> = response
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            vec![
                "channel",
                "comment",
                "id",
                "overall",
                "ratings",
                "recommend",
                "submitted_at"
            ],
            "no identity in a response"
        );
        assert!(
            says_the_day_only(response["submitted_at"].as_str().unwrap()),
            "the day only"
        );
    }
    let small = get(
        &app,
        &format!("/api/v1/trainings/{}/feedback", w.t2),
        &w.admin,
    )
    .await;
    assert_eq!(
        (
            small.body["items"].clone(),
            small.body["suppressed"].clone(),
            small.body["total"].clone()
        ),
        (json!([]), json!(true), json!(2))
    );
    get(
        &app,
        &format!("/api/v1/trainings/{}/feedback", w.t1),
        &w.manager_a,
    )
    .await
    .problem(403, "forbidden");
    get(
        &app,
        &format!("/api/v1/trainings/{}/feedback", w.t1),
        &w.employee_a1,
    )
    .await
    .problem(403, "forbidden");
    // The audit log does not tie the respondent to the response.
    let log = get(
        &app,
        "/api/v1/audit-log?entity=feedback&per_page=100",
        &w.admin,
    )
    .await;
    assert!(
        log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_id"].is_null() && e["ip"].is_null() && e["request_id"].is_null()),
        "{}",
        log.text
    );
    assert_eq!(ctx.count("feedback_receipts"), ctx.count("feedback"));
}
on_each_backend!(feedback_rules_and_anonymity, feedback_rules);

/// Paper forms and the training evaluation count the same people as eligible: a respondent who
/// later failed or withdrew still counts (their response does), so a response never takes
/// another participant's place on paper, and paper forms stop at a rate of one, which a paper
/// form's author failing later does not pass either.
async fn paper_forms_and_the_evaluation_agree_on_who_is_eligible(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let t = post(&app, "/api/v1/trainings", &w.admin, json!({"title": "Kertas", "form": "seminar", "mode": "in_person", "jp": 2, "start_date": day(-1), "end_date": day(0)})).await.body["id"].as_i64().unwrap();
    walk(&app, &w.admin, t, &["planned", "open"]).await;
    let mut people = Vec::new();
    for (i, nip) in [
        "199001012020121001",
        "199001022020121001",
        "199001032020121001",
    ]
    .into_iter()
    .enumerate()
    {
        let employee = ctx.insert_employee(nip, w.unit_a);
        let token = user_with_role(
            &app,
            &w.admin,
            &format!("kertas{i}"),
            "employee",
            json!({"employee_id": employee}),
        )
        .await;
        people.push((enrol(&app, &w.admin, t, employee).await, token));
    }
    walk(&app, &w.admin, t, &["ongoing"]).await;
    for (enrolment, _) in &people {
        set(&app, &w.admin, *enrolment, json!({"status": "attended"})).await;
    }
    let good = rating([4, 4, 4, 4, 4, 4], 4, 8);
    // The first answers and withdraws; the second answers and fails; the third has not answered.
    give(&app, &people[0].1, t, good.clone()).await.expect(201);
    set(&app, &w.admin, people[0].0, json!({"status": "withdrawn"})).await;
    give(&app, &people[1].1, t, good.clone()).await.expect(201);
    set(&app, &w.admin, people[1].0, json!({"status": "failed"})).await;
    let counts = |r: &Resp| {
        let row = item(r, "training_id", t);
        (row["eligible"].clone(), row["responses"].clone())
    };
    let evaluation = format!("/api/v1/reports/training-evaluation?training_id={t}");
    let r = get(&app, &evaluation, &w.admin).await;
    r.expect(200);
    assert_eq!(counts(&r), (json!(3), json!(2)));
    // The third may still answer, on paper: one form, and no more.
    let paper = json!({"responses": [{"overall": 3, "recommend": 7}]});
    let paper_path = format!("/api/v1/trainings/{t}/feedback/paper");
    post(&app, &paper_path, &w.admin, paper.clone())
        .await
        .expect(201);
    post(&app, &paper_path, &w.admin, paper.clone())
        .await
        .problem(409, "conflict");
    let r = get(&app, &evaluation, &w.admin).await;
    assert_eq!(counts(&r), (json!(3), json!(3)));
    assert_eq!(item(&r, "training_id", t)["response_rate"], json!(1.0));
    // The one who withdrew, back in, was counted all along: nothing moves, still no room.
    set(&app, &w.admin, people[0].0, json!({"status": "attended"})).await;
    let r = get(&app, &evaluation, &w.admin).await;
    assert_eq!(counts(&r), (json!(3), json!(3)));
    post(&app, &paper_path, &w.admin, paper.clone())
        .await
        .problem(409, "conflict");
    // The third, whose form names nobody, fails later: the form still counts its author among
    // those who could answer, so the rate does not pass one and no form takes its place.
    set(&app, &w.admin, people[2].0, json!({"status": "failed"})).await;
    let r = get(&app, &evaluation, &w.admin).await;
    assert_eq!(counts(&r), (json!(3), json!(3)));
    assert_eq!(item(&r, "training_id", t)["response_rate"], json!(1.0));
    post(&app, &paper_path, &w.admin, paper)
        .await
        .problem(409, "conflict");
}
on_each_backend!(
    paper_forms_and_the_evaluation_agree_on_who_is_eligible,
    paper_forms_and_the_evaluation_agree_on_who_is_eligible
);

/// A response given while its respondent's OPD is being placed under another OPD goes to the
/// OPD it belongs to when both are done: the move hands over the responses it sees, and a
/// response being written holds the move off (or waits for it) so that it is one of them. So no
/// response, receipt or kept figure stays with a unit that is no longer an OPD.
async fn feedback_racing_an_opd_move(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    const ROUNDS: usize = 12;
    let t = post(&app, "/api/v1/trainings", &admin, json!({"title": "Balapan", "form": "seminar", "mode": "in_person", "jp": 2, "start_date": day(-1), "end_date": day(0)})).await.body["id"].as_i64().unwrap();
    walk(&app, &admin, t, &["planned", "open"]).await;
    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let (moved, host) = (
            ctx.insert_unit(&format!("PINDAH{round}"), None),
            ctx.insert_unit(&format!("INDUK{round}"), None),
        );
        let employee = ctx.insert_employee(&format!("199001{:02}2020121001", round + 1), moved);
        let token = user_with_role(
            &app,
            &admin,
            &format!("balap{round}"),
            "employee",
            json!({"employee_id": employee}),
        )
        .await;
        rounds.push((moved, host, enrol(&app, &admin, t, employee).await, token));
    }
    walk(&app, &admin, t, &["ongoing"]).await;
    for (_, _, enrolment, _) in &rounds {
        set(&app, &admin, *enrolment, json!({"status": "attended"})).await;
    }
    for (round, (moved, host, _, token)) in rounds.iter().enumerate() {
        let path = format!("/api/v1/units/{moved}");
        let (given, placed) = futures_util::future::join(
            give(&app, token, t, rating([4, 4, 4, 4, 4, 4], 4, 8)),
            patch(&app, &path, &admin, json!({"parent_id": host})),
        )
        .await;
        given.expect(201);
        placed.expect(200);
        let strays = |table: &str| {
            ctx.count(&format!(
                "{table} x JOIN units u ON u.id = x.unit_id WHERE u.parent_id IS NOT NULL"
            ))
        };
        assert_eq!(
            strays("feedback"),
            0,
            "round {round}: a response left behind"
        );
        assert_eq!(
            strays("feedback_receipts"),
            0,
            "round {round}: a receipt left behind"
        );
        assert_eq!(
            strays("feedback_totals"),
            0,
            "round {round}: a total left behind"
        );
    }
    // The kept evaluations, over every unit and per OPD, equal a rebuild from the source rows.
    let views = |rounds: &[(i64, i64, i64, String)]| {
        let mut paths = vec![format!(
            "/api/v1/reports/training-evaluation?training_id={t}"
        )];
        paths.extend(rounds.iter().map(|(_, host, _, _)| {
            format!("/api/v1/reports/training-evaluation?training_id={t}&unit_id={host}")
        }));
        paths
    };
    let mut kept = Vec::new();
    for path in views(&rounds) {
        kept.push(get_computed(&app, &path, &admin).await.body);
    }
    kompetensi::aggregates::rebuild(&mut ctx.conn()).unwrap();
    for (path, before) in views(&rounds).iter().zip(&kept) {
        let after = get_computed(&app, path, &admin).await.body;
        assert_eq!(&after, before, "{path}");
    }
}
on_each_backend!(
    feedback_given_while_its_opd_moves_goes_to_the_opd_it_joined,
    feedback_racing_an_opd_move
);

fn course_columns() -> Vec<String> {
    "record_key,source,nip,siasn_id,nama_kursus,institusi_penyelenggara,jenis_diklat_id,jenis_kursus_sertipikat,instansi_id,jumlah_jam,tahun_kursus,tanggal_kursus,tanggal_selesai_kursus,nomor_sertipikat,synced_at"
        .split(',')
        .map(str::to_string)
        .collect()
}

async fn export(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let r = get(&app, "/api/v1/exports/siasn/course-records", &w.admin).await;
    r.expect(200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "completed enrolments only: {}", r.text);
    assert_eq!(
        (&r.body["total"], &r.body["page"], &r.body["per_page"]),
        (&json!(4), &json!(1), &json!(20))
    );
    let ani = items
        .iter()
        .find(|i| i["nip"] == "198503102010011001" && i["nama_kursus"] == "Komunikasi Publik")
        .unwrap();
    let today = kompetensi::types::today();
    let fmt = |d: chrono::NaiveDate| d.format("%d-%m-%Y").to_string();
    let enrolments = get(
        &app,
        &format!("/api/v1/trainings/{}/enrolments?per_page=100", w.t1),
        &w.admin,
    )
    .await;
    let enrolment = enrolments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee_id"] == w.a[0])
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        ani,
        &json!({"record_key": format!("T{enrolment}"), "source": "training", "nip": "198503102010011001", "siasn_id": "S-Ani", "nama_kursus": "Komunikasi Publik", "institusi_penyelenggara": "UBB",
                "jenis_diklat_id": 5, "jenis_kursus_sertipikat": null, "instansi_id": null, "jumlah_jam": 12, "tahun_kursus": today.year(), "tanggal_kursus": fmt(today - chrono::Duration::days(2)),
                "tanggal_selesai_kursus": fmt(today), "nomor_sertipikat": "C-1", "synced_at": null})
    );
    let small = items
        .iter()
        .find(|i| i["nama_kursus"] == "Kelas Kecil")
        .unwrap();
    assert_eq!(
        small["institusi_penyelenggara"], "BKPSDM Kota Pangkalpinang",
        "no partner: the setting institution_name"
    );
    let csv = get(&app, "/api/v1/exports/siasn/course-records.csv", &w.admin).await;
    let columns = course_columns();
    assert_eq!(
        csv.text,
        csv_of(&columns, &items.iter().collect::<Vec<_>>())
    );
    let older = get(
        &app,
        "/api/v1/exports/siasn/course-records?format=csv",
        &w.admin,
    )
    .await;
    assert_eq!(older.text, csv.text);
    assert_eq!(
        csv.header("content-disposition").as_deref(),
        Some("attachment; filename=\"siasn-course-records.csv\"")
    );
    let r = get(
        &app,
        "/api/v1/exports/siasn/course-records?from=2000-01-01&to=2000-12-31",
        &w.admin,
    )
    .await;
    assert_eq!(r.body["items"], json!([]));
    let r = get(&app, "/api/v1/exports/siasn/course-records", &w.manager_a).await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        3,
        "the manager's unit only"
    );
    get(&app, "/api/v1/exports/siasn/course-records", &w.employee_a1)
        .await
        .problem(403, "forbidden");
    get(
        &app,
        "/api/v1/exports/siasn/course-records?from=yesterday",
        &w.admin,
    )
    .await
    .invalid("from");
    let log = get(&app, "/api/v1/audit-log?action=export", &w.admin).await;
    assert_eq!(
        log.body["total"], 5,
        "every successful export is recorded (JSON, both CSV ways, per unit, empty period)"
    );
}
on_each_backend!(siasn_export, export);

/// The SIASN bridge marks what it sent: `?unsynced=true` is empty after a full sync and gives
/// back exactly the record that changed since; bad marks change nothing.
async fn sync(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let unsynced = "/api/v1/exports/siasn/course-records?unsynced=true&per_page=1000";
    let all = get(&app, unsynced, &w.admin).await;
    all.expect(200);
    let keys: Vec<String> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["record_key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 4, "nothing sent yet: {}", all.text);
    let sync = "/api/v1/exports/siasn/course-records/sync";

    // Bad marks: unknown or malformed keys, an enrolment not completed; nothing is marked.
    let registered = get(
        &app,
        &format!("/api/v1/trainings/{}/enrolments?status=registered", w.t1),
        &w.admin,
    )
    .await;
    let not_done = registered.body["items"]
        .as_array()
        .unwrap()
        .first()
        .map(|e| format!("T{}", e["id"]));
    let mut bad = vec![
        json!([{"record_key": "T999999", "siasn_riwayat_id": "x"}]),
        json!([{"record_key": "E1", "siasn_riwayat_id": "x"}]),
        json!([{"record_key": "T01", "siasn_riwayat_id": "x"}]),
        json!([{"record_key": keys[0], "siasn_riwayat_id": ""}]),
        json!([{"record_key": keys[0], "siasn_riwayat_id": "x", "extra": 1}]),
        json!([]),
    ];
    if let Some(key) = not_done {
        bad.push(json!([{"record_key": key, "siasn_riwayat_id": "x"}]));
    }
    for items in bad {
        let mut both = items.as_array().unwrap().clone();
        if !both.is_empty() {
            both.insert(0, json!({"record_key": keys[0], "siasn_riwayat_id": "ok"}));
        }
        post(&app, sync, &w.admin, json!({"items": both}))
            .await
            .problem(422, "validation_failed");
    }
    assert_eq!(
        get(&app, unsynced, &w.admin).await.body["total"],
        4,
        "nothing was marked"
    );

    // Who may: staff and records:read clients; not unit managers or employees.
    let mark =
        |key: &str, id: &str| json!({"items": [{"record_key": key, "siasn_riwayat_id": id}]});
    post(&app, sync, &w.manager_a, mark(&keys[0], "a"))
        .await
        .problem(403, "forbidden");
    post(&app, sync, &w.employee_a1, mark(&keys[0], "a"))
        .await
        .problem(403, "forbidden");

    let items: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| json!({"record_key": k, "siasn_riwayat_id": format!("riwayat-{i}")}))
        .collect();
    let r = post(&app, sync, &w.admin, json!({"items": items})).await;
    r.expect(200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4);
    assert_eq!(r.body["items"][1]["siasn_riwayat_id"], "riwayat-1");
    let r = get(&app, unsynced, &w.admin).await;
    assert_eq!(
        (r.body["total"].clone(), r.body["items"].clone()),
        (json!(0), json!([])),
        "{}",
        r.text
    );
    let csv = get(
        &app,
        "/api/v1/exports/siasn/course-records.csv?unsynced=true",
        &w.admin,
    )
    .await;
    assert_eq!(csv.text.lines().count(), 1, "the header only: {}", csv.text);
    let every = get(&app, "/api/v1/exports/siasn/course-records", &w.admin).await;
    assert!(
        every.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["synced_at"].is_string()),
        "{}",
        every.text
    );

    // One completion is corrected: exactly that record is back; the others stay sent.
    let changed = keys[2].trim_start_matches('T').parse::<i64>().unwrap();
    patch(
        &app,
        &format!("/api/v1/enrolments/{changed}"),
        &w.admin,
        json!({"post_test_score": 91}),
    )
    .await
    .expect(200);
    let r = get(&app, unsynced, &w.admin).await;
    assert_eq!(r.body["total"], 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["record_key"], keys[2]);
    assert!(
        r.body["items"][0]["synced_at"].is_string(),
        "sent before, changed since"
    );
    post(&app, sync, &w.admin, mark(&keys[2], "riwayat-2b"))
        .await
        .expect(200);
    assert_eq!(get(&app, unsynced, &w.admin).await.body["total"], 0);

    // A renamed employee changes their records too.
    patch(
        &app,
        &format!("/api/v1/employees/{}", w.a[0]),
        &w.admin,
        json!({"name": "Ani Lestari"}),
    )
    .await
    .expect(200);
    let r = get(&app, unsynced, &w.admin).await;
    assert!(r.body["total"].as_i64().unwrap() >= 1, "{}", r.text);
    assert!(r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["nip"] == "198503102010011001"));
    let log = get(
        &app,
        "/api/v1/audit-log?entity=course_record&action=update",
        &w.admin,
    )
    .await;
    assert_eq!(log.body["total"], 5, "one audit row per record marked");
}
on_each_backend!(siasn_sync_marks_what_was_sent, sync);

/// Leadership programmes leave the course history for the structural-training export; the
/// organiser, the instansi id and the jenisDiklatId per form come from the settings.
async fn structural(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let mut pkp = json!({"title": "PKP Angkatan I", "form": "pelatihan", "mode": "in_person", "jp": 30,
        "start_date": day(-5), "end_date": day(-1), "leadership_programme": "pkp"});
    let pkp_id = post(&app, "/api/v1/trainings", &w.admin, pkp.clone()).await;
    pkp_id.expect(201);
    assert_eq!(pkp_id.body["leadership_programme"], "pkp");
    let pkp_id = pkp_id.body["id"].as_i64().unwrap();
    pkp["title"] = json!("Sosialisasi SIASN");
    pkp["form"] = json!("sosialisasi");
    pkp["jp"] = json!(4);
    pkp["leadership_programme"] = json!(null);
    let sos = post(&app, "/api/v1/trainings", &w.admin, pkp).await.body["id"]
        .as_i64()
        .unwrap();
    for t in [pkp_id, sos] {
        walk(&app, &w.admin, t, &["planned", "open"]).await;
        let e = enrol(&app, &w.admin, t, w.a[1]).await;
        walk(&app, &w.admin, t, &["ongoing"]).await;
        set(
            &app,
            &w.admin,
            e,
            json!({"status": "completed", "attendance_percent": 100}),
        )
        .await;
    }
    patch(
        &app,
        "/api/v1/settings",
        &w.admin,
        json!({"institution_name": "BKPSDM Pangkalpinang", "siasn_instansi_id": "A5EB03E2", "siasn_certificate_type": "STTPL"}),
    )
    .await
    .expect(200);
    let path = "/api/v1/exports/siasn/course-records?per_page=1000";
    let courses = get(&app, path, &w.admin).await;
    let items = courses.body["items"].as_array().unwrap();
    assert!(
        items.iter().all(|i| i["nama_kursus"] != "PKP Angkatan I"),
        "{}",
        courses.text
    );
    let sos = items
        .iter()
        .find(|i| i["nama_kursus"] == "Sosialisasi SIASN")
        .unwrap();
    assert_eq!(
        (
            &sos["jenis_diklat_id"],
            &sos["instansi_id"],
            &sos["institusi_penyelenggara"],
            &sos["jenis_kursus_sertipikat"]
        ),
        (
            &json!(7),
            &json!("A5EB03E2"),
            &json!("BKPSDM Pangkalpinang"),
            &json!("STTPL")
        ),
        "sosialisasi is 7 by the setting siasn_course_type_by_form"
    );
    let r = get(&app, "/api/v1/exports/siasn/diklat-struktural", &w.admin).await;
    r.expect(200);
    assert_eq!(r.body["total"], 1, "{}", r.text);
    let record = &r.body["items"][0];
    assert_eq!(
        (
            &record["nama_kursus"],
            &record["jenis_diklat_struktural"],
            &record["jenis_diklat_id"],
            &record["jumlah_jam"]
        ),
        (
            &json!("PKP Angkatan I"),
            &json!("pkp"),
            &json!(3),
            &json!(30)
        )
    );
    let mut columns = course_columns();
    columns.push("jenis_diklat_struktural".into());
    let csv = get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural.csv",
        &w.admin,
    )
    .await;
    assert_eq!(csv.text, csv_of(&columns, &[record]));
    assert_eq!(
        csv.header("content-disposition").as_deref(),
        Some("attachment; filename=\"siasn-diklat-struktural.csv\"")
    );
    // The map per form is written whole and checked.
    let r = patch(
        &app,
        "/api/v1/settings",
        &w.admin,
        json!({"siasn_course_type_by_form": {"pelatihan": 3}}),
    )
    .await;
    r.problem(422, "validation_failed");
    get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural",
        &w.employee_a1,
    )
    .await
    .problem(403, "forbidden");
    get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural.csv",
        &w.employee_a1,
    )
    .await
    .problem(403, "forbidden");
    get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural?from=yesterday",
        &w.admin,
    )
    .await
    .invalid("from");
    get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural.csv?per_page=5",
        &w.admin,
    )
    .await
    .invalid("per_page");
    let mine = get(
        &app,
        "/api/v1/exports/siasn/diklat-struktural",
        &w.manager_a,
    )
    .await;
    assert_eq!(mine.body["total"], 1, "a2 is in the manager's unit");
    post(
        &app,
        "/api/v1/trainings",
        &w.admin,
        json!({"title": "X", "form": "pelatihan", "mode": "in_person", "jp": 2, "start_date": day(1),
               "end_date": day(1), "leadership_programme": "pkn_3"}),
    )
    .await
    .invalid("leadership_programme");
}
on_each_backend!(siasn_structural_export, structural);

/// Every JSON page of an export, following the `Link` header's `next`.
async fn all_pages<S: TestApp>(app: &S, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(url) = next {
        let r = get(app, &url, token).await;
        r.expect(200);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        next = r.header("link").and_then(|links| {
            links
                .split(", ")
                .find(|l| l.ends_with("rel=\"next\""))
                .map(|l| l[1..l.find('>').unwrap()].to_string())
        });
    }
    items
}

/// The CSV export is streamed in chunks; across chunk boundaries it holds every record once,
/// in record-key order, the same as the JSON pages; the unit filter holds in every chunk.
async fn export_chunks(ctx: &Ctx) {
    kompetensi::seed::seed_demo(&ctx.state.pool, 300).expect("seed");
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let path = "/api/v1/exports/siasn/course-records";
    let items = all_pages(&app, &format!("{path}?per_page=1000"), &admin).await;
    let first = get(&app, &format!("{path}?per_page=1000"), &admin).await;
    assert_eq!(first.body["total"].as_u64().unwrap() as usize, items.len());
    assert!(
        items.len() > 1000,
        "more than two chunks and one page: {}",
        items.len()
    );
    // The trainings' records by enrolment id, then verified external learning by its id.
    let keys: Vec<(bool, i64)> = items
        .iter()
        .map(|i| {
            let key = i["record_key"].as_str().unwrap();
            (key.starts_with('E'), key[1..].parse().unwrap())
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "record-key order, each once"
    );
    assert!(
        keys.iter().any(|k| k.0),
        "the demo's verified external learning is exported"
    );
    let csv = get(&app, &format!("{path}.csv"), &admin).await;
    csv.expect(200);
    assert_eq!(
        csv.text,
        csv_of(&course_columns(), &items.iter().collect::<Vec<_>>())
    );
    let units = get(&app, "/api/v1/units?per_page=100&sort=id", &admin).await;
    let unit = units.body["items"][1]["id"].as_i64().unwrap();
    let of_unit = all_pages(&app, &format!("{path}?unit_id={unit}&per_page=7"), &admin).await;
    assert!(!of_unit.is_empty() && of_unit.len() < items.len());
    let csv = get(&app, &format!("{path}.csv?unit_id={unit}"), &admin).await;
    assert_eq!(
        csv.text,
        csv_of(&course_columns(), &of_unit.iter().collect::<Vec<_>>())
    );
    get(&app, &format!("{path}?per_page=1001"), &admin)
        .await
        .invalid("per_page");
}
on_each_backend!(siasn_export_streams_every_record, export_chunks);

async fn clients(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let make = |scopes: Value| {
        let (app, admin) = (&app, w.admin.clone());
        async move {
            let r = post(
                app,
                "/api/v1/api-clients",
                &admin,
                json!({"name": "SIASN", "scopes": scopes}),
            )
            .await;
            r.expect(201);
            (
                r.body["id"].as_i64().unwrap(),
                r.body["client_id"].as_str().unwrap().to_string(),
                r.body["client_secret"].as_str().unwrap().to_string(),
            )
        }
    };
    let (records_id, records_client, records_secret) = make(json!(["records:read"])).await;
    let (_, emp_client, emp_secret) = make(json!(["employees:read", "reports:read"])).await;
    post(
        &app,
        "/api/v1/api-clients",
        &w.admin,
        json!({"name": "X", "scopes": []}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        "/api/v1/api-clients",
        &w.admin,
        json!({"name": "X", "scopes": ["root"]}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        "/api/v1/api-clients",
        &w.manager_a,
        json!({"name": "X", "scopes": ["records:read"]}),
    )
    .await
    .problem(403, "forbidden");
    for token in [&w.manager_a, &w.employee_a1] {
        get(&app, "/api/v1/api-clients", token)
            .await
            .problem(403, "forbidden");
        get(&app, &format!("/api/v1/api-clients/{records_id}"), token)
            .await
            .problem(403, "forbidden");
        patch(
            &app,
            &format!("/api/v1/api-clients/{records_id}"),
            token,
            json!({"active": false}),
        )
        .await
        .problem(403, "forbidden");
        delete(&app, &format!("/api/v1/api-clients/{records_id}"), token)
            .await
            .problem(403, "forbidden");
    }
    send(&app, TestRequest::get().uri("/api/v1/api-clients"))
        .await
        .problem(401, "unauthorized");
    patch(
        &app,
        &format!("/api/v1/api-clients/{records_id}"),
        &w.admin,
        json!({"scopes": []}),
    )
    .await
    .problem(422, "validation_failed");
    let listed = get(&app, &format!("/api/v1/api-clients/{records_id}"), &w.admin).await;
    assert!(listed.body.get("client_secret").is_none() && listed.body.get("secret_hash").is_none());
    assert_eq!(listed.body["scopes"], json!(["records:read"]));

    let form = |id: &str, secret: &str, extra: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}{extra}"
            ))
    };
    let r = send(&app, form(&records_client, &records_secret, "")).await;
    r.expect(200);
    assert_eq!(
        (r.body["token_type"].clone(), r.body["scope"].clone()),
        (json!("Bearer"), json!("records:read"))
    );
    let records = r.body["access_token"].as_str().unwrap().to_string();
    let r = send(&app, TestRequest::post().uri("/api/v1/auth/token").set_json(json!({"grant_type": "client_credentials", "client_id": emp_client, "client_secret": emp_secret, "scope": "employees:read"}))).await;
    r.expect(200);
    assert_eq!(r.body["scope"], "employees:read");
    let employees_only = r.body["access_token"].as_str().unwrap().to_string();
    send(&app, form(&records_client, "wrong", ""))
        .await
        .problem(401, "unauthorized");
    send(&app, form("nobody", &records_secret, ""))
        .await
        .problem(401, "unauthorized");
    send(
        &app,
        form(&records_client, &records_secret, "&scope=employees:write"),
    )
    .await
    .problem(422, "validation_failed");
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=password&client_id={records_client}&client_secret={records_secret}"
            )),
    )
    .await;
    r.problem(422, "validation_failed");
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .insert_header(("content-type", "text/plain"))
            .set_payload("x"),
    )
    .await
    .problem(415, "unsupported_media_type");

    // Scopes decide: records:read reads exports and enrolments, nothing else.
    get(&app, "/api/v1/exports/siasn/course-records", &records)
        .await
        .expect(200);
    get(
        &app,
        &format!("/api/v1/trainings/{}/enrolments", w.t1),
        &records,
    )
    .await
    .expect(200);
    get(&app, "/api/v1/employees", &records)
        .await
        .problem(403, "forbidden");
    get(&app, "/api/v1/reports/summary", &records)
        .await
        .problem(403, "forbidden");
    post(
        &app,
        "/api/v1/employees",
        &records,
        json!({"nip": "199512312020122001", "name": "X", "asn_type": "pns", "unit_id": w.unit_a}),
    )
    .await
    .problem(403, "forbidden");
    get(&app, "/api/v1/users", &records)
        .await
        .problem(403, "forbidden");
    get(&app, "/api/v1/auth/me", &records)
        .await
        .problem(403, "forbidden");
    // A token carries only the scopes asked for.
    get(&app, "/api/v1/employees", &employees_only)
        .await
        .expect(200);
    get(&app, "/api/v1/reports/summary", &employees_only)
        .await
        .problem(403, "forbidden");
    post(
        &app,
        "/api/v1/employees",
        &employees_only,
        json!({"nip": "199512312020122001", "name": "X", "asn_type": "pns", "unit_id": w.unit_a}),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        &format!("/api/v1/trainings/{}/enrolments", w.t1),
        &employees_only,
        json!({"employee_id": w.b1}),
    )
    .await
    .problem(403, "forbidden");
    // Deactivated clients get no token.
    patch(
        &app,
        &format!("/api/v1/api-clients/{records_id}"),
        &w.admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    send(&app, form(&records_client, &records_secret, ""))
        .await
        .problem(401, "unauthorized");
    delete(&app, &format!("/api/v1/api-clients/{records_id}"), &w.admin)
        .await
        .expect(204);
}
on_each_backend!(api_clients_and_scopes, clients);

#[actix_web::test]
async fn problems_speak_indonesian_on_request() {
    let ctx = Ctx::new(Backend::Sqlite).await;
    let app = ctx.app().await;
    let r = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/nothing")
            .insert_header(("Accept-Language", "id-ID,id;q=0.9,en;q=0.8")),
    )
    .await;
    r.problem(404, "not_found");
    assert_eq!(r.body["title"], "Tidak ditemukan");
    assert_eq!(r.header("content-language").as_deref(), Some("id"));
    let admin = admin_token(&app).await;
    let r = send(
        &app,
        auth(TestRequest::post().uri("/api/v1/partners"), &admin)
            .insert_header(("Accept-Language", "id"))
            .set_json(json!({"name": "", "kind": "ngo"})),
    )
    .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["title"], "Validasi gagal");
    assert!(!r.field_errors("name").is_empty(), "the field errors stay");
    let r = send(&app, TestRequest::get().uri("/api/v1/nothing")).await;
    assert_eq!(r.body["title"], "Not found");
}

async fn formula_cells(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    for name in ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Plain"] {
        post(
            &app,
            "/api/v1/partners",
            &admin,
            json!({"name": name, "kind": "university"}),
        )
        .await
        .expect(201);
    }
    let csv = get(&app, "/api/v1/reports/partners.csv", &admin).await;
    let mut names: Vec<String> = csv::Reader::from_reader(csv.text.as_bytes())
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "'+1",
            "'-2",
            "'=HYPERLINK(\"http://x\")",
            "'@SUM(A1)",
            "Plain"
        ]
    );
}
on_each_backend!(csv_cells_never_run_as_spreadsheet_formulas, formula_cells);

/// Drafts are the training staff's own: a unit manager's summary does not count them.
async fn drafts_in_summary(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("U1", None);
    let manager = user_with_role(
        &app,
        &admin,
        "kepala.u1",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    let year = kompetensi::types::today().year();
    post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({"title": "Rancangan", "form": "seminar", "mode": "in_person", "jp": 4,
               "start_date": format!("{year}-06-01"), "end_date": format!("{year}-06-01")}),
    )
    .await
    .expect(201);
    let staff = get(&app, "/api/v1/reports/summary", &admin).await;
    assert_eq!(staff.body["trainings_by_status"]["draft"], 1);
    let theirs = get(&app, "/api/v1/reports/summary", &manager).await;
    assert_eq!(
        theirs.body["trainings_by_status"]["draft"], 0,
        "{}",
        theirs.text
    );
}
on_each_backend!(unit_managers_see_no_draft_counts, drafts_in_summary);

/// The CSV twin served at `path` lists the rows the JSON served at `path` does, as the
/// encoder writes them (the twin of a kept report is made from its kept rows, not its body).
pub(crate) async fn csv_lists_the_json<S: TestApp>(app: &S, path: &str, token: &str) {
    use kompetensi::reports::model::TrainingEvaluation;
    let json = get(app, path, token).await;
    json.expect(200);
    let rows: Vec<TrainingEvaluation> = serde_json::from_value(json.body["items"].clone()).unwrap();
    assert!(!rows.is_empty(), "{path}: rows to compare");
    let csv_path = path.replacen(
        "/reports/training-evaluation",
        "/reports/training-evaluation.csv",
        1,
    );
    let csv = get(app, &csv_path, token).await;
    assert_eq!(csv.status, 200, "{csv_path}");
    let expected = kompetensi::web::csv::csv_bytes(&rows).unwrap();
    assert_eq!(csv.text, String::from_utf8(expected).unwrap(), "{csv_path}");
}

/// The training evaluation of `opd`'s subtree, with and without a training filter, as served
/// (kept per OPD) and as computed now from the totals, comments sorted: they are equal. Answers
/// the served rows without a filter.
async fn opd_kept_equals_computed<S: TestApp>(
    ctx: &Ctx,
    app: &S,
    w: &World,
    opd: i64,
    stage: &str,
) -> Vec<Value> {
    use kompetensi::reports::{evaluation::evaluation, queries::Scope};
    let sorted = |mut body: Value| {
        for row in body["items"].as_array_mut().into_iter().flatten() {
            if let Some(list) = row["comments"].as_array_mut() {
                list.sort_by_key(Value::to_string);
            }
        }
        body
    };
    assert!(
        ctx.count(&format!("unit_evaluations WHERE unit_id = {opd}")) > 0,
        "{stage}: OPD {opd} has kept rows"
    );
    let mut served_rows = Vec::new();
    for training in [None, Some(w.t1)] {
        let filter = training.map_or(String::new(), |t| format!("&training_id={t}"));
        let served = get(
            app,
            &format!("/api/v1/reports/training-evaluation?unit_id={opd}{filter}"),
            &w.admin,
        )
        .await;
        served.expect(200);
        let mut conn = ctx.conn();
        let units =
            kompetensi::units::queries::subtree_ids(&mut conn, kompetensi::types::UnitId(opd))
                .unwrap();
        let scope = Scope {
            units: Some(kompetensi::types::raw(&units)),
            attributable: true,
            opd: Some(opd),
            training_id: training,
            ..Scope::default()
        };
        let computed = json!({"items": evaluation(&mut conn, &scope).unwrap()});
        assert_eq!(
            sorted(served.body.clone()),
            sorted(computed),
            "{stage}: OPD {opd}{filter}"
        );
        for row in served.body["items"].as_array().unwrap() {
            assert!(
                row["responses"].as_i64().unwrap() <= row["eligible"].as_i64().unwrap(),
                "{stage}: OPD {opd}: more responses than eligible in {row}"
            );
        }
        if training.is_none() {
            served_rows = served.body["items"].as_array().unwrap().clone();
        }
        csv_lists_the_json(
            app,
            &format!("/api/v1/reports/training-evaluation?unit_id={opd}{filter}"),
            &w.admin,
        )
        .await;
    }
    served_rows
}

/// Each OPD's training evaluation is kept (`unit_evaluations`): whatever moves its figures —
/// an employee placed in a sub-unit, a sub-unit moved to another OPD or made
/// one, an OPD placed under another (its responses go with it) — what is served equals what
/// the totals give when computed.
async fn opd_evaluations_are_kept(ctx: &Ctx) {
    let app = ctx.app().await;
    let w = world(ctx, &app).await;
    let [a1, ..] = w.a;
    let row = |rows: &[Value], t: i64| {
        rows.iter()
            .find(|r| r["training_id"] == json!(t))
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Groups of 3: t1's three answers from A are counts only (B's one answer would follow),
    // and t2's two too.
    let a = opd_kept_equals_computed(ctx, &app, &w, w.unit_a, "as built").await;
    assert_eq!(
        (&row(&a, w.t1)["suppressed"], &row(&a, w.t2)["suppressed"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        (&row(&a, w.t1)["responses"], &row(&a, w.t2)["responses"]),
        (&json!(3), &json!(2))
    );
    let b = opd_kept_equals_computed(ctx, &app, &w, w.unit_b, "as built").await;

    // Enrolments of A's people move A's rows only (B's are not recomputed): a new training
    // gets a row in A and none in B, and both OPDs still equal what is computed.
    let t4 = post(
        &app,
        "/api/v1/trainings",
        &w.admin,
        json!({"title": "Kelas Baru", "form": "pelatihan", "mode": "in_person", "jp": 4,
               "start_date": day(3), "end_date": day(4), "siasn_course_type_id": 5}),
    )
    .await;
    t4.expect(201);
    let t4 = t4.body["id"].as_i64().unwrap();
    walk(&app, &w.admin, t4, &["planned", "open"]).await;
    enrol(&app, &w.admin, t4, a1).await;
    let a = opd_kept_equals_computed(ctx, &app, &w, w.unit_a, "A enrolled").await;
    assert_eq!(row(&a, t4)["enrolled"], json!(1));
    let b_now = opd_kept_equals_computed(ctx, &app, &w, w.unit_b, "A enrolled").await;
    assert_eq!(b_now, b);
    assert_eq!(row(&b_now, t4), Value::Null);

    // Ani moves into a sub-unit of A: A's figures stay.
    let sub = post(
        &app,
        "/api/v1/units",
        &w.admin,
        json!({"code": "A-1", "name": "Sub A", "parent_id": w.unit_a}),
    )
    .await;
    sub.expect(201);
    let sub = sub.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/employees/{a1}"),
        &w.admin,
        json!({"unit_id": sub}),
    )
    .await
    .expect(200);
    let a = opd_kept_equals_computed(ctx, &app, &w, w.unit_a, "a sub-unit").await;
    assert_eq!(row(&a, w.t1)["enrolled"], json!(3));

    // The sub-unit moves under B: Ani is enrolled in B's scope now, her answers stay with A.
    patch(
        &app,
        &format!("/api/v1/units/{sub}"),
        &w.admin,
        json!({"parent_id": w.unit_b}),
    )
    .await
    .expect(200);
    let a = opd_kept_equals_computed(ctx, &app, &w, w.unit_a, "sub-unit under B").await;
    let b = opd_kept_equals_computed(ctx, &app, &w, w.unit_b, "sub-unit under B").await;
    assert_eq!(
        (&row(&a, w.t1)["enrolled"], &row(&b, w.t1)["enrolled"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(row(&b, w.t2)["responses"], json!(0));
    // Ani counts as eligible in A, where she answered: each OPD's rate is of its own
    // respondents (A's was 3 answers over 2, B's 1 over 2).
    let rate = |rows: &[Value], t: i64| {
        let r = row(rows, t);
        (
            r["eligible"].clone(),
            r["responses"].clone(),
            r["response_rate"].clone(),
        )
    };
    assert_eq!(rate(&a, w.t1), (json!(3), json!(3), json!(1.0)));
    assert_eq!(rate(&b, w.t1), (json!(1), json!(1), json!(1.0)));
    assert_eq!(rate(&a, w.t2), (json!(2), json!(2), json!(1.0)));
    assert_eq!(rate(&b, w.t2), (json!(0), json!(0), Value::Null));

    // The sub-unit becomes an OPD of its own.
    patch(
        &app,
        &format!("/api/v1/units/{sub}"),
        &w.admin,
        json!({"parent_id": null}),
    )
    .await
    .expect(200);
    let own = opd_kept_equals_computed(ctx, &app, &w, sub, "sub-unit an OPD").await;
    assert_eq!(
        (&row(&own, w.t1)["enrolled"], &row(&own, w.t1)["responses"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(rate(&own, w.t1), (json!(0), json!(0), Value::Null));
    opd_kept_equals_computed(ctx, &app, &w, w.unit_b, "sub-unit an OPD").await;

    // B is placed under A: its answer goes with it, and t1's four answers are all A's.
    patch(
        &app,
        &format!("/api/v1/units/{}", w.unit_b),
        &w.admin,
        json!({"parent_id": w.unit_a}),
    )
    .await
    .expect(200);
    let a = opd_kept_equals_computed(ctx, &app, &w, w.unit_a, "B under A").await;
    assert_eq!(
        (&row(&a, w.t1)["responses"], &row(&a, w.t1)["suppressed"]),
        (&json!(4), &json!(false))
    );
    assert_eq!(rate(&a, w.t1), (json!(4), json!(4), json!(1.0)));
    assert_eq!(
        ctx.count(&format!("unit_evaluations WHERE unit_id = {}", w.unit_b)),
        0
    );
}

on_each_backend!(
    training_evaluation_is_kept_per_opd,
    opd_evaluations_are_kept
);
