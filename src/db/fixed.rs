//! Statements whose SQL is one fixed text for both backends, for the reads that gather several
//! tables in one statement (an employee's learning record, their competency profile): one
//! round trip instead of one per table.
//!
//! The text has a `?` where each bind goes, in order (a value used twice is bound twice);
//! Diesel writes each backend's own placeholder there. Unlike `sql_query`, which is parsed and
//! planned on every call, a fixed statement has a static query id, so each connection prepares
//! it once and keeps it in Diesel's statement cache.

use std::marker::PhantomData;

use chrono::NaiveDate;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Date, Integer, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use super::{AnyConnection, Backend};

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
