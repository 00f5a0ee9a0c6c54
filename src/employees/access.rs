//! Which employees a caller may see (`auth::Reach`): everyone for staff and API clients, a unit
//! manager's unit and its sub-units, an employee themself. Anyone else is answered 404, exactly
//! as if the employee did not exist. Other areas ask here; none decides it again.

use super::model::Employee;
use super::queries::Employees;
use crate::auth::Caller;
use crate::db::resource::{read, Resource};
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::types::EmployeeId;
use crate::AppState;

/// The employee, when the caller may see them (inside a query or a write).
pub fn visible(conn: &mut AnyConnection, caller: &Caller, id: EmployeeId) -> ApiResult<Employee> {
    let employee = Employees::load(conn, id)?;
    may_see(conn, caller, employee.id, employee.unit_id)?;
    Ok(employee)
}

/// 404 unless the caller may see employee `id` of unit `unit`, for a read that loaded the
/// employee with the rest of what it shows.
pub fn may_see(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: EmployeeId,
    unit: crate::types::UnitId,
) -> ApiResult<()> {
    seen(caller.reach(conn)?, id, unit)
}

/// [`may_see`] from a handler (the profile, the learning record): only a unit manager's reach
/// needs the database.
pub async fn may_see_async(
    state: &AppState,
    caller: &Caller,
    id: EmployeeId,
    unit: crate::types::UnitId,
) -> ApiResult<()> {
    seen(caller.reach_async(state).await?, id, unit)
}

fn seen(reach: crate::auth::Reach, id: EmployeeId, unit: crate::types::UnitId) -> ApiResult<()> {
    match reach.sees_employee(id, unit) {
        true => Ok(()),
        false => Err(ApiError::NotFound),
    }
}

/// The employee, when the caller may see them, on the fast read path.
pub async fn read_visible(
    state: &AppState,
    caller: &Caller,
    id: EmployeeId,
) -> ApiResult<Employee> {
    let employee = read::<Employees>(state, id).await?;
    may_see_async(state, caller, employee.id, employee.unit_id).await?;
    Ok(employee)
}

/// One page of an employee's records (assessments, exemptions, …), the list `name`, when the
/// caller may see the employee (404 otherwise): `list(conn, employee, window)` gives (total,
/// page); `sort` is the request's sort as text. Kept like every list page (`web::cache`).
pub async fn page_of<T, F>(
    req: &actix_web::HttpRequest,
    state: &AppState,
    caller: Caller,
    (name, id): (&'static str, EmployeeId),
    (page, sort): (&crate::web::PageParams, String),
    list: F,
) -> ApiResult<actix_web::HttpResponse>
where
    T: serde::Serialize,
    F: Fn(&mut AnyConnection, EmployeeId, (i64, i64)) -> ApiResult<(i64, Vec<T>)> + Send + 'static,
{
    let window = page.window();
    crate::web::cache::list_page(
        req,
        state,
        caller,
        (name, crate::web::cache::Keeping::Kept),
        (page, format!("{id:?} {page:?} {sort}")),
        move |c, caller| {
            visible(c, caller, id)?;
            list(c, id, window)
        },
    )
    .await
}
