//! Migrations that move data, run on a database that holds rows of the schema before them.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use kompetensi::db::{AnyConnection, ConnectionManager, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use r2d2::ManageConnection;
use serde_json::{json, Value};

use crate::common::{Backend, TestDb};

/// A new database with the first `n` migrations applied, and a connection to it.
fn database_at(backend: Backend, n: usize) -> (TestDb, AnyConnection) {
    let db = TestDb::new(backend);
    let mut conn = ConnectionManager::new(db.url.clone())
        .connect()
        .expect("connect");
    migrate_next(&mut conn, n);
    (db, conn)
}

/// Applies the next `n` migrations.
fn migrate_next(conn: &mut AnyConnection, n: usize) {
    for _ in 0..n {
        match conn {
            AnyConnection::Postgresql(c) => c.run_next_migration(POSTGRES_MIGRATIONS),
            AnyConnection::Sqlite(c) => c.run_next_migration(SQLITE_MIGRATIONS),
        }
        .expect("migration");
    }
}

#[derive(QueryableByName)]
struct Links {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    links_json: String,
}

crate::per_backend!(
    training_links_are_copied_onto_existing_trainings,
    links_copied
);

/// Migration 7 copies each training's partners, trainers and target competencies, in id order,
/// onto its row; a training without links gets empty lists.
fn links_copied(backend: Backend) {
    {
        let (_db, mut conn) = database_at(backend, 6);
        let at = "'2026-01-01 00:00:00'";
        let training = |title: &str| {
            format!(
                "INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, \
                 created_at, updated_at) VALUES ('{title}', 'seminar', 'in_person', 2, \
                 '2026-02-01', '2026-02-01', 'planned', {at}, {at});"
            )
        };
        conn.batch_execute(&format!(
            "INSERT INTO partners (name, kind, created_at, updated_at) VALUES \
               ('P1', 'ngo', {at}, {at}), ('P2', 'university', {at}, {at}), ('P3', 'ngo', {at}, {at});
             INSERT INTO trainers (name, kind, created_at, updated_at) VALUES ('T1', 'external', {at}, {at});
             INSERT INTO competencies (code, name, kind, created_at, updated_at) VALUES
               ('K1', 'K1', 'technical', {at}, {at}), ('K2', 'K2', 'managerial', {at}, {at});
             {} {}
             INSERT INTO training_partners (training_id, partner_id) VALUES (1, 3), (1, 1);
             INSERT INTO training_trainers (training_id, trainer_id) VALUES (1, 1);
             INSERT INTO training_competencies (training_id, competency_id, target_level)
               VALUES (1, 2, 4), (1, 1, 2);",
            training("Linked"),
            training("Bare")
        ))
        .expect("rows of the schema before migration 7");
        migrate_next(&mut conn, 1);
        let rows: Vec<Links> =
            diesel::sql_query("SELECT id, links_json FROM trainings ORDER BY id")
                .load(&mut conn)
                .expect("links");
        let links: Vec<(i64, Value)> = rows
            .into_iter()
            .map(|r| (r.id, serde_json::from_str(&r.links_json).expect("json")))
            .collect();
        assert_eq!(
            links,
            vec![
                (
                    1,
                    json!({"partner_ids": [1, 3], "trainer_ids": [1], "competencies": [
                        {"competency_id": 1, "target_level": 2},
                        {"competency_id": 2, "target_level": 4}]})
                ),
                (
                    2,
                    json!({"partner_ids": [], "trainer_ids": [], "competencies": []})
                ),
            ],
            "{backend:?}"
        );
    }
}

crate::per_backend!(
    competency_sets_are_copied_onto_partners_and_trainers,
    competency_sets_copied
);

#[derive(QueryableByName)]
struct Set {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    competency_ids: String,
}

/// Migration 8 copies each partner's and trainer's competencies, ascending, onto its row; one
/// without competencies gets an empty list.
fn competency_sets_copied(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 7);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO competencies (code, name, kind, created_at, updated_at) VALUES
           ('K1', 'K1', 'technical', {at}, {at}), ('K2', 'K2', 'managerial', {at}, {at});
         INSERT INTO partners (name, kind, created_at, updated_at) VALUES
           ('P1', 'ngo', {at}, {at}), ('P2', 'university', {at}, {at});
         INSERT INTO trainers (name, kind, created_at, updated_at) VALUES ('T1', 'external', {at}, {at});
         INSERT INTO partner_competencies (partner_id, competency_id) VALUES (1, 2), (1, 1);
         INSERT INTO trainer_competencies (trainer_id, competency_id) VALUES (1, 2);"
    ))
    .expect("rows of the schema before migration 8");
    migrate_next(&mut conn, 1);
    let read = |conn: &mut AnyConnection, table: &str| -> Vec<(String, Value)> {
        diesel::sql_query(format!(
            "SELECT name, competency_ids FROM {table} ORDER BY id"
        ))
        .load::<Set>(conn)
        .expect("sets")
        .into_iter()
        .map(|r| {
            (
                r.name,
                serde_json::from_str(&r.competency_ids).expect("json"),
            )
        })
        .collect()
    };
    assert_eq!(
        read(&mut conn, "partners"),
        vec![("P1".into(), json!([1, 2])), ("P2".into(), json!([]))]
    );
    assert_eq!(read(&mut conn, "trainers"), vec![("T1".into(), json!([2]))]);
}

