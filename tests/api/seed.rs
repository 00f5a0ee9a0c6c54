//! `seed-demo`: a believable, valid and idempotent demo set.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

async fn seed(ctx: &Ctx) {
    let first = kompetensi::seed::seed_demo(&ctx.state.pool, 150).expect("seed");
    assert_eq!(first.employees, 150);
    assert!(
        first.units >= 5 && first.positions > 0 && first.assessments > 0 && first.partners >= 3,
        "{first:?}"
    );
    let kept = [
        "trainings",
        "enrolments",
        "training_sessions",
        "session_attendance",
        "plans",
        "plan_items",
        "training_quotas",
    ];
    let before: Vec<i64> = kept.iter().map(|t| ctx.count(t)).collect();
    assert!(before.iter().all(|n| *n > 0), "{kept:?}: {before:?}");
    let again = kompetensi::seed::seed_demo(&ctx.state.pool, 150).expect("seed again");
    assert_eq!(
        kept.iter().map(|t| ctx.count(t)).collect::<Vec<_>>(),
        before,
        "{kept:?}: a second run adds nothing"
    );
    assert_eq!(
        (
            again.units,
            again.competencies,
            again.positions,
            again.employees,
            again.assessments,
            again.partners
        ),
        (0, 0, 0, 0, 0, 0),
        "a second run adds nothing"
    );
    assert_eq!(ctx.count("employees"), 150);

    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let mut nips = Vec::new();
    for page in 1..=2 {
        let r = get(
            &app,
            &format!("/api/v1/employees?per_page=100&page={page}"),
            &admin,
        )
        .await;
        for e in r.body["items"].as_array().unwrap() {
            let nip = e["nip"].as_str().unwrap().to_string();
            let asn = e["asn_type"].as_str().unwrap();
            let today = kompetensi::types::today();
            assert_eq!(
                kompetensi::employees::nip::problem(&nip, asn.parse().unwrap(), today),
                None,
                "{nip} ({asn}) is valid"
            );
            let grade = e["rank_grade"].as_str().unwrap();
            assert_eq!(
                kompetensi::employees::nip::grade_problem(grade, asn.parse().unwrap()),
                None,
                "{grade} ({asn}) is valid"
            );
            nips.push(nip);
        }
    }
    assert_eq!(nips.len(), 150);
    let managerial = get(
        &app,
        "/api/v1/competencies?kind=managerial&per_page=100",
        &admin,
    )
    .await;
    let codes: Vec<&str> = managerial.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08"]
    );
    assert!(managerial.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["levels"].as_array().map(Vec::len) == Some(5)));
    let sk = get(&app, "/api/v1/competencies?kind=socio_cultural", &admin).await;
    assert_eq!(sk.body["items"][0]["code"], "SK.01");
    let kinds: Vec<Value> = get(&app, "/api/v1/partners", &admin).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].clone())
        .collect();
    assert!(kinds.contains(&Value::from("university")) && kinds.contains(&Value::from("ngo")));
    // Trainings in every form, with enrolments, scores and completions.
    let forms = [
        "pelatihan",
        "seminar",
        "workshop",
        "kursus",
        "bimtek",
        "sosialisasi",
        "e_learning",
        "coaching",
        "mentoring",
        "magang",
        "other",
    ];
    for form in forms {
        let r = get(&app, &format!("/api/v1/trainings?form={form}"), &admin).await;
        assert!(r.body["total"].as_i64().unwrap() >= 1, "a {form} training");
    }
    assert!(first.trainers >= 4 && first.enrolments > 0, "{first:?}");
    let done = get(
        &app,
        "/api/v1/trainings?status=completed&per_page=1",
        &admin,
    )
    .await;
    let tid = done.body["items"][0]["id"]
        .as_i64()
        .expect("a completed training");
    let list = get(
        &app,
        &format!("/api/v1/trainings/{tid}/enrolments?status=completed&per_page=1"),
        &admin,
    )
    .await;
    let e = &list.body["items"][0];
    assert!(
        e["jp_credited"].as_i64().unwrap() > 0 && e["post_test_score"].is_number(),
        "{e}"
    );
    assert!(done.body["items"][0]["enrolled_count"].as_i64().unwrap() > 0);
    // The Sekda and the heads of OPD are JPT Pratama (level 4); heads of a bagian or bidang
    // are administrators (level 3).
    let positions = get(&app, "/api/v1/positions?per_page=100", &admin).await;
    let of = |name: &str| {
        positions.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {}", positions.text))
    };
    let sekda = of("Sekretaris Daerah Kota Pangkalpinang");
    assert_eq!(sekda["kind"], "jpt");
    let standard = get(
        &app,
        &format!("/api/v1/positions/{}/standards", sekda["id"]),
        &admin,
    )
    .await;
    assert!(
        standard
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["required_level"] == 4),
        "{}",
        standard.text
    );
    let heads_of_parts: Vec<Value> = positions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "administrator")
        .cloned()
        .collect();
    assert!(!heads_of_parts.is_empty(), "{}", positions.text);
    // External learning: verified, waiting and rejected ones.
    for status in ["verified", "pending", "rejected"] {
        let r = get(
            &app,
            &format!("/api/v1/external-learning?status={status}"),
            &admin,
        )
        .await;
        assert!(
            r.body["total"].as_i64().unwrap() >= 1,
            "{status}: {}",
            r.text
        );
    }
    // The evaluation loop: a programme whose first run's method was flagged, an improvement
    // action naming the next run, and that run better on the method.
    let programmes = get(&app, "/api/v1/programmes?q=PRG-01", &admin).await;
    let programme = programmes.body["items"][0]["id"]
        .as_i64()
        .expect("the programme");
    let trends = get(
        &app,
        &format!("/api/v1/reports/programme-trends?programme_id={programme}"),
        &admin,
    )
    .await;
    let runs = trends.body["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "{}", trends.text);
    assert!(
        runs[0]["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("method")),
        "{}",
        trends.text
    );
    let method = trends.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["aspect"] == "method" && c["from_training_id"] == runs[0]["training_id"])
        .expect("the method's change");
    assert_eq!(
        (method["was_flagged"].clone(), method["now_flagged"].clone()),
        (json!(true), json!(false))
    );
    assert!(method["delta_mean"].as_f64().unwrap() > 0.0);
    let actions = get(
        &app,
        &format!(
            "/api/v1/improvement-actions?training_id={}",
            runs[0]["training_id"]
        ),
        &admin,
    )
    .await;
    assert!(actions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["aspect"] == "method" && a["next_training_id"] == runs[1]["training_id"]));
    let evaluation = get(
        &app,
        &format!(
            "/api/v1/reports/training-evaluation?training_id={}",
            runs[0]["training_id"]
        ),
        &admin,
    )
    .await;
    assert!(!evaluation.body["items"][0]["unaddressed_flags"]
        .as_array()
        .unwrap()
        .contains(&json!("method")));
    let transfer = get(&app, "/api/v1/reports/transfer", &admin).await;
    assert!(
        transfer.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["reviewed"].as_i64() > Some(0)),
        "{}",
        transfer.text
    );
    // Profiles of seeded employees compute.
    let r = get(&app, "/api/v1/employees?per_page=1", &admin).await;
    let id = r.body["items"][0]["id"].as_i64().unwrap();
    get(
        &app,
        &format!("/api/v1/employees/{id}/competency-profile"),
        &admin,
    )
    .await
    .expect(200);
}
on_each_backend!(seed_demo_is_valid_and_idempotent, seed);
