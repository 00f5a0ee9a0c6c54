//! Employee CSV import at 10,000 rows, in-process, on SQLite and (with `BENCH_POSTGRES_URL` or
//! `TEST_POSTGRES_URL`) PostgreSQL. Run: `cargo bench --bench import`.
//! Prints one line per backend and case: rows, milliseconds, rows per second.

use std::time::Instant;

use actix_web::test::{self, TestRequest};
use actix_web::web;
use diesel::prelude::*;
use kompetensi::config::Config;
use kompetensi::db::{self, DbUrl};
use kompetensi::{build_app, ensure_admin, AppState};

const ROWS: usize = 10_000;
const HEADER: &str = "nip,name,asn_type,rank_grade,unit_code,position_name,email,phone\n";
const UNITS: [&str; 6] = [
    "BKPSDM",
    "DISDIK",
    "DINKES",
    "DISDUKCAPIL",
    "BAPPEDA",
    "KEC-BI",
];

fn csv(suffix: &str) -> String {
    let mut s = String::from(HEADER);
    for i in 0..ROWS {
        // Born 1970..1997 (17 before the 2015 CPNS month), month and sequence from the row.
        let nip = format!(
            "19{:02}0{}1{}2015{:02}{}{:03}",
            70 + i % 28,
            1 + i % 9,
            i % 2 + 1,
            1 + i % 12,
            1 + i % 2,
            1 + i / 12
        );
        s.push_str(&format!(
            "{nip},Pegawai {i}{suffix},pns,III/{},{},,pegawai{i}@pangkalpinangkota.go.id,0812{:07}\n",
            ['a', 'b', 'c', 'd'][i % 4],
            UNITS[i % UNITS.len()],
            i
        ));
    }
    s
}

async fn run(label: &str, url: DbUrl) {
    let mut config = Config::for_database(url);
    config.jwt_secret = Some("bench-secret-bench-secret-bench-secret".into());
    config.admin_password = Some("bench-password-1".into());
    let pool = db::connect(&config.database_url, 4, config.pool_timeout).expect("pool");
    ensure_admin(&pool, &config).expect("admin");
    kompetensi::seed::seed_demo(&pool, 0).expect("reference data");
    let state = web::Data::new(AppState::new(config, pool).expect("state"));
    let app = test::init_service(build_app(state.clone())).await;
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(serde_json::json!({"username": "admin", "password": "bench-password-1"}))
        .to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, login).await;
    let token = body["access_token"].as_str().expect("token").to_string();
    for (case, content) in [
        ("create", csv("")),
        ("unchanged", csv("")),
        ("update", csv(" (updated)")),
    ] {
        let req = TestRequest::post()
            .uri("/api/v1/employees/import")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("content-type", "text/csv"))
            .set_payload(content)
            .to_request();
        let started = Instant::now();
        let res = test::call_service(&app, req).await;
        let status = res.status();
        let body = test::read_body(res).await;
        let elapsed = started.elapsed();
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        println!(
            "{label:<10} {case:<9} {ROWS} rows  {:>7.0} ms  {:>8.0} rows/s  {}",
            elapsed.as_secs_f64() * 1000.0,
            ROWS as f64 / elapsed.as_secs_f64(),
            String::from_utf8_lossy(&body)
        );
    }
    let mut conn = state.pool.get().expect("conn");
    let n: i64 = kompetensi::db::schema::employees::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(n as usize, ROWS);
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        run("sqlite", DbUrl::SqliteFile(dir.path().join("bench.db"))).await;
        let pg = std::env::var("BENCH_POSTGRES_URL")
            .or_else(|_| std::env::var("TEST_POSTGRES_URL"))
            .ok();
        match pg {
            Some(base) => {
                let name = format!("kbench_{}", std::process::id());
                let mut admin = diesel::PgConnection::establish(&base).expect("postgres");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create db");
                let (head, tail) = base.rsplit_once('/').expect("url with a database");
                let query = tail
                    .split_once('?')
                    .map(|(_, q)| format!("?{q}"))
                    .unwrap_or_default();
                run("postgres", DbUrl::Postgres(format!("{head}/{name}{query}"))).await;
                diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .expect("drop db");
            }
            None => println!("postgres   skipped: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL)"),
        }
    });
}