crate::per_backend!(
    enrolments_of_cancelled_trainings_are_withdrawn_and_recorded,
    cancelled_withdrawn
);

#[derive(QueryableByName, Debug, PartialEq)]
struct EnrolmentState {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    jp_credited: Option<i32>,
}

#[derive(QueryableByName)]
struct Detail {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    entity_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    detail: Option<String>,
}

#[derive(QueryableByName)]
struct Jp {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    jp: i32,
}

/// Migration 11: the completed enrolment of a cancelled training is withdrawn without JP, an
/// audit row says what it was, and the kept yearly JP are rebuilt to count only the held
/// training; the held training's completion is untouched, and migration 13 dates it on its
/// training's end date; migration 14 gives the PNS the first day of their CPNS month as
/// appointment date.
fn cancelled_withdrawn(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 10);
    let at = "'2026-01-01 00:00:00'";
    let training = |title: &str, status: &str| {
        format!(
            "INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, \
             enrolled_count, created_at, updated_at) VALUES ('{title}', 'seminar', 'in_person', \
             12, '2026-02-01', '2026-02-02', '{status}', 1, {at}, {at});"
        )
    };
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('U', 'U', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at)
           VALUES ('198503102010011001', 'Ani', 'pns', 1, {at}, {at});
         {} {}
         INSERT INTO enrolments (training_id, employee_id, status, jp_credited, created_at, updated_at)
           VALUES (1, 1, 'completed', 12, {at}, {at}), (2, 1, 'completed', 8, {at}, {at});
         INSERT INTO employee_jp (employee_id, year, jp) VALUES (1, 2026, 20);",
        training("Cancelled", "cancelled"),
        training("Held", "completed"),
    ))
    .expect("rows of the schema before migration 11");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    let states: Vec<EnrolmentState> =
        diesel::sql_query("SELECT status, jp_credited FROM enrolments ORDER BY id")
            .load(&mut conn)
            .expect("enrolments");
    assert_eq!(
        states,
        vec![
            EnrolmentState {
                status: "withdrawn".into(),
                jp_credited: None
            },
            EnrolmentState {
                status: "completed".into(),
                jp_credited: Some(8)
            },
        ],
        "{backend:?}"
    );
    let notes: Vec<Detail> = diesel::sql_query(
        "SELECT entity_id, detail FROM audit_log WHERE actor_kind = 'system' \
         AND entity = 'enrolment' ORDER BY id",
    )
    .load(&mut conn)
    .expect("audit");
    assert_eq!(notes.len(), 1, "{backend:?}");
    assert_eq!(notes[0].entity_id, Some(1));
    assert_eq!(
        notes[0].detail.as_deref(),
        Some("migration 2026-12-02-000011: withdrawn, the training is cancelled (was completed, 12 JP)")
    );
    let jp: Vec<Jp> =
        diesel::sql_query("SELECT jp FROM employee_jp WHERE employee_id = 1 AND year = 2026")
            .load(&mut conn)
            .expect("employee_jp");
    assert_eq!(
        jp.iter().map(|r| r.jp).collect::<Vec<_>>(),
        vec![8],
        "{backend:?}"
    );
    // Migration 14: a PNS's appointment date from the CPNS month of the NIP.
    let appointed: Vec<Day> =
        diesel::sql_query("SELECT CAST(appointed_on AS TEXT) AS day FROM employees")
            .load(&mut conn)
            .expect("appointment days");
    assert_eq!(
        appointed.into_iter().map(|d| d.day).collect::<Vec<_>>(),
        vec![Some("2010-01-01".to_string())],
        "{backend:?}"
    );
    // Migration 13: the completion keeps counting on its training's end date.
    let days: Vec<Day> =
        diesel::sql_query("SELECT CAST(completed_on AS TEXT) AS day FROM enrolments ORDER BY id")
            .load(&mut conn)
            .expect("completion days");
    assert_eq!(
        days.into_iter().map(|d| d.day).collect::<Vec<_>>(),
        vec![None, Some("2026-02-02".to_string())],
        "{backend:?}"
    );
}

