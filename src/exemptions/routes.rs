//! `/employees/{id}/exemptions` (an employee's list, and new ones) and `/exemptions/{id}` (the
//! standard reads and writes of one). Staff write; unit managers read their units' people's.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{Exemption, ExemptionInput, ExemptionPage, ExemptionPatch};
use super::queries::{self, Exemptions};
use crate::auth::{op, Caller};
use crate::db::resource::read;
use crate::employees::access;
use crate::error::ApiResult;
use crate::types::{EmployeeId, ExemptionId};
use crate::web::{ValidJson, Write};
use crate::AppState;

crate::resource_routes! {
    Exemptions at "/exemptions", "/exemptions/{id}" tagged "exemptions";
    service list_exemptions;
    service create_exemption;
    /// One exemption (staff; unit managers for their units' people).
    get get_exemption: GetExemption(Exemption) via read_visible;
    /// Change an exemption (admin, operator).
    update update_exemption: UpdateExemption(ExemptionInput, ExemptionPatch => Exemption);
    /// Delete an exemption (admin, operator).
    delete delete_exemption: DeleteExemption;
}

/// The exemption, when the caller may see its employee (404 otherwise).
async fn read_visible(state: &AppState, caller: &Caller, id: ExemptionId) -> ApiResult<Exemption> {
    let exemption = read::<Exemptions>(state, id).await?;
    access::read_visible(state, caller, exemption.employee_id).await?;
    Ok(exemption)
}

crate::employee_records_route!(
    /// An employee's exemptions from the JP target (study leave, unpaid leave, …).
    ///
    /// Staff and clients with `records:read`; unit managers for their units' people.
    list_exemptions, op::ListExemptions, "/employees/{id}/exemptions", queries::list,
    ExemptionPage, ExemptionSort = ["id", "from"], "exemptions"
);

/// Record an exemption of an employee from the JP target (admin, operator).
///
/// A month wholly inside exemptions does not count towards the employee's `months_active`, so
/// their target shrinks with it. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "exemptions",
    params(("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1), crate::web::IdempotencyKey),
    request_body = ExemptionInput,
    responses((status = 201, description = "Recorded", body = Exemption,
               headers(("Location" = String, description = "URL of the exemption"), ("ETag" = String, description = "Its version"))),
               crate::error::CreateErrors),
    security(("bearer" = []))
)]
#[post("/employees/{id}/exemptions")]
pub async fn create_exemption(
    w: Write<op::CreateExemption>,
    id: web::Path<EmployeeId>,
    ValidJson(body): ValidJson<ExemptionInput>,
) -> ApiResult<HttpResponse> {
    let employee = id.into_inner();
    let caller = w.caller.clone();
    w.create_replayable::<Exemptions, _>(
        |current| format!("/api/v1/exemptions/{}", current.id),
        move |tx| {
            access::visible(tx, &caller, employee)?;
            queries::create(tx, employee, &body)
        },
    )
    .await
}
