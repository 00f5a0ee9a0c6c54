//! Sessions: the schedule within the training's days and JP, attendance per session and the
//! attendance percentage derived from it (and the minimum-attendance rule reading it), and the
//! JP each speaker taught.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{day, enrol, set, walk};
use crate::on_each_backend;

fn id(r: &Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text))
}

async fn put_attendance<S: TestApp>(app: &S, token: &str, session: i64, body: Value) -> Resp {
    send(
        app,
        auth(
            TestRequest::put().uri(&format!("/api/v1/sessions/{session}/attendance")),
            token,
        )
        .set_json(body),
    )
    .await
}

async fn attendance_of<S: TestApp>(app: &S, token: &str, enrolment: i64) -> Value {
    get(app, &format!("/api/v1/enrolments/{enrolment}"), token)
        .await
        .body["attendance_percent"]
        .clone()
}

async fn sessions(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("A", None);
    let a1 = ctx.insert_employee("198503102010011001", unit);
    let a2 = ctx.insert_employee("199001012015012001", unit);
    let a3 = ctx.insert_employee("198812122012121002", unit);
    let manager = user_with_role(
        &app,
        &admin,
        "mgr",
        "unit_manager",
        json!({"unit_id": unit}),
    )
    .await;
    let employee =
        user_with_role(&app, &admin, "ani", "employee", json!({"employee_id": a1})).await;
    let mut trainers = Vec::new();
    for (name, kind) in [("Dr. Rahmat", "external"), ("Sari, M.Si.", "external")] {
        trainers.push(id(&post(
            &app,
            "/api/v1/trainers",
            &admin,
            json!({"name": name, "kind": kind}),
        )
        .await));
    }
    let (t1, t2) = (trainers[0], trainers[1]);
    let (first, second) = (day(-1), day(0));
    let training = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({
        "title": "Pelatihan Pelayanan Prima", "form": "workshop", "mode": "in_person", "jp": 10,
        "start_date": first, "end_date": second, "trainer_ids": [t1, t2]}),
    )
    .await);
    walk(&app, &admin, training, &["planned", "open"]).await;
    let sessions = format!("/api/v1/trainings/{training}/sessions");
    let session = |title: &str, on: &str, hours: (u32, u32), jp: i64, speakers: Vec<i64>| {
        json!({"title": title, "starts_at": format!("{on}T{:02}:00:00Z", hours.0),
               "ends_at": format!("{on}T{:02}:00:00Z", hours.1), "jp": jp, "trainer_ids": speakers})
    };
    // Bad sessions: inverted times, outside the training's days, beyond its JP, an unknown
    // speaker; and not by a unit manager.
    post(
        &app,
        &sessions,
        &admin,
        session("x", &first, (5, 2), 2, vec![]),
    )
    .await
    .invalid("ends_at");
    post(
        &app,
        &sessions,
        &admin,
        session("x", &day(1), (1, 2), 2, vec![]),
    )
    .await
    .invalid("starts_at");
    // The days are the city's (WIB, UTC+7): 00:30 after the last day is 17:30 UTC on it.
    post(
        &app,
        &sessions,
        &admin,
        json!({"title": "x", "starts_at": format!("{second}T17:30:00Z"),
               "ends_at": format!("{second}T18:30:00Z"), "jp": 1}),
    )
    .await
    .invalid("starts_at");
    post(
        &app,
        &sessions,
        &admin,
        session("x", &first, (1, 2), 11, vec![]),
    )
    .await
    .invalid("jp");
    post(
        &app,
        &sessions,
        &admin,
        session("x", &first, (1, 2), 2, vec![999_999]),
    )
    .await
    .invalid("trainer_ids");
    post(
        &app,
        &sessions,
        &admin,
        json!({"title": "x", "starts_at": "kemarin", "ends_at": "besok", "jp": 2}),
    )
    .await
    .expect(422);
    post(
        &app,
        &sessions,
        &manager,
        session("x", &first, (1, 2), 2, vec![]),
    )
    .await
    .problem(403, "forbidden");
    let s1 = post(
        &app,
        &sessions,
        &admin,
        // 06:30 to 09:30 in the city on the first day: 23:30 UTC the day before.
        json!({"title": "Standar Pelayanan", "starts_at": format!("{}T23:30:00Z", day(-2)),
               "ends_at": format!("{first}T02:30:00Z"), "jp": 4, "trainer_ids": [t1]}),
    )
    .await;
    s1.expect(201);
    assert_eq!(
        s1.header("location").as_deref(),
        Some(format!("/api/v1/sessions/{}", id(&s1)).as_str())
    );
    let s1 = id(&s1);
    let s2 = id(&post(
        &app,
        &sessions,
        &admin,
        session("Maklumat Layanan", &first, (5, 8), 4, vec![t1, t2]),
    )
    .await);
    let s3 = id(&post(
        &app,
        &sessions,
        &admin,
        session("Pengaduan", &second, (1, 3), 2, vec![t2]),
    )
    .await);
    post(
        &app,
        &sessions,
        &admin,
        session("Lebih", &second, (4, 5), 1, vec![]),
    )
    .await
    .invalid("jp");
    let listed = get(&app, &sessions, &employee).await;
    listed.expect(200);
    let order: Vec<i64> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![s1, s2, s3]);

    let e1 = enrol(&app, &admin, training, a1).await;
    let e2 = enrol(&app, &admin, training, a2).await;
    let e3 = enrol(&app, &admin, training, a3).await;
    // Not before the training is held.
    put_attendance(
        &app,
        &admin,
        s1,
        json!([{"enrolment_id": e1, "present": true}]),
    )
    .await
    .problem(409, "training_not_held");
    walk(&app, &admin, training, &["ongoing"]).await;
    put_attendance(
        &app,
        &manager,
        s1,
        json!([{"enrolment_id": e1, "present": true}]),
    )
    .await
    .problem(403, "forbidden");
    put_attendance(
        &app,
        &admin,
        s1,
        json!([{"enrolment_id": 999_999, "present": true}]),
    )
    .await
    .invalid("items[0].enrolment_id");
    put_attendance(
        &app,
        &admin,
        s1,
        json!([{"enrolment_id": e1, "present": true}, {"enrolment_id": e1, "present": false}]),
    )
    .await
    .expect(422);
    put_attendance(
        &app,
        &admin,
        s1,
        json!([{"enrolment_id": e1, "present": "ya"}]),
    )
    .await
    .expect(422);
    // 4 + 4 + 2 JP: a1 at the first and the last (60 %), a2 at all (100 %), a3 unrecorded.
    for (s, present) in [(s1, [true, true]), (s2, [false, true]), (s3, [true, true])] {
        let r = put_attendance(&app, &admin, s, json!([
            {"enrolment_id": e1, "present": present[0]}, {"enrolment_id": e2, "present": present[1]}])).await;
        r.expect(200);
    }
    assert_eq!(
        get(&app, &format!("/api/v1/sessions/{s2}/attendance"), &admin)
            .await
            .body,
        json!([{"enrolment_id": e1, "present": false}, {"enrolment_id": e2, "present": true}])
    );
    get(&app, &format!("/api/v1/sessions/{s2}/attendance"), &manager)
        .await
        .problem(403, "forbidden");
    assert_eq!(attendance_of(&app, &admin, e1).await, json!(60));
    assert_eq!(attendance_of(&app, &admin, e2).await, json!(100));
    assert_eq!(attendance_of(&app, &admin, e3).await, Value::Null);
    // The server keeps it: not set by hand; and the minimum-attendance rule reads it.
    patch(
        &app,
        &format!("/api/v1/enrolments/{e1}"),
        &admin,
        json!({"attendance_percent": 90}),
    )
    .await
    .problem(409, "conflict");
    patch(
        &app,
        &format!("/api/v1/enrolments/{e1}"),
        &admin,
        json!({"status": "completed"}),
    )
    .await
    .problem(422, "attendance_below_minimum");
    set(&app, &admin, e2, json!({"status": "completed"})).await;
    // A session's JP moves the figure: 4 + 2 of 8.
    patch(
        &app,
        &format!("/api/v1/sessions/{s2}"),
        &admin,
        json!({"jp": 2}),
    )
    .await
    .expect(200);
    assert_eq!(attendance_of(&app, &admin, e1).await, json!(75));
    // Withdrawn participants are not marked.
    set(&app, &admin, e3, json!({"status": "withdrawn"})).await;
    put_attendance(
        &app,
        &admin,
        s1,
        json!([{"enrolment_id": e3, "present": true}]),
    )
    .await
    .invalid("items[0].enrolment_id");

    // What each speaker taught: t1 s1 (4) and s2 (2), t2 s2 (2) and s3 (2); the first day only
    // with `to` (s1 starts on it in the city, the day before in UTC).
    let hours = get(&app, "/api/v1/reports/trainer-hours", &admin).await;
    hours.expect(200);
    assert_eq!(
        hours.body,
        json!({"items": [
        {"trainer_id": t1, "name": "Dr. Rahmat", "kind": "external", "sessions": 2, "jp_taught": 6},
        {"trainer_id": t2, "name": "Sari, M.Si.", "kind": "external", "sessions": 2, "jp_taught": 4}]})
    );
    let first_day = get(
        &app,
        &format!("/api/v1/reports/trainer-hours?from={first}&to={first}"),
        &admin,
    )
    .await;
    assert_eq!(
        first_day.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["sessions"].as_i64().unwrap(),
                r["jp_taught"].as_i64().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![(2, 6), (1, 2)]
    );
    let csv = get(&app, "/api/v1/reports/trainer-hours.csv", &admin).await;
    assert_eq!(
        csv.text,
        format!("trainer_id,name,kind,sessions,jp_taught\n{t1},Dr. Rahmat,external,2,6\n{t2},\"Sari, M.Si.\",external,2,4\n")
    );
    get(&app, "/api/v1/reports/trainer-hours", &employee)
        .await
        .problem(403, "forbidden");
    get(&app, "/api/v1/reports/trainer-hours?from=kemarin", &admin)
        .await
        .invalid("from");

    // Deleting a session: its attendance goes, and the figure follows (a1: 4 of 6).
    delete(&app, &format!("/api/v1/sessions/{s3}"), &manager)
        .await
        .problem(403, "forbidden");
    delete(&app, &format!("/api/v1/sessions/{s3}"), &admin)
        .await
        .expect(204);
    assert_eq!(attendance_of(&app, &admin, e1).await, json!(66));
    get(&app, &format!("/api/v1/sessions/{s3}"), &admin)
        .await
        .problem(404, "not_found");
    // A draft's sessions are the training staff's.
    let draft = id(&post(
        &app,
        "/api/v1/trainings",
        &admin,
        json!({
        "title": "Draf", "form": "seminar", "mode": "in_person", "jp": 2,
        "start_date": day(30), "end_date": day(30)}),
    )
    .await);
    let hidden = id(&post(
        &app,
        &format!("/api/v1/trainings/{draft}/sessions"),
        &admin,
        session("Draf", &day(30), (1, 2), 2, vec![]),
    )
    .await);
    get(&app, &format!("/api/v1/sessions/{hidden}"), &employee)
        .await
        .problem(404, "not_found");
    get(
        &app,
        &format!("/api/v1/trainings/{draft}/sessions"),
        &employee,
    )
    .await
    .problem(404, "not_found");
}

on_each_backend!(sessions_attendance_and_trainer_hours, sessions);
