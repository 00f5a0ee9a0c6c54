//! Employees' SQL: the resource, the list (filtered by the caller's reach in SQL), and the
//! writers, which tell the aggregates what changed (unit, position, activity).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamp};

use super::model::{Employee, EmployeeFilter, EmployeeInput};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::auth::{Caller, Reach};
use crate::db::refs;
use crate::db::schema::employees;
use crate::db::write::Tx;
use crate::db::{now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, EmployeeId, UnitId};

crate::simple_resource!(Employees, Employee, employees, EmployeeId, Employee);

/// `units`: the unit filter already resolved to the unit and its sub-units; `reach`: whom the
/// caller may see.
fn filtered(
    f: &EmployeeFilter,
    units: Option<&[UnitId]>,
    reach: &Reach,
) -> employees::BoxedQuery<'static, Backend> {
    let mut q = employees::table.into_boxed();
    match reach {
        Reach::All => {}
        Reach::Units(ids) => q = q.filter(employees::unit_id.eq_any(ids.clone())),
        Reach::Employee(id) => q = q.filter(employees::id.eq(*id)),
        Reach::Nothing => q = q.filter(employees::id.eq(EmployeeId(0))),
    }
    if let Some(ids) = units {
        q = q.filter(employees::unit_id.eq_any(ids.to_vec()));
    }
    crate::eq_filters!(q, f;
        position_id => employees::position_id,
        asn_type => employees::asn_type,
        active => employees::active,
    );
    crate::text_search!(q, f.q, employees: name, nip);
    q
}

pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    f: &EmployeeFilter,
    sort: &[(&str, bool)],
    window: (i64, i64),
) -> ApiResult<(i64, Vec<Employee>)> {
    let reach = caller.reach(conn)?;
    let units = match f.unit_id {
        Some(unit) => Some(crate::units::queries::subtree_ids(conn, unit)?),
        None => None,
    };
    let (total, rows) = crate::page!(conn, filtered(f, units.as_deref(), &reach), sort, window, employees::id, Employee, {
        "name" => employees::name,
        "nip" => employees::nip,
    });
    Ok((total, rows))
}

/// The unit and position an employee names must exist (422); the NIP must be free (409).
fn check(conn: &mut AnyConnection, e: &EmployeeInput, id: Option<EmployeeId>) -> ApiResult<()> {
    refs::require(
        conn,
        &[
            ("unit_id", Entity::Unit, vec![e.unit_id.0]),
            (
                "position_id",
                Entity::Position,
                raw(e.position_id.as_slice()),
            ),
        ],
    )?;
    refs::unique(conn, Entity::Employee, "nip", &e.nip, id.map(|i| i.0))
}

pub fn create(tx: &mut Tx, e: &EmployeeInput) -> ApiResult<EmployeeId> {
    check(tx, e, None)?;
    let stored = e.with_defaults();
    let id = crate::insert_new!(tx, employees, &stored)?;
    aggregates::after(
        tx,
        Change::Employees {
            ids: &[id],
            before: &[],
        },
    )?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Employee, e: &EmployeeInput) -> ApiResult<()> {
    check(tx, e, Some(current.id))?;
    let before = aggregates::group_of(tx, current.id)?;
    diesel::update(employees::table.find(current.id))
        .set(&e.with_defaults())
        .execute(tx.conn())?;
    aggregates::after(
        tx,
        Change::Employees {
            ids: &[current.id],
            before: before.as_slice(),
        },
    )?;
    Ok(())
}

/// An employee with an account, an assessment history or exemptions is kept (409): deactivate
/// instead.
pub fn delete(tx: &mut Tx, current: &Employee) -> ApiResult<()> {
    let uses = refs::uses(
        tx,
        current.id.0,
        &[
            ("users", "employee_id"),
            ("assessments", "employee_id"),
            ("exemptions", "employee_id"),
        ],
    )?;
    if uses.iter().any(|&n| n > 0) {
        return Err(ApiError::conflict(
            "the employee has an account or a history; deactivate instead",
        ));
    }
    let before = aggregates::group_of(tx, current.id)?;
    diesel::delete(employees::table.find(current.id)).execute(tx.conn())?;
    aggregates::after(
        tx,
        Change::Employees {
            ids: &[current.id],
            before: before.as_slice(),
        },
    )?;
    Ok(())
}