#[derive(QueryableByName)]
struct Day {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    day: Option<String>,
}

#[derive(QueryableByName, Debug)]
struct Certificate {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    certificate_number: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    verification_code: Option<String>,
}

crate::per_backend!(
    existing_completions_get_unique_certificates,
    certificates_issued
);

/// Migration 16: a certificate number given twice stays on the first enrolment and the other
/// gets its id appended (with an audit row); completions without a number get the next ones of
/// their training in the default format; every completion gets a code of its own; the training
/// counts what it issued.
fn certificates_issued(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 15);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('U', 'U', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at) VALUES
           ('198503102010011001', 'Ani', 'pns', 1, {at}, {at}),
           ('199001012015012001', 'Budi', 'pns', 1, {at}, {at}),
           ('199203152019031004', 'Cici', 'pns', 1, {at}, {at}),
           ('198812122012121002', 'Dodi', 'pns', 1, {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Held', 'seminar', 'in_person', 8, '2026-02-01', '2026-02-02', 'completed', 4, {at}, {at});
         INSERT INTO enrolments (training_id, employee_id, status, jp_credited, completed_on, certificate_number, created_at, updated_at) VALUES
           (1, 1, 'completed', 8, '2026-02-02', 'STTPL-1', {at}, {at}),
           (1, 2, 'completed', 8, '2026-02-02', 'STTPL-1', {at}, {at}),
           (1, 3, 'completed', 8, '2026-02-02', NULL, {at}, {at}),
           (1, 4, 'registered', NULL, NULL, NULL, {at}, {at});",
    ))
    .expect("rows of the schema before migration 16");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    let rows: Vec<Certificate> = diesel::sql_query(
        "SELECT certificate_number, verification_code FROM enrolments ORDER BY id",
    )
    .load(&mut conn)
    .expect("enrolments");
    let numbers: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.certificate_number.as_deref())
        .collect();
    assert_eq!(
        numbers,
        vec![
            Some("STTPL-1"),
            Some("STTPL-1-2"),
            Some("2026/1/0003"),
            None
        ],
        "{backend:?}"
    );
    let codes: Vec<&str> = rows[..3]
        .iter()
        .map(|r| r.verification_code.as_deref().expect("a code"))
        .collect();
    assert!(codes
        .iter()
        .all(|c| c.len() == 32 && c.chars().all(|x| x.is_ascii_hexdigit())));
    assert!(codes[0] != codes[1] && codes[1] != codes[2] && codes[0] != codes[2]);
    assert_eq!(rows[3].verification_code, None);
    let notes: Vec<Detail> = diesel::sql_query(
        "SELECT entity_id, detail FROM audit_log WHERE actor_kind = 'system' \
         AND entity = 'enrolment' ORDER BY id",
    )
    .load(&mut conn)
    .expect("audit");
    assert_eq!(notes.len(), 1, "{backend:?}");
    assert_eq!(notes[0].entity_id, Some(2));
    assert_eq!(
        notes[0].detail.as_deref(),
        Some("migration 2026-12-02-000016: certificate number STTPL-1 was also another enrolment's; now STTPL-1-2")
    );
    let seq: Vec<Jp> = diesel::sql_query("SELECT certificate_seq AS jp FROM trainings")
        .load(&mut conn)
        .expect("trainings");
    assert_eq!(seq.iter().map(|r| r.jp).collect::<Vec<_>>(), vec![3]);
}

#[derive(QueryableByName)]
struct Attributed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unit_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    responses: i64,
}

crate::per_backend!(
    existing_feedback_moves_to_its_opd,
    feedback_attributed_to_opds
);

/// Migration 20: responses attributed to a sub-unit move to its OPD (the top-level unit), and
/// the feedback totals are rebuilt that way.
fn feedback_attributed_to_opds(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 19);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('OPD', 'OPD', {at}, {at});
         INSERT INTO units (code, name, parent_id, created_at, updated_at) VALUES ('SUB', 'Sub', 1, {at}, {at});
         INSERT INTO units (code, name, parent_id, created_at, updated_at) VALUES ('SUBSUB', 'Sub-sub', 2, {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Held', 'seminar', 'in_person', 8, '2026-02-01', '2026-02-02', 'completed', 0, {at}, {at});
         INSERT INTO feedback (training_id, unit_id, overall, recommend, submitted_on) VALUES
           (1, 1, 4, 8, '2026-02-02'), (1, 2, 3, 7, '2026-02-02'), (1, 3, 5, 9, '2026-02-02');",
    ))
    .expect("rows of the schema before migration 20");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    let units: Vec<Attributed> = diesel::sql_query(
        "SELECT unit_id, CAST(COUNT(*) AS BIGINT) AS responses FROM feedback GROUP BY unit_id",
    )
    .load(&mut conn)
    .expect("feedback");
    assert_eq!(
        units
            .iter()
            .map(|u| (u.unit_id, u.responses))
            .collect::<Vec<_>>(),
        vec![(1, 3)]
    );
    let totals: Vec<Attributed> = diesel::sql_query(
        "SELECT unit_id, CAST(responses AS BIGINT) AS responses FROM feedback_totals",
    )
    .load(&mut conn)
    .expect("feedback totals");
    assert_eq!(
        totals
            .iter()
            .map(|u| (u.unit_id, u.responses))
            .collect::<Vec<_>>(),
        vec![(1, 3)]
    );
}

