use diesel::prelude::*;

use super::model::{UnitChanges, UnitFilter, UnitRow};
use crate::db::schema::{employees, positions, units, users};
use crate::db::{contains_pattern, last_insert_id, lower, now, AnyConnection, Backend};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<UnitRow> {
    units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The unit and all its descendants (a recursive CTE; both backends speak it).
pub fn subtree_ids(conn: &mut AnyConnection, root: i64) -> QueryResult<Vec<i64>> {
    // `root` is an integer, so formatting it in is safe and keeps one SQL text for both backends.
    let sql = format!(
        "WITH RECURSIVE tree(id) AS (SELECT id FROM units WHERE id = {root} \
         UNION SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id) SELECT id FROM tree"
    );
    Ok(diesel::sql_query(sql)
        .load::<IdRow>(conn)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

pub fn all_in(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<UnitRow>> {
    units::table
        .filter(units::id.eq_any(ids))
        .order(units::code.asc())
        .select(UnitRow::as_select())
        .load(conn)
}

fn filtered(f: &UnitFilter, scope: Option<&[i64]>) -> units::BoxedQuery<'static, Backend> {
    let mut q = units::table.into_boxed();
    if let Some(ids) = scope {
        q = q.filter(units::id.eq_any(ids.to_vec()));
    }
    if let Some(active) = f.active {
        q = q.filter(units::active.eq(active));
    }
    if let Some(parent) = f.parent_id {
        q = q.filter(units::parent_id.eq(parent));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(units::code)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(units::name).like(pattern).escape('\\')),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &UnitFilter,
    scope: Option<&[i64]>,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<UnitRow>)> {
    let total = filtered(f, scope).count().get_result(conn)?;
    let mut q = filtered(f, scope);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("code", false) => q.then_order_by(units::code.asc()),
            ("code", true) => q.then_order_by(units::code.desc()),
            ("name", false) => q.then_order_by(units::name.asc()),
            ("name", true) => q.then_order_by(units::name.desc()),
            ("id", true) => q.then_order_by(units::id.desc()),
            _ => q.then_order_by(units::id.asc()),
        };
    }
    let rows = q
        .then_order_by(units::id.asc())
        .offset(offset)
        .limit(limit)
        .select(UnitRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn code_taken(conn: &mut AnyConnection, code: &str, except: Option<i64>) -> QueryResult<bool> {
    let q = units::table
        .filter(lower(units::code).eq(code.to_lowercase()))
        .filter(units::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(q)).get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = units)]
struct NewUnit {
    #[diesel(embed)]
    fields: UnitChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &UnitChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(units::table)
        .values(NewUnit {
            fields: fields.clone(),
            created_at: at,
            updated_at: at,
            version: 1,
        })
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &UnitChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        units::table
            .filter(units::id.eq(id))
            .filter(units::version.eq(version)),
    )
    .set((
        fields,
        units::version.eq(version + 1),
        units::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What still points at a unit: (sub-units, employees, positions, users).
pub fn dependants(conn: &mut AnyConnection, id: i64) -> QueryResult<(i64, i64, i64, i64)> {
    Ok((
        units::table
            .filter(units::parent_id.eq(id))
            .count()
            .get_result(conn)?,
        employees::table
            .filter(employees::unit_id.eq(id))
            .count()
            .get_result(conn)?,
        positions::table
            .filter(positions::unit_id.eq(id))
            .count()
            .get_result(conn)?,
        users::table
            .filter(users::unit_id.eq(id))
            .count()
            .get_result(conn)?,
    ))
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(units::table.find(id)).execute(conn)
}
