//! Reports and list pages on a real streaming replica (`tests/replica.sh` makes one with
//! `pg_basebackup -R`): they run there once it has caught up, and on the primary while it lags,
//! so no answer is stale.

use std::time::{Duration, Instant};

use actix_web::test;
use actix_web::web;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde_json::json;

use kompetensi::db::DbUrl;
use kompetensi::{build_app, AppState};

use crate::common::*;

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    b: bool,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    t: String,
}

fn connect(url: &str) -> Option<PgConnection> {
    PgConnection::establish(url).ok()
}

/// Waits until the replica has replayed all the primary has written so far.
fn caught_up(primary: &mut PgConnection, replica: &mut PgConnection) {
    let lsn: Line = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS t")
        .get_result(primary)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done: Flag = diesel::sql_query(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS b",
        )
        .bind::<Text, _>(&lsn.t)
        .get_result(replica)
        .unwrap();
        if done.b {
            return;
        }
        assert!(Instant::now() < deadline, "the replica did not catch up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn reads<S: TestApp>(app: &S, on: &str) -> u64 {
    counter_value(
        app,
        &format!("kompetensi_replica_reads_total{{on=\"{on}\"}}"),
    )
    .await
}

/// What reads the active employees on the replica or the primary.
#[derive(Clone, Copy)]
enum Read {
    /// The summary report (`employees`).
    Report,
    /// A list page (`total`).
    List,
}

/// How many active employees `read` counts, computed now.
async fn employees_by<S: TestApp>(app: &S, token: &str, read: Read) -> i64 {
    let (uri, field) = match read {
        Read::Report => ("/api/v1/reports/summary", "employees"),
        Read::List => ("/api/v1/employees?active=true", "total"),
    };
    let r = get_computed(app, uri, token).await;
    r.expect(200);
    r.body[field].as_i64().unwrap()
}

#[actix_web::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "runs on PostgreSQL: set TEST_POSTGRES_URL when building the tests"
)]
async fn reports_and_lists_run_on_a_caught_up_replica_and_on_the_primary_while_it_lags() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/replica.sh");
    let out = std::process::Command::new(script)
        .output()
        .expect("replica.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let ctx = Ctx::with_config(Backend::Postgres, |_| {}).await;
    let DbUrl::Postgres(primary_url) = &ctx.db.url else {
        unreachable!()
    };
    let name = primary_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let replica_url = format!("{base}/{name}");
    // The new database and its migrations reach the replica.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut replica = loop {
        if let Some(mut c) = connect(&replica_url) {
            if diesel::sql_query("SELECT last_value FROM data_version_unit")
                .execute(&mut c)
                .is_ok()
            {
                break c;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the database never reached the replica"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    diesel::sql_query("SELECT pg_wal_replay_resume()")
        .execute(&mut replica)
        .unwrap();
    let mut primary = connect(primary_url).unwrap();

    let mut config = ctx.state.config.clone();
    config.read_database_url = Some(DbUrl::parse(&replica_url).unwrap());
    let state = AppState::new(config, ctx.state.pool.clone()).expect("state");
    let app = test::init_service(build_app(web::Data::new(state))).await;
    let admin = admin_token(&app).await;
    let unit = ctx.insert_unit("R", None);
    let mut ids = Vec::new();
    for nip in [
        "198503102010011001",
        "199001012015012001",
        "199202022016022002",
    ] {
        let r = post(
            &app,
            "/api/v1/employees",
            &admin,
            json!({"nip": nip, "name": "Pegawai", "asn_type": "pns", "unit_id": unit}),
        )
        .await;
        r.expect(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }

    // Caught up: the report runs on the replica, as its own server says. (Other tests write to
    // the same server meanwhile, so a read may still find the replica behind and go to the
    // primary: it is asked again until one runs there.)
    caught_up(&mut primary, &mut replica);
    let on_replica = reads(&app, "replica").await;
    on_the_replica(&app, &admin, (Read::Report, 3), on_replica).await;
    let queries: Vec<Line> = diesel::sql_query(
        "SELECT query AS t FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind::<Text, _>(&name)
    .load(&mut replica)
    .unwrap();
    // The summary's statements end with the kept JP groups; a pooled connection shows its last.
    assert!(
        queries
            .iter()
            .any(|q| q.t.contains("FROM \"") || q.t.contains("FROM jp_groups")),
        "no report query on the replica: {:?}",
        queries.iter().map(|q| &q.t).collect::<Vec<_>>()
    );

    // Replay paused: a write is not on the replica, and the next report, run on the primary,
    // has it.
    diesel::sql_query("SELECT pg_wal_replay_pause()")
        .execute(&mut replica)
        .unwrap();
    let behind = reads(&app, "primary_behind").await;
    patch(
        &app,
        &format!("/api/v1/employees/{}", ids[0]),
        &admin,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let seen = employees_by(&app, &admin, Read::Report).await;
    let listed = employees_by(&app, &admin, Read::List).await;
    diesel::sql_query("SELECT pg_wal_replay_resume()")
        .execute(&mut replica)
        .unwrap();
    assert_eq!((seen, listed), (2, 2));
    assert_eq!(reads(&app, "primary_behind").await, behind + 2);

    // Caught up again: back on the replica, with the write, for reports and lists alike.
    caught_up(&mut primary, &mut replica);
    on_the_replica(&app, &admin, (Read::Report, 2), on_replica + 1).await;
    on_the_replica(&app, &admin, (Read::List, 2), on_replica + 2).await;
}

/// Asks `read` until one is read on the replica (within 10 s); every answer has `employees`
/// people.
async fn on_the_replica<S: TestApp>(
    app: &S,
    token: &str,
    (read, employees): (Read, i64),
    before: u64,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(employees_by(app, token, read).await, employees);
        let now = reads(app, "replica").await;
        if now > before {
            assert_eq!(now, before + 1);
            return;
        }
        assert!(Instant::now() < deadline, "no report read on the replica");
    }
}