crate::per_backend!(
    enrolment_statuses_gain_the_nomination_states,
    nomination_states
);

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
}

/// Migration 22 widens the enrolment status check on a database that holds enrolments, with
/// another connection open that read the schema before: both take the new states, and a value
/// outside them is still refused. The rows that refer to enrolments keep referring to them.
fn nomination_states(backend: Backend) {
    let db = TestDb::new(backend);
    let manager = ConnectionManager::new(db.url.clone());
    let mut conn = manager.connect().expect("connect");
    migrate_next(&mut conn, 21);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('U', 'U', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at)
           VALUES ('198503102010011001', 'Ani', 'pns', 1, {at}, {at}),
                  ('199001012015012001', 'Budi', 'pns', 1, {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Held', 'seminar', 'in_person', 8, '2026-02-01', '2026-02-02', 'completed', 1, {at}, {at});
         INSERT INTO enrolments (training_id, employee_id, status, jp_credited, created_at, updated_at)
           VALUES (1, 1, 'completed', 8, {at}, {at});
         INSERT INTO siasn_syncs (enrolment_id, record_key, siasn_riwayat_id, synced_at)
           VALUES (1, 'T1', 'R-1', {at});",
    ))
    .expect("rows of the schema before migration 22");
    let mut other = manager.connect().expect("connect");
    other
        .batch_execute("SELECT COUNT(*) FROM enrolments")
        .expect("the other connection reads the old schema");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    other
        .batch_execute(&format!(
            "INSERT INTO enrolments (training_id, employee_id, status, created_at, updated_at)
               VALUES (1, 2, 'waitlisted', {at}, {at})"
        ))
        .expect("the other connection takes a new state");
    conn.batch_execute("UPDATE enrolments SET status = 'nominated' WHERE id = 2")
        .expect("and so does the migrating one");
    for c in [&mut conn, &mut other] {
        assert!(
            c.batch_execute("UPDATE enrolments SET status = 'approved' WHERE id = 2")
                .is_err(),
            "a status outside the list is refused"
        );
    }
    let states: Vec<Check> = diesel::sql_query("SELECT status FROM enrolments ORDER BY id")
        .load(&mut conn)
        .expect("enrolments");
    let states: Vec<&str> = states.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(states, ["completed", "nominated"]);
    let synced: Vec<Check> =
        diesel::sql_query("SELECT record_key AS status FROM siasn_syncs WHERE enrolment_id = 1")
            .load(&mut conn)
            .expect("siasn syncs");
    assert_eq!(synced.len(), 1, "rows referring to enrolments are kept");
    if backend == Backend::Sqlite {
        let ok: Vec<Check> =
            diesel::sql_query("SELECT integrity_check AS status FROM pragma_integrity_check")
                .load(&mut conn)
                .expect("integrity check");
        assert_eq!(
            ok.iter().map(|c| c.status.as_str()).collect::<Vec<_>>(),
            ["ok"]
        );
    }
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Summed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    training_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    participants: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    responses: i64,
}

crate::per_backend!(
    the_totals_of_every_unit_are_summed_per_training,
    totals_summed_per_training
);

/// Migration 32 keeps the per-unit totals summed per training: the rows already there are
/// summed once, a training's units (and paper forms, of no unit) together.
fn totals_summed_per_training(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 31);
    let at = "'2026-01-01 00:00:00'";
    let counts = "completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('A', 'A', {at}, {at}), ('B', 'B', {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('One', 'seminar', 'in_person', 8, '2026-02-01', '2026-02-02', 'completed', 0, {at}, {at}),
                  ('Two', 'seminar', 'in_person', 8, '2026-03-01', '2026-03-02', 'completed', 0, {at}, {at});
         INSERT INTO enrolment_totals (training_id, unit_id, participants, {counts})
           VALUES (1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0), (1, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0), (2, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0);
         INSERT INTO feedback_totals (training_id, unit_id, responses) VALUES (1, 1, 2), (1, NULL, 6), (2, 2, 1);",
    ))
    .expect("per-unit totals of the schema before migration 32");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    let summed: Vec<Summed> = diesel::sql_query(
        "SELECT e.training_id, CAST(e.participants AS BIGINT) AS participants, \
         CAST(f.responses AS BIGINT) AS responses FROM enrolment_totals_by_training e \
         JOIN feedback_totals_by_training f ON f.training_id = e.training_id ORDER BY e.training_id",
    )
    .load(&mut conn)
    .expect("totals per training");
    assert_eq!(
        summed,
        [
            Summed {
                training_id: 1,
                participants: 7,
                responses: 8
            },
            Summed {
                training_id: 2,
                participants: 5,
                responses: 1
            },
        ]
    );
}

