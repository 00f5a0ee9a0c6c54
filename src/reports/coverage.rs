//! `GET /reports/policy-coverage`: per policy, whom it affects in the scope, who has been
//! refreshed on it, and who is overdue (`policies::queries` holds both definitions).

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
    let units = s.units("e.unit_id");
    let today = crate::types::today();
    let mut rows = Vec::with_capacity(list.len());
    for policy in list {
        let counts: Counts = diesel::sql_query(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS affected, \
               CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT) AS refreshed \
             FROM employees e WHERE {}{units}",
            rules::refreshed(conn, &policy)?,
            rules::affects(policy.id),
        ))
        .get_result(conn)?;
        let behind = counts.affected - counts.refreshed;
        rows.push(PolicyCoverage {
            policy_id: policy.id.0,
            title: policy.title.clone(),
            reference: policy.reference.clone(),
            affected_employees: counts.affected,
            refreshed: counts.refreshed,
            refreshed_share: super::routes::ratio(counts.refreshed, counts.affected),
            overdue: if rules::overdue(&policy, today) {
                behind
            } else {
                0
            },
        });
    }
    Ok(rows)
}
