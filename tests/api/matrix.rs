//! The security matrix: every operation of the served spec × every kind of caller, against the
//! service's own permission table (`auth::permissions::TABLE`): the table and the spec list the
//! same operations, a caller the table does not admit is refused by the gate (401 without a
//! token, 403 with one), and an admitted caller gets past it. Then
//! object-level checks with another unit's objects (404, as if they did not exist) and mass
//! assignment attempts (422, nothing changed). Token misuse (expired, wrong audience or issuer,
//! other algorithm, refresh as access, tampered signature) is in `auth.rs`.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use kompetensi::auth::permissions::{Admits, Rule, Sees, TABLE};
use kompetensi::auth::{Role, Scope};

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

/// Who the permission table admits to an operation, as the callers of this test.
fn admitted(rule: &Rule) -> Option<Vec<Who>> {
    let Admits::Roles(roles, scope) = rule.admits else {
        return None;
    };
    let mut who: Vec<Who> = roles
        .iter()
        .map(|r| match r {
            Role::Admin => Admin,
            Role::Operator => Operator,
            Role::UnitManager => Manager,
            Role::Employee => Employee,
        })
        .collect();
    if scope == Some(Scope::ReportsRead) {
        who.push(ReportsClient);
    }
    Some(who)
}

/// The concrete URI of a rule's path: objects of unit A where the operation reads or changes
/// one, a missing id for deletes, withdrawals and for resources with nothing to find (so allowed calls
/// change nothing).
fn concrete(method: &str, path: &str, ids: &Ids) -> String {
    let id = match path.split('/').nth(3) {
        _ if method == "DELETE" || path.ends_with("/withdraw") => 999_999,
        Some("employees") => ids.employee_a,
        Some("trainings") => ids.training,
        Some("enrolments") => ids.enrolment_a,
        Some("units") => ids.unit_a,
        Some("positions") => ids.position,
        Some("exemptions") => ids.exemption_a,
        Some("external-learning") => ids.external_a,
        _ => 999_999,
    };
    path.replace("{id}", &id.to_string())
        .replace("{assessment_id}", "999999")
        .replace("{item_id}", "999999")
}

