//! `?q=`: case-insensitive containment of the text in any of a list's text columns, answered
//! from an index on both backends, with the same rows on both:
//! - PostgreSQL: `lower(column) LIKE '%text%'`, which the `pg_trgm` GIN indexes on
//!   `lower(column)` serve (migration 29; without the extension it is a scan, same rows);
//! - SQLite: the FTS5 trigram table `<table>_search` kept by triggers (migration 29), asked for
//!   the text as a phrase: a trigram phrase is a substring. Texts shorter than a trigram match
//!   with `LIKE`, as PostgreSQL's trigram index cannot serve them either.
//!
//! The text's wildcards are literal on both (escaped in `LIKE`, quoted in the phrase).

use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::QueryResult;

use super::{contains_pattern, Backend, MultiBackend};

/// The filter `?q=` puts on a list of `table`, over `columns` (its searched text columns).
#[derive(Debug, Clone)]
pub struct Contains {
    table: &'static str,
    columns: &'static [&'static str],
    /// The `LIKE` pattern, lower-cased and escaped.
    pattern: String,
    /// The FTS5 phrase (SQLite), when the text is long enough for trigrams.
    phrase: Option<String>,
}

impl Contains {
    pub fn new(table: &'static str, columns: &'static [&'static str], text: &str) -> Contains {
        Contains {
            table,
            columns,
            pattern: contains_pattern(text),
            phrase: (text.chars().count() >= 3)
                .then(|| format!("\"{}\"", text.replace('"', "\"\""))),
        }
    }
}

impl Expression for Contains {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for Contains {}

impl<QS> SelectableExpression<QS> for Contains {}

impl ValidGrouping<()> for Contains {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Contains {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Backend> for Contains {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        if let (MultiBackend::Sqlite(_), Some(phrase)) = (out.backend(), &self.phrase) {
            out.push_sql("(");
            out.push_identifier(self.table)?;
            out.push_sql(".id IN (SELECT rowid FROM ");
            out.push_identifier(&format!("{}_search", self.table))?;
            out.push_sql(" WHERE ");
            out.push_identifier(&format!("{}_search", self.table))?;
            out.push_sql(" MATCH ");
            out.push_bind_param::<Text, _>(phrase)?;
            out.push_sql("))");
            return Ok(());
        }
        out.push_sql("(");
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push_sql(" OR ");
            }
            out.push_sql("lower(");
            out.push_identifier(self.table)?;
            out.push_sql(".");
            out.push_identifier(column)?;
            out.push_sql(") LIKE ");
            out.push_bind_param::<Text, _>(&self.pattern)?;
            out.push_sql(" ESCAPE '\\'");
        }
        out.push_sql(")");
        Ok(())
    }
}
