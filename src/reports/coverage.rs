//! `GET /reports/policy-coverage`: per policy, whom it affects in the scope, who has been
//! refreshed on it, and who is overdue — counted from the rows `aggregates::coverage` keeps
//! (the one definition of both).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::PolicyCoverage;
use super::queries::Scope;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::policies::model::Policy;
use crate::policies::queries as rules;

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    policy_id: i64,
    #[diesel(sql_type = BigInt)]
    affected: i64,
    #[diesel(sql_type = BigInt)]
    refreshed: i64,
}

pub fn build(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<PolicyCoverage>> {
    use crate::db::schema::policies;
    let list: Vec<Policy> = policies::table
        .order(policies::id)
        .select(Policy::as_select())
        .load(conn)?;
    let counts: HashMap<i64, Counts> = diesel::sql_query(format!(
        "SELECT policy_id, CAST(COUNT(*) AS BIGINT) AS affected, \
           CAST(SUM(refreshed) AS BIGINT) AS refreshed \
         FROM policy_people WHERE 1 = 1{} GROUP BY policy_id",
        s.units("unit_id")
    ))
    .load::<Counts>(conn)?
    .into_iter()
    .map(|c| (c.policy_id, c))
    .collect();
    let today = crate::types::today();
    Ok(list
        .into_iter()
        .map(|policy| {
            let (affected, refreshed) = counts
                .get(&policy.id.0)
                .map_or((0, 0), |c| (c.affected, c.refreshed));
            PolicyCoverage {
                policy_id: policy.id.0,
                refreshed_share: super::routes::ratio(refreshed, affected),
                overdue: if rules::overdue(&policy, today) {
                    affected - refreshed
                } else {
                    0
                },
                title: policy.title,
                reference: policy.reference,
                affected_employees: affected,
                refreshed,
            }
        })
        .collect())
}
