//! `/policies`: the standard handlers of a resource, and the needs a policy opens.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{Policy, PolicyFilter, PolicyInput, PolicyNeeds, PolicyPage, PolicyPatch};
use super::queries::{self, Policies};
use crate::audit::{Action, Entity};
use crate::db::resource::Resource;
use crate::error::{ActionErrors, ApiResult};
use crate::types::PolicyId;
use crate::web::Write;

crate::resource_routes! {
    Policies at "/policies", "/policies/{id}" tagged "policies";
    /// List the policies (regulations) register. Sort by `id`, `title`, `reference`,
    /// `issued_on`.
    list list_policies: ListPolicies(PolicyFilter => PolicyPage)
        sorted PolicySort ["id", "title", "reference", "issued_on"];
    /// One policy.
    get get_policy: GetPolicy(Policy);
    /// Register a policy (admin, operator): whom it affects (positions, competencies) and by
    /// when they should be refreshed.
    create create_policy: CreatePolicy(PolicyInput => Policy);
    /// Change a policy (admin, operator): any subset of fields; `null` clears a nullable field.
    update update_policy: UpdatePolicy(PolicyInput, PolicyPatch => Policy);
    /// Delete a policy (admin, operator). One that trainings refresh on, or that opened
    /// development needs, answers 409.
    delete delete_policy: DeletePolicy;
    service open_policy_needs;
}

/// Open `policy` development needs for those the policy affects who are not refreshed yet
/// (admin, operator).
///
/// One need per employee and policy, in the current year (priority 1 once the refresher is
/// overdue): a second call opens only those that became due since. Such a need is met when
/// its employee completes a training linked to the policy.
#[utoipa::path(
    tag = "policies",
    params(("id" = i64, Path, description = "The policy's id", minimum = 1, example = 1)),
    responses((status = 200, description = "What was opened", body = PolicyNeeds), ActionErrors),
    security(("bearer" = []))
)]
#[post("/policies/{id}/needs")]
pub async fn open_policy_needs(
    w: Write<crate::auth::op::OpenPolicyNeeds>,
    id: web::Path<PolicyId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let created = w
        .run(move |tx| {
            let policy = Policies::load(tx, id)?;
            let created = queries::open_needs(tx, &policy)?;
            tx.record(Action::Import, Entity::DevelopmentNeed, None)?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PolicyNeeds {
        policy_id: id,
        created,
    }))
}
