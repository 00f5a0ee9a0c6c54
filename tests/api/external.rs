//! External learning: filing (own and by staff), evidence checked by content, review, and what
//! verified learning counts in: the learning record, jp-compliance and the SIASN export.

use actix_web::test::TestRequest;
use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::day;
use crate::on_each_backend;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn evidence(token: &str, id: i64, content_type: &str, body: Vec<u8>, query: &str) -> TestRequest {
    auth(
        TestRequest::put().uri(&format!("/api/v1/external-learning/{id}/evidence{query}")),
        token,
    )
    .insert_header(("content-type", content_type))
    .set_payload(body)
}

async fn external(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let ani = ctx.insert_employee("198503102010011001", unit_a);
    let dodi = ctx.insert_employee("198812122012121002", unit_b);
    let own = user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": ani})).await;
    let other = user_with_role(
        &app,
        &admin,
        "dodi",
        "employee",
        json!({"employee_id": dodi}),
    )
    .await;
    let mgr_a = user_with_role(
        &app,
        &admin,
        "mgr.a",
        "unit_manager",
        json!({"unit_id": unit_a}),
    )
    .await;
    let mgr_b = user_with_role(
        &app,
        &admin,
        "mgr.b",
        "unit_manager",
        json!({"unit_id": unit_b}),
    )
    .await;
    let operator = user_with_role(&app, &admin, "operator1", "operator", json!({})).await;
    let year = kompetensi::types::today().format("%Y").to_string();
    // A MOOC finished this year (dates within the year, not in the future).
    let today = kompetensi::types::today();
    let start = today
        .with_ordinal(1)
        .unwrap()
        .max(today - chrono::Duration::days(20));
    let mooc = json!({"title": "Manajemen ASN Berbasis Sistem Merit", "provider": "LAN RI — ASN Unggul", "form": "e_learning",
        "start_date": start.to_string(), "end_date": today.to_string(), "jp": 15, "certificate_number": "ASNU-1"});

    // Bad input changes nothing.
    let mine = "/api/v1/me/external-learning";
    for (bad, field) in [
        (
            json!({"end_date": (start - chrono::Duration::days(1)).to_string()}),
            "end_date",
        ),
        (
            json!({"end_date": day(3), "start_date": day(1)}),
            "end_date",
        ),
        (json!({"jp": 0}), "jp"),
        (
            json!({"form": "seminar", "start_date": today.to_string(), "jp": 11}),
            "jp",
        ),
        (json!({"form": "mooc"}), "form"),
        (json!({"employee_id": dodi}), "employee_id"),
        (json!({"status": "verified"}), "status"),
    ] {
        let mut body = mooc.clone();
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(&app, mine, &own, body).await.invalid(field);
    }
    post(&app, mine, &mgr_a, mooc.clone())
        .await
        .problem(404, "not_found");
    post(&app, "/api/v1/external-learning", &admin, mooc.clone())
        .await
        .invalid("employee_id");
    post(
        &app,
        "/api/v1/external-learning",
        &own,
        json!({"employee_id": ani}),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(ctx.count("external_learning"), 0);

    let r = post(&app, mine, &own, mooc.clone()).await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        (
            r.body["status"].clone(),
            r.body["employee_id"].clone(),
            r.body["evidence"].clone()
        ),
        (json!("pending"), json!(ani), Value::Null)
    );
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/external-learning/{id}")
    );
    // Staff file someone's; a rejected one never counts.
    let mut seminar = mooc.clone();
    seminar["title"] = json!("Seminar Nasional Reformasi Birokrasi");
    seminar["employee_id"] = json!(ani);
    seminar["form"] = json!("seminar");
    seminar["start_date"] = json!(today.to_string());
    seminar["jp"] = json!(8);
    let rejected = post(&app, "/api/v1/external-learning", &operator, seminar).await;
    rejected.expect(201);
    let rejected = rejected.body["id"].as_i64().unwrap();

    // Evidence: checked by content, at most 5 MiB, served as what it is.
    let path = format!("/api/v1/external-learning/{id}/evidence");
    send(
        &app,
        evidence(
            &own,
            id,
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
            "",
        ),
    )
    .await
    .problem(415, "unsupported_media_type");
    send(&app, evidence(&own, id, "image/png", PDF.to_vec(), ""))
        .await
        .problem(415, "unsupported_media_type");
    send(
        &app,
        evidence(&own, id, "application/pdf", b"<html>not a pdf".to_vec(), ""),
    )
    .await
    .problem(415, "unsupported_media_type");
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    send(&app, evidence(&own, id, "application/pdf", big, ""))
        .await
        .problem(413, "payload_too_large");
    get(&app, &path, &own).await.problem(404, "not_found");
    send(
        &app,
        evidence(&other, id, "application/pdf", PDF.to_vec(), ""),
    )
    .await
    .problem(404, "not_found");
    send(
        &app,
        evidence(&mgr_a, id, "application/pdf", PDF.to_vec(), ""),
    )
    .await
    .problem(403, "forbidden");
    let r = send(
        &app,
        evidence(
            &own,
            id,
            "application/pdf",
            PDF.to_vec(),
            "?filename=sertifikat%20ASN.pdf",
        ),
    )
    .await;
    r.expect(200);
    assert_eq!(
        r.body["evidence"],
        json!({"filename": "sertifikat_ASN.pdf", "content_type": "application/pdf", "size": PDF.len()})
    );
    let r = send(&app, evidence(&own, id, "image/png", PNG.to_vec(), "")).await;
    assert_eq!(
        r.body["evidence"]["content_type"], "image/png",
        "a new file replaces the old"
    );
    for token in [&own, &mgr_a, &operator, &admin] {
        let r = get(&app, &path, token).await;
        r.expect(200);
        assert_eq!(r.bytes, PNG);
        assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            r.header("content-disposition").as_deref(),
            Some("attachment; filename=\"evidence.png\"")
        );
    }
    for token in [&other, &mgr_b] {
        get(&app, &path, token).await.problem(404, "not_found");
        get(&app, &format!("/api/v1/external-learning/{id}"), token)
            .await
            .problem(404, "not_found");
    }

    // Lists by reach.
    let list = |token: &str, q: &str| {
        let (app, q, token) = (&app, q.to_string(), token.to_string());
        async move { get(app, &format!("/api/v1/external-learning{q}"), &token).await }
    };
    assert_eq!(list(&admin, "?status=pending").await.body["total"], 2);
    assert_eq!(list(&mgr_a, "").await.body["total"], 2);
    assert_eq!(list(&mgr_b, "").await.body["total"], 0);
    assert_eq!(
        list(&mgr_b, &format!("?unit_id={unit_a}")).await.body["total"],
        0,
        "a filter cannot widen the scope"
    );
    list(&own, "").await.problem(403, "forbidden");
    list(&admin, "?status=maybe").await.invalid("status");
    assert_eq!(get(&app, mine, &own).await.body["total"], 2);
    assert_eq!(get(&app, mine, &other).await.body["total"], 0);

    // Not counted before review.
    let record = |token: &str| {
        let (app, token, year) = (&app, token.to_string(), year.clone());
        async move {
            get(
                app,
                &format!("/api/v1/employees/{ani}/learning-record?year={year}"),
                &token,
            )
            .await
        }
    };
    assert_eq!(record(&admin).await.body["jp_total"], 0);

    // Review: staff only, once.
    let review = format!("/api/v1/external-learning/{id}/review");
    post(&app, &review, &own, json!({"decision": "verified"}))
        .await
        .problem(403, "forbidden");
    post(&app, &review, &mgr_a, json!({"decision": "verified"}))
        .await
        .problem(403, "forbidden");
    post(&app, &review, &operator, json!({"decision": "approved"}))
        .await
        .invalid("decision");
    let r = post(
        &app,
        &review,
        &operator,
        json!({"decision": "verified", "note": "Sesuai data ASN Unggul"}),
    )
    .await;
    r.expect(200);
    assert_eq!(
        (r.body["status"].clone(), r.body["review_note"].clone()),
        (json!("verified"), json!("Sesuai data ASN Unggul"))
    );
    assert!(r.body["reviewed_at"].is_string() && r.body["reviewed_by"].is_i64());
    post(&app, &review, &operator, json!({"decision": "rejected"}))
        .await
        .problem(409, "conflict");
    post(
        &app,
        &format!("/api/v1/external-learning/{rejected}/review"),
        &admin,
        json!({"decision": "rejected", "note": "Sertifikat tidak terbaca"}),
    )
    .await
    .expect(200);
    // Decided learning is not changed by its owner any more.
    patch(
        &app,
        &format!("/api/v1/external-learning/{id}"),
        &own,
        json!({"jp": 40}),
    )
    .await
    .problem(409, "conflict");
    send(
        &app,
        evidence(&own, id, "application/pdf", PDF.to_vec(), ""),
    )
    .await
    .problem(409, "conflict");
    delete(&app, &format!("/api/v1/external-learning/{id}"), &own)
        .await
        .problem(409, "conflict");

    // Counted: the learning record, jp-compliance, the SIASN export.
    let r = record(&own).await;
    assert_eq!(r.body["jp_total"], 15, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "the rejected one is not in the record: {}",
        r.text
    );
    assert_eq!(
        (
            items[0]["source"].clone(),
            items[0]["external_learning_id"].clone(),
            items[0]["enrolment_id"].clone(),
            items[0]["jp"].clone()
        ),
        (json!("external"), json!(id), Value::Null, json!(15))
    );
    let mine_record = get(
        &app,
        &format!("/api/v1/me/learning-record?year={year}"),
        &own,
    )
    .await;
    assert_eq!(mine_record.body["jp_total"], 15);
    let compliance = get(
        &app,
        &format!("/api/v1/reports/jp-compliance?year={year}"),
        &admin,
    )
    .await;
    let ani_row = compliance.body["below_target"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["employee_id"] == ani)
        .cloned();
    assert_eq!(
        ani_row.map(|b| b["jp_total"].clone()),
        Some(json!(15)),
        "{}",
        compliance.text
    );
    let export = get(&app, "/api/v1/exports/siasn/course-records", &admin).await;
    let key = format!("E{id}");
    let rec = export.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_key"] == key.as_str())
        .cloned()
        .expect("the E record");
    assert_eq!(
        (
            rec["source"].clone(),
            rec["institusi_penyelenggara"].clone(),
            rec["jumlah_jam"].clone(),
            rec["nomor_sertipikat"].clone(),
            rec["jenis_diklat_id"].clone()
        ),
        (
            json!("external"),
            json!("LAN RI — ASN Unggul"),
            json!(15),
            json!("ASNU-1"),
            json!(3)
        )
    );
    assert_eq!(export.body["total"], 1);
    let csv = get(&app, "/api/v1/exports/siasn/course-records.csv", &admin).await;
    assert!(
        csv.text
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("{key},external,"))),
        "{}",
        csv.text
    );
    // Sent to SIASN, then the employee's record changes: it comes back.
    post(
        &app,
        "/api/v1/exports/siasn/course-records/sync",
        &admin,
        json!({"items": [{"record_key": key, "siasn_riwayat_id": "R-1"}]}),
    )
    .await
    .expect(200);
    post(
        &app,
        "/api/v1/exports/siasn/course-records/sync",
        &admin,
        json!({"items": [{"record_key": format!("E{rejected}"), "siasn_riwayat_id": "R-2"}]}),
    )
    .await
    .problem(422, "validation_failed");
    let unsynced = "/api/v1/exports/siasn/course-records?unsynced=true";
    assert_eq!(get(&app, unsynced, &admin).await.body["total"], 0);
    patch(
        &app,
        &format!("/api/v1/employees/{ani}"),
        &admin,
        json!({"name": "Ani Lestari"}),
    )
    .await
    .expect(200);
    assert_eq!(
        get(&app, unsynced, &admin).await.body["items"][0]["record_key"],
        key.as_str()
    );

    // Staff delete verified learning: it stops counting, and its file goes with it.
    delete(&app, &format!("/api/v1/external-learning/{id}"), &admin)
        .await
        .expect(204);
    assert_eq!(record(&admin).await.body["jp_total"], 0);
    assert_eq!(ctx.count("evidence_files"), 0);
    get(&app, &path, &admin).await.problem(404, "not_found");
}
on_each_backend!(external_learning_counts_once_verified, external);
