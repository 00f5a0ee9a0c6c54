//! Sign-in, token rotation and misuse, login limits, password change.

use actix_web::test::TestRequest;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

async fn login_and_me(ctx: &Ctx) {
    let app = ctx.app().await;
    let r = login(&app, "ADMIN", ADMIN_PASSWORD).await;
    r.expect(200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    let token = r.body["access_token"].as_str().unwrap().to_string();
    let me = get(&app, "/api/v1/auth/me", &token).await;
    me.expect(200);
    assert_eq!(me.body["username"], "admin");
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["display_name"], "Administrator");
    assert!(me.body.get("password_hash").is_none());

    login(&app, "admin", "wrong-password")
        .await
        .problem(401, "unauthorized");
    login(&app, "nobody", "wrong-password")
        .await
        .problem(401, "unauthorized");
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"username": "admin"})),
    )
    .await;
    r.problem(422, "validation_failed");
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"username": "admin", "password": "x", "role": "admin"})),
    )
    .await;
    r.problem(422, "validation_failed");

    // Each attempt is in the audit log with its outcome.
    let log = get(&app, "/api/v1/audit-log?action=login", &token).await;
    let outcomes: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        vec!["failed", "failed", "success"],
        "{}",
        log.text
    );
    let failed_known = &log.body["items"][1];
    assert_eq!(
        failed_known["entity_id"], 1,
        "a failure for a known user names it"
    );
    assert_eq!(failed_known["ip"], "127.0.0.1");
}
on_each_backend!(login_me_and_login_audit, login_and_me);

async fn refresh_rotation(ctx: &Ctx) {
    let app = ctx.app().await;
    let first = login(&app, "admin", ADMIN_PASSWORD).await;
    let refresh1 = first.body["refresh_token"].as_str().unwrap().to_string();
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": refresh1})),
    )
    .await;
    r.expect(200);
    let refresh2 = r.body["refresh_token"].as_str().unwrap().to_string();
    let access2 = r.body["access_token"].as_str().unwrap().to_string();
    get(&app, "/api/v1/auth/me", &access2).await.expect(200);
    assert_ne!(refresh1, refresh2);

    // Reusing the spent token is refused and revokes the whole family, including refresh2.
    let reuse = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": refresh1})),
    )
    .await;
    reuse.problem(401, "unauthorized");
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": refresh2})),
    )
    .await;
    r.problem(401, "unauthorized");

    // Another sign-in is another family, unaffected.
    let other = login(&app, "admin", ADMIN_PASSWORD).await;
    let refresh3 = other.body["refresh_token"].as_str().unwrap().to_string();
    let access3 = other.body["access_token"].as_str().unwrap().to_string();
    // Logout revokes it.
    post(
        &app,
        "/api/v1/auth/logout",
        &access3,
        json!({"refresh_token": refresh3}),
    )
    .await
    .expect(204);
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": refresh3})),
    )
    .await;
    r.problem(401, "unauthorized");
    // Sign-out also ends the account's access tokens, on every instance within about a second.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let me = get(&app, "/api/v1/auth/me", &access3).await;
        if me.status == 401 {
            break;
        }
        me.expect(200);
        assert!(
            std::time::Instant::now() < deadline,
            "the access token still works 3 s after sign-out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let fresh = login(&app, "admin", ADMIN_PASSWORD).await;
    let access4 = fresh.body["access_token"].as_str().unwrap().to_string();
    post(
        &app,
        "/api/v1/auth/logout",
        &access4,
        json!({"refresh_token": "garbage"}),
    )
    .await
    .problem(422, "validation_failed");
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/logout")
            .set_json(json!({"refresh_token": refresh3})),
    )
    .await
    .problem(401, "unauthorized");
}
on_each_backend!(
    refresh_tokens_rotate_and_reuse_revokes_the_family,
    refresh_rotation
);

