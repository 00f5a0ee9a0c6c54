//! A resource: one table whose rows the API shows one at a time and changes through the write
//! pipeline. Its single-row read is declared once, as a Diesel query for the synchronous path
//! and, printed from the same Diesel select, as a statement for the asynchronous PostgreSQL read
//! path (`db::reader`), which returns the row as JSON; both give the same `Row`.

use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use serde::de::DeserializeOwned;

use super::AnyConnection;
use crate::audit::Entity;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub trait Resource {
    /// Its audit entity, which also names its table.
    const ENTITY: Entity;
    /// Whether its writes are serialised as a whole (`Tx::serialize`, taken before any row
    /// lock), for rules over many rows that row locks cannot cover.
    const SERIAL: bool = false;
    type Id: Copy + Into<i64> + Send + 'static;
    /// What the database gives for one id (the row, with whatever is kept beside it).
    type Row: DeserializeOwned + Send + 'static;
    /// What a handler decides on and what the response shows.
    type Current: Send + 'static;

    /// The row, on the synchronous path (NotFound when there is none).
    fn row(conn: &mut AnyConnection, id: Self::Id) -> diesel::QueryResult<Self::Row>;
    /// The same row for PostgreSQL's asynchronous path: one statement with `$1` the id and one
    /// text column, the row as JSON (see [`json_by_id`]).
    fn pg_sql() -> String;
    fn present(row: Self::Row) -> Self::Current;
    fn version(current: &Self::Current) -> i64;

    /// Rows the write pipeline locks before this one, read without a lock (the link to them
    /// never changes): a parent whose lock orders the writes of its children, so that writers
    /// that take both take them in one order and cannot deadlock.
    fn parents(
        _conn: &mut AnyConnection,
        _id: Self::Id,
    ) -> diesel::QueryResult<Vec<(Entity, i64)>> {
        Ok(Vec::new())
    }

    /// 404 (`ApiError::NotFound`) when there is no such row.
    fn load(conn: &mut AnyConnection, id: Self::Id) -> ApiResult<Self::Current> {
        Ok(Self::present(Self::row(conn, id)?))
    }
}

/// One row by id, on the asynchronous path where there is one (PostgreSQL), else on the pool.
pub async fn read<R: Resource>(state: &AppState, id: R::Id) -> ApiResult<R::Current> {
    let row = match &state.reader {
        Some(reader) => {
            let text = reader
                .json(std::any::type_name::<R>(), R::pg_sql, id.into())
                .await?
                .ok_or(ApiError::NotFound)?;
            serde_json::from_str::<R::Row>(&text).map_err(|e| {
                ApiError::Internal(format!(
                    "{} {id} does not read: {e}",
                    R::ENTITY,
                    id = id.into()
                ))
            })?
        }
        None => crate::web::db(&state.pool, move |c| Ok(R::row(c, id)?)).await?,
    };
    Ok(R::present(row))
}

/// [`read`] for a resource every admitted caller sees whole (the `get_route!` default).
pub async fn read_for<R: Resource>(
    state: &AppState,
    _: &crate::auth::Caller,
    id: R::Id,
) -> ApiResult<R::Current> {
    read::<R>(state, id).await
}

/// `SELECT row_to_json(r)::text FROM (<select> WHERE "<table>"."id" = $1) r`: `select` is
/// Diesel's SELECT of the row type (so the columns cannot drift from the synchronous path),
/// printed for PostgreSQL, with `extra` (`, <expression> AS <name>`, …) added to its columns.
pub fn json_by_id<Q: QueryFragment<Pg>>(select: Q, table: &str, extra: &str) -> String {
    let printed = diesel::debug_query::<Pg, _>(&select).to_string();
    let sql = printed.split(" -- binds:").next().unwrap_or_default();
    let (columns, from) = sql.split_once(" FROM ").unwrap_or((sql, ""));
    format!(
        "SELECT row_to_json(r)::text FROM ({columns}{extra} FROM {from} WHERE \"{table}\".\"id\" = $1::bigint) r"
    )
}

