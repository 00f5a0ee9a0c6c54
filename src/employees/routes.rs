//! `/employees`: the standard handlers of a resource (reads limited to what the caller may see,
//! `access`), and the CSV import (`import`).

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{Employee, EmployeeFilter, EmployeeInput, EmployeePatch};
use super::queries::{self, Employees};
use crate::auth::{op, Allowed};
use crate::error::{ApiResult, ReadErrors};
use crate::types::EmployeeId;
use crate::web::ok_versioned;
use crate::web::Paginated;
use crate::AppState;

crate::list_route!(
    /// List employees (admin, operator; unit managers see their unit and its sub-units). Sort by `id`, `name`, `nip`.
    list_employees, op::ListEmployees, "/employees", queries::list, EmployeeFilter, Employee,
    ["id", "name", "nip"], "employees", "employees"
);

/// One employee (employees may read themselves).
#[utoipa::path(
    tag = "employees",
    params(("id" = i64, Path, description = "The employee's id")),
    responses((status = 200, description = "The employee", body = Employee, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}")]
pub async fn get_employee(
    state: web::Data<AppState>,
    caller: Allowed<op::GetEmployee>,
    id: web::Path<EmployeeId>,
) -> ApiResult<HttpResponse> {
    let e = super::access::read_visible(&state, &caller, id.into_inner()).await?;
    Ok(ok_versioned(&e, e.version))
}

crate::create_route!(
    /// Add an employee (admin, operator, clients with `employees:write`).
    create_employee, op::CreateEmployee, "/employees", Employees, Employee, queries::create,
    EmployeeInput, "employee", "employees"
);

crate::update_route!(
    /// Change an employee (admin, operator, clients with `employees:write`).
    update_employee, op::UpdateEmployee, "/employees/{id}", Employees, Employee,
    queries::update, EmployeeInput, EmployeePatch, "employee", "employees"
);

crate::delete_route!(
    /// Delete an employee (admin, operator). One with an account or assessment history answers 409: deactivate instead.
    delete_employee, op::DeleteEmployee, "/employees/{id}", Employees, queries::delete,
    "employee", "employees"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_employees)
        .service(super::import::import_employees)
        .service(get_employee)
        .service(create_employee)
        .service(update_employee)
        .service(delete_employee);
}
