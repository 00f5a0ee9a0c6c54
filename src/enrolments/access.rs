//! Which enrolments a caller may see: those of the people they may see (`auth::Reach`: all for
//! staff and clients, a unit manager's units, an employee their own). Anything else is 404.

use super::model::EnrolmentRecord;
use super::queries::Enrolments;
use crate::auth::Caller;
use crate::db::resource::{read, Resource};
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::types::EnrolmentId;
use crate::AppState;

/// The record, when `reach` covers its employee (404 otherwise).
pub fn shown(record: EnrolmentRecord, reach: &crate::auth::Reach) -> ApiResult<EnrolmentRecord> {
    if reach.sees_employee(record.enrolment.employee_id, record.unit_id) {
        Ok(record)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The enrolment, when the caller may see it (inside a query or a write).
pub fn visible(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: EnrolmentId,
) -> ApiResult<EnrolmentRecord> {
    let record = Enrolments::load(conn, id)?;
    shown(record, &caller.reach(conn)?)
}

/// The enrolment, when the caller may see it, on the fast read path.
pub async fn read_visible(
    state: &AppState,
    caller: &Caller,
    id: EnrolmentId,
) -> ApiResult<EnrolmentRecord> {
    let record = read::<Enrolments>(state, id).await?;
    shown(record, &caller.reach_async(state).await?)
}
