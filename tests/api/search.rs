//! `?q=` from the search indexes: the same rows on both backends, for short and long texts,
//! other cases and letters, literal wildcards and quotes, and after renames and deletions.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_each_backend;

/// The names a list gives for `?q=text`, sorted, and its total.
async fn found<S: TestApp>(app: &S, token: &str, list: &str, text: &str) -> (Vec<String>, i64) {
    let q: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let r = get(app, &format!("/api/v1/{list}?q={q}&per_page=100"), token).await;
    r.expect(200);
    let key = if list == "trainings" { "title" } else { "name" };
    let mut names: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_string())
        .collect();
    names.sort();
    (names, r.body["total"].as_i64().unwrap())
}

fn names(list: &[&str]) -> (Vec<String>, i64) {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    let n = v.len() as i64;
    (v, n)
}

async fn search(ctx: &Ctx) {
    let app = ctx.app().await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("S", None);
    let mut ids = Vec::new();
    for (nip, name) in [
        ("198503102010011001", "Ani Susanti"),
        ("199001012015012001", "ÉLISE Rahmawati"),
        ("199202022016022002", "Budi 50%_off"),
        ("199303032017032003", "Rina \"Cici\" Maharani"),
        ("199404042018042004", "Dani Hartono"),
    ] {
        let r = post(
            &app,
            "/api/v1/employees",
            &admin,
            json!({"nip": nip, "name": name, "asn_type": "pns", "unit_id": unit}),
        )
        .await;
        r.expect(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let everyone: &[&str] = &[
        "Ani Susanti",
        "ÉLISE Rahmawati",
        "Budi 50%_off",
        "Rina \"Cici\" Maharani",
        "Dani Hartono",
    ];
    let cases: [(&str, &[&str]); 14] = [
        (
            "ani",
            &["Ani Susanti", "Dani Hartono", "Rina \"Cici\" Maharani"],
        ),
        ("SUSANTI", &["Ani Susanti"]),
        ("élise", &["ÉLISE Rahmawati"]),
        ("50%", &["Budi 50%_off"]),
        ("%", &["Budi 50%_off"]),
        ("_", &["Budi 50%_off"]),
        ("\"cici\"", &["Rina \"Cici\" Maharani"]),
        ("i h", &["Dani Hartono"]),
        (
            "an",
            &["Ani Susanti", "Dani Hartono", "Rina \"Cici\" Maharani"],
        ),
        ("2015012", &["ÉLISE Rahmawati"]),
        ("zzz", &[]),
        // The text is trimmed like every string a client sends (as typed in a search box);
        // spaces inside it count.
        ("  SUSANTI\t", &["Ani Susanti"]),
        (" i h ", &["Dani Hartono"]),
        ("   ", everyone),
    ];
    for (text, expected) in cases {
        assert_eq!(
            found(&app, &admin, "employees", text).await,
            names(expected),
            "q={text}"
        );
    }
    // The index follows renames and deletions.
    patch(
        &app,
        &format!("/api/v1/employees/{}", ids[0]),
        &admin,
        json!({"name": "Ayu Lestari"}),
    )
    .await
    .expect(200);
    assert_eq!(
        found(&app, &admin, "employees", "susanti").await,
        names(&[])
    );
    assert_eq!(
        found(&app, &admin, "employees", "lestari").await,
        names(&["Ayu Lestari"])
    );
    delete(&app, &format!("/api/v1/employees/{}", ids[4]), &admin)
        .await
        .expect(204);
    assert_eq!(
        found(&app, &admin, "employees", "hartono").await,
        names(&[])
    );

    // Every searched column counts, including optional ones, and so do the other lists.
    for (name, contact) in [
        ("Universitas Bangka Belitung", Value::from("Dr. Ani")),
        ("Yayasan Pelita", Value::Null),
    ] {
        post(
            &app,
            "/api/v1/partners",
            &admin,
            json!({"name": name, "kind": "university", "contact_person": contact}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        found(&app, &admin, "partners", "dr. a").await,
        names(&["Universitas Bangka Belitung"])
    );
    assert_eq!(
        found(&app, &admin, "partners", "PELITA").await,
        names(&["Yayasan Pelita"])
    );
    assert_eq!(
        found(&app, &admin, "partners", " pelita ").await,
        names(&["Yayasan Pelita"])
    );
    for (code, name) in [("K-01", "Komunikasi Publik"), ("T-02", "Pengelolaan SPBE")] {
        post(
            &app,
            "/api/v1/competencies",
            &admin,
            json!({"code": code, "name": name, "kind": "technical"}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        found(&app, &admin, "competencies", "k-0").await,
        names(&["Komunikasi Publik"])
    );
    assert_eq!(
        found(&app, &admin, "competencies", "spbe").await,
        names(&["Pengelolaan SPBE"])
    );
    post(
        &app,
        "/api/v1/trainers",
        &admin,
        json!({"name": "Prof. Élan", "kind": "external"}),
    )
    .await
    .expect(201);
    assert_eq!(
        found(&app, &admin, "trainers", "élan").await,
        names(&["Prof. Élan"])
    );
}
on_each_backend!(search_gives_the_same_rows_on_both_backends, search);
