//! The evaluation loop: anonymity that survives differencing (an attacker's enumeration of the
//! filters a unit manager and an operator may use), responses that cannot be linked to their
//! authors in the database, speaker ratings, paper forms, programmes and their trends,
//! improvement actions, action plans and their review.

use std::collections::{BTreeSet, HashMap};

use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::*;
use crate::evaluation::{enrol, set, walk};
use crate::on_each_backend;

/// One answer the test gave, as only the test knows it.
#[derive(Debug, Clone)]
struct Answer {
    who: usize,
    training: i64,
    unit: i64,
    opd: i64,
    overall: i64,
    method: Option<i64>,
    /// (trainer, rating)
    speakers: Vec<(i64, i64)>,
}

struct Set {
    admin: String,
    operator: String,
    /// (token, unit the manager is bound to)
    managers: Vec<(String, i64)>,
    units: Vec<i64>,
    /// unit → its OPD
    opd_of: HashMap<i64, i64>,
    trainings: [i64; 3],
    partner: i64,
    trainers: [i64; 2],
    programme: i64,
    answers: Vec<Answer>,
    /// Employees' tokens and enrolments, by person.
    people: Vec<(String, i64)>,
    enrolments: HashMap<(usize, i64), i64>,
}

fn id(r: &Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", r.text))
}

/// Three OPDs (X with sub-units X1 and X2, Y with Y1, Z), twenty people, three held trainings
/// of 2026 (T1 and T2 runs of a programme with a partner; speakers R1 on T1 and T2, R2 on T1
/// and T3), everyone answering T1, some T2 and T3.
async fn build<S: TestApp>(ctx: &Ctx, app: &S) -> Set {
    let admin = admin_token(app).await;
    patch(
        app,
        "/api/v1/settings",
        &admin,
        json!({"feedback_window_days": 3650}),
    )
    .await
    .expect(200);
    let x = ctx.insert_unit("X", None);
    let x1 = ctx.insert_unit("X1", Some(x));
    let x2 = ctx.insert_unit("X2", Some(x));
    let y = ctx.insert_unit("Y", None);
    let y1 = ctx.insert_unit("Y1", Some(y));
    let z = ctx.insert_unit("Z", None);
    let opd_of: HashMap<i64, i64> = [(x, x), (x1, x), (x2, x), (y, y), (y1, y), (z, z)].into();
    let pos = id(&post(
        app,
        "/api/v1/positions",
        &admin,
        json!({"name": "Analis", "kind": "fungsional"}),
    )
    .await);
    let placement: Vec<i64> = [(x1, 6), (x2, 4), (y, 1), (y1, 4), (z, 5)]
        .iter()
        .flat_map(|&(u, n)| std::iter::repeat_n(u, n))
        .collect();
    let mut employees = Vec::new();
    for (i, unit) in placement.iter().enumerate() {
        let nip = format!("199001012015011{:03}", 100 + i);
        let r = post(app, "/api/v1/employees", &admin, json!({"nip": nip, "name": format!("P{i}"), "asn_type": "pns", "unit_id": unit, "position_id": pos})).await;
        employees.push(id(&r));
    }
    let made = |path: &'static str, body: Value| {
        let admin = admin.clone();
        async move { id(&post(app, path, &admin, body).await) }
    };
    let partner = made(
        "/api/v1/partners",
        json!({"name": "UBB", "kind": "university"}),
    )
    .await;
    let r1 = made(
        "/api/v1/trainers",
        json!({"name": "R1", "kind": "external"}),
    )
    .await;
    let r2 = made(
        "/api/v1/trainers",
        json!({"name": "R2", "kind": "internal", "employee_id": employees[0]}),
    )
    .await;
    let programme = made(
        "/api/v1/programmes",
        json!({"code": "PPP", "name": "Pelayanan Prima"}),
    )
    .await;
    let mut trainings = [0; 3];
    for (i, (start, end, partners, speakers, prog)) in [
        (
            "2026-03-09",
            "2026-03-10",
            vec![partner],
            vec![r1, r2],
            Some(programme),
        ),
        (
            "2026-06-09",
            "2026-06-10",
            vec![partner],
            vec![r1],
            Some(programme),
        ),
        ("2026-09-09", "2026-09-10", vec![], vec![r2], None),
    ]
    .into_iter()
    .enumerate()
    {
        let t = id(&post(app, "/api/v1/trainings", &admin, json!({"title": format!("T{}", i + 1), "form": "pelatihan", "mode": "in_person", "jp": 10, "start_date": start, "end_date": end, "partner_ids": partners, "trainer_ids": speakers, "programme_id": prog})).await);
        walk(app, &admin, t, &["planned", "open"]).await;
        trainings[i] = t;
    }
    let takers: [Vec<usize>; 3] = [
        (0..20).collect(),
        vec![0, 1, 2, 3, 11],
        vec![6, 7, 8, 15, 16, 10],
    ];
    let mut enrolments = HashMap::new();
    for (t, who) in trainings.iter().zip(&takers) {
        for &p in who {
            enrolments.insert((p, *t), enrol(app, &admin, *t, employees[p]).await);
        }
        walk(app, &admin, *t, &["ongoing"]).await;
        for &p in who {
            set(
                app,
                &admin,
                enrolments[&(p, *t)],
                json!({"status": "attended"}),
            )
            .await;
        }
    }
    let mut people = Vec::new();
    for (i, e) in employees.iter().enumerate() {
        let token = user_with_role(
            app,
            &admin,
            &format!("peg{i}"),
            "employee",
            json!({"employee_id": e}),
        )
        .await;
        people.push((token, *e));
    }
    let mut answers = Vec::new();
    for (t, who) in trainings.iter().zip(&takers) {
        let speakers: Vec<i64> = match *t {
            t if t == trainings[0] => vec![r1, r2],
            t if t == trainings[1] => vec![r1],
            _ => vec![r2],
        };
        for &p in who {
            let overall = 1 + ((p * 7 + *t as usize) % 5) as i64;
            let method = (p % 4 != 3).then(|| 1 + ((p * 3 + 1) % 5) as i64);
            let rated: Vec<(i64, i64)> = speakers
                .iter()
                .map(|s| (*s, 1 + ((p + *s as usize) % 5) as i64))
                .collect();
            let mut body = json!({"overall": overall, "recommend": (p % 11) as i64,
                "trainer_ratings": rated.iter().map(|(s, r)| json!({"trainer_id": s, "rating": r})).collect::<Vec<_>>()});
            if let Some(m) = method {
                body["ratings"] = json!({"method": m});
            }
            post(
                app,
                &format!("/api/v1/trainings/{t}/feedback"),
                &people[p].0,
                body,
            )
            .await
            .expect(201);
            answers.push(Answer {
                who: p,
                training: *t,
                unit: placement[p],
                opd: opd_of[&placement[p]],
                overall,
                method,
                speakers: rated,
            });
        }
    }
    let operator = user_with_role(app, &admin, "operator1", "operator", json!({})).await;
    let mut managers = Vec::new();
    for unit in [x, x1, y, z] {
        let token = user_with_role(
            app,
            &admin,
            &format!("mgr{unit}"),
            "unit_manager",
            json!({"unit_id": unit}),
        )
        .await;
        managers.push((token, unit));
    }
    Set {
        admin,
        operator,
        managers,
        units: vec![x, x1, x2, y, y1, z],
        opd_of,
        trainings,
        partner,
        trainers: [r1, r2],
        programme,
        answers,
        people,
        enrolments,
    }
}

