//! Accounts: admin-only CRUD, role bindings, self-protection.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::*;
use crate::on_each_backend;

async fn crud(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("BKPSDM", None);
    let employee = ctx.insert_employee("198503102010011001", unit);

    let r = post(
        &app,
        "/api/v1/users",
        &admin,
        json!({"username": "Budi.Manager", "display_name": "Budi", "password": "kerja-keras-1234", "role": "unit_manager", "unit_id": unit}),
    )
    .await;
    r.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/users/{id}")));
    assert_eq!(
        r.body["username"], "budi.manager",
        "usernames are stored in lower case"
    );
    assert_eq!(r.body["unit_id"], unit);
    assert!(r.body.get("password").is_none() && r.body.get("password_hash").is_none());
    let mgr = token_of(&app, "budi.manager", "kerja-keras-1234").await;
    let me = get(&app, "/api/v1/auth/me", &mgr).await;
    assert_eq!(me.body["unit_id"], unit);

    let r = get(&app, &format!("/api/v1/users/{id}"), &admin).await;
    r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let list = get(&app, "/api/v1/users?role=unit_manager", &admin).await;
    assert_eq!(list.body["total"], 1);
    let list = get(&app, "/api/v1/users?q=BUDI&sort=-username", &admin).await;
    assert_eq!(list.body["items"][0]["id"], id);

    // Duplicate username (any case) → 409.
    let r = post(&app, "/api/v1/users", &admin, json!({"username": "BUDI.manager", "display_name": "B", "password": "kerja-keras-1234", "role": "operator"})).await;
    r.problem(409, "conflict");

    // Bindings: a unit manager needs a unit, an employee an employee; both must exist.
    let bad = [
        (
            json!({"username": "xx1", "display_name": "X", "password": "kerja-keras-1234", "role": "unit_manager"}),
            "unit_id",
        ),
        (
            json!({"username": "xx2", "display_name": "X", "password": "kerja-keras-1234", "role": "employee"}),
            "employee_id",
        ),
        (
            json!({"username": "xx3", "display_name": "X", "password": "kerja-keras-1234", "role": "unit_manager", "unit_id": 9999}),
            "unit_id",
        ),
        (
            json!({"username": "xx4", "display_name": "X", "password": "kerja-keras-1234", "role": "superuser"}),
            "role",
        ),
        (
            json!({"username": "xx5", "display_name": "X", "password": "short", "role": "operator"}),
            "password",
        ),
        (
            json!({"username": "xx7", "display_name": "X", "password": "aaaaaaaaaa", "role": "operator"}),
            "password",
        ),
        (
            json!({"username": "xx8", "display_name": "X", "password": "qwertyuiop12", "role": "operator"}),
            "password",
        ),
        (
            json!({"username": "bad name", "display_name": "X", "password": "kerja-keras-1234", "role": "operator"}),
            "username",
        ),
        (
            json!({"username": "xx6", "display_name": "", "password": "kerja-keras-1234", "role": "operator"}),
            "display_name",
        ),
    ];
    for (body, field) in bad {
        let r = post(&app, "/api/v1/users", &admin, body).await;
        r.problem(422, "validation_failed");
        assert!(!r.field_errors(field).is_empty(), "{field}: {}", r.text);
    }
    let r = post(&app, "/api/v1/users", &admin, json!({"username": "ani", "display_name": "Ani", "password": "kerja-keras-1234", "role": "employee", "employee_id": employee})).await;
    r.expect(201);

    // PATCH: rebind and rename; If-Match honoured.
    let r = patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"display_name": "Budi S."}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["version"], 2);
    let stale = send(
        &app,
        auth(
            TestRequest::patch().uri(&format!("/api/v1/users/{id}")),
            &admin,
        )
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"display_name": "Lost update"})),
    )
    .await;
    stale.problem(412, "precondition_failed");
    let r = patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"unit_id": null}),
    )
    .await;
    r.problem(422, "validation_failed");
    let r = patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"role": "operator", "unit_id": null}),
    )
    .await;
    r.expect(200);
    assert_eq!(r.body["unit_id"], serde_json::Value::Null);
    assert_eq!(r.body["display_name"], "Budi S.");

    // Deactivated users cannot sign in.
    patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    login(&app, "budi.manager", "kerja-keras-1234")
        .await
        .problem(401, "unauthorized");

    // Admins cannot lock themselves out.
    let me = get(&app, "/api/v1/auth/me", &admin).await;
    let my_id = me.body["id"].as_i64().unwrap();
    patch(
        &app,
        &format!("/api/v1/users/{my_id}"),
        &admin,
        json!({"role": "operator"}),
    )
    .await
    .problem(409, "conflict");
    patch(
        &app,
        &format!("/api/v1/users/{my_id}"),
        &admin,
        json!({"active": false}),
    )
    .await
    .problem(409, "conflict");
    // Nor set their own password without the current one: a stolen access token must not
    // be enough to take the account over.
    patch(
        &app,
        &format!("/api/v1/users/{my_id}"),
        &admin,
        json!({"password": "ganti-sandi-tanpa-sandi-lama-7"}),
    )
    .await
    .problem(409, "conflict");
    get(&app, "/api/v1/auth/me", &admin).await.expect(200);
    login(&app, "admin", ADMIN_PASSWORD).await.expect(200);
    delete(&app, &format!("/api/v1/users/{my_id}"), &admin)
        .await
        .problem(409, "conflict");

    delete(&app, &format!("/api/v1/users/{id}"), &admin)
        .await
        .expect(204);
    get(&app, &format!("/api/v1/users/{id}"), &admin)
        .await
        .problem(404, "not_found");
    delete(&app, &format!("/api/v1/users/{id}"), &admin)
        .await
        .problem(404, "not_found");

    let log = get(
        &app,
        &format!("/api/v1/audit-log?entity=user&entity_id={id}"),
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
        vec!["delete", "login", "update", "update", "update", "login", "create"],
        "{}",
        log.text
    );
}
on_each_backend!(admin_manages_users, crud);

async fn only_admins(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("DINKES", None);
    let employee = ctx.insert_employee("199001012015012001", unit);
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
    let body = json!({"username": "new", "display_name": "N", "password": "kerja-keras-1234", "role": "admin"});
    for token in [&operator, &manager, &emp] {
        get(&app, "/api/v1/users", token)
            .await
            .problem(403, "forbidden");
        get(&app, "/api/v1/users/1", token)
            .await
            .problem(403, "forbidden");
        post(&app, "/api/v1/users", token, body.clone())
            .await
            .problem(403, "forbidden");
        patch(&app, "/api/v1/users/1", token, json!({"role": "employee"}))
            .await
            .problem(403, "forbidden");
        delete(&app, "/api/v1/users/1", token)
            .await
            .problem(403, "forbidden");
        // Everyone may read their own account.
        get(&app, "/api/v1/auth/me", token).await.expect(200);
    }
    send(&app, TestRequest::get().uri("/api/v1/users"))
        .await
        .problem(401, "unauthorized");
    assert_eq!(ctx.count("users"), 4);
}
on_each_backend!(only_admins_manage_users, only_admins);
