//! Statements whose SQL is one fixed text for both backends, for the reads that gather several
//! tables in one statement (an employee's learning record, their competency profile): one
//! round trip instead of one per table.
//!
//! The text has a `?` where each bind goes, in order (a value used twice is bound twice);
//! Diesel writes each backend's own placeholder there. Unlike `sql_query`, which is parsed and
//! planned on every call, a fixed statement has a static query id, so each connection prepares
//! it once and keeps it in Diesel's statement cache. On PostgreSQL [`load`] reads it on the
//! asynchronous read path (`db::reader`), as the single-row reads are.

use std::marker::PhantomData;

use chrono::NaiveDate;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Date, Integer, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use super::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// A fixed SQL text: the type names the statement in the cache.
pub trait Sql: 'static {
    const SQL: &'static str;
}

/// One bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    BigInt(i64),
    Integer(i32),
    Date(NaiveDate),
    Text(&'static str),
}

/// The statement `K` with its binds, loaded with `load::<Row>` into a `QueryableByName` row.
pub struct Fixed<K> {
    binds: Vec<Bind>,
    sql: PhantomData<K>,
}

impl<K: Sql> Fixed<K> {
    pub fn new(binds: Vec<Bind>) -> Fixed<K> {
        debug_assert_eq!(K::SQL.matches('?').count(), binds.len(), "{}", K::SQL);
        Fixed {
            binds,
            sql: PhantomData,
        }
    }
}

impl<K: Sql> QueryId for Fixed<K> {
    type QueryId = K;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<K> Query for Fixed<K> {
    type SqlType = Untyped;
}

impl<K> RunQueryDsl<AnyConnection> for Fixed<K> {}

impl<K: Sql> QueryFragment<Backend> for Fixed<K> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        let mut binds = self.binds.iter();
        for (i, piece) in K::SQL.split('?').enumerate() {
            if i > 0 {
                match binds.next() {
                    Some(Bind::BigInt(v)) => out.push_bind_param::<BigInt, _>(v)?,
                    Some(Bind::Integer(v)) => out.push_bind_param::<Integer, _>(v)?,
                    Some(Bind::Date(v)) => out.push_bind_param::<Date, _>(v)?,
                    Some(Bind::Text(v)) => out.push_bind_param::<Text, _>(*v)?,
                    None => {
                        return Err(diesel::result::Error::QueryBuilderError(
                            format!("{} has more marks than binds", std::any::type_name::<K>())
                                .into(),
                        ))
                    }
                }
            }
            out.push_sql(piece);
        }
        Ok(())
    }
}

impl Bind {
    fn pg(&self) -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
        match self {
            Bind::BigInt(v) => Box::new(*v),
            Bind::Integer(v) => Box::new(*v),
            Bind::Date(v) => Box::new(*v),
            Bind::Text(v) => Box::new(*v),
        }
    }
}

/// The rows of `K` with `binds`: on PostgreSQL's asynchronous read path when there is one (no
/// hand-off to a blocking thread, statements pipelined on the worker's connection; each row
/// comes as JSON, which serde reads into the same row type), else on the pool.
pub async fn load<K, R>(state: &AppState, binds: Vec<Bind>) -> ApiResult<Vec<R>>
where
    K: Sql,
    R: diesel::QueryableByName<Backend> + serde::de::DeserializeOwned + Send + 'static,
{
    let Some(reader) = &state.reader else {
        return crate::web::db(&state.pool, move |c| {
            Ok(Fixed::<K>::new(binds).load::<R>(c)?)
        })
        .await;
    };
    let params: Vec<_> = binds.iter().map(Bind::pg).collect();
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        params.iter().map(|p| &**p as _).collect();
    let name = std::any::type_name::<K>();
    reader
        .texts(name, pg_rows::<K>, &params)
        .await?
        .iter()
        .map(|row| {
            serde_json::from_str(row)
                .map_err(|e| ApiError::Internal(format!("{name} does not read: {e}")))
        })
        .collect()
}

/// `K` for PostgreSQL with `$n` placeholders, each row as one JSON text column. A projection
/// of the statement's rows keeps their order.
fn pg_rows<K: Sql>() -> String {
    let mut sql = String::with_capacity(K::SQL.len() + 64);
    for (i, piece) in K::SQL.split('?').enumerate() {
        if i > 0 {
            sql.push_str(&format!("${i}"));
        }
        sql.push_str(piece);
    }
    format!("SELECT row_to_json(r)::text FROM ({sql}) r")
}
