//! References between rows, checked and kept the same way everywhere: [`require`] turns ids a
//! client names that do not exist into one 422 naming each field, and [`LinkTable`] keeps a
//! resource's set of links in a link table (partner–competency, trainer–competency).

use std::marker::PhantomData;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::write::Tx;
use super::AnyConnection;
use crate::audit::Entity;
use crate::error::{ApiError, ApiResult, FieldErrors};

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids of `ids` that have no row in `entity`'s table.
pub fn missing(conn: &mut AnyConnection, entity: Entity, ids: &[i64]) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<i64> = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE id IN ({})",
        entity.table(),
        list(ids)
    ))
    .load::<One>(conn)?
    .into_iter()
    .map(|r| r.id)
    .collect();
    let mut gone: Vec<i64> = ids.iter().copied().filter(|i| !found.contains(i)).collect();
    gone.sort_unstable();
    gone.dedup();
    Ok(gone)
}

/// Every id a client named must exist: otherwise one 422 with, for each field, the ids that do
/// not (`(field, entity, ids)`).
pub fn require(conn: &mut AnyConnection, refs: &[(&str, Entity, Vec<i64>)]) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    for (field, entity, ids) in refs {
        let gone = missing(conn, *entity, ids)?;
        if !gone.is_empty() {
            errors.insert(
                field.to_string(),
                vec![format!("no {entity} with id {}", list(&gone))],
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

/// 409 when another row of `entity` (not `except`) has `value` in `column`, compared without
/// case: codes and numbers are unique however they are typed.
pub fn unique(
    conn: &mut AnyConnection,
    entity: Entity,
    column: &str,
    value: &str,
    except: Option<i64>,
) -> ApiResult<()> {
    let n = diesel::sql_query(format!(
        "SELECT COUNT(*) AS id FROM {} WHERE lower({column}) = lower($1) AND id <> $2",
        entity.table()
    ))
    .bind::<diesel::sql_types::Text, _>(value)
    .bind::<BigInt, _>(except.unwrap_or(0))
    .get_result::<One>(conn)?
    .id;
    if n == 0 {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "a {entity} with {column} `{value}` already exists"
        )))
    }
}

/// How many rows of each `(table, column)` refer to row `id`.
pub fn uses(conn: &mut AnyConnection, id: i64, by: &[(&str, &str)]) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    by.iter()
        .map(|(table, column)| {
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE {column} = {id}"
            ))
            .get_result::<Count>(conn)
            .map(|c| c.n)
        })
        .collect()
}

/// A link table `table(owner, target)` holding a resource's set of links, with a copy of the
/// set as a JSON array in column `copy` of the owner's row (`owner_table`), so a row reads in
/// one lookup. [`LinkTable::replace`] is the one writer of both.
pub struct LinkTable<O, T> {
    pub table: &'static str,
    pub owner: &'static str,
    pub target: &'static str,
    pub owner_table: &'static str,
    pub copy: &'static str,
    pub ids: PhantomData<(O, T)>,
}

impl<O, T> LinkTable<O, T>
where
    O: Copy + Into<i64>,
    T: Copy + Into<i64>,
{
    /// Replaces the owner's set (duplicates dropped).
    pub fn replace(&self, tx: &mut Tx, owner: O, targets: &[T]) -> QueryResult<()> {
        let owner: i64 = owner.into();
        let mut targets: Vec<i64> = targets.iter().map(|&t| t.into()).collect();
        targets.sort_unstable();
        targets.dedup();
        let copy = format!("[{}]", list(&targets));
        let mut sql = format!(
            "UPDATE {} SET {} = '{copy}' WHERE id = {owner}; DELETE FROM {} WHERE {} = {owner};",
            self.owner_table, self.copy, self.table, self.owner
        );
        if !targets.is_empty() {
            let rows: Vec<String> = targets.iter().map(|t| format!("({owner}, {t})")).collect();
            sql.push_str(&format!(
                " INSERT INTO {} ({}, {}) VALUES {};",
                self.table,
                self.owner,
                self.target,
                rows.join(", ")
            ));
        }
        tx.conn().batch_execute(&sql)
    }
}
