//! `/employees`: the standard handlers of a resource (reads limited to what the caller may see,
//! `access`), and the CSV import (`import`).

use actix_web::{delete, get, patch, post};

use super::model::{Employee, EmployeeFilter, EmployeeInput, EmployeePage, EmployeePatch};
use super::queries::{self, Employees};

crate::resource_routes! {
    Employees at "/employees", "/employees/{id}" tagged "employees";
    /// List employees (admin, operator; unit managers see their unit and its sub-units). Sort by `id`, `name`, `nip`.
    list list_employees: ListEmployees(EmployeeFilter => EmployeePage)
        sorted EmployeeSort ["id", "name", "nip"];
    service super::import::import_employees;
    /// One employee (employees may read themselves; unit managers their unit and its sub-units).
    get get_employee: GetEmployee(Employee) via super::access::read_visible;
    /// Add an employee (admin, operator, clients with `employees:write`).
    create create_employee: CreateEmployee(EmployeeInput => Employee);
    /// Change an employee (admin, operator, clients with `employees:write`).
    update update_employee: UpdateEmployee(EmployeeInput, EmployeePatch => Employee);
    /// Delete an employee (admin, operator). One with an account, assessment history or exemptions answers 409: deactivate instead.
    delete delete_employee: DeleteEmployee;
}
