//! Certificates: numbers and codes issued with completions (every write path), unique, revoked
//! when a completion is undone; the public check (no token, NIP masked, rate limited); the PDF,
//! whose QR code is decoded back to the verification URL.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{day, enrol, set, walk};
use crate::on_each_backend;

struct Held {
    admin: String,
    training: i64,
    unit: i64,
    people: Vec<i64>,
    enrolments: Vec<i64>,
}

/// A two-day workshop of 12 JP run with a university, held yesterday and the day before, with
/// four participants of one unit (the first titled).
async fn held<S: TestApp>(ctx: &Ctx, app: &S) -> Held {
    let admin = admin_token(app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let partner = post(
        app,
        "/api/v1/partners",
        &admin,
        json!({"name": "Universitas Bangka Belitung", "kind": "university"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let mut people = Vec::new();
    for (nip, name) in [
        ("198503102010011001", "Rina Wati"),
        ("199001012015012001", "Budi"),
        ("199203152019031004", "Cici"),
        ("198812122012121002", "Dodi"),
    ] {
        let r = post(app, "/api/v1/employees", &admin, json!({"nip": nip, "name": name, "asn_type": "pns", "unit_id": unit, "front_title": "Dr.", "back_title": "S.Kom."})).await;
        r.expect(201);
        people.push(r.body["id"].as_i64().unwrap());
    }
    let r = post(
        app,
        "/api/v1/trainings",
        &admin,
        json!({"title": "Workshop SPBE", "form": "workshop", "mode": "in_person", "jp": 12,
        "start_date": day(-2), "end_date": day(-1), "partner_ids": [partner]}),
    )
    .await;
    r.expect(201);
    let training = r.body["id"].as_i64().unwrap();
    walk(app, &admin, training, &["planned", "open"]).await;
    let mut enrolments = Vec::new();
    for p in &people {
        enrolments.push(enrol(app, &admin, training, *p).await);
    }
    walk(app, &admin, training, &["ongoing"]).await;
    Held {
        admin,
        training,
        unit,
        people,
        enrolments,
    }
}

fn year_ago(offset: i64) -> i32 {
    use chrono::Datelike;
    (kompetensi::types::today() + chrono::Duration::days(offset)).year()
}

async fn issued(ctx: &Ctx) {
    let app = ctx.app().await;
    let h = held(ctx, &app).await;
    let (t, e) = (h.training, &h.enrolments);
    let admin = &h.admin;

    // A completion gets the next number of its training and a code; a second one the next.
    let r = patch(
        &app,
        &format!("/api/v1/enrolments/{}", e[0]),
        admin,
        json!({"status": "completed"}),
    )
    .await;
    r.expect(200);
    let year = year_ago(-1);
    assert_eq!(
        r.body["certificate_number"],
        format!("{year}/{t}/0001"),
        "{}",
        r.text
    );
    let code = r.body["verification_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 32);
    assert!(code.chars().all(|c| c.is_ascii_hexdigit()));
    // Bulk: two completions in one request draw two numbers.
    let r = post(&app, &format!("/api/v1/trainings/{t}/enrolments/bulk-update"), admin,
        json!({"items": [{"enrolment_id": e[1], "status": "completed"}, {"enrolment_id": e[2], "status": "completed", "certificate_number": "UBB/WS/77"}]})).await;
    r.expect(200);
    let numbers: Vec<Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["certificate_number"].clone())
        .collect();
    assert_eq!(
        numbers,
        [json!(format!("{year}/{t}/0002")), json!("UBB/WS/77")],
        "a number given is kept"
    );
    let codes: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["verification_code"].as_str().unwrap())
        .collect();
    assert!(codes[0] != codes[1] && codes[0] != code);

    // A number another completion has is 409, and nothing changes.
    let before = get(&app, &format!("/api/v1/enrolments/{}", e[3]), admin).await;
    patch(
        &app,
        &format!("/api/v1/enrolments/{}", e[3]),
        admin,
        json!({"status": "completed", "certificate_number": "UBB/WS/77"}),
    )
    .await
    .problem(409, "conflict");
    let r = post(&app, &format!("/api/v1/trainings/{t}/enrolments/bulk-update"), admin,
        json!({"items": [{"enrolment_id": e[3], "status": "completed", "certificate_number": format!("{year}/{t}/0001")}]})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(
        get(&app, &format!("/api/v1/enrolments/{}", e[3]), admin)
            .await
            .body,
        before.body
    );

    // The public check: no token, the NIP masked, any case of the code.
    let check = |code: String| {
        let app = &app;
        async move {
            send(
                app,
                TestRequest::get().uri(&format!("/api/v1/verify/{code}")),
            )
            .await
        }
    };
    let r = check(code.to_lowercase()).await;
    r.expect(200);
    assert_eq!(
        r.body,
        json!({"valid": true, "name": "Dr. Rina Wati, S.Kom.", "nip_masked": "1985************01", "training_title": "Workshop SPBE",
               "start_date": day(-2), "end_date": day(-1), "jp": 12, "institution": "Universitas Bangka Belitung",
               "certificate_number": format!("{year}/{t}/0001")})
    );
    check("0".repeat(32)).await.problem(404, "not_found");
    check("short".into())
        .await
        .problem(422, "validation_failed");
    check("x".repeat(65))
        .await
        .problem(422, "validation_failed");
    check(format!("{}-", &code[..20]))
        .await
        .problem(422, "validation_failed");

    // Undone: the code no longer verifies and the number is gone; done again, a new pair.
    set(&app, admin, e[0], json!({"status": "attended"})).await;
    let r = get(&app, &format!("/api/v1/enrolments/{}", e[0]), admin).await;
    assert_eq!(
        (
            r.body["certificate_number"].clone(),
            r.body["verification_code"].clone()
        ),
        (Value::Null, Value::Null)
    );
    check(code.clone()).await.problem(404, "not_found");
    let r = patch(
        &app,
        &format!("/api/v1/enrolments/{}", e[0]),
        admin,
        json!({"status": "completed"}),
    )
    .await;
    assert_eq!(r.body["certificate_number"], format!("{year}/{t}/0003"));
    assert_ne!(r.body["verification_code"], json!(code));

    // Another format, from the next completion on; formats that could repeat a number are refused.
    for bad in [
        "{year}/{seq}",
        "{name}-{enrolment_id}",
        "{training_id}/{seq:4}",
        "",
    ] {
        patch(
            &app,
            "/api/v1/settings",
            admin,
            json!({"certificate_number_format": bad}),
        )
        .await
        .problem(422, "validation_failed");
    }
    for bad in [
        "ftp://x",
        "https://",
        "https://kompetensi.example.go.id/",
        "https://a b",
        "https://x?y=1",
    ] {
        patch(
            &app,
            "/api/v1/settings",
            admin,
            json!({"public_base_url": bad}),
        )
        .await
        .problem(422, "validation_failed");
    }
    patch(
        &app,
        "/api/v1/settings",
        admin,
        json!({"certificate_number_format": "STTPL-{enrolment_id}"}),
    )
    .await
    .expect(200);
    let r = patch(
        &app,
        &format!("/api/v1/enrolments/{}", e[3]),
        admin,
        json!({"status": "completed"}),
    )
    .await;
    assert_eq!(r.body["certificate_number"], format!("STTPL-{}", e[3]));

    // Every completion's code is unique in the database.
    let log = get(&app, &format!("/api/v1/trainings/{t}/enrolments"), admin).await;
    let mut all: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["verification_code"].as_str().unwrap())
        .collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 4);
    let _ = (h.unit, &h.people);
}
on_each_backend!(certificates_are_numbered_verified_and_revoked, issued);

async fn limited(ctx: &Ctx) {
    let app = ctx.app().await;
    let check = |ip: &'static str| {
        let app = &app;
        async move {
            let req = TestRequest::get().uri(&format!("/api/v1/verify/{}", "A".repeat(32)));
            let req = req.peer_addr(ip.parse().unwrap()).to_request();
            let res = actix_web::test::call_service(app, req).await;
            (
                res.status().as_u16(),
                res.headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        }
    };
    for _ in 0..3 {
        assert_eq!(check("10.0.0.1:5000").await.0, 404);
    }
    let (status, retry) = check("10.0.0.1:5000").await;
    assert_eq!(status, 429);
    assert!(retry.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    assert_eq!(
        check("10.0.0.2:5000").await.0,
        404,
        "another address has its own allowance"
    );
}
on_each_backend!(
    certificate_checks_are_rate_limited_per_address,
    limited,
    |c| c.verify_per_minute = 3
);

/// The QR code's text, decoded from the image the PDF draws.
fn qr_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
    assert_eq!(doc.get_pages().len(), 1, "one page");
    let image = doc
        .objects
        .values()
        .find_map(|o| match o {
            lopdf::Object::Stream(s)
                if s.dict.get(b"Subtype").ok().and_then(|n| n.as_name().ok()) == Some(b"Image") =>
            {
                Some(s)
            }
            _ => None,
        })
        .expect("an image");
    let side = image.dict.get(b"Width").unwrap().as_i64().unwrap() as usize;
    let pixels = image.get_plain_content().unwrap();
    assert_eq!(pixels.len(), side * side);
    let scale = 6;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(side * scale, side * scale, |x, y| {
            pixels[(y / scale) * side + x / scale]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().expect("a readable QR code").1
}

async fn pdf(ctx: &Ctx) {
    let app = ctx.app().await;
    let h = held(ctx, &app).await;
    let admin = &h.admin;
    let done = patch(
        &app,
        &format!("/api/v1/enrolments/{}", h.enrolments[0]),
        admin,
        json!({"status": "completed"}),
    )
    .await;
    done.expect(200);
    let code = done.body["verification_code"].as_str().unwrap().to_string();
    let path = format!("/api/v1/enrolments/{}/certificate.pdf", h.enrolments[0]);

    let r = get(&app, &path, admin).await;
    r.expect(200);
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!(
            "attachment; filename=\"sertifikat-{}.pdf\"",
            h.enrolments[0]
        )
    );
    assert!(r.bytes.starts_with(b"%PDF-"));
    // Without the setting, the QR code points at this service as the request reached it.
    let url = qr_text(&r.bytes);
    assert!(
        url.starts_with("http://") && url.ends_with(&format!("/api/v1/verify/{code}")),
        "{url}"
    );
    let text = String::from_utf8_lossy(&r.bytes);
    for shown in [
        "Dr. Rina Wati, S.Kom.",
        "NIP 198503102010011001",
        "Workshop SPBE",
        "12 JP",
        "Universitas Bangka Belitung",
    ] {
        assert!(text.contains(shown), "the page shows {shown}");
    }
    // The path in the QR code is the public check.
    let verify = url.split_once("/api/v1").unwrap().1;
    send(&app, TestRequest::get().uri(&format!("/api/v1{verify}")))
        .await
        .expect(200);

    patch(
        &app,
        "/api/v1/settings",
        admin,
        json!({"public_base_url": "https://kompetensi.pangkalpinangkota.go.id/api/v1"}),
    )
    .await
    .expect(200);
    let r = get(&app, &path, admin).await;
    assert_eq!(
        qr_text(&r.bytes),
        format!("https://kompetensi.pangkalpinangkota.go.id/api/v1/verify/{code}")
    );

    // Who may: the participant, their unit manager, staff; not another employee, another unit's
    // manager, a client without records:read; nothing for an enrolment not completed.
    let own = user_with_role(
        &app,
        admin,
        "rina",
        "employee",
        json!({"employee_id": h.people[0]}),
    )
    .await;
    let other = user_with_role(
        &app,
        admin,
        "budi",
        "employee",
        json!({"employee_id": h.people[1]}),
    )
    .await;
    let mgr = user_with_role(
        &app,
        admin,
        "mgr.bkpsdm",
        "unit_manager",
        json!({"unit_id": h.unit}),
    )
    .await;
    let elsewhere = ctx.insert_unit("DINKES", None);
    let stranger = user_with_role(
        &app,
        admin,
        "mgr.dinkes",
        "unit_manager",
        json!({"unit_id": elsewhere}),
    )
    .await;
    let operator = user_with_role(&app, admin, "operator1", "operator", json!({})).await;
    for token in [&own, &mgr, &operator] {
        get(&app, &path, token).await.expect(200);
    }
    for token in [&other, &stranger] {
        get(&app, &path, token).await.problem(404, "not_found");
    }
    send(&app, TestRequest::get().uri(&path))
        .await
        .problem(401, "unauthorized");
    get(
        &app,
        &format!("/api/v1/enrolments/{}/certificate.pdf", h.enrolments[1]),
        admin,
    )
    .await
    .problem(404, "not_found");
    get(&app, "/api/v1/enrolments/999999/certificate.pdf", admin)
        .await
        .problem(404, "not_found");
    get(&app, "/api/v1/enrolments/x/certificate.pdf", admin)
        .await
        .problem(422, "validation_failed");
    let _ = h.training;
}
on_each_backend!(certificate_pdf_carries_a_qr_code_of_the_check, pdf);