fn claims(overrides: Value) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    let mut c = json!({
        "sub": "1", "iss": "kompetensi", "aud": "kompetensi-api", "iat": now, "exp": now + 600,
        "typ": "access", "act": "user", "role": "admin"
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn token_misuse(ctx: &Ctx) {
    let app = ctx.app().await;
    // The forged-but-correct token works, so each refusal below is for its one defect.
    let good = sign(Algorithm::HS256, &claims(json!({})), JWT_SECRET);
    get(&app, "/api/v1/users", &good).await.expect(200);

    let now = jsonwebtoken::get_current_timestamp();
    let bad = [
        (
            "expired",
            sign(
                Algorithm::HS256,
                &claims(json!({"iat": now - 7200, "exp": now - 3600})),
                JWT_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                &claims(json!({"aud": "other-api"})),
                JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                &claims(json!({"iss": "evil"})),
                JWT_SECRET,
            ),
        ),
        (
            "no subject",
            sign(Algorithm::HS256, &claims(json!({"sub": null})), JWT_SECRET),
        ),
        (
            "no iat",
            sign(Algorithm::HS256, &claims(json!({"iat": null})), JWT_SECRET),
        ),
        (
            "refresh as access",
            sign(
                Algorithm::HS256,
                &claims(json!({"typ": "refresh"})),
                JWT_SECRET,
            ),
        ),
        (
            "other algorithm",
            sign(Algorithm::HS512, &claims(json!({})), JWT_SECRET),
        ),
        (
            "other secret",
            sign(
                Algorithm::HS256,
                &claims(json!({})),
                "another-secret-another-secret-0000",
            ),
        ),
        (
            "unknown role",
            sign(
                Algorithm::HS256,
                &claims(json!({"role": "root"})),
                JWT_SECRET,
            ),
        ),
    ];
    for (what, token) in bad {
        let r = get(&app, "/api/v1/users", &token).await;
        assert_eq!(r.status, 401, "{what} must be refused: {}", r.text);
    }
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(json!({})))
    );
    get(&app, "/api/v1/users", &none)
        .await
        .problem(401, "unauthorized");
    let mut tampered = good.clone();
    let payload = b64(&claims(json!({"role": "admin", "sub": "2"})));
    let parts: Vec<&str> = good.split('.').collect();
    tampered = tampered.replacen(parts[1], &payload, 1);
    get(&app, "/api/v1/users", &tampered)
        .await
        .problem(401, "unauthorized");

    // A real refresh token is not an access token, and an access token is not a refresh token.
    let pair = login(&app, "admin", ADMIN_PASSWORD).await;
    let refresh = pair.body["refresh_token"].as_str().unwrap();
    let access = pair.body["access_token"].as_str().unwrap();
    get(&app, "/api/v1/users", refresh)
        .await
        .problem(401, "unauthorized");
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": access})),
    )
    .await;
    r.problem(401, "unauthorized");
}
on_each_backend!(token_misuse_is_refused, token_misuse);

#[actix_web::test]
async fn failed_logins_are_limited_per_user_and_per_address() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| {
        c.login_max_per_user = 3;
        c.login_max_per_ip = 5;
    })
    .await;
    let app = ctx.app().await;
    for _ in 0..3 {
        login(&app, "admin", "wrong-password")
            .await
            .problem(401, "unauthorized");
    }
    // Even the right password waits now: the limit is checked before the password.
    let r = login(&app, "admin", ADMIN_PASSWORD).await;
    r.problem(429, "rate_limited");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);

    // Another username from the same address still works until the address limit (5 failures).
    // The admin cannot sign in now; a token signed with the service's key stands in.
    let admin = sign(Algorithm::HS256, &claims(json!({})), JWT_SECRET);
    post(&app, "/api/v1/users", &admin, json!({"username": "second", "display_name": "S", "password": "kerja-keras-1234", "role": "operator"}))
        .await
        .expect(201);
    login(&app, "second", "kerja-keras-1234").await.expect(200);
    login(&app, "ghost", "wrong-password")
        .await
        .problem(401, "unauthorized");
    login(&app, "ghost2", "wrong-password")
        .await
        .problem(401, "unauthorized");
    // 5 failures from this address: everything from it is now limited.
    login(&app, "second", "kerja-keras-1234")
        .await
        .problem(429, "rate_limited");
    let log = get(
        &app,
        "/api/v1/audit-log?action=login&outcome=denied",
        &admin,
    )
    .await;
    assert_eq!(log.body["total"], 2, "{}", log.text);
}

