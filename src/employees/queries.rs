use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{EmployeeChanges, EmployeeFilter, EmployeeRow};
use crate::db::schema::{assessments, employees, users};
use crate::db::{contains_pattern, last_insert_id, lower, now, AnyConnection, Backend};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<EmployeeRow> {
    employees::table
        .find(id)
        .select(EmployeeRow::as_select())
        .first(conn)
}

/// `units`: the unit filter already resolved to the unit and its sub-units; `scope`: the units the
/// caller may see (`None` = all).
fn filtered(
    f: &EmployeeFilter,
    units: Option<&[i64]>,
    scope: Option<&[i64]>,
) -> employees::BoxedQuery<'static, Backend> {
    let mut q = employees::table.into_boxed();
    if let Some(ids) = scope {
        q = q.filter(employees::unit_id.eq_any(ids.to_vec()));
    }
    if let Some(ids) = units {
        q = q.filter(employees::unit_id.eq_any(ids.to_vec()));
    }
    if let Some(position) = f.position_id {
        q = q.filter(employees::position_id.eq(position));
    }
    if let Some(asn) = f.asn_type {
        q = q.filter(employees::asn_type.eq(asn.as_str()));
    }
    if let Some(active) = f.active {
        q = q.filter(employees::active.eq(active));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(employees::name)
                .like(pattern.clone())
                .escape('\\')
                .or(employees::nip.like(pattern).escape('\\')),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &EmployeeFilter,
    units: Option<&[i64]>,
    scope: Option<&[i64]>,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<EmployeeRow>)> {
    let total = filtered(f, units, scope).count().get_result(conn)?;
    let mut q = filtered(f, units, scope);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("name", false) => q.then_order_by(employees::name.asc()),
            ("name", true) => q.then_order_by(employees::name.desc()),
            ("nip", false) => q.then_order_by(employees::nip.asc()),
            ("nip", true) => q.then_order_by(employees::nip.desc()),
            ("id", true) => q.then_order_by(employees::id.desc()),
            _ => q.then_order_by(employees::id.asc()),
        };
    }
    let rows = q
        .then_order_by(employees::id.asc())
        .offset(offset)
        .limit(limit)
        .select(EmployeeRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn nip_taken(conn: &mut AnyConnection, nip: &str, except: Option<i64>) -> QueryResult<bool> {
    let q = employees::table
        .filter(employees::nip.eq(nip))
        .filter(employees::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(q)).get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = employees)]
pub struct NewEmployee {
    #[diesel(embed)]
    pub fields: EmployeeChanges,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub version: i64,
}

impl NewEmployee {
    pub fn new(fields: EmployeeChanges) -> Self {
        let at = now();
        NewEmployee {
            fields,
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }
}

pub fn create(conn: &mut AnyConnection, fields: &EmployeeChanges) -> QueryResult<i64> {
    diesel::insert_into(employees::table)
        .values(NewEmployee::new(fields.clone()))
        .execute(conn)?;
    last_insert_id(conn)
}

/// Many employees in few statements: multi-row VALUES in chunks (backend-specific in diesel).
pub fn create_many(conn: &mut AnyConnection, rows: Vec<NewEmployee>) -> QueryResult<usize> {
    let mut n = 0;
    // 16 columns × 500 rows stays under SQLite's and PostgreSQL's bind-parameter limits.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<NewEmployee> = rows.by_ref().take(500).collect();
        let insert = diesel::insert_into(employees::table).values(chunk);
        n += match conn {
            AnyConnection::Postgresql(c) => insert.execute(c)?,
            AnyConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    Ok(n)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &EmployeeChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        employees::table
            .filter(employees::id.eq(id))
            .filter(employees::version.eq(version)),
    )
    .set((
        fields,
        employees::version.eq(version + 1),
        employees::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The employees with these NIPs, by NIP.
pub fn by_nips(
    conn: &mut AnyConnection,
    nips: &[String],
) -> QueryResult<HashMap<String, EmployeeRow>> {
    let mut out = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(900) {
        let rows: Vec<EmployeeRow> = employees::table
            .filter(employees::nip.eq_any(chunk))
            .select(EmployeeRow::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.nip.clone(), r)));
    }
    Ok(out)
}

/// What still refers to an employee: (accounts, assessments).
pub fn dependants(conn: &mut AnyConnection, id: i64) -> QueryResult<(i64, i64)> {
    Ok((
        users::table
            .filter(users::employee_id.eq(id))
            .count()
            .get_result(conn)?,
        assessments::table
            .filter(assessments::employee_id.eq(id))
            .count()
            .get_result(conn)?,
    ))
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(employees::table.find(id)).execute(conn)
}
