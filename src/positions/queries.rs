use diesel::prelude::*;

use super::model::{PositionChanges, PositionFilter, PositionRow, Standard};
use crate::db::schema::{employees, position_standards, positions};
use crate::db::{contains_pattern, last_insert_id, lower, now, AnyConnection, Backend};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<PositionRow> {
    positions::table
        .find(id)
        .select(PositionRow::as_select())
        .first(conn)
}

fn filtered(f: &PositionFilter) -> positions::BoxedQuery<'static, Backend> {
    let mut q = positions::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(positions::kind.eq(kind.as_str()));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(positions::unit_id.eq(unit));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            lower(positions::name)
                .like(contains_pattern(text))
                .escape('\\'),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &PositionFilter,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<PositionRow>)> {
    let total = filtered(f).count().get_result(conn)?;
    let mut q = filtered(f);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("name", false) => q.then_order_by(positions::name.asc()),
            ("name", true) => q.then_order_by(positions::name.desc()),
            ("kind", false) => q.then_order_by(positions::kind.asc()),
            ("kind", true) => q.then_order_by(positions::kind.desc()),
            ("id", true) => q.then_order_by(positions::id.desc()),
            _ => q.then_order_by(positions::id.asc()),
        };
    }
    let rows = q
        .then_order_by(positions::id.asc())
        .offset(offset)
        .limit(limit)
        .select(PositionRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

#[derive(Insertable)]
#[diesel(table_name = positions)]
struct NewPosition {
    #[diesel(embed)]
    fields: PositionChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &PositionChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(positions::table)
        .values(NewPosition {
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
    fields: &PositionChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        positions::table
            .filter(positions::id.eq(id))
            .filter(positions::version.eq(version)),
    )
    .set((
        fields,
        positions::version.eq(version + 1),
        positions::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A change of the standard is a change of the position: its version moves too.
pub fn bump_version(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::update(positions::table.find(id))
        .set((
            positions::version.eq(positions::version + 1),
            positions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn holders(conn: &mut AnyConnection, id: i64) -> QueryResult<i64> {
    employees::table
        .filter(employees::position_id.eq(id))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(positions::table.find(id)).execute(conn)
}

pub fn standards(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<Standard>> {
    let rows: Vec<(i64, i32)> = position_standards::table
        .filter(position_standards::position_id.eq(id))
        .order(position_standards::competency_id.asc())
        .select((
            position_standards::competency_id,
            position_standards::required_level,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(competency_id, required_level)| Standard {
            competency_id,
            required_level,
        })
        .collect())
}

pub fn replace_standards(conn: &mut AnyConnection, id: i64, items: &[Standard]) -> QueryResult<()> {
    diesel::delete(position_standards::table.filter(position_standards::position_id.eq(id)))
        .execute(conn)?;
    if !items.is_empty() {
        insert_standards(conn, id, items)?;
    }
    crate::reports::aggregates::refresh_standing(
        conn,
        crate::reports::aggregates::Employees::Position(id),
    )
}

fn insert_standards(conn: &mut AnyConnection, id: i64, items: &[Standard]) -> QueryResult<()> {
    let rows: Vec<_> = items
        .iter()
        .map(|s| {
            (
                position_standards::position_id.eq(id),
                position_standards::competency_id.eq(s.competency_id),
                position_standards::required_level.eq(s.required_level),
            )
        })
        .collect();
    let insert = diesel::insert_into(position_standards::table).values(rows);
    crate::execute_native!(conn, insert)?;
    Ok(())
}