/// The attack: many guesses at once, each checked before any failure was recorded. Attempts
/// count from their start, so at most the limit is ever checked.
#[actix_web::test]
async fn parallel_guesses_get_at_most_the_limit_checked() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| {
        c.login_max_per_user = 10;
        c.login_max_per_ip = 1000;
    })
    .await;
    let app = ctx.app().await;
    let answers =
        futures_util::future::join_all((0..40).map(|_| login(&app, "admin", "wrong-password")))
            .await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let limited = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, limited), (10, 30), "40 parallel guesses");
    // The per-address limit holds the same way, over many usernames.
    let ctx = Ctx::with_config(Backend::Sqlite, |c| {
        c.login_max_per_user = 1000;
        c.login_max_per_ip = 8;
    })
    .await;
    let app = ctx.app().await;
    let answers = futures_util::future::join_all((0..40).map(|i| {
        let name = format!("guess{i}");
        let app = &app;
        async move { login(app, &name, "wrong-password").await }
    }))
    .await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    assert_eq!(checked, 8, "40 parallel guesses from one address");
}

/// A stolen access token is no password oracle: wrong current passwords count as failed
/// sign-ins of the account.
#[actix_web::test]
async fn wrong_current_passwords_are_limited() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| c.login_max_per_user = 3).await;
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let change = |current: &str| {
        auth(TestRequest::put().uri("/api/v1/auth/password"), &admin)
            .set_json(json!({"current_password": current, "new_password": "a-new-password-2026"}))
    };
    for _ in 0..3 {
        send(&app, change("not-it"))
            .await
            .invalid("current_password");
    }
    send(&app, change(ADMIN_PASSWORD))
        .await
        .problem(429, "rate_limited");
    login(&app, "admin", ADMIN_PASSWORD)
        .await
        .problem(429, "rate_limited");
}

/// The attack: behind the proxy, a client writes its own `X-Forwarded-For` entry to pick a
/// fresh address per guess. The address is the one the proxy appended.
#[actix_web::test]
async fn a_forged_forwarded_for_entry_picks_no_address() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| {
        c.login_max_per_user = 1000;
        c.login_max_per_ip = 2;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let app = ctx.app().await;
    let guess = |forged: &str, name: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .insert_header(("X-Forwarded-For", format!("{forged}, 198.51.100.7")))
            .set_json(json!({"username": name, "password": "wrong-password"}))
    };
    send(&app, guess("1.1.1.1", "a"))
        .await
        .problem(401, "unauthorized");
    send(&app, guess("2.2.2.2", "b"))
        .await
        .problem(401, "unauthorized");
    send(&app, guess("3.3.3.3", "c"))
        .await
        .problem(429, "rate_limited");
    // Another client behind the same proxy is not affected.
    let other = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("X-Forwarded-For", "198.51.100.8"))
        .set_json(json!({"username": "admin", "password": ADMIN_PASSWORD}));
    let token = send(&app, other).await;
    token.expect(200);
    let token = token.body["access_token"].as_str().unwrap().to_string();
    let log = get(
        &app,
        "/api/v1/audit-log?action=login&outcome=failed",
        &token,
    )
    .await;
    for entry in log.body["items"].as_array().unwrap() {
        assert_eq!(
            entry["ip"], "198.51.100.7",
            "the audit log records the real address"
        );
    }
}

#[actix_web::test]
async fn many_successful_logins_from_one_address_are_not_limited() {
    let ctx = Ctx::with_config(Backend::Sqlite, |c| c.login_max_per_ip = 2).await;
    let app = ctx.app().await;
    for _ in 0..6 {
        login(&app, "admin", ADMIN_PASSWORD).await.expect(200);
    }
}

