//! Exemptions' SQL: the resource, an employee's list, the writers, and the periods the target
//! rule reads.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Exemption, ExemptionInput};
use crate::aggregates::{self, Change};
use crate::db::schema::exemptions;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::types::{EmployeeId, ExemptionId};

crate::simple_resource!(Exemptions, Exemption, exemptions, ExemptionId, Exemption);

/// One page of an employee's exemptions: (total, page), earliest first unless sorted.
pub fn list(
    conn: &mut AnyConnection,
    employee: EmployeeId,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Exemption>)> {
    let filtered = || {
        exemptions::table
            .filter(exemptions::employee_id.eq(employee))
            .into_boxed()
    };
    let (total, rows) = crate::page!(conn, filtered(), sort, window, exemptions::id, Exemption, {
        "from" => exemptions::from_date,
    });
    Ok((total, rows))
}

pub fn create(tx: &mut Tx, employee: EmployeeId, e: &ExemptionInput) -> ApiResult<ExemptionId> {
    let id = crate::insert_new!(tx, exemptions, (e, exemptions::employee_id.eq(employee)))?;
    aggregates::after(tx, Change::Exemptions(&[employee]))?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Exemption, e: &ExemptionInput) -> ApiResult<()> {
    diesel::update(exemptions::table.find(current.id))
        .set(e)
        .execute(tx.conn())?;
    aggregates::after(tx, Change::Exemptions(&[current.employee_id]))?;
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &Exemption) -> ApiResult<()> {
    diesel::delete(exemptions::table.find(current.id)).execute(tx.conn())?;
    aggregates::after(tx, Change::Exemptions(&[current.employee_id]))?;
    Ok(())
}

/// The exemption periods that touch `[first, last]`, per employee (`None`: everyone's).
pub fn periods(
    conn: &mut AnyConnection,
    employees: Option<&[EmployeeId]>,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate)>>> {
    let mut q = exemptions::table
        .filter(exemptions::from_date.le(last))
        .filter(exemptions::to_date.ge(first))
        .select((
            exemptions::employee_id,
            exemptions::from_date,
            exemptions::to_date,
        ))
        .into_boxed();
    if let Some(ids) = employees {
        q = q.filter(exemptions::employee_id.eq_any(ids.to_vec()));
    }
    let mut out: HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for (employee, from, to) in q.load::<(EmployeeId, NaiveDate, NaiveDate)>(conn)? {
        out.entry(employee).or_default().push((from, to));
    }
    Ok(out)
}
