//! Positions' SQL: the resource, the list, the writers, and the competency standard of a
//! position (replaced whole; the JPM standing of its holders follows).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::model::{Position, PositionFilter, PositionInput, Standard};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::db::refs;
use crate::db::schema::{position_standards, positions};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, PositionId};

crate::simple_resource!(Positions, Position, positions, PositionId, Position);

fn filtered(f: &PositionFilter) -> positions::BoxedQuery<'static, Backend> {
    let mut q = positions::table.into_boxed();
    crate::eq_filters!(q, f; kind => positions::kind, unit_id => positions::unit_id);
    crate::text_search!(q, f.q, positions: name);
    q
}

crate::simple_list!(PositionFilter => Position, positions, filtered, {
    "name" => positions::name,
    "kind" => positions::kind,
});

fn check(conn: &mut AnyConnection, p: &PositionInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[("unit_id", Entity::Unit, raw(p.unit_id.as_slice()))],
    )
}

pub fn create(tx: &mut Tx, p: &PositionInput) -> ApiResult<PositionId> {
    check(tx, p)?;
    Ok(crate::insert_new!(tx, positions, p)?)
}

pub fn update(tx: &mut Tx, current: &Position, p: &PositionInput) -> ApiResult<()> {
    check(tx, p)?;
    diesel::update(positions::table.find(current.id))
        .set(p)
        .execute(tx.conn())?;
    Ok(())
}

/// A position held by employees is kept (409).
pub fn delete(tx: &mut Tx, current: &Position) -> ApiResult<()> {
    let holders = refs::uses(tx, current.id.0, &[("employees", "position_id")])?[0];
    if holders > 0 {
        return Err(ApiError::conflict(format!(
            "{holders} employees hold this position"
        )));
    }
    diesel::delete(positions::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}

pub fn standards(conn: &mut AnyConnection, id: PositionId) -> QueryResult<Vec<Standard>> {
    position_standards::table
        .filter(position_standards::position_id.eq(id))
        .order(position_standards::competency_id.asc())
        .select((
            position_standards::competency_id,
            position_standards::required_level,
        ))
        .load(conn)
}

/// Replaces the whole standard (its competencies must exist, 422).
pub fn replace_standards(tx: &mut Tx, id: PositionId, items: &[Standard]) -> ApiResult<()> {
    let competencies: Vec<i64> = items.iter().map(|s| s.competency_id.0).collect();
    refs::require(tx, &[("competency_id", Entity::Competency, competencies)])?;
    let mut sql = format!("DELETE FROM position_standards WHERE position_id = {id};");
    if !items.is_empty() {
        let rows: Vec<String> = items
            .iter()
            .map(|s| format!("({id}, {}, {})", s.competency_id, s.required_level))
            .collect();
        sql.push_str(&format!(
            " INSERT INTO position_standards (position_id, competency_id, required_level) VALUES {};",
            rows.join(", ")
        ));
    }
    tx.conn().batch_execute(&sql)?;
    Ok(aggregates::after(tx, Change::Standard(id))?)
}