/// What one shown figure is made of: the people whose answers it sums.
type Basis = BTreeSet<(usize, i64)>;

async fn attacker(ctx: &Ctx) {
    let app = ctx.app().await;
    let s = build(ctx, &app).await;
    let k = 3;
    let parent: HashMap<i64, i64> = s
        .opd_of
        .iter()
        .filter(|(u, o)| u != o)
        .map(|(u, o)| (*u, *o))
        .collect();
    // The subtree of a unit, as a report's unit filter reads it.
    let subtree = |u: i64| -> BTreeSet<i64> {
        s.units
            .iter()
            .copied()
            .filter(|x| *x == u || parent.get(x) == Some(&u))
            .collect()
    };
    let training_filters: Vec<String> = {
        let mut f = vec![String::new()];
        f.extend(s.trainings.iter().map(|t| format!("training_id={t}")));
        f.push(format!("partner_id={}", s.partner));
        f.extend(s.trainers.iter().map(|t| format!("trainer_id={t}")));
        f.push(format!("programme_id={}", s.programme));
        f.extend(
            [
                "year=2026",
                "from=2026-01-01&to=2026-04-30",
                "from=2026-05-01",
                "to=2026-06-30",
                "from=2026-03-10&to=2026-06-10",
            ]
            .map(String::from),
        );
        f
    };
    // Every measure's shown figures, with what they are made of.
    let mut figures: Vec<(String, Basis, String)> = Vec::new();
    let mut callers: Vec<(String, Option<i64>)> = vec![(s.operator.clone(), None)];
    callers.extend(s.managers.iter().map(|(t, u)| (t.clone(), Some(*u))));
    for (token, bound) in &callers {
        let mut unit_filters: Vec<Option<i64>> = vec![None];
        unit_filters.extend(
            s.units
                .iter()
                .filter(|u| bound.is_none_or(|b| subtree(b).contains(u)))
                .map(|u| Some(*u)),
        );
        for unit in &unit_filters {
            // The OPDs the scope holds whole: responses are attributed to them only.
            let scope_units: Option<BTreeSet<i64>> = match (unit, bound) {
                (Some(u), _) => Some(subtree(*u)),
                (None, Some(b)) => Some(subtree(*b)),
                (None, None) => None,
            };
            let in_scope = |a: &Answer| {
                scope_units
                    .as_ref()
                    .is_none_or(|units| units.contains(&a.opd))
            };
            for filter in &training_filters {
                let query = [unit.map(|u| format!("unit_id={u}")), Some(filter.clone())]
                    .into_iter()
                    .flatten()
                    .filter(|q| !q.is_empty())
                    .collect::<Vec<_>>()
                    .join("&");
                let r = get(
                    &app,
                    &format!("/api/v1/reports/training-evaluation?{query}"),
                    token,
                )
                .await;
                r.expect(200);
                let mut shown_trainings = Vec::new();
                for row in r.body["items"].as_array().unwrap() {
                    let t = row["training_id"].as_i64().unwrap();
                    let basis: Vec<&Answer> = s
                        .answers
                        .iter()
                        .filter(|a| a.training == t && in_scope(a))
                        .collect();
                    assert_eq!(row["responses"], basis.len(), "{query}: {row}");
                    if row["suppressed"] == true {
                        assert!(row["overall_mean"].is_null() && row["aspects"] == json!({}));
                        assert_eq!(row["comments"], json!([]));
                        continue;
                    }
                    shown_trainings.push(t);
                    let sum: i64 = basis.iter().map(|a| a.overall).sum();
                    let mean = (sum as f64 / basis.len() as f64 * 10_000.0).round() / 10_000.0;
                    assert_eq!(row["overall_mean"], json!(mean), "{query}");
                    let set: Basis = basis.iter().map(|a| (a.who, t)).collect();
                    figures.push(("overall".into(), set, query.clone()));
                    if !row["aspects"]["method"].is_null() {
                        let rated: Basis = basis
                            .iter()
                            .filter(|a| a.method.is_some())
                            .map(|a| (a.who, t))
                            .collect();
                        let sum: i64 = basis.iter().filter_map(|a| a.method).sum();
                        let mean = (sum as f64 / rated.len() as f64 * 10_000.0).round() / 10_000.0;
                        assert_eq!(row["aspects"]["method"]["mean"], json!(mean), "{query}");
                        figures.push(("method".into(), rated, query.clone()));
                    }
                }
                // The summary and the partners' satisfaction sum exactly the trainings the
                // evaluation shows for the same scope and period.
                let period_only = filter.is_empty()
                    || filter.starts_with("year")
                    || filter.starts_with("from")
                    || filter.starts_with("to");
                if period_only {
                    let union: Basis = s
                        .answers
                        .iter()
                        .filter(|a| shown_trainings.contains(&a.training) && in_scope(a))
                        .map(|a| (a.who, a.training))
                        .collect();
                    let r = get(&app, &format!("/api/v1/reports/summary?{query}"), token).await;
                    if union.is_empty() {
                        assert!(r.body["overall_mean"].is_null(), "{query}: {}", r.text);
                    } else {
                        let sum: i64 = s
                            .answers
                            .iter()
                            .filter(|a| union.contains(&(a.who, a.training)))
                            .map(|a| a.overall)
                            .sum();
                        let mean = (sum as f64 / union.len() as f64 * 10_000.0).round() / 10_000.0;
                        assert_eq!(r.body["overall_mean"], json!(mean), "summary {query}");
                        figures.push(("overall".into(), union.clone(), format!("summary {query}")));
                    }
                    let r = get(&app, &format!("/api/v1/reports/partners?{query}"), token).await;
                    let row = r.body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["partner_id"] == s.partner)
                        .unwrap()
                        .clone();
                    let partnered: Basis = union
                        .iter()
                        .filter(|(_, t)| *t != s.trainings[2])
                        .copied()
                        .collect();
                    assert_eq!(
                        row["overall_mean"].is_null(),
                        partnered.is_empty(),
                        "{query}"
                    );
                    if !partnered.is_empty() {
                        figures.push(("overall".into(), partnered, format!("partners {query}")));
                    }
                }
                // A speaker's figures: per training first (what each cell shows), then the
                // speaker's whole set must be the union of the cells shown.
                let r = get(
                    &app,
                    &format!("/api/v1/reports/trainer-evaluation?{query}"),
                    token,
                )
                .await;
                r.expect(200);
                for row in r.body["items"].as_array().unwrap() {
                    let trainer = row["trainer_id"].as_i64().unwrap();
                    if row["suppressed"] == true {
                        assert!(row["mean"].is_null(), "{query}");
                        continue;
                    }
                    let mut cells: Basis = Basis::new();
                    for t in s.trainings {
                        let single = format!(
                            "{}training_id={t}",
                            unit.map(|u| format!("unit_id={u}&")).unwrap_or_default()
                        );
                        let one = get(
                            &app,
                            &format!("/api/v1/reports/trainer-evaluation?{single}"),
                            token,
                        )
                        .await;
                        let shown = one.body["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|x| x["trainer_id"] == trainer && x["suppressed"] == false);
                        let selected = selection(&s, filter).contains(&t)
                            && s.answers.iter().any(|a| a.training == t && in_scope(a));
                        if shown && selected {
                            cells.extend(
                                s.answers
                                    .iter()
                                    .filter(|a| {
                                        a.training == t
                                            && in_scope(a)
                                            && a.speakers.iter().any(|(sp, _)| *sp == trainer)
                                    })
                                    .map(|a| (a.who, t)),
                            );
                        }
                    }
                    let sum: i64 = s
                        .answers
                        .iter()
                        .filter(|a| cells.contains(&(a.who, a.training)))
                        .flat_map(|a| a.speakers.iter().filter(|(sp, _)| *sp == trainer))
                        .map(|(_, r)| r)
                        .sum();
                    let mean = (sum as f64 / cells.len() as f64 * 10_000.0).round() / 10_000.0;
                    assert_eq!(row["mean"], json!(mean), "{query} trainer {trainer}");
                    figures.push((format!("speaker {trainer}"), cells, query.clone()));
                }
            }
        }
    }
    // The attacker's arithmetic: no figure over fewer than k answers, and no two figures of
    // one measure, one inside the other, that differ by fewer than k answers.
    assert!(figures.len() > 100, "{} figures", figures.len());
    let mut leaks = Vec::new();
    for (measure, basis, query) in &figures {
        if basis.len() < k {
            leaks.push(format!("{measure} of {} answers: {query}", basis.len()));
        }
    }
    for (i, (m1, b1, q1)) in figures.iter().enumerate() {
        for (m2, b2, q2) in &figures[i + 1..] {
            if m1 != m2 {
                continue;
            }
            let (small, large) = if b1.len() <= b2.len() {
                (b1, b2)
            } else {
                (b2, b1)
            };
            if small.is_subset(large) {
                let rest = large.len() - small.len();
                if rest > 0 && rest < k {
                    leaks.push(format!("{m1}: {q1} vs {q2} differ by {rest} answers"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// The trainings a training filter of the attacker selects (ends in 2026-03-10, -06-10,
/// -09-10).
fn selection(s: &Set, filter: &str) -> Vec<i64> {
    let [t1, t2, t3] = s.trainings;
    let ends = [(t1, "2026-03-10"), (t2, "2026-06-10"), (t3, "2026-09-10")];
    let mut out = Vec::new();
    for (t, end) in ends {
        let mut keep = true;
        for part in filter.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap();
            keep &= match name {
                "training_id" => value == t.to_string(),
                "partner_id" => t != t3,
                "trainer_id" => {
                    let v: i64 = value.parse().unwrap();
                    (v == s.trainers[0] && t != t3) || (v == s.trainers[1] && t != t2)
                }
                "programme_id" => t != t3,
                "year" => end.starts_with(value),
                "from" => end >= value,
                "to" => end <= value,
                _ => true,
            };
        }
        if keep {
            out.push(t);
        }
    }
    out
}

on_each_backend!(no_two_requests_reveal_a_small_group, attacker);

async fn unlinkable(ctx: &Ctx) {
    let app = ctx.app().await;
    let s = build(ctx, &app).await;
    let t1 = s.trainings[0];
    // Twenty answers to T1, given in the order of the people: their ids do not follow it.
    let list = get(
        &app,
        &format!("/api/v1/trainings/{t1}/feedback?per_page=100"),
        &s.admin,
    )
    .await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "listed in id order");
    for item in items {
        let at = item["submitted_at"].as_str().unwrap();
        assert!(says_the_day_only(at), "the day only: {at}");
        assert_eq!(item["channel"], "online");
    }
    // The order received is that of the people (the test answered person by person); the
    // listing, in id order, tells another: compare with the overall ratings given.
    let given: Vec<i64> = s
        .answers
        .iter()
        .filter(|a| a.training == t1)
        .map(|a| a.overall)
        .collect();
    let listed: Vec<i64> = items
        .iter()
        .map(|i| i["overall"].as_i64().unwrap())
        .collect();
    assert_ne!(
        given, listed,
        "the listing must not replay the order of submission"
    );
    // The audit rows of the answers carry no actor and only the day.
    let audit = get(
        &app,
        "/api/v1/audit-log?entity=feedback&per_page=100",
        &s.admin,
    )
    .await;
    let rows = audit.body["items"].as_array().unwrap();
    assert!(rows.len() >= 20);
    for row in rows {
        assert_eq!(row["actor_kind"], "anonymous");
        assert!(row["actor_id"].is_null() && row["request_id"].is_null() && row["ip"].is_null());
        assert!(says_the_day_only(row["at"].as_str().unwrap()), "{row}");
    }
    // In the database: the last answer's transaction wrote every response of T1 and every
    // receipt of it, in orders of their own; nothing pairs one response with one receipt.
    let mut conn = ctx.conn();
    if let kompetensi::db::AnyConnection::Postgresql(pg) = &mut *conn {
        #[derive(QueryableByName)]
        struct Pair {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            responses: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            receipts: i64,
        }
        let by_xmin: Vec<Pair> = diesel::sql_query(format!(
            "SELECT (SELECT COUNT(*) FROM feedback f WHERE f.training_id = {t1} AND f.xmin = r.xmin) AS responses, \
             COUNT(*) AS receipts FROM feedback_receipts r JOIN enrolments e ON e.id = r.enrolment_id \
             WHERE e.training_id = {t1} GROUP BY r.xmin"
        ))
        .load(pg)
        .unwrap();
        assert_eq!(by_xmin.len(), 1, "one transaction wrote them all");
        assert_eq!((by_xmin[0].responses, by_xmin[0].receipts), (20, 20));
        // Physical order: the receipts, read in ctid order, name people in an order that
        // is not the order of submission, and the responses in ctid order do not replay it.
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            v: i64,
        }
        let receipts: Vec<i64> = diesel::sql_query(format!(
            "SELECT r.enrolment_id AS v FROM feedback_receipts r JOIN enrolments e ON e.id = r.enrolment_id \
             WHERE e.training_id = {t1} ORDER BY r.ctid"
        ))
        .load::<Row>(pg)
        .unwrap()
        .into_iter()
        .map(|r| r.v)
        .collect();
        let submitted: Vec<i64> = (0..20).map(|p| s.enrolments[&(p, t1)]).collect();
        assert_ne!(receipts, submitted);
        let responses: Vec<i64> = diesel::sql_query(format!(
            "SELECT CAST(overall AS BIGINT) AS v FROM feedback WHERE training_id = {t1} ORDER BY ctid"
        ))
        .load::<Row>(pg)
        .unwrap()
        .into_iter()
        .map(|r| r.v)
        .collect();
        assert_ne!(responses, given);
        // Zipping the two physical orders pairs responses with the wrong people.
        let truth: HashMap<i64, i64> = (0..20)
            .map(|p| (s.enrolments[&(p, t1)], given[p]))
            .collect();
        let right = receipts
            .iter()
            .zip(&responses)
            .filter(|(e, o)| truth[*e] == **o)
            .count();
        assert!(right < 20, "ctid order links every response");
    }
}

on_each_backend!(responses_cannot_be_linked_to_their_authors, unlinkable);

async fn loop_capabilities(ctx: &Ctx) {
    let app = ctx.app().await;
    let s = build(ctx, &app).await;
    let [t1, t2, t3] = s.trainings;
    let [r1, r2] = s.trainers;
    // Programmes: staff only, a unique code of its own characters, existing competencies; one
    // with runs is kept.
    let programme = json!({"code": "LATSAR", "name": "Latihan Dasar"});
    post(
        &app,
        "/api/v1/programmes",
        &s.people[0].0,
        programme.clone(),
    )
    .await
    .problem(403, "forbidden");
    for (field, value) in [
        ("code", json!("LAT SAR")),
        ("name", json!("")),
        ("competency_ids", json!([999_999])),
    ] {
        let mut bad = programme.clone();
        bad[field] = value;
        post(&app, "/api/v1/programmes", &s.operator, bad)
            .await
            .invalid(field);
    }
    let mut taken = programme.clone();
    taken["code"] = json!("PPP");
    post(&app, "/api/v1/programmes", &s.operator, taken)
        .await
        .problem(409, "conflict");
    delete(
        &app,
        &format!("/api/v1/programmes/{}", s.programme),
        &s.operator,
    )
    .await
    .problem(409, "conflict");
    // Speaker ratings: only the training's speakers, each once. Person 19 joins T2 late.
    enrol_late(&app, &s, t2, 19).await;
    let late = &s.people[19].0;
    for bad in [
        json!({"overall": 4, "recommend": 8, "trainer_ratings": [{"trainer_id": r2, "rating": 4}]}),
        json!({"overall": 4, "recommend": 8, "trainer_ratings": [{"trainer_id": r1, "rating": 6}]}),
        json!({"overall": 4, "recommend": 8, "trainer_ratings": [{"trainer_id": r1, "rating": 4}, {"trainer_id": r1, "rating": 5}]}),
    ] {
        post(&app, &format!("/api/v1/trainings/{t2}/feedback"), late, bad)
            .await
            .problem(422, "validation_failed");
    }
    // R1: T1's twenty ratings and T2's five. R2 on T3 alone: six ratings, shown.
    let r = get(&app, "/api/v1/reports/trainer-evaluation", &s.operator).await;
    let row = |id: i64| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["trainer_id"] == id)
            .unwrap()
            .clone()
    };
    let ratings = |trainer: i64, trainings: &[i64]| -> Vec<i64> {
        s.answers
            .iter()
            .filter(|a| trainings.contains(&a.training))
            .flat_map(|a| a.speakers.iter().filter(|(sp, _)| *sp == trainer))
            .map(|(_, r)| *r)
            .collect()
    };
    let r1s = ratings(r1, &[t1, t2]);
    assert_eq!(row(r1)["responses"], 25);
    assert_eq!(row(r1)["trainings"], 2);
    let mean =
        |v: &[i64]| (v.iter().sum::<i64>() as f64 / v.len() as f64 * 10_000.0).round() / 10_000.0;
    assert_eq!(row(r1)["mean"], json!(mean(&r1s)));
    let low = r1s.iter().filter(|r| **r <= 2).count() as f64 / r1s.len() as f64;
    assert_eq!(
        row(r1)["dissatisfied_share"],
        json!((low * 10_000.0).round() / 10_000.0)
    );
    // Zone Z's manager: two of T3's ratings of R2 are Z's, too few.
    let z = &s.managers[3].0;
    let r = get(
        &app,
        &format!("/api/v1/reports/trainer-evaluation?training_id={t3}"),
        z,
    )
    .await;
    let r2_row = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["trainer_id"] == r2)
        .unwrap();
    assert_eq!(
        (
            r2_row["responses"].clone(),
            r2_row["suppressed"].clone(),
            r2_row["mean"].clone()
        ),
        (json!(2), json!(true), Value::Null)
    );

    // Paper forms: staff only; at most those who have not answered.
    let paper = json!({"responses": [{"overall": 2, "recommend": 3, "ratings": {"method": 1}}]});
    post(
        &app,
        &format!("/api/v1/trainings/{t1}/feedback/paper"),
        &s.people[0].0,
        paper.clone(),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        &format!("/api/v1/trainings/{t1}/feedback/paper"),
        &s.operator,
        paper.clone(),
    )
    .await
    .problem(409, "conflict");
    // T2: six eligible (person 19 joined), five answered: one paper form may be entered.
    let two =
        json!({"responses": [{"overall": 2, "recommend": 3}, {"overall": 2, "recommend": 3}]});
    post(
        &app,
        &format!("/api/v1/trainings/{t2}/feedback/paper"),
        &s.operator,
        two,
    )
    .await
    .problem(409, "conflict");
    post(
        &app,
        &format!("/api/v1/trainings/{t2}/feedback/paper"),
        &s.operator,
        json!({"responses": []}),
    )
    .await
    .problem(422, "validation_failed");
    let r = post(
        &app,
        &format!("/api/v1/trainings/{t2}/feedback/paper"),
        &s.operator,
        paper.clone(),
    )
    .await;
    r.expect(201);
    assert_eq!(r.body["items"][0]["channel"], "paper");
    let list = get(&app, &format!("/api/v1/trainings/{t2}/feedback"), &s.admin).await;
    assert_eq!(list.body["total"], 6);

    // Programme trends: T1 then T2, exact means and the change of the method.
    let r = get(
        &app,
        &format!(
            "/api/v1/reports/programme-trends?programme_id={}",
            s.programme
        ),
        &s.operator,
    )
    .await;
    r.expect(200);
    let runs = r.body["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (
            runs[0]["training_id"].clone(),
            runs[1]["training_id"].clone()
        ),
        (json!(t1), json!(t2))
    );
    let method_mean = |t: i64, paper: &[i64]| {
        let v: Vec<i64> = s
            .answers
            .iter()
            .filter(|a| a.training == t)
            .filter_map(|a| a.method)
            .chain(paper.iter().copied())
            .collect();
        mean(&v)
    };
    let (m1, m2) = (method_mean(t1, &[]), method_mean(t2, &[1]));
    assert_eq!(runs[0]["aspects"]["method"]["mean"], json!(m1));
    assert_eq!(runs[1]["aspects"]["method"]["mean"], json!(m2));
    let change = r.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["aspect"] == "method")
        .unwrap();
    assert_eq!(change["from_training_id"], t1);
    assert_eq!(change["to_training_id"], t2);
    assert_eq!(
        change["delta_mean"],
        json!(((m2 - m1) * 10_000.0).round() / 10_000.0)
    );
    get(&app, "/api/v1/reports/programme-trends", &s.operator)
        .await
        .invalid("programme_id");
    get(
        &app,
        "/api/v1/reports/programme-trends?programme_id=999999",
        &s.operator,
    )
    .await
    .problem(404, "not_found");

    // A flag and its improvement action.
    patch(
        &app,
        "/api/v1/settings",
        &s.admin,
        json!({"dissatisfaction_threshold": 0.2}),
    )
    .await
    .expect(200);
    let flags = |body: &Value| {
        let row = body["items"].as_array().unwrap()[0].clone();
        (row["flags"].clone(), row["unaddressed_flags"].clone())
    };
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?training_id={t1}"),
        &s.operator,
    )
    .await;
    let (flagged, unaddressed) = flags(&r.body);
    assert!(
        flagged.as_array().unwrap().contains(&json!("method")),
        "{}",
        r.text
    );
    assert_eq!(flagged, unaddressed);
    let action = json!({"training_id": t1, "aspect": "method", "finding": "metode", "action": "studi kasus", "next_training_id": t2});
    post(
        &app,
        "/api/v1/improvement-actions",
        &s.people[0].0,
        action.clone(),
    )
    .await
    .problem(403, "forbidden");
    for (field, bad) in [
        ("next_training_id", json!(t1)),
        ("aspect", json!("vibe")),
        ("training_id", json!(999_999)),
    ] {
        let mut body = action.clone();
        body[field] = bad;
        post(&app, "/api/v1/improvement-actions", &s.operator, body)
            .await
            .invalid(field);
    }
    let mut backwards = action.clone();
    backwards["training_id"] = json!(t2);
    backwards["next_training_id"] = json!(t1);
    post(&app, "/api/v1/improvement-actions", &s.operator, backwards)
        .await
        .invalid("next_training_id");
    let created = post(&app, "/api/v1/improvement-actions", &s.operator, action).await;
    created.expect(201);
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?training_id={t1}"),
        &s.operator,
    )
    .await;
    let (flagged_now, unaddressed) = flags(&r.body);
    assert_eq!(flagged_now, flagged);
    assert!(!unaddressed.as_array().unwrap().contains(&json!("method")));
    // The CSV twin follows: its kept lines are joined with the flags unaddressed now.
    let evaluation = format!("/api/v1/reports/training-evaluation?training_id={t1}");
    crate::evaluation::csv_lists_the_json(&app, &evaluation, &s.operator).await;
    // Dropped, the flag is unaddressed again.
    let action_id = id(&created);
    patch(
        &app,
        &format!("/api/v1/improvement-actions/{action_id}"),
        &s.operator,
        json!({"status": "dropped"}),
    )
    .await
    .expect(200);
    let r = get(
        &app,
        &format!("/api/v1/reports/training-evaluation?training_id={t1}"),
        &s.operator,
    )
    .await;
    assert!(flags(&r.body)
        .1
        .as_array()
        .unwrap()
        .contains(&json!("method")));
    crate::evaluation::csv_lists_the_json(&app, &evaluation, &s.operator).await;
    let r = get(
        &app,
        &format!(
            "/api/v1/improvement-actions?programme_id={}&status=dropped",
            s.programme
        ),
        &s.operator,
    )
    .await;
    assert_eq!(r.body["total"], 1);

    // Action plans after a completion: the participant (or staff), within the window.
    let e0 = s.enrolments[&(0, t1)];
    let e1 = s.enrolments[&(1, t1)];
    let e12 = s.enrolments[&(12, t1)];
    for e in [e0, e1, e12] {
        set(&app, &s.admin, e, json!({"status": "completed"})).await;
    }
    let plan = json!({"items": [{"description": "SOP pengaduan", "due_on": "2027-01-31"}, {"description": "Berbagi materi", "due_on": "2027-02-28"}]});
    let url = |e: i64| format!("/api/v1/enrolments/{e}/action-plan");
    // T1 ended 2026-03-10: long past the 30 days.
    put_json(&app, &url(e0), &s.people[0].0, plan.clone())
        .await
        .problem(409, "conflict");
    patch(
        &app,
        "/api/v1/settings",
        &s.admin,
        json!({"action_plan_days": 3650, "transfer_review_after_days": 3650}),
    )
    .await
    .expect(200);
    put_json(&app, &url(e0), &s.people[1].0, plan.clone())
        .await
        .problem(404, "not_found");
    put_json(&app, &url(e0), &s.managers[1].0, plan.clone())
        .await
        .problem(403, "forbidden");
    put_json(&app, &url(e0), &s.people[0].0, json!({"items": []}))
        .await
        .invalid("items");
    let mut bad_day = plan.clone();
    bad_day["items"][0]["due_on"] = json!("2026-02-30");
    put_json(&app, &url(e0), &s.people[0].0, bad_day)
        .await
        .problem(422, "validation_failed");
    let not_done = s.enrolments[&(2, t1)];
    put_json(&app, &url(not_done), &s.people[2].0, plan.clone())
        .await
        .problem(409, "conflict");
    let r = put_json(&app, &url(e0), &s.people[0].0, plan.clone()).await;
    r.expect(200);
    assert_eq!(r.body["items"][1]["index"], 1);
    put_json(&app, &url(e1), &s.admin, plan.clone())
        .await
        .expect(200);
    let one = json!({"items": [{"description": "SOP", "due_on": "2027-01-31"}]});
    put_json(&app, &url(e12), &s.people[12].0, one)
        .await
        .expect(200);
    get(&app, &url(e0), &s.managers[0].0).await.expect(200);
    get(&app, &url(e0), &s.managers[2].0)
        .await
        .problem(404, "not_found");
    get(&app, &url(s.enrolments[&(3, t1)]), &s.admin)
        .await
        .problem(404, "not_found");
    // Reviews: by the participant's unit manager (or staff), from the set day.
    let review = json!({"items": [{"index": 0, "status": "implemented"}, {"index": 1, "status": "partly"}], "behaviour_change": 4});
    let rv = |e: i64| format!("/api/v1/enrolments/{e}/action-plan/review");
    post(&app, &rv(e0), &s.managers[0].0, review.clone())
        .await
        .problem(409, "conflict");
    patch(
        &app,
        "/api/v1/settings",
        &s.admin,
        json!({"transfer_review_after_days": 90}),
    )
    .await
    .expect(200);
    post(&app, &rv(e0), &s.people[0].0, review.clone())
        .await
        .problem(403, "forbidden");
    post(&app, &rv(e0), &s.managers[2].0, review.clone())
        .await
        .problem(404, "not_found");
    for bad in [
        json!({"items": [{"index": 0, "status": "implemented"}], "behaviour_change": 4}),
        json!({"items": [{"index": 0, "status": "implemented"}, {"index": 0, "status": "partly"}], "behaviour_change": 4}),
        json!({"items": [{"index": 0, "status": "implemented"}, {"index": 5, "status": "partly"}], "behaviour_change": 4}),
        json!({"items": [{"index": 0, "status": "done"}, {"index": 1, "status": "partly"}], "behaviour_change": 4}),
        json!({"items": [{"index": 0, "status": "implemented"}, {"index": 1, "status": "partly"}], "behaviour_change": 6}),
    ] {
        post(&app, &rv(e0), &s.managers[0].0, bad)
            .await
            .problem(422, "validation_failed");
    }
    post(&app, &rv(e0), &s.managers[0].0, review.clone())
        .await
        .expect(201);
    post(&app, &rv(e0), &s.managers[0].0, review.clone())
        .await
        .problem(409, "conflict");
    put_json(&app, &url(e0), &s.people[0].0, plan.clone())
        .await
        .problem(409, "conflict");
    let both = json!({"items": [{"index": 0, "status": "implemented"}, {"index": 1, "status": "implemented"}], "behaviour_change": 2});
    post(&app, &rv(e1), &s.admin, both).await.expect(201);
    // Transfer: 3 completions, 3 plans, 2 reviewed; 3 of 4 reviewed items implemented; (4 + 2) / 2.
    let r = get(
        &app,
        &format!("/api/v1/reports/transfer?training_id={t1}"),
        &s.operator,
    )
    .await;
    assert_eq!(
        r.body["items"],
        json!([{"training_id": t1, "title": "T1", "completed": 3, "plans_submitted": 3, "reviewed": 2, "implemented_share": 0.75, "behaviour_change_mean": 3.0}])
    );
    // X's manager: e0 and e1 are X1's people, e12 is Y1's.
    let r = get(
        &app,
        &format!("/api/v1/reports/transfer?training_id={t1}"),
        &s.managers[0].0,
    )
    .await;
    assert_eq!(
        (
            r.body["items"][0]["completed"].clone(),
            r.body["items"][0]["plans_submitted"].clone()
        ),
        (json!(2), json!(2))
    );

    // An OPD placed under another hands its responses to it: Z's two answers to T3 are X's now.
    let (x, z) = (s.units[0], s.units[5]);
    let t3_in = |unit: i64| {
        let (app, operator) = (&app, &s.operator);
        async move {
            get(
                app,
                &format!("/api/v1/reports/training-evaluation?training_id={t3}&unit_id={unit}"),
                operator,
            )
            .await
            .body["items"][0]["responses"]
                .clone()
        }
    };
    // T3's speaker as rated from unit X, computed now (not kept: a rebuild moves no version).
    let speaker_in_x = || {
        let (app, operator, r2) = (&app, &s.operator, s.trainers[1]);
        async move {
            let r = get_computed(
                app,
                &format!("/api/v1/reports/trainer-evaluation?training_id={t3}&unit_id={x}"),
                operator,
            )
            .await;
            r.expect(200);
            let items = r.body["items"].as_array().unwrap().clone();
            items
                .into_iter()
                .find(|i| i["trainer_id"] == json!(r2))
                .unwrap()
        }
    };
    assert_eq!((t3_in(x).await, t3_in(z).await), (json!(3), json!(2)));
    assert_eq!(speaker_in_x().await["responses"], json!(3));
    patch(
        &app,
        &format!("/api/v1/units/{z}"),
        &s.admin,
        json!({"parent_id": x}),
    )
    .await
    .expect(200);
    assert_eq!(t3_in(x).await, json!(5));
    assert_eq!(
        t3_in(z).await,
        json!(0),
        "a unit below an OPD has no answers of its own"
    );
    // Their ratings of the speaker moved with them, and the kept sums equal a rebuild.
    let moved = speaker_in_x().await;
    assert_eq!(moved["responses"], json!(5), "{moved}");
    kompetensi::aggregates::rebuild(&mut ctx.conn()).unwrap();
    assert_eq!(speaker_in_x().await, moved);
}

async fn put_json<S: TestApp>(app: &S, uri: &str, token: &str, body: Value) -> Resp {
    send(app, auth(TestRequest::put().uri(uri), token).set_json(body)).await
}

/// Enrols person `p` in a held training and marks them attended.
async fn enrol_late<S: TestApp>(app: &S, s: &Set, training: i64, p: usize) {
    let e = enrol(app, &s.admin, training, s.people[p].1).await;
    set(app, &s.admin, e, json!({"status": "attended"})).await;
}

on_each_backend!(evaluation_loop_capabilities, loop_capabilities);