/// The employees with these NIPs, by NIP.
pub fn by_nips(
    conn: &mut AnyConnection,
    nips: &[String],
) -> QueryResult<HashMap<String, Employee>> {
    let mut out = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(900) {
        // On PostgreSQL the native backend binds one array (`= ANY($1)`); through the generic
        // backend it would be 900 parameters, which PostgreSQL plans far more slowly.
        let rows: Vec<Employee> = match conn {
            AnyConnection::Postgresql(c) => employees::table
                .filter(employees::nip.eq_any(chunk))
                .select(Employee::as_select())
                .load(c)?,
            AnyConnection::Sqlite(c) => employees::table
                .filter(employees::nip.eq_any(chunk))
                .select(Employee::as_select())
                .load(c)?,
        };
        out.extend(rows.into_iter().map(|r| (r.nip.clone(), r)));
    }
    Ok(out)
}

/// Many new employees, in multi-row INSERTs ([`crate::insert_rows!`]).
pub fn create_many(tx: &mut Tx, rows: &[EmployeeInput]) -> QueryResult<usize> {
    let at = now();
    let values: Vec<_> = rows
        .iter()
        .map(|e| {
            (
                e.with_defaults(),
                employees::created_at.eq(at),
                employees::updated_at.eq(at),
            )
        })
        .collect();
    crate::insert_rows!(tx.conn(), employees::table, values)?;
    Ok(values.len())
}

/// The columns a whole-employee update writes, in the order [`update_many`] binds them.
const WRITTEN: [(&str, &str); 13] = [
    ("nip", "TEXT"),
    ("name", "TEXT"),
    ("front_title", "TEXT"),
    ("back_title", "TEXT"),
    ("asn_type", "TEXT"),
    ("rank_grade", "TEXT"),
    ("position_id", "BIGINT"),
    ("unit_id", "BIGINT"),
    ("email", "TEXT"),
    ("phone", "TEXT"),
    ("siasn_id", "TEXT"),
    ("appointed_on", "DATE"),
    ("active", "BOOLEAN"),
];

/// Writes many whole employees (all of [`WRITTEN`]), 500 per statement: one
/// `UPDATE … FROM (VALUES …)` that both backends run as it is, as a round trip per row costs
/// more than the update. The rows are the caller's locked, current versions; the version moves.
pub fn update_many(tx: &mut Tx, rows: &[Employee]) -> ApiResult<usize> {
    let at = now();
    let mut n = 0;
    for chunk in rows.chunks(500) {
        // Placeholders are numbered in the order they appear, so that SQLite (which numbers
        // `$n` parameters by first appearance) and PostgreSQL read them alike. PostgreSQL needs
        // their types; SQLite takes the bound values as they are (its CAST to a type named
        // TIMESTAMP would turn the text into a number).
        let pg = matches!(tx.conn(), AnyConnection::Postgresql(_));
        let width = WRITTEN.len() + 2;
        let values: Vec<String> = (0..chunk.len())
            .map(|row| {
                let cells: Vec<String> = std::iter::once(("id", "BIGINT"))
                    .chain(WRITTEN)
                    .chain(std::iter::once(("updated_at", "TIMESTAMP")))
                    .enumerate()
                    .map(|(i, (_, ty))| match pg {
                        true => format!("CAST(${} AS {ty})", row * width + i + 1),
                        false => format!("${}", row * width + i + 1),
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let names: Vec<String> = std::iter::once("id")
            .chain(WRITTEN.iter().map(|(c, _)| *c))
            .chain(std::iter::once("updated_at"))
            .enumerate()
            .map(|(i, c)| format!("column{} AS {c}", i + 1))
            .collect();
        let set: Vec<String> = WRITTEN
            .iter()
            .map(|(c, _)| format!("{c} = v.{c}"))
            .chain([
                "updated_at = v.updated_at".into(),
                "version = employees.version + 1".into(),
            ])
            .collect();
        let sql = format!(
            "UPDATE employees SET {} FROM (SELECT {} FROM (VALUES {}) AS t) AS v WHERE employees.id = v.id",
            set.join(", "),
            names.join(", "),
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed();
        for e in chunk {
            query = query
                .bind::<BigInt, _>(e.id)
                .bind::<Text, _>(e.nip.clone())
                .bind::<Text, _>(e.name.clone())
                .bind::<Nullable<Text>, _>(e.front_title.clone())
                .bind::<Nullable<Text>, _>(e.back_title.clone())
                .bind::<Text, _>(e.asn_type)
                .bind::<Nullable<Text>, _>(e.rank_grade.clone())
                .bind::<Nullable<BigInt>, _>(e.position_id)
                .bind::<BigInt, _>(e.unit_id)
                .bind::<Nullable<Text>, _>(e.email.clone())
                .bind::<Nullable<Text>, _>(e.phone.clone())
                .bind::<Nullable<Text>, _>(e.siasn_id.clone())
                .bind::<Nullable<Date>, _>(e.appointed_on)
                .bind::<Bool, _>(e.active)
                .bind::<Timestamp, _>(at);
        }
        n += query.execute(tx.conn())?;
    }
    Ok(n)
}
