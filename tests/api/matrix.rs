//! The security matrix: every operation of the served spec × every kind of caller, from one
//! table (`TABLE`). A caller the table does not name must be refused (401 without a token, 403
//! with one) and must not reach the operation; a named caller must get past authorisation. Then
//! object-level checks with another unit's objects (404, as if they did not exist) and mass
//! assignment attempts (422, nothing changed). Token misuse (expired, wrong audience or issuer,
//! other algorithm, refresh as access, tampered signature) is in `auth.rs`.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Employee,
    /// A unit manager of another unit than the objects used.
    Manager,
    Operator,
    Admin,
    /// An API client holding only `reports:read`.
    ReportsClient,
}
use Who::*;

const CALLERS: [Who; 6] = [Anonymous, Employee, Manager, Operator, Admin, ReportsClient];

/// Who may call an operation.
#[derive(Debug, Clone, Copy)]
enum May {
    /// Anyone: the operation authenticates by its body (sign-in, tokens) or not at all.
    Anyone,
    Only(&'static [Who]),
}
use May::*;

const SIGNED_IN: May = Only(&[Employee, Manager, Operator, Admin]);
const READERS: May = Only(&[Manager, Operator, Admin]);
const STAFF: May = Only(&[Operator, Admin]);
const ADMIN: May = Only(&[Admin]);
const REPORTS: May = Only(&[Manager, Operator, Admin, ReportsClient]);

/// (method, path, who may). `{e}` is an employee, `{t}` a training, `{n}` an enrolment, `{u}` a
/// unit, `{p}` a position, `{x}` an id that does not exist (so that allowed deletes change
/// nothing).
const TABLE: &[(&str, &str, May)] = &[
    ("GET", "/health/live", Anyone),
    ("GET", "/health/ready", Anyone),
    ("POST", "/api/v1/auth/login", Anyone),
    ("POST", "/api/v1/auth/refresh", Anyone),
    ("POST", "/api/v1/auth/logout", Anyone),
    ("POST", "/api/v1/auth/token", Anyone),
    ("GET", "/api/v1/auth/me", SIGNED_IN),
    ("PUT", "/api/v1/auth/password", SIGNED_IN),
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{x}", ADMIN),
    ("PATCH", "/api/v1/users/{x}", ADMIN),
    ("DELETE", "/api/v1/users/{x}", ADMIN),
    ("GET", "/api/v1/api-clients", ADMIN),
    ("POST", "/api/v1/api-clients", ADMIN),
    ("GET", "/api/v1/api-clients/{x}", ADMIN),
    ("PATCH", "/api/v1/api-clients/{x}", ADMIN),
    ("DELETE", "/api/v1/api-clients/{x}", ADMIN),
    ("GET", "/api/v1/audit-log", ADMIN),
    ("GET", "/api/v1/settings", STAFF),
    ("PATCH", "/api/v1/settings", ADMIN),
    ("GET", "/api/v1/units", SIGNED_IN),
    ("POST", "/api/v1/units", STAFF),
    ("GET", "/api/v1/units/{u}", SIGNED_IN),
    ("PATCH", "/api/v1/units/{u}", STAFF),
    ("DELETE", "/api/v1/units/{x}", STAFF),
    ("GET", "/api/v1/units/{u}/tree", SIGNED_IN),
    ("GET", "/api/v1/competencies", SIGNED_IN),
    ("POST", "/api/v1/competencies", STAFF),
    ("GET", "/api/v1/competencies/{x}", SIGNED_IN),
    ("PATCH", "/api/v1/competencies/{x}", STAFF),
    ("DELETE", "/api/v1/competencies/{x}", STAFF),
    ("GET", "/api/v1/positions", SIGNED_IN),
    ("POST", "/api/v1/positions", STAFF),
    ("GET", "/api/v1/positions/{p}", SIGNED_IN),
    ("PATCH", "/api/v1/positions/{p}", STAFF),
    ("DELETE", "/api/v1/positions/{x}", STAFF),
    ("GET", "/api/v1/positions/{p}/standards", SIGNED_IN),
    ("PUT", "/api/v1/positions/{p}/standards", STAFF),
    ("GET", "/api/v1/employees", READERS),
    ("POST", "/api/v1/employees", STAFF),
    ("POST", "/api/v1/employees/import", STAFF),
    ("GET", "/api/v1/employees/{e}", SIGNED_IN),
    ("PATCH", "/api/v1/employees/{e}", STAFF),
    ("DELETE", "/api/v1/employees/{x}", STAFF),
    ("GET", "/api/v1/employees/{e}/assessments", SIGNED_IN),
    ("POST", "/api/v1/employees/{e}/assessments", READERS),
    ("GET", "/api/v1/employees/{e}/competency-profile", SIGNED_IN),
    ("GET", "/api/v1/employees/{e}/learning-record", SIGNED_IN),
    ("GET", "/api/v1/me/competency-profile", SIGNED_IN),
    ("GET", "/api/v1/me/enrolments", SIGNED_IN),
    ("GET", "/api/v1/me/learning-record", SIGNED_IN),
    ("GET", "/api/v1/partners", SIGNED_IN),
    ("POST", "/api/v1/partners", STAFF),
    ("GET", "/api/v1/partners/{x}", SIGNED_IN),
    ("PATCH", "/api/v1/partners/{x}", STAFF),
    ("DELETE", "/api/v1/partners/{x}", STAFF),
    ("GET", "/api/v1/trainers", SIGNED_IN),
    ("POST", "/api/v1/trainers", STAFF),
    ("GET", "/api/v1/trainers/{x}", SIGNED_IN),
    ("PATCH", "/api/v1/trainers/{x}", STAFF),
    ("DELETE", "/api/v1/trainers/{x}", STAFF),
    ("GET", "/api/v1/trainings", SIGNED_IN),
    ("POST", "/api/v1/trainings", STAFF),
    ("GET", "/api/v1/trainings/{t}", SIGNED_IN),
    ("PATCH", "/api/v1/trainings/{t}", STAFF),
    ("DELETE", "/api/v1/trainings/{x}", STAFF),
    ("POST", "/api/v1/trainings/{t}/status", STAFF),
    ("GET", "/api/v1/trainings/{t}/enrolments", SIGNED_IN),
    // With another unit's employee in the body: an employee enrols only themselves (403; self-
    // enrolment is tested in trainings.rs), the other unit's manager does not see them (404).
    ("POST", "/api/v1/trainings/{t}/enrolments", READERS),
    (
        "POST",
        "/api/v1/trainings/{t}/enrolments/bulk-update",
        STAFF,
    ),
    ("GET", "/api/v1/enrolments/{n}", SIGNED_IN),
    ("PATCH", "/api/v1/enrolments/{n}", STAFF),
    ("GET", "/api/v1/trainings/{t}/feedback", STAFF),
    // Participants of the training only (the feedback rules are in evaluation.rs); none of
    // these callers is one.
    ("POST", "/api/v1/trainings/{t}/feedback", Only(&[])),
    ("GET", "/api/v1/reports/training-evaluation", REPORTS),
    ("GET", "/api/v1/reports/learning-outcomes", REPORTS),
    ("GET", "/api/v1/reports/jp-compliance", REPORTS),
    ("GET", "/api/v1/reports/competency-gaps", REPORTS),
    ("GET", "/api/v1/reports/training-needs", REPORTS),
    ("GET", "/api/v1/reports/partners", REPORTS),
    ("GET", "/api/v1/reports/trainers", REPORTS),
    ("GET", "/api/v1/reports/summary", REPORTS),
    ("GET", "/api/v1/exports/siasn/course-records", READERS),
];

/// A body that passes extraction and validation, so that a refusal can only come from the
/// authorisation check (an invalid body would be refused before it by any caller).
fn body_for(method: &str, path: &str, ids: &Ids) -> Option<Value> {
    if method == "GET" || method == "DELETE" {
        return None;
    }
    if method == "PATCH" {
        return Some(json!({}));
    }
    let body = match path {
        "/api/v1/auth/login" => json!({"username": "nobody", "password": "wrong-password-1"}),
        "/api/v1/auth/refresh" | "/api/v1/auth/logout" => json!({"refresh_token": "not-a-token"}),
        "/api/v1/auth/token" => {
            json!({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"})
        }
        "/api/v1/auth/password" => {
            json!({"current_password": "not-the-password", "new_password": "another-password-9"})
        }
        "/api/v1/users" => {
            json!({"username": "matrix.user", "display_name": "M", "password": "password-1234", "role": "operator"})
        }
        "/api/v1/api-clients" => json!({"name": "Matrix", "scopes": ["records:read"]}),
        "/api/v1/units" => json!({"code": "MX", "name": "Matrix"}),
        "/api/v1/competencies" => json!({"code": "MX1", "name": "Matrix", "kind": "technical"}),
        "/api/v1/positions" => json!({"name": "Matrix", "kind": "pelaksana"}),
        "/api/v1/positions/{p}/standards" => json!([]),
        "/api/v1/employees" => {
            json!({"nip": "199901012020011001", "name": "Matrix", "asn_type": "pns", "unit_id": ids.unit_a})
        }
        "/api/v1/employees/import" => Value::String(String::new()),
        "/api/v1/employees/{e}/assessments" => {
            json!({"competency_id": ids.competency, "level": 3, "assessed_on": "2026-01-05", "method": "supervisor"})
        }
        "/api/v1/partners" => json!({"name": "Matrix", "kind": "ngo"}),
        "/api/v1/trainers" => json!({"name": "Matrix", "kind": "external"}),
        "/api/v1/trainings" => {
            json!({"title": "Matrix", "form": "workshop", "mode": "in_person", "jp": 2, "start_date": "2027-03-01", "end_date": "2027-03-01"})
        }
        "/api/v1/trainings/{t}/status" => json!({"status": "cancelled"}),
        "/api/v1/trainings/{t}/enrolments" => json!({"employee_id": ids.employee_a}),
        "/api/v1/trainings/{t}/enrolments/bulk-update" => {
            json!({"items": [{"enrolment_id": ids.enrolment_a, "attendance_percent": 90}]})
        }
        "/api/v1/trainings/{t}/feedback" => json!({"ratings": {}, "overall": 4, "recommend": 8}),
        other => panic!("no body for {method} {other}"),
    };
    Some(body)
}

struct Ids {
    unit_a: i64,
    employee_a: i64,
    training: i64,
    enrolment_a: i64,
    position: i64,
    competency: i64,
}

fn concrete(path: &str, ids: &Ids) -> String {
    path.replace("{e}", &ids.employee_a.to_string())
        .replace("{t}", &ids.training.to_string())
        .replace("{n}", &ids.enrolment_a.to_string())
        .replace("{u}", &ids.unit_a.to_string())
        .replace("{p}", &ids.position.to_string())
        .replace("{x}", "999999")
}

async fn matrix(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;

    // Every operation of the spec is in the table, once; the table names nothing else.
    let spec = kompetensi::openapi();
    let mut served: Vec<String> = spec
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let mut ops = Vec::new();
            for (method, present) in [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ] {
                if present {
                    ops.push(format!("{method} {path}"));
                }
            }
            ops
        })
        .collect();
    let normalise = |p: &str| {
        ["{e}", "{t}", "{n}", "{u}", "{p}", "{x}"]
            .iter()
            .fold(p.to_string(), |p, k| p.replace(k, "{id}"))
    };
    let mut tabled: Vec<String> = TABLE
        .iter()
        .map(|(m, p, _)| format!("{m} {}", normalise(p)))
        .collect();
    served.sort();
    tabled.sort();
    assert_eq!(
        tabled, served,
        "the table and the spec must list the same operations"
    );

    // The world: units A and B; the objects live in unit A; the manager manages unit B; the
    // employee is someone of unit B.
    let unit_a = ctx.insert_unit("A", None);
    let unit_b = ctx.insert_unit("B", None);
    let employee_a = ctx.insert_employee("198503102010011001", unit_a);
    let employee_b = ctx.insert_employee("199001012015012001", unit_b);
    let competency = ctx.insert_competency("C1");
    let position = post(
        &app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Analis", "kind": "fungsional"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let training = post(&app, "/api/v1/trainings", &admin, json!({"title": "T", "form": "workshop", "mode": "in_person", "jp": 4, "start_date": "2027-02-01", "end_date": "2027-02-02"}))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    for s in ["planned", "open"] {
        post(
            &app,
            &format!("/api/v1/trainings/{training}/status"),
            &admin,
            json!({"status": s}),
        )
        .await
        .expect(200);
    }
    let enrolment_a = post(
        &app,
        &format!("/api/v1/trainings/{training}/enrolments"),
        &admin,
        json!({"employee_id": employee_a}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let ids = Ids {
        unit_a,
        employee_a,
        training,
        enrolment_a,
        position,
        competency,
    };
    let employee = user_with_role(
        &app,
        &admin,
        "matrix.employee",
        "employee",
        json!({"employee_id": employee_b}),
    )
    .await;
    let manager = user_with_role(
        &app,
        &admin,
        "matrix.manager",
        "unit_manager",
        json!({"unit_id": unit_b}),
    )
    .await;
    let operator = user_with_role(&app, &admin, "matrix.operator", "operator", json!({})).await;
    let created = post(
        &app,
        "/api/v1/api-clients",
        &admin,
        json!({"name": "Reports only", "scopes": ["reports:read"]}),
    )
    .await;
    created.expect(201);
    let token = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .set_json(json!({"grant_type": "client_credentials",
                "client_id": created.body["client_id"], "client_secret": created.body["client_secret"]})),
    )
    .await;
    token.expect(200);
    let client = token.body["access_token"].as_str().unwrap().to_string();
    let token_of = |who: Who| -> Option<&str> {
        match who {
            Anonymous => None,
            Employee => Some(&employee),
            Manager => Some(&manager),
            Operator => Some(&operator),
            Admin => Some(&admin),
            ReportsClient => Some(&client),
        }
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path, may) in TABLE {
        for who in CALLERS {
            let uri = concrete(path, &ids);
            let mut req = match *method {
                "GET" => TestRequest::get(),
                "POST" => TestRequest::post(),
                "PUT" => TestRequest::put(),
                "PATCH" => TestRequest::patch(),
                "DELETE" => TestRequest::delete(),
                other => panic!("{other}"),
            }
            .uri(&uri);
            if let Some(t) = token_of(who) {
                req = auth(req, t);
            }
            match body_for(method, path, &ids) {
                Some(Value::String(text)) => {
                    req = req
                        .insert_header(("content-type", "text/csv"))
                        .set_payload(text);
                }
                Some(body) => req = req.set_json(body),
                None => {}
            }
            let r = send(&app, req).await;
            checked += 1;
            let allowed = match may {
                Anyone => true,
                Only(list) => list.contains(&who),
            };
            let ok = match (allowed, who) {
                // Sign-in and token endpoints answer 401 to bad credentials, never 403.
                (true, _) if matches!(may, Anyone) => r.status != 403 && r.status < 500,
                (true, _) => r.status != 401 && r.status != 403 && r.status < 500,
                (false, Anonymous) => r.status == 401,
                (false, _) => r.status == 403,
            };
            if !ok {
                failures.push(format!(
                    "{method} {uri} as {who:?}: expected {}, got {} {}",
                    if allowed { "to pass" } else { "refusal" },
                    r.status,
                    r.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, TABLE.len() * CALLERS.len());

    // Object level: another unit's employee and enrolment do not exist for the manager of unit
    // B or for an employee of unit B.
    for token in [&manager, &employee] {
        for path in [
            format!("/api/v1/employees/{employee_a}"),
            format!("/api/v1/employees/{employee_a}/assessments"),
            format!("/api/v1/employees/{employee_a}/competency-profile"),
            format!("/api/v1/employees/{employee_a}/learning-record"),
            format!("/api/v1/enrolments/{enrolment_a}"),
        ] {
            get(&app, &path, token).await.problem(404, "not_found");
        }
    }
    // The manager may not nominate another unit's employee either.
    post(
        &app,
        &format!("/api/v1/trainings/{training}/enrolments"),
        &manager,
        json!({"employee_id": employee_a}),
    )
    .await
    .problem(404, "not_found");

    // Mass assignment: fields the server owns are refused, and nothing changes.
    let before = get(&app, &format!("/api/v1/trainings/{training}"), &admin).await;
    for attempt in [
        json!({"enrolled_count": 0}),
        json!({"status": "completed"}),
        json!({"version": 99}),
        json!({"id": 1}),
    ] {
        patch(
            &app,
            &format!("/api/v1/trainings/{training}"),
            &admin,
            attempt,
        )
        .await
        .problem(422, "validation_failed");
    }
    let after = get(&app, &format!("/api/v1/trainings/{training}"), &admin).await;
    assert_eq!(before.body, after.body);
    put_password_with_role(&app, &operator).await;
    patch(
        &app,
        &format!("/api/v1/enrolments/{enrolment_a}"),
        &admin,
        json!({"employee_id": employee_b, "training_id": 1}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        &format!("/api/v1/trainings/{training}/enrolments"),
        &admin,
        json!({"employee_id": employee_b, "status": "completed", "jp_credited": 40}),
    )
    .await
    .problem(422, "validation_failed");
}

/// A signed-in user cannot raise their own role through the password change.
async fn put_password_with_role<S: TestApp>(app: &S, token: &str) {
    let req = auth(TestRequest::put().uri("/api/v1/auth/password"), token).set_json(
        json!({"current_password": "password-1234", "new_password": "password-5678", "role": "admin"}),
    );
    send(app, req).await.problem(422, "validation_failed");
    let me = get(app, "/api/v1/auth/me", token).await;
    assert_eq!(me.body["role"], "operator");
}

on_each_backend!(security_matrix, matrix);