crate::per_backend!(
    policy_coverage_is_computed_for_the_data_already_there,
    coverage_computed
);

/// Migration 39 keeps whom each policy affects and who is refreshed on it: on a database that
/// held data before it, the rows are computed once the migrations have run.
fn coverage_computed(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 38);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('U', 'U', {at}, {at});
         INSERT INTO positions (name, kind, created_at, updated_at)
           VALUES ('Analis', 'pelaksana', {at}, {at}), ('Lain', 'pelaksana', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, position_id, created_at, updated_at)
           VALUES ('198503102010011001', 'Ani', 'pns', 1, 1, {at}, {at}),
                  ('199001012015012001', 'Budi', 'pns', 1, 1, {at}, {at}),
                  ('198812122012121002', 'Cici', 'pns', 1, 2, {at}, {at});
         INSERT INTO policies (title, reference, issued_on, created_at, updated_at)
           VALUES ('UU ASN', 'UU 20/2023', '2025-01-01', {at}, {at});
         INSERT INTO policy_positions (policy_id, position_id) VALUES (1, 1);
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Sosialisasi', 'seminar', 'in_person', 4, '2026-02-01', '2026-02-02', 'completed', 1, {at}, {at});
         INSERT INTO training_policies (training_id, policy_id) VALUES (1, 1);
         INSERT INTO enrolments (training_id, employee_id, status, jp_credited, completed_on, created_at, updated_at)
           VALUES (1, 1, 'completed', 4, '2026-02-02', {at}, {at});",
    ))
    .expect("rows of the schema before migration 39");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        employee_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        refreshed: i64,
    }
    let kept: Vec<Kept> = diesel::sql_query(
        "SELECT employee_id, CAST(refreshed AS BIGINT) AS refreshed FROM policy_people \
         WHERE policy_id = 1 ORDER BY employee_id",
    )
    .load(&mut conn)
    .expect("the kept coverage");
    assert_eq!(
        kept,
        [
            Kept {
                employee_id: 1,
                refreshed: 1
            },
            Kept {
                employee_id: 2,
                refreshed: 0
            }
        ],
        "Ani and Budi hold the policy's position, Ani completed its refresher"
    );
}

crate::per_backend!(
    training_comments_are_kept_for_the_data_already_there,
    comments_kept
);

/// Migration 40 keeps each training's comments as the array the evaluation shows: on a
/// database that held responses before it, the arrays are computed once the migrations have
/// run, one a training with comments and none for a training without.
fn comments_kept(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 39);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('U', 'U', {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Sosialisasi', 'seminar', 'in_person', 4, '2026-02-01', '2026-02-02', 'completed', 0, {at}, {at}),
                  ('Bimtek', 'bimtek', 'in_person', 4, '2026-03-01', '2026-03-02', 'completed', 0, {at}, {at});
         INSERT INTO feedback (training_id, unit_id, overall, recommend, comment, submitted_on)
           VALUES (1, 1, 4, 9, 'Materi relevan', '2026-02-03'),
                  (1, 1, 3, 7, NULL, '2026-02-03'),
                  (1, 1, 5, 10, 'Ruang kelas, panas', '2026-02-04'),
                  (1, 1, 2, 5, 'Kurang \"praktik\"', '2026-02-04'),
                  (2, 1, 4, 8, NULL, '2026-03-03');",
    ))
    .expect("rows of the schema before migration 40");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    #[derive(QueryableByName, Debug)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        training_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        comments: String,
    }
    let kept: Vec<Kept> = diesel::sql_query("SELECT training_id, comments FROM training_comments")
        .load(&mut conn)
        .expect("the kept comments");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].training_id, 1);
    let mut comments: Vec<String> = serde_json::from_str(&kept[0].comments).expect("a JSON array");
    comments.sort();
    assert_eq!(
        comments,
        ["Kurang \"praktik\"", "Materi relevan", "Ruang kelas, panas"]
    );
}

crate::per_backend!(
    training_evaluations_are_kept_for_the_data_already_there,
    evaluations_kept
);

