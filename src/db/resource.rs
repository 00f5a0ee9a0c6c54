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
