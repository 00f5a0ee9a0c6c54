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
        n += crate::execute_native!(conn, insert)?;
    }
    Ok(n)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &EmployeeChanges,
) -> QueryResult<bool> {
    // Dispatched to the native connection so PostgreSQL gets a cached prepared statement: an
    // import updates thousands of rows with this one statement.
    macro_rules! run {
        ($c:expr) => {
            diesel::update(
                employees::table
                    .filter(employees::id.eq(id))
                    .filter(employees::version.eq(version)),
            )
            .set((
                fields,
                employees::version.eq(version + 1),
                employees::updated_at.eq(now()),
            ))
            .execute($c)?
        };
    }
    let n = match conn {
        AnyConnection::Postgresql(c) => run!(c),
        AnyConnection::Sqlite(c) => run!(c),
    };
    Ok(n == 1)
}

/// Updates many employees, each only if still at its version; the number of rows updated.
/// PostgreSQL takes 500 rows per statement (`UPDATE … FROM (VALUES …)`), as a round trip per
/// row costs more than the update; SQLite, in-process, takes them one by one.
pub fn update_many(
    conn: &mut AnyConnection,
    rows: &[(i64, i64, EmployeeChanges)],
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    let AnyConnection::Postgresql(pg) = conn else {
        let mut n = 0;
        for (id, version, fields) in rows {
            n += usize::from(update(conn, *id, *version, fields)?);
        }
        return Ok(n);
    };
    let mut n = 0;
    for chunk in rows.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 13 + 1;
                format!(
                    "(${}::bigint, ${}::bigint, ${}, ${}, ${}, ${}, ${}, ${}, ${}::bigint, ${}::bigint, ${}, ${}, ${})",
                    b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12
                )
            })
            .collect();
        let sql = format!(
            "UPDATE employees AS e SET nip = v.nip, name = v.name, front_title = v.front_title, back_title = v.back_title, \
             asn_type = v.asn_type, rank_grade = v.rank_grade, position_id = v.position_id, unit_id = v.unit_id, \
             email = v.email, phone = v.phone, siasn_id = v.siasn_id, version = e.version + 1, updated_at = ${} \
             FROM (VALUES {}) AS v(id, version, nip, name, front_title, back_title, asn_type, rank_grade, \
             position_id, unit_id, email, phone, siasn_id) WHERE e.id = v.id AND e.version = v.version",
            chunk.len() * 13 + 1,
            values.join(", ")
        );
        let mut query = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
        for (id, version, f) in chunk {
            query = query
                .bind::<BigInt, _>(*id)
                .bind::<BigInt, _>(*version)
                .bind::<Text, _>(f.nip.clone())
                .bind::<Text, _>(f.name.clone())
                .bind::<Nullable<Text>, _>(f.front_title.clone())
                .bind::<Nullable<Text>, _>(f.back_title.clone())
                .bind::<Text, _>(f.asn_type.clone())
                .bind::<Nullable<Text>, _>(f.rank_grade.clone())
                .bind::<Nullable<BigInt>, _>(f.position_id)
                .bind::<BigInt, _>(f.unit_id)
                .bind::<Nullable<Text>, _>(f.email.clone())
                .bind::<Nullable<Text>, _>(f.phone.clone())
                .bind::<Nullable<Text>, _>(f.siasn_id.clone());
        }
        n += query.bind::<Timestamp, _>(now()).execute(pg)?;
    }
    Ok(n)
}

/// The employees with these NIPs, by NIP.
pub fn by_nips(
    conn: &mut AnyConnection,
    nips: &[String],
) -> QueryResult<HashMap<String, EmployeeRow>> {
    let mut out = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(900) {
        // On PostgreSQL the native backend binds one array (`= ANY($1)`); through the generic
        // backend it would be 900 parameters, which PostgreSQL plans far more slowly.
        let rows: Vec<EmployeeRow> = match conn {
            AnyConnection::Postgresql(c) => employees::table
                .filter(employees::nip.eq_any(chunk))
                .select(EmployeeRow::as_select())
                .load(c)?,
            AnyConnection::Sqlite(c) => employees::table
                .filter(employees::nip.eq_any(chunk))
                .select(EmployeeRow::as_select())
                .load(c)?,
        };
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