async fn password_change(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let op = user_with_role(&app, &admin, "siti", "operator", json!({})).await;
    let before = login(&app, "siti", "kerja-keras-1234").await;
    let old_refresh = before.body["refresh_token"].as_str().unwrap().to_string();
    let put = |token: &str, body: Value| {
        auth(TestRequest::put().uri("/api/v1/auth/password"), token).set_json(body)
    };
    let r = send(
        &app,
        put(
            &op,
            json!({"current_password": "kerja-keras-1234", "new_password": "short"}),
        ),
    )
    .await;
    r.problem(422, "validation_failed");
    assert!(!r.field_errors("new_password").is_empty());
    // Long enough but guessed at once: refused too.
    send(
        &app,
        put(
            &op,
            json!({"current_password": "kerja-keras-1234", "new_password": "aaaaaaaaaa"}),
        ),
    )
    .await
    .invalid("new_password");
    let r = send(
        &app,
        put(
            &op,
            json!({"current_password": "not-my-password", "new_password": "a-much-longer-one"}),
        ),
    )
    .await;
    r.problem(422, "validation_failed");
    assert!(!r.field_errors("current_password").is_empty());
    send(
        &app,
        TestRequest::put().uri("/api/v1/auth/password").set_json(
            json!({"current_password": "kerja-keras-1234", "new_password": "a-much-longer-one"}),
        ),
    )
    .await
    .problem(401, "unauthorized");
    login(&app, "siti", "kerja-keras-1234").await.expect(200);

    send(
        &app,
        put(
            &op,
            json!({"current_password": "kerja-keras-1234", "new_password": "a-much-longer-one"}),
        ),
    )
    .await
    .expect(204);
    login(&app, "siti", "kerja-keras-1234")
        .await
        .problem(401, "unauthorized");
    login(&app, "siti", "a-much-longer-one").await.expect(200);
    // Other sessions are signed out.
    let r = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": old_refresh})),
    )
    .await;
    r.problem(401, "unauthorized");
}
on_each_backend!(password_change_rules, password_change);

/// How long until `token` is refused on `app` (None: still admitted after 2 s).
async fn refused_within<S: TestApp>(
    app: &S,
    token: &str,
    path: &str,
) -> Option<std::time::Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(2) {
        let r = get(app, path, token).await;
        if r.status == 401 {
            r.problem(401, "unauthorized");
            return Some(started.elapsed());
        }
        assert_eq!(r.status, 200, "{}", r.text);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    None
}