/// Migration 41 keeps each training's evaluation over every unit: on a database whose totals
/// and comments were kept before it, the rows are computed once the migrations have run, by
/// the report's rule (the default settings: groups of 3, "most" above 0.5), one a training with
/// enrolments or feedback and none for a training with neither.
fn evaluations_kept(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 40);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Sosialisasi', 'seminar', 'in_person', 4, '2026-02-01', '2026-02-02', 'completed', 5, {at}, {at}),
                  ('Bimtek', 'bimtek', 'in_person', 4, '2026-03-01', '2026-03-02', 'ongoing', 2, {at}, {at}),
                  ('Rencana', 'bimtek', 'in_person', 4, '2026-04-01', '2026-04-02', 'planned', 0, {at}, {at});
         INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 5, 4, 4, 4, 16, 0, 0, 0, 0), (2, 2, 0, 0, 0, 0, 0, 0, 0, 0);
         INSERT INTO feedback_totals_by_training (training_id, responses, promoters, detractors, method_n, method_sum, method_top2, method_low, overall_n, overall_sum, overall_top2, overall_low)
           VALUES (1, 4, 2, 1, 4, 8, 0, 3, 4, 14, 2, 1);
         INSERT INTO training_comments (training_id, comments) VALUES (1, '[\"Materi relevan\"]');",
    ))
    .expect("rows of the schema before migration 41");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    #[derive(QueryableByName, Debug)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        training_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        title: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        comments: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        figures: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        flags: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        suppressed: bool,
    }
    let kept: Vec<Kept> = diesel::sql_query(
        "SELECT training_id, title, comments, figures, flags, suppressed FROM training_evaluations \
         ORDER BY training_id",
    )
    .load(&mut conn)
    .expect("the kept evaluations");
    assert_eq!(kept.len(), 2, "{kept:?}");
    let figures: Value = serde_json::from_str(&kept[0].figures).expect("a JSON object");
    assert_eq!(
        figures,
        json!({"responses": 4, "enrolled": 5, "eligible": 4, "response_rate": 1.0,
               "aspects": {"method": {"mean": 2.0, "top2_share": 0.0, "dissatisfied_share": 0.75}},
               "overall_mean": 3.5, "nps": 25.0, "flags": ["method"]})
    );
    assert_eq!(
        (kept[0].flags.as_str(), kept[0].suppressed),
        ("method", false)
    );
    let figures: Value = serde_json::from_str(&kept[1].figures).expect("a JSON object");
    assert_eq!(
        figures,
        json!({"responses": 0, "enrolled": 2, "eligible": 0, "response_rate": null, "aspects": {},
               "overall_mean": null, "nps": null, "flags": []})
    );
    assert_eq!(
        (
            kept[1].training_id,
            kept[1].flags.as_str(),
            kept[1].suppressed
        ),
        (2, "", true)
    );
}

crate::per_backend!(
    opd_evaluations_are_kept_for_the_data_already_there,
    opd_evaluations_kept
);

/// Migration 42 keeps each training's evaluation per OPD: on a database with data, the rows are
/// computed once the migrations have run, by the report's rule over the OPD's subtree: a
/// sub-unit's enrolments count in its OPD, and an OPD its people neither enrolled nor answered
/// in has no row.
fn opd_evaluations_kept(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 41);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, parent_id, active, created_at, updated_at, version)
           VALUES ('OPD', 'Dinas', NULL, TRUE, {at}, {at}, 1), ('SUB', 'Bidang', 1, TRUE, {at}, {at}, 1),
                  ('LAIN', 'Badan', NULL, TRUE, {at}, {at}, 1);
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Sosialisasi', 'seminar', 'in_person', 4, '2026-02-01', '2026-02-02', 'completed', 5, {at}, {at});
         INSERT INTO enrolment_totals (training_id, unit_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 2, 5, 4, 4, 4, 16, 0, 0, 0, 0);
         INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 5, 4, 4, 4, 16, 0, 0, 0, 0);
         INSERT INTO feedback_totals (training_id, unit_id, responses, promoters, detractors, overall_n, overall_sum, overall_top2, overall_low)
           VALUES (1, 1, 4, 2, 1, 4, 14, 2, 1);
         INSERT INTO feedback_totals_by_training (training_id, responses, promoters, detractors, overall_n, overall_sum, overall_top2, overall_low)
           VALUES (1, 4, 2, 1, 4, 14, 2, 1);",
    ))
    .expect("rows of the schema before migration 42");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    #[derive(QueryableByName, Debug)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unit_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        training_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        title: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        figures: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        flags: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        suppressed: bool,
        #[diesel(sql_type = diesel::sql_types::Text)]
        comments: String,
    }
    let kept: Vec<Kept> = diesel::sql_query(
        "SELECT unit_id, training_id, title, figures, flags, suppressed, comments FROM unit_evaluations \
         ORDER BY unit_id, training_id",
    )
    .load(&mut conn)
    .expect("the kept evaluations per OPD");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        (
            kept[0].unit_id,
            kept[0].training_id,
            kept[0].title.as_str(),
            kept[0].flags.as_str()
        ),
        (1, 1, "Sosialisasi", "")
    );
    assert_eq!(
        (kept[0].suppressed, kept[0].comments.as_str()),
        (false, "[]")
    );
    let figures: Value = serde_json::from_str(&kept[0].figures).expect("a JSON object");
    assert_eq!(
        figures,
        json!({"responses": 4, "enrolled": 5, "eligible": 4, "response_rate": 1.0, "aspects": {},
               "overall_mean": 3.5, "nps": 25.0, "flags": []})
    );
}