/// A resource whose row is its API object, read by primary key from one table:
/// `simple_resource!(Units, Unit, units, UnitId, Unit)` (marker type, audit entity, table, id,
/// row type), with `, serial = true` for one whose writes are serialised (`Resource::SERIAL`).
#[macro_export]
macro_rules! simple_resource {
    ($(#[$doc:meta])* $name:ident, $entity:ident, $table:ident, $id:ty, $row:ty) => {
        $crate::simple_resource!($(#[$doc])* $name, $entity, $table, $id, $row, serial = false);
    };
    ($(#[$doc:meta])* $name:ident, $entity:ident, $table:ident, $id:ty, $row:ty, serial = $serial:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::db::resource::Resource for $name {
            const ENTITY: $crate::audit::Entity = $crate::audit::Entity::$entity;
            const SERIAL: bool = $serial;
            type Id = $id;
            type Row = $row;
            type Current = $row;

            fn row(
                conn: &mut $crate::db::AnyConnection,
                id: $id,
            ) -> diesel::QueryResult<$row> {
                use diesel::prelude::*;
                $table::table
                    .find(id)
                    .select(<$row>::as_select())
                    .first(conn)
            }

            fn pg_sql() -> String {
                use diesel::prelude::*;
                $crate::db::resource::json_by_id(
                    $table::table.select(<$row>::as_select()),
                    stringify!($table),
                    "",
                )
            }

            fn present(row: $row) -> $row {
                row
            }

            fn version(row: &$row) -> i64 {
                row.version
            }
        }
    };
}

/// One page of a boxed query: `(total, rows)`, sorted by `?sort=` over the named columns, then
/// by id: `page!(conn, filtered(f), sort, window, table::id, Row, { "name" => table::name })`.
/// One statement: the total is a subquery beside each row of the page (computed once by
/// either backend, and leaving the page's own plan, e.g. an index walk in id order, as it was);
/// only a page past the end asks for the total on its own.
#[macro_export]
macro_rules! page {
    ($conn:expr, $query:expr, $sort:expr, $window:expr, $id:expr, $row:ty,
     { $($name:literal => $column:expr),* $(,)? }) => {{
        let (offset, limit): (i64, i64) = $window;
        let rows: Vec<(Option<i64>, $row)> = $crate::order_by!($query, $sort, { "id" => $id, $($name => $column),* })
            .then_order_by($id.asc())
            .offset(offset)
            .limit(limit)
            .select(($query.count().single_value(), <$row>::as_select()))
            .load($conn)?;
        let total: i64 = match rows.first() {
            Some((total, _)) => total.unwrap_or_default(),
            None if offset == 0 => 0,
            None => $query.count().get_result($conn)?,
        };
        (total, rows.into_iter().map(|(_, row)| row).collect::<Vec<$row>>())
    }};
}

/// The list of a resource whose rows are its API objects, for `list_route!`:
/// `simple_list!(UnitFilter => Unit, units, filtered, { "code" => units::code, … })` defines
/// `pub fn list(conn, caller, &filter, sort, window)` over `filtered(&filter)`.
#[macro_export]
macro_rules! simple_list {
    ($filter:ty => $row:ty, $table:ident, $filtered:expr, { $($name:literal => $column:expr),* $(,)? }) => {
        /// One page of the rows the filter selects: (total, page).
        pub fn list(
            conn: &mut $crate::db::AnyConnection,
            _: &$crate::auth::Caller,
            f: &$filter,
            sort: &[(&str, bool)],
            window: (i64, i64),
        ) -> $crate::error::ApiResult<(i64, Vec<$row>)> {
            use diesel::prelude::*;
            Ok($crate::page!(conn, $filtered(f), sort, window, $table::id, $row, { $($name => $column),* }))
        }
    };
}

/// The INSERT of a new row, stamped now (its version starts at 1 by default), giving its id:
/// `insert_new!(tx, units, (input, units::active.eq(true)))`.
#[macro_export]
macro_rules! insert_new {
    ($tx:expr, $table:ident, $values:expr) => {{
        let at = $crate::db::now();
        let insert = diesel::insert_into($table::table).values((
            $values,
            $table::created_at.eq(at),
            $table::updated_at.eq(at),
        ));
        $crate::insert_returning_id!($tx.conn(), insert, $table::id)
    }};
}