/// A body that passes extraction and validation, so that a refusal can only come from the
/// authorisation check (an invalid body would be refused before it by any caller).
fn body_for(method: &str, path: &str, ids: &Ids) -> Option<Value> {
    if method == "GET"
        || method == "DELETE"
        || path.ends_with("/withdraw")
        || path.ends_with("/needs")
    {
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
            json!({"username": "matrix.user", "display_name": "M", "password": "kerja-keras-1234", "role": "operator"})
        }
        "/api/v1/api-clients" => json!({"name": "Matrix", "scopes": ["records:read"]}),
        "/api/v1/units" => json!({"code": "MX", "name": "Matrix"}),
        "/api/v1/competencies" => json!({"code": "MX1", "name": "Matrix", "kind": "technical"}),
        "/api/v1/positions" => json!({"name": "Matrix", "kind": "pelaksana"}),
        "/api/v1/positions/{id}/standards" => json!([]),
        "/api/v1/employees" => {
            json!({"nip": "199901012020011001", "name": "Matrix", "asn_type": "pns", "unit_id": ids.unit_a})
        }
        "/api/v1/employees/import" => Value::String(String::new()),
        "/api/v1/employees/{id}/assessments" => {
            json!({"competency_id": ids.competency, "level": 3, "assessed_on": "2026-01-05", "method": "supervisor"})
        }
        "/api/v1/employees/{id}/exemptions" => {
            json!({"kind": "study_leave", "from": "2026-08-01", "to": "2026-10-31"})
        }
        "/api/v1/partners" => json!({"name": "Matrix", "kind": "ngo"}),
        "/api/v1/trainers" => json!({"name": "Matrix", "kind": "external"}),
        "/api/v1/trainings" => {
            json!({"title": "Matrix", "form": "workshop", "mode": "in_person", "jp": 2, "start_date": "2027-03-01", "end_date": "2027-03-01"})
        }
        "/api/v1/trainings/{id}/status" => json!({"status": "cancelled"}),
        "/api/v1/trainings/{id}/enrolments" => json!({"employee_id": ids.employee_a}),
        "/api/v1/trainings/{id}/enrolments/bulk-update" => {
            json!({"items": [{"enrolment_id": ids.enrolment_a, "attendance_percent": 90}]})
        }
        "/api/v1/trainings/{id}/feedback" => json!({"ratings": {}, "overall": 4, "recommend": 8}),
        "/api/v1/external-learning" | "/api/v1/me/external-learning" => {
            json!({"employee_id": ids.employee_a, "title": "MOOC", "provider": "LAN", "form": "e_learning",
                   "start_date": "2026-01-05", "end_date": "2026-01-09", "jp": 10})
        }
        "/api/v1/external-learning/{id}/review" => json!({"decision": "rejected"}),
        "/api/v1/external-learning/{id}/evidence" => Value::String(String::new()),
        "/api/v1/trainings/{id}/feedback/paper" => {
            json!({"responses": [{"overall": 4, "recommend": 8}]})
        }
        "/api/v1/programmes" => json!({"code": "MATRIX", "name": "Matrix"}),
        "/api/v1/development-needs" | "/api/v1/development-needs/{id}" => {
            json!({"employee_id": ids.employee_a, "title": "Matrix", "year": 2027})
        }
        "/api/v1/development-needs/generate" => json!({"year": 2027}),
        "/api/v1/improvement-actions" => {
            json!({"training_id": ids.training, "aspect": "method", "finding": "x", "action": "y"})
        }
        "/api/v1/enrolments/{id}/action-plan" => {
            json!({"items": [{"description": "x", "due_on": "2027-01-01"}]})
        }
        "/api/v1/enrolments/{id}/action-plan/review" => {
            json!({"items": [{"index": 0, "status": "implemented"}], "behaviour_change": 4})
        }
        "/api/v1/trainings/{id}/quotas" => json!([]),
        "/api/v1/plans" => json!({"year": 2031, "title": "Matrix"}),
        "/api/v1/webhooks" => {
            json!({"url": "http://127.0.0.1:9/matrix", "events": ["enrolment.created"]})
        }
        "/api/v1/policies" => {
            json!({"title": "Matrix", "reference": "PP 1/2031", "issued_on": "2026-01-01"})
        }
        "/api/v1/trainings/{id}/sessions" => {
            json!({"title": "Matrix", "starts_at": "2027-02-01T01:00:00Z", "ends_at": "2027-02-01T02:00:00Z", "jp": 1})
        }
        "/api/v1/sessions/{id}/attendance" => json!([]),
        "/api/v1/plans/{id}/items" => json!({"title": "Matrix", "runs": 1, "seats": 10}),
        "/api/v1/enrolments/{id}/decision" => json!({"decision": "reject"}),
        "/api/v1/exports/siasn/course-records/sync" => {
            json!({"items": [{"record_key": format!("T{}", ids.enrolment_a), "siasn_riwayat_id": "x"}]})
        }
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
    exemption_a: i64,
    external_a: i64,
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
    let mut tabled: Vec<String> = TABLE
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
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
    let exemption_a = post(
        &app,
        &format!("/api/v1/employees/{employee_a}/exemptions"),
        &admin,
        json!({"kind": "study_leave", "from": "2026-08-01", "to": "2026-10-31"}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let external_a = post(
        &app,
        "/api/v1/external-learning",
        &admin,
        json!({"employee_id": employee_a, "title": "MOOC", "provider": "LAN", "form": "e_learning",
               "start_date": "2026-01-05", "end_date": "2026-01-09", "jp": 10}),
    )
    .await
    .body["id"]
        .as_i64()
        .unwrap();
    let ids = Ids {
        external_a,
        unit_a,
        employee_a,
        training,
        enrolment_a,
        position,
        competency,
        exemption_a,
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
    for rule in TABLE {
        let (method, path) = (&rule.method, rule.path);
        for who in CALLERS {
            let uri = concrete(method, path, &ids);
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
            let may = admitted(rule);
            let allowed = may.as_ref().is_none_or(|list| list.contains(&who));
            // The gate's refusal, as opposed to a handler's own (an employee enrolling another).
            let gated = r.status == 403 && r.body["detail"] == "your role may not do this";
            let ok = match (allowed, who) {
                // Sign-in and token endpoints answer 401 to bad credentials, never 403.
                (true, _) if may.is_none() => r.status != 403 && r.status < 500,
                (true, _) => r.status != 401 && !gated && r.status < 500,
                (false, Anonymous) => r.status == 401,
                (false, _) => gated,
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
    // B or for an employee of unit B, on every read the table limits to the people one sees.
    let people: Vec<&Rule> = TABLE
        .iter()
        .filter(|r| r.sees == Sees::People && r.method == "GET" && r.path.contains("{id}"))
        .filter(|r| !r.path.starts_with("/api/v1/trainings/"))
        .collect();
    assert_eq!(people.len(), 13, "{people:?}");
    for (token, who) in [(&manager, Manager), (&employee, Employee)] {
        for rule in people
            .iter()
            .filter(|r| admitted(r).is_some_and(|w| w.contains(&who)))
        {
            let uri = concrete(rule.method, rule.path, &ids);
            get(&app, &uri, token).await.problem(404, "not_found");
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
        json!({"current_password": "kerja-keras-1234", "new_password": "kerja-keras-5678", "role": "admin"}),
    );
    send(app, req).await.problem(422, "validation_failed");
    let me = get(app, "/api/v1/auth/me", token).await;
    assert_eq!(me.body["role"], "operator");
}

on_each_backend!(security_matrix, matrix);
