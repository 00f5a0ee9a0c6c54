//! Units' SQL: the resource, the tree (recursive CTEs over `parent_id`, bounded so that even a
//! cycle or an over-deep chain in the stored data cannot make them run away), the list, and the
//! writers, which keep the tree acyclic and at most `MAX_DEPTH` levels deep.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::{Unit, UnitFilter, UnitInput, UnitTree, MAX_DEPTH};
use crate::audit::Entity;
use crate::db::refs;
use crate::db::schema::units;
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{EmployeeId, UnitId};

// Cycles and depth are properties of the whole tree: unit writes are serialised.
crate::simple_resource!(Units, Unit, units, UnitId, Unit, serial = true);

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Depth {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    n: Option<i64>,
}

/// Past this many steps a walk of the tree stops: further than any tree the rules allow.
const WALK_LIMIT: usize = 4 * MAX_DEPTH;

/// The unit and all its descendants (a recursive CTE; both backends speak it). `UNION` drops
/// repeats, so a cycle in the stored data ends the walk.
pub fn subtree_ids(conn: &mut AnyConnection, root: UnitId) -> QueryResult<Vec<UnitId>> {
    // `root` is an integer, so formatting it in is safe and keeps one SQL text for both backends.
    let sql = format!(
        "WITH RECURSIVE tree(id) AS (SELECT id FROM units WHERE id = {root} \
         UNION SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id) SELECT id FROM tree"
    );
    Ok(diesel::sql_query(sql)
        .load::<IdRow>(conn)?
        .into_iter()
        .map(|r| UnitId(r.id))
        .collect())
}

/// Every unit below these OPDs (`None`: below every OPD) with its OPD, its top-level
/// ancestor, as the relation `tree(id, opd)` for a `WITH RECURSIVE` clause; `UNION` drops
/// repeats, so a cycle in the stored data ends the walk.
pub fn opd_tree(opds: Option<&[i64]>) -> String {
    let roots = match opds {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => format!(" AND id IN ({})", crate::db::id_list(ids)),
    };
    format!(
        "tree(id, opd) AS (SELECT id, id FROM units WHERE parent_id IS NULL{roots} \
         UNION SELECT u.id, tree.opd FROM units u JOIN tree ON u.parent_id = tree.id)"
    )
}

/// The OPDs these employees work in: from their units up to the top (`UNION` drops repeats, so
/// a cycle in the stored data ends the walk), a few steps each, not the whole tree.
pub fn opds_of(conn: &mut AnyConnection, employees: &[EmployeeId]) -> QueryResult<Vec<i64>> {
    if employees.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH RECURSIVE up(id, parent_id) AS (SELECT u.id, u.parent_id FROM units u \
         WHERE u.id IN (SELECT unit_id FROM employees WHERE id IN ({})) \
         UNION SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id) \
         SELECT id FROM up WHERE parent_id IS NULL",
        crate::db::id_list(&crate::types::raw(employees))
    );
    Ok(diesel::sql_query(sql)
        .load::<IdRow>(conn)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// The OPD of `unit`: its top-level ancestor (itself when it has no parent).
pub fn top_level(conn: &mut AnyConnection, unit: UnitId) -> QueryResult<UnitId> {
    let sql = format!(
        "WITH RECURSIVE up(id, parent_id, n) AS (SELECT id, parent_id, 1 FROM units WHERE id = {unit} \
         UNION ALL SELECT u.id, u.parent_id, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id \
         WHERE up.n < {WALK_LIMIT}) SELECT id FROM up ORDER BY n DESC LIMIT 1"
    );
    Ok(UnitId(diesel::sql_query(sql).get_result::<IdRow>(conn)?.id))
}

/// Levels from `unit` up to its OPD, counting both (an OPD is at depth 1).
fn depth(conn: &mut AnyConnection, unit: UnitId) -> QueryResult<usize> {
    let sql = format!(
        "WITH RECURSIVE up(id, parent_id, n) AS (SELECT id, parent_id, 1 FROM units WHERE id = {unit} \
         UNION ALL SELECT u.id, u.parent_id, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id \
         WHERE up.n < {WALK_LIMIT}) SELECT CAST(MAX(n) AS BIGINT) AS n FROM up"
    );
    let n = diesel::sql_query(sql).get_result::<Depth>(conn)?.n;
    Ok(n.unwrap_or(0) as usize)
}

/// Levels from `unit` down to its deepest sub-unit, counting both (a leaf has height 1).
fn height(conn: &mut AnyConnection, unit: UnitId) -> QueryResult<usize> {
    let sql = format!(
        "WITH RECURSIVE down(id, n) AS (SELECT id, 1 FROM units WHERE id = {unit} \
         UNION ALL SELECT u.id, d.n + 1 FROM units u JOIN down d ON u.parent_id = d.id \
         WHERE d.n < {WALK_LIMIT}) SELECT CAST(MAX(n) AS BIGINT) AS n FROM down"
    );
    let n = diesel::sql_query(sql).get_result::<Depth>(conn)?.n;
    Ok(n.unwrap_or(1) as usize)
}

/// The unit with its sub-units, nested, built without recursion; 409 when the stored tree is
/// deeper than the rules allow (data from before the rule), rather than a response too deep to
/// build.
pub fn tree(conn: &mut AnyConnection, root: UnitId) -> ApiResult<UnitTree> {
    let ids = subtree_ids(conn, root)?;
    let rows: Vec<Unit> = units::table
        .filter(units::id.eq_any(&ids))
        .order(units::code.asc())
        .select(Unit::as_select())
        .load(conn)?;
    let root = rows
        .iter()
        .find(|r| r.id == root)
        .cloned()
        .ok_or(ApiError::NotFound)?;
    let mut children: HashMap<UnitId, Vec<Unit>> = HashMap::new();
    for row in rows {
        if let Some(parent) = row.parent_id.filter(|_| row.id != root.id) {
            children.entry(parent).or_default().push(row);
        }
    }
    // Depth-first order (children in code order), then assembled from the last node back, so
    // every node's children are built before it.
    let root_id = root.id;
    let mut order: Vec<Unit> = Vec::new();
    let mut stack = vec![(root, 1usize)];
    while let Some((unit, level)) = stack.pop() {
        if level > MAX_DEPTH {
            return Err(ApiError::conflict(format!(
                "the unit tree is deeper than {MAX_DEPTH} levels; move sub-units up first"
            )));
        }
        for child in children
            .remove(&unit.id)
            .unwrap_or_default()
            .into_iter()
            .rev()
        {
            stack.push((child, level + 1));
        }
        order.push(unit);
    }
    let mut built: HashMap<UnitId, Vec<UnitTree>> = HashMap::new();
    for unit in order.into_iter().rev() {
        let mut below = built.remove(&unit.id).unwrap_or_default();
        below.reverse();
        let node = UnitTree {
            id: unit.id,
            code: unit.code,
            name: unit.name,
            active: unit.active,
            children: below,
        };
        match unit.parent_id.filter(|_| unit.id != root_id) {
            Some(parent) => built.entry(parent).or_default().push(node),
            None => return Ok(node),
        }
    }
    Err(ApiError::NotFound)
}

fn filtered(f: &UnitFilter) -> units::BoxedQuery<'static, Backend> {
    let mut q = units::table.into_boxed();
    crate::eq_filters!(q, f; active => units::active, parent_id => units::parent_id);
    crate::text_search!(q, f.q, units: code, name);
    q
}

