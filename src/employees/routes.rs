//! `/employees`: the standard handlers of a resource (reads limited to what the caller may see,
//! `access`), and the CSV import (`import`).

use actix_web::{delete, get, patch, post};

use super::model::{Employee, EmployeeFilter, EmployeeInput, EmployeePage, EmployeePatch};
use super::queries::{self, Employees};
use crate::auth::op;

crate::list_route!(
    /// List employees (admin, operator; unit managers see their unit and its sub-units). Sort by `id`, `name`, `nip`.
    list_employees, op::ListEmployees, "/employees", queries::list, EmployeeFilter, EmployeePage,
    EmployeeSort = ["id", "name", "nip"], "employees"
);

crate::get_route!(
    /// One employee (employees may read themselves; unit managers their unit and its sub-units).
    get_employee, op::GetEmployee, "/employees/{id}", Employees, Employee, "employees",
    via = super::access::read_visible
);

crate::create_route!(
    /// Add an employee (admin, operator, clients with `employees:write`).
    create_employee, op::CreateEmployee, "/employees", Employees, Employee, queries::create, EmployeeInput, "employees"
);

crate::update_route!(
    /// Change an employee (admin, operator, clients with `employees:write`).
    update_employee, op::UpdateEmployee, "/employees/{id}", Employees, Employee, queries::update, EmployeeInput, EmployeePatch, "employees"
);

crate::delete_route!(
    /// Delete an employee (admin, operator). One with an account or assessment history answers 409: deactivate instead.
    delete_employee, op::DeleteEmployee, "/employees/{id}", Employees, queries::delete, "employees"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_employees)
        .service(super::import::import_employees)
        .service(get_employee)
        .service(create_employee)
        .service(update_employee)
        .service(delete_employee);
}