crate::per_backend!(
    evaluation_csv_lines_are_kept_for_the_data_already_there,
    evaluation_lines_kept
);

/// Migration 45 keeps each kept evaluation's CSV line cut around its unaddressed flags: on a
/// database with data, the lines are computed once the migrations have run, and the report's
/// CSV twin is those lines joined.
fn evaluation_lines_kept(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 44);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, enrolled_count, created_at, updated_at)
           VALUES ('Sosialisasi, \"Dasar\"', 'seminar', 'in_person', 4, '2026-02-01', '2026-02-02', 'completed', 5, {at}, {at});
         INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 5, 4, 4, 4, 16, 0, 0, 0, 0);
         INSERT INTO feedback_totals_by_training (training_id, responses, promoters, detractors, method_n, method_sum, method_top2, method_low, overall_n, overall_sum, overall_top2, overall_low)
           VALUES (1, 4, 2, 1, 4, 8, 0, 3, 4, 14, 2, 1);
         INSERT INTO training_comments (training_id, comments) VALUES (1, '[\"=1+1\", \"Materi relevan\"]');
         INSERT INTO training_evaluations (training_id, title, programme_id, figures, flags, suppressed, comments)
           VALUES (1, 'Sosialisasi, \"Dasar\"', NULL, '{{}}', 'method', FALSE, '[]');",
    ))
    .expect("rows of the schema before migration 45");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    let lines = kept_csv_lines(&mut conn);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (before, after) = (&lines[0].csv_before, &lines[0].csv_after);
    // The title quoted (a comma and quotes), the figures, the flags, then the cut.
    assert!(
        before.starts_with("1,\"Sosialisasi, \"\"Dasar\"\"\",,4,5,4,1.0,"),
        "{before}"
    );
    assert!(before.ends_with(",3.5,25.0,method,"), "{before}");
    // The comments joined, the cell guarded against a formula, and not suppressed.
    assert_eq!(after, ",'=1+1;Materi relevan,false\n");
}

crate::per_backend!(
    existing_answers_count_as_eligible_where_they_were_given,
    answers_count_where_given
);

/// Migration 47 keeps on each receipt the OPD its response is attributed to (the author's of
/// today, for the receipts already there), and the enrolment totals of the trainings with
/// answers are computed afterwards: one who answered counts as eligible in that OPD
/// (`eligible_opd`), one who withdrew after answering still counts, and a training nobody
/// answered keeps its totals, `eligible_opd` being its `eligible`.
fn answers_count_where_given(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 46);
    let at = "'2026-01-01 00:00:00'";
    let training = |title: &str| {
        format!(
            "INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status, \
             enrolled_count, created_at, updated_at) VALUES ('{title}', 'seminar', 'in_person', \
             4, '2026-02-01', '2026-02-02', 'completed', 2, {at}, {at});"
        )
    };
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('A', 'A', {at}, {at});
         INSERT INTO units (code, name, parent_id, created_at, updated_at) VALUES ('A1', 'A1', 1, {at}, {at});
         INSERT INTO units (code, name, created_at, updated_at) VALUES ('B', 'B', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at) VALUES
           ('198503102010011001', 'Ani', 'pns', 2, {at}, {at}),
           ('199001012015012001', 'Budi', 'pns', 3, {at}, {at});
         {} {}
         INSERT INTO enrolments (training_id, employee_id, status, created_at, updated_at) VALUES
           (1, 1, 'attended', {at}, {at}), (1, 2, 'withdrawn', {at}, {at}),
           (2, 1, 'attended', {at}, {at});
         INSERT INTO feedback_receipts (enrolment_id) VALUES (1), (2);
         INSERT INTO enrolment_totals (training_id, unit_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0), (2, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0);
         INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 1, 0, 0, 1, 0, 0, 0, 0, 0), (2, 1, 0, 0, 1, 0, 0, 0, 0, 0);",
        training("Answered"),
        training("Unanswered"),
    ))
    .expect("rows of the schema before migration 47");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        training_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unit_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        participants: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        eligible: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        eligible_opd: i64,
    }
    #[derive(QueryableByName)]
    struct Receipt {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        enrolment_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unit_id: i64,
    }
    let receipts: Vec<Receipt> = diesel::sql_query(
        "SELECT enrolment_id, unit_id FROM feedback_receipts ORDER BY enrolment_id",
    )
    .load(&mut conn)
    .expect("receipts");
    assert_eq!(
        receipts
            .iter()
            .map(|r| (r.enrolment_id, r.unit_id))
            .collect::<Vec<_>>(),
        vec![(1, 1), (2, 3)],
        "each receipt in its author's OPD"
    );
    let totals: Vec<Row> = diesel::sql_query(
        "SELECT training_id, unit_id, CAST(participants AS BIGINT) AS participants, \
         CAST(eligible AS BIGINT) AS eligible, CAST(eligible_opd AS BIGINT) AS eligible_opd \
         FROM enrolment_totals ORDER BY training_id, unit_id",
    )
    .load(&mut conn)
    .expect("enrolment totals");
    let row = |training_id, unit_id, participants, eligible, eligible_opd| Row {
        training_id,
        unit_id,
        participants,
        eligible,
        eligible_opd,
    };
    assert_eq!(
        totals,
        vec![
            // Ani answered in A: eligible in her sub-unit, and in A as A counts.
            row(1, 1, 0, 0, 1),
            row(1, 2, 1, 1, 0),
            // Budi withdrew after answering: no seat, still eligible.
            row(1, 3, 0, 1, 1),
            row(2, 2, 1, 1, 1),
        ]
    );
    assert_eq!(eligible_by_training(&mut conn), vec![(2, 2), (1, 1)]);
}