/// The attack: keep using an access token after the account was deactivated, deleted, given
/// another role, unit or password, or signed out; or a client's after it was deactivated,
/// deleted or lost a scope. Each is refused within a second, here and on another instance.
async fn revocation(ctx: &Ctx) {
    let app = ctx.app().await;
    let other = ctx.restarted_app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("U1", None);
    let unit2 = ctx.insert_unit("U2", None);
    let bound = std::time::Duration::from_millis(1000);
    let changes: Vec<(&str, Value)> = vec![
        ("deactivated", json!({"active": false})),
        (
            "new role",
            json!({"role": "employee", "employee_id": null, "unit_id": null}),
        ),
        ("new unit", json!({"unit_id": unit2})),
        ("new password", json!({"password": "kata-sandi-baru-2026"})),
    ];
    for (i, (what, change)) in changes.into_iter().enumerate() {
        let name = format!("kepala{i}");
        let token = user_with_role(
            &app,
            &admin,
            &name,
            "unit_manager",
            json!({"unit_id": unit}),
        )
        .await;
        let id = get(&app, "/api/v1/auth/me", &token).await.body["id"].clone();
        if what == "new role" {
            // An employee account needs an employee.
            let e = ctx.insert_employee(&format!("19900101201901100{i}"), unit);
            let mut change = change.clone();
            change["employee_id"] = json!(e);
            patch(&app, &format!("/api/v1/users/{id}"), &admin, change)
                .await
                .expect(200);
        } else {
            patch(&app, &format!("/api/v1/users/{id}"), &admin, change)
                .await
                .expect(200);
        }
        let here = refused_within(&app, &token, "/api/v1/auth/me").await;
        assert!(
            here.is_some_and(|t| t < bound),
            "{what}, this instance: {here:?}"
        );
        let there = refused_within(&other, &token, "/api/v1/auth/me").await;
        assert!(
            there.is_some_and(|t| t < bound),
            "{what}, another instance: {there:?}"
        );
    }
    // Deleted.
    let token = user_with_role(&app, &admin, "hapus", "operator", json!({})).await;
    let id = get(&app, "/api/v1/auth/me", &token).await.body["id"].clone();
    delete(&app, &format!("/api/v1/users/{id}"), &admin)
        .await
        .expect(204);
    assert!(refused_within(&other, &token, "/api/v1/partners")
        .await
        .is_some_and(|t| t < bound));
    // Signed out.
    let pair = login(&app, "admin", ADMIN_PASSWORD).await;
    let (access, refresh) = (
        pair.body["access_token"].as_str().unwrap().to_string(),
        pair.body["refresh_token"].as_str().unwrap().to_string(),
    );
    post(
        &app,
        "/api/v1/auth/logout",
        &access,
        json!({"refresh_token": refresh}),
    )
    .await
    .expect(204);
    assert!(refused_within(&app, &access, "/api/v1/auth/me")
        .await
        .is_some_and(|t| t < bound));
    assert!(
        refused_within(&other, &admin, "/api/v1/auth/me")
            .await
            .is_some(),
        "every session's access token"
    );
    // A new sign-in works at once.
    let admin = admin_token(&app).await;
    get(&app, "/api/v1/auth/me", &admin).await.expect(200);
    // API clients.
    for (what, change) in [
        ("deactivated", json!({"active": false})),
        ("lost a scope", json!({"scopes": ["reports:read"]})),
        ("deleted", Value::Null),
    ] {
        let created = post(
            &app,
            "/api/v1/api-clients",
            &admin,
            json!({"name": what, "scopes": ["trainings:read", "reports:read"]}),
        )
        .await;
        created.expect(201);
        let token = send(
            &app,
            TestRequest::post().uri("/api/v1/auth/token").set_form([
                ("grant_type", "client_credentials"),
                ("client_id", created.body["client_id"].as_str().unwrap()),
                (
                    "client_secret",
                    created.body["client_secret"].as_str().unwrap(),
                ),
            ]),
        )
        .await;
        token.expect(200);
        let token = token.body["access_token"].as_str().unwrap().to_string();
        get(&app, "/api/v1/trainings", &token).await.expect(200);
        let path = format!("/api/v1/api-clients/{}", created.body["id"]);
        if change.is_null() {
            delete(&app, &path, &admin).await.expect(204);
        } else {
            patch(&app, &path, &admin, change).await.expect(200);
        }
        let took = refused_within(&other, &token, "/api/v1/trainings").await;
        assert!(took.is_some_and(|t| t < bound), "client {what}: {took:?}");
    }
    // Harmless changes end nothing.
    let token = user_with_role(&app, &admin, "tetap", "operator", json!({})).await;
    let id = get(&app, "/api/v1/auth/me", &token).await.body["id"].clone();
    patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"display_name": "Tetap"}),
    )
    .await
    .expect(200);
    assert_eq!(refused_within(&app, &token, "/api/v1/auth/me").await, None);
}
on_each_backend!(
    revoked_access_tokens_are_refused_within_a_second,
    revocation
);

/// Revocations older than any access token are deleted by an instance as it starts (and then
/// once a minute, not at every poll); newer ones stay and still refuse their tokens.
async fn old_revocations_are_deleted(ctx: &Ctx) {
    use diesel::prelude::*;
    use kompetensi::auth::ActorKind;
    use kompetensi::db::schema::token_revocations as tr;
    let ttl = chrono::Duration::from_std(ctx.state.config.access_ttl).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let rows = [
        (1001, now - ttl - chrono::Duration::minutes(5)),
        (1002, now),
    ];
    for (actor, at) in rows {
        diesel::insert_into(tr::table)
            .values((
                tr::actor_kind.eq(ActorKind::User),
                tr::actor_id.eq(actor),
                tr::token_version.eq(2_i64),
                tr::at.eq(at),
            ))
            .execute(&mut *ctx.conn())
            .expect("a revocation");
    }
    let _restarted = ctx.restarted_app().await;
    let left: Vec<i64> = tr::table
        .select(tr::actor_id)
        .order(tr::actor_id)
        .load(&mut *ctx.conn())
        .expect("revocations");
    assert_eq!(left, vec![1002]);
}
on_each_backend!(
    revocations_no_token_needs_are_deleted,
    old_revocations_are_deleted
);