crate::simple_list!(UnitFilter => Unit, units, filtered, {
    "code" => units::code,
    "name" => units::name,
});

/// Unique code; an existing parent that is not the unit itself or one of its descendants; and
/// no deeper than `MAX_DEPTH`. Unit writes are serialised (`Resource::SERIAL`), so no
/// concurrent move can make the checks stale.
fn check(tx: &mut Tx, input: &UnitInput, id: Option<UnitId>) -> ApiResult<()> {
    refs::unique(tx, Entity::Unit, "code", &input.code, id.map(|i| i.0))?;
    let Some(parent) = input.parent_id else {
        return Ok(());
    };
    refs::require(tx, &[("parent_id", Entity::Unit, vec![parent.0])])?;
    if let Some(id) = id {
        if subtree_ids(tx, id)?.contains(&parent) {
            return Err(ApiError::validation(
                "parent_id",
                "a unit cannot be placed under itself or its sub-units",
            ));
        }
    }
    let below = match id {
        Some(id) => height(tx, id)?,
        None => 1,
    };
    if depth(tx, parent)? + below > MAX_DEPTH {
        return Err(ApiError::validation(
            "parent_id",
            format!("the unit tree may be at most {MAX_DEPTH} levels deep"),
        ));
    }
    Ok(())
}

pub fn create(tx: &mut Tx, input: &UnitInput) -> ApiResult<UnitId> {
    check(tx, input, None)?;
    Ok(crate::insert_new!(tx, units, input)?)
}

pub fn update(tx: &mut Tx, current: &Unit, input: &UnitInput) -> ApiResult<()> {
    check(tx, input, Some(current.id))?;
    diesel::update(units::table.find(current.id))
        .set(input)
        .execute(tx.conn())?;
    // Feedback is attributed to OPDs only: an OPD placed under another unit hands its
    // responses to the OPD it joined.
    if current.parent_id.is_none() && input.parent_id.is_some() {
        let opd = top_level(tx, current.id)?;
        crate::feedback::queries::move_attribution(tx, current.id, opd)?;
    }
    if current.parent_id != input.parent_id {
        crate::aggregates::after(tx, crate::aggregates::Change::UnitMoved(current.id))?;
    }
    Ok(())
}

/// A unit with sub-units, employees, positions or accounts is kept (409).
pub fn delete(tx: &mut Tx, current: &Unit) -> ApiResult<()> {
    let id = current.id;
    let counts = refs::uses(
        tx,
        id.0,
        &[
            ("units", "parent_id"),
            ("employees", "unit_id"),
            ("positions", "unit_id"),
            ("users", "unit_id"),
        ],
    )?;
    let [children, people, places, accounts] = counts[..] else {
        return Err(ApiError::Internal("four counts expected".into()));
    };
    if children + people + places + accounts > 0 {
        return Err(ApiError::conflict(format!(
            "the unit is in use ({children} sub-units, {people} employees, {places} positions, \
             {accounts} accounts); deactivate it instead"
        )));
    }
    diesel::delete(units::table.find(id)).execute(tx.conn())?;
    Ok(())
}