crate::per_backend!(
    paper_forms_count_their_authors_as_eligible_after_the_migration,
    paper_authors_count_as_eligible
);

/// Migration 48: a training whose only participant answered on paper and was marked `no_show`
/// afterwards had 2 responses against 0 eligible; now at least as many may answer as did, over
/// the whole training, and its kept evaluation (the CSV line with the rate) follows.
fn paper_authors_count_as_eligible(backend: Backend) {
    let (_db, mut conn) = database_at(backend, 47);
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO units (code, name, created_at, updated_at) VALUES ('A', 'A', {at}, {at});
         INSERT INTO employees (nip, name, asn_type, unit_id, created_at, updated_at) VALUES
           ('198503102010011001', 'Ani', 'pns', 1, {at}, {at});
         INSERT INTO trainings (title, form, mode, jp, start_date, end_date, status,
           enrolled_count, created_at, updated_at) VALUES ('Kertas', 'seminar', 'in_person',
           4, '2026-02-01', '2026-02-02', 'completed', 1, {at}, {at});
         INSERT INTO enrolments (training_id, employee_id, status, created_at, updated_at) VALUES
           (1, 1, 'no_show', {at}, {at});
         INSERT INTO feedback_totals_by_training (training_id, responses) VALUES (1, 2);
         INSERT INTO enrolment_totals (training_id, unit_id, participants, completed, finished, eligible, eligible_opd, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
         INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, eligible_opd, jp_completed, pre_n, post_n, gain_n, ngain_n)
           VALUES (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);"
    ))
    .expect("rows of the schema before migration 48");
    kompetensi::db::run_migrations(&mut conn).expect("the remaining migrations");
    assert_eq!(eligible_by_training(&mut conn), vec![(2, 2)]);
    let lines = kept_csv_lines(&mut conn);
    // responses, enrolled, eligible, response rate
    assert!(
        lines[0].csv_before.starts_with("1,Kertas,,2,1,2,1.0,"),
        "{lines:?}"
    );
}

/// `(eligible, eligible_opd)` of each training's enrolment totals, in training order.
fn eligible_by_training(conn: &mut AnyConnection) -> Vec<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        eligible: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        eligible_opd: i64,
    }
    diesel::sql_query(
        "SELECT CAST(eligible AS BIGINT) AS eligible, CAST(eligible_opd AS BIGINT) AS eligible_opd \
         FROM enrolment_totals_by_training ORDER BY training_id",
    )
    .load::<Sum>(conn)
    .expect("totals per training")
    .into_iter()
    .map(|s| (s.eligible, s.eligible_opd))
    .collect()
}

#[derive(QueryableByName, Debug)]
struct KeptLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    csv_before: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    csv_after: String,
}

/// The kept evaluations' CSV lines (before and after the comments), in training order.
fn kept_csv_lines(conn: &mut AnyConnection) -> Vec<KeptLine> {
    diesel::sql_query("SELECT csv_before, csv_after FROM training_evaluations ORDER BY training_id")
        .load(conn)
        .expect("the kept lines")
}
