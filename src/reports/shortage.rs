//! `GET /reports/trainer-shortage`: per competency, the people below standard, the trainers
//! qualified to teach it today (an active trainer with an unexpired qualification for it) and
//! their monthly JP capacity, and the internal candidates — employees assessed at level 4 or 5
//! who are not trainers yet, as `aggregates::candidates` keeps them.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::model::{TrainerCandidate, TrainerShortage};
use super::queries::Scope;
use crate::db::AnyConnection;
use crate::error::ApiResult;

#[derive(QueryableByName)]
struct Supply {
    #[diesel(sql_type = BigInt)]
    competency_id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    below: i64,
    #[diesel(sql_type = BigInt)]
    qualified: i64,
    #[diesel(sql_type = BigInt)]
    capacity: i64,
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    competency_id: i64,
    #[diesel(sql_type = BigInt)]
    employee_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    unit_id: i64,
    #[diesel(sql_type = Integer)]
    level: i32,
}

pub fn build(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainerShortage>> {
    let today = crate::types::today();
    // Trainer `tr` qualified in competency `c` today.
    let qualified = format!(
        "tr.active = TRUE AND EXISTS (SELECT 1 FROM trainer_qualifications tq WHERE tq.trainer_id = tr.id \
           AND tq.competency_id = c.id AND tq.issued_on <= '{today}' \
           AND (tq.expires_on IS NULL OR tq.expires_on >= '{today}'))"
    );
    let supply: Vec<Supply> = diesel::sql_query(format!(
        "SELECT c.id AS competency_id, c.code, c.name, CAST(COALESCE(a.below, 0) AS BIGINT) AS below, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM trainers tr WHERE {qualified}) AS qualified, \
           (SELECT CAST(COALESCE(SUM(tr.max_jp_per_month), 0) AS BIGINT) FROM trainers tr WHERE {qualified}) AS capacity \
         FROM competencies c LEFT JOIN {} ON a.competency_id = c.id \
         WHERE c.active = TRUE ORDER BY c.code",
        super::queries::assessed_per_competency(s)
    ))
    .load(conn)?;
    let mut candidates: HashMap<i64, Vec<TrainerCandidate>> = HashMap::new();
    // Kept per employee and competency (`aggregates::candidates`); listed per competency, the
    // highest level first.
    let mut kept: Vec<Candidate> = diesel::sql_query(format!(
        "SELECT competency_id, employee_id, name, unit_id, level FROM trainer_candidates \
         WHERE 1 = 1{}",
        s.units("unit_id")
    ))
    .load(conn)?;
    kept.sort_unstable_by_key(|c| (c.competency_id, std::cmp::Reverse(c.level), c.employee_id));
    for c in kept {
        candidates
            .entry(c.competency_id)
            .or_default()
            .push(TrainerCandidate {
                employee_id: c.employee_id,
                name: c.name,
                unit_id: c.unit_id,
                level: c.level,
            });
    }
    Ok(supply
        .into_iter()
        .map(|r| TrainerShortage {
            candidates: candidates.remove(&r.competency_id).unwrap_or_default(),
            competency_id: r.competency_id,
            code: r.code,
            name: r.name,
            employees_below_standard: r.below,
            qualified_trainers: r.qualified,
            jp_capacity_per_month: r.capacity,
        })
        .collect())
}
