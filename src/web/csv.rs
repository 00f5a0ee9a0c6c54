//! CSV twins of reports and exports: the JSON rows flattened to fixed columns.
//!
//! The columns of a row type are the properties of its OpenAPI schema, nested objects
//! flattened (`aspects.method.mean` → `aspects_method_mean`), so a CSV twin follows the
//! documented JSON field for field and an empty report still has its header row.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::{AnyConnection, DbPool};
use crate::error::{ApiError, ApiResult};

mod cells;
use cells::Cells;

crate::text_enum! {
    pub enum Format {
        Json = "json",
        Csv = "csv",
    }
}

/// CSV when `format=csv`, or when no format is given and `Accept` asks for text/csv. (Both are
/// kept for older clients; the documented way is the `.csv` twin.)
pub fn wants_csv(req: &HttpRequest, format: Option<Format>) -> bool {
    match format {
        Some(Format::Csv) => true,
        Some(Format::Json) => false,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    }
}

/// A row of a CSV twin.
pub trait CsvRow: Serialize + ToSchema {
    /// The keys of map-valued fields (`("aspects", &ASPECTS)`): a map's schema names none.
    const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] = &[];
}

/// The columns of `T`, each as its path into the JSON row.
pub fn columns<T: CsvRow>() -> Vec<Vec<String>> {
    let mut named = Vec::new();
    T::schemas(&mut named);
    let components: HashMap<String, Value> = named
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    let root = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let mut walk = Walk {
        components: &components,
        map_keys: T::MAP_KEYS,
        path: Vec::new(),
        out: &mut out,
    };
    walk.visit(&root);
    out
}

struct Walk<'a> {
    components: &'a HashMap<String, Value>,
    map_keys: &'static [(&'static str, &'static [&'static str])],
    path: Vec<String>,
    out: &'a mut Vec<Vec<String>>,
}

impl Walk<'_> {
    fn visit(&mut self, schema: &Value) {
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .and_then(|name| self.components.get(name))
        {
            return self.visit(target);
        }
        // A flattened struct (`#[serde(flatten)]`) is `allOf`: its columns, then the others.
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                self.visit(part);
            }
            return;
        }
        // `Option<Struct>` is `oneOf: [null, Struct]`: the columns are the struct's.
        if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
            if let Some(some) = variants
                .iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"))
            {
                return self.visit(some);
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                self.nested(name, property);
            }
            return;
        }
        let here = self.path.join(".");
        if let (Some(values), Some((_, keys))) = (
            schema.get("additionalProperties"),
            self.map_keys.iter().find(|(field, _)| *field == here),
        ) {
            for key in *keys {
                self.nested(key, values);
            }
            return;
        }
        self.out.push(self.path.clone());
    }

    fn nested(&mut self, name: &str, schema: &Value) {
        self.path.push(name.to_string());
        self.visit(schema);
        self.path.pop();
    }
}

/// A cell a spreadsheet would run as a formula is prefixed with `'` (formula injection).
/// Numbers are left as they are: `-3.5` is a value, not a formula.
fn text_cell(s: &str) -> String {
    let mut cell = String::with_capacity(s.len() + 1);
    push_text_cell(&mut cell, s);
    cell
}

/// [`text_cell`], appended to `out`.
fn push_text_cell(out: &mut String, s: &str) {
    if let Some('=' | '+' | '-' | '@' | '\t' | '\r') = s.chars().next() {
        out.push('\'');
    }
    out.push_str(s);
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => text_cell(s),
        Some(Value::Array(items)) => text_cell(
            &items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Some(other) => other.to_string(),
    }
}

fn lookup<'v>(row: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(row, |v, key| v.get(key))
}

/// A row's cells by the definition: the row as JSON, each column looked up in it. (What
/// [`cells`] writes faster, and what it falls back to.)
fn value_cells<T: Serialize>(columns: &[Vec<String>], row: &T) -> ApiResult<Vec<String>> {
    let value = serde_json::to_value(row).map_err(to_internal)?;
    Ok(columns
        .iter()
        .map(|path| cell(lookup(&value, path)))
        .collect())
}

/// The columns of a row type and the encoding of its rows, for a twin built whole or streamed.
struct Encoder {
    columns: Vec<Vec<String>>,
}

fn to_internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

impl Encoder {
    fn new<T: CsvRow>() -> Self {
        Encoder {
            columns: columns::<T>(),
        }
    }

    fn header(&self) -> ApiResult<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(self.columns.iter().map(|path| path.join("_")))
            .map_err(to_internal)?;
        writer.into_inner().map_err(to_internal)
    }

    fn rows<T: Serialize>(&self, rows: &[T]) -> ApiResult<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut cells = Cells::new(&self.columns);
        for row in rows {
            self.write(&mut writer, &mut cells, row)?;
        }
        writer.into_inner().map_err(to_internal)
    }

    /// `row`'s cells: as [`Cells`] writes them, or by the definition ([`value_cells`]) where it
    /// does not.
    fn cells<'c, T: Serialize>(
        &self,
        cells: &'c mut Cells,
        row: &T,
    ) -> ApiResult<Cow<'c, [String]>> {
        Ok(if cells.fill(row) {
            Cow::Borrowed(&cells.cells)
        } else {
            Cow::Owned(value_cells(&self.columns, row)?)
        })
    }

    /// Appends `row`'s line.
    fn write<T: Serialize>(
        &self,
        writer: &mut csv::Writer<Vec<u8>>,
        cells: &mut Cells,
        row: &T,
    ) -> ApiResult<()> {
        writer
            .write_record(self.cells(cells, row)?.iter())
            .map_err(to_internal)
    }
}

/// A CSV document written row by row as the rows are read, so a large report's rows need not
/// all be held before it is written: the header, then a line per row, as [`csv_bytes`] writes
/// them.
pub struct CsvDocument<T> {
    encoder: Encoder,
    cells: Cells,
    writer: csv::Writer<Vec<u8>>,
    row: std::marker::PhantomData<fn(&T)>,
}

impl<T: CsvRow> CsvDocument<T> {
    pub fn new() -> ApiResult<Self> {
        let encoder = Encoder::new::<T>();
        let writer = csv::Writer::from_writer(encoder.header()?);
        Ok(CsvDocument {
            cells: Cells::new(&encoder.columns),
            encoder,
            writer,
            row: std::marker::PhantomData,
        })
    }

    pub fn push(&mut self, row: &T) -> ApiResult<()> {
        self.encoder.write(&mut self.writer, &mut self.cells, row)
    }

    pub fn finish(self) -> ApiResult<Vec<u8>> {
        self.writer.into_inner().map_err(to_internal)
    }
}

/// Lines cut around one column, whose cell is written only when the line is: for rows kept in
/// the database less a field that moves apart from them (the kept training evaluation's
/// unaddressed flags, which improvement actions move), so that a twin of kept rows is their
/// lines joined rather than each row read back and encoded (`reports::evaluation::kept_csv`).
/// A line cut and joined is the line [`CsvDocument::push`] writes for the whole row.
pub struct Cut<T> {
    encoder: Encoder,
    cells: Cells,
    /// The column's index.
    at: usize,
    /// The column's cell of the line being joined.
    cell: String,
    row: std::marker::PhantomData<fn(&T)>,
}

impl<T: CsvRow> Cut<T> {
    /// Cuts around the column headed `name` (an unknown one is the caller's bug: an error).
    pub fn new(name: &str) -> ApiResult<Self> {
        let encoder = Encoder::new::<T>();
        let at = encoder
            .columns
            .iter()
            .position(|path| path.join("_") == name)
            .ok_or_else(|| to_internal(format!("no CSV column {name}")))?;
        Ok(Cut {
            cells: Cells::new(&encoder.columns),
            encoder,
            at,
            cell: String::new(),
            row: std::marker::PhantomData,
        })
    }

    /// `row`'s line less the column's cell: the text before that cell (up to the delimiter
    /// before it) and after it (from the delimiter after it, with the line's end).
    pub fn cut(&mut self, row: &T) -> ApiResult<(String, String)> {
        let cells = self.encoder.cells(&mut self.cells, row)?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut start = 0;
        for (i, cell) in cells.iter().enumerate() {
            if i == self.at {
                // An empty cell is written as nothing: the cut starts after its delimiter.
                writer.write_field("").map_err(to_internal)?;
                writer.flush().map_err(to_internal)?;
                start = writer.get_ref().len();
            } else {
                writer.write_field(cell).map_err(to_internal)?;
            }
        }
        writer.write_record(None::<&[u8]>).map_err(to_internal)?;
        let mut before =
            String::from_utf8(writer.into_inner().map_err(to_internal)?).map_err(to_internal)?;
        let after = before.split_off(start);
        Ok((before, after))
    }

    /// The header row of the document the lines make.
    pub fn header(&self) -> ApiResult<Vec<u8>> {
        self.encoder.header()
    }

    /// Appends to `out` the line cut into `before` and `after`, with `value` as the column's
    /// cell.
    pub fn join<V: Serialize>(
        &mut self,
        out: &mut Vec<u8>,
        before: &str,
        value: &V,
        after: &str,
    ) -> ApiResult<()> {
        if !cells::leaf(&mut self.cell, value) {
            self.cell = cell(Some(&serde_json::to_value(value).map_err(to_internal)?));
        }
        out.extend_from_slice(before.as_bytes());
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(2 * self.cell.len() + 2)
            .from_writer(&mut *out);
        // A quoted cell is closed by what follows it: the delimiter after it, taken off again
        // (`after` starts with it).
        writer.write_field(&self.cell).map_err(to_internal)?;
        writer.write_field("").map_err(to_internal)?;
        writer.flush().map_err(to_internal)?;
        drop(writer);
        out.pop();
        out.extend_from_slice(after.as_bytes());
        Ok(())
    }
}

/// The head of a CSV response sent as the download `<name>.csv`.
pub fn download(name: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ));
    res
}

/// `rows` as an RFC 4180 document: the header row, then a line per row.
pub fn csv_bytes<T: CsvRow>(rows: &[T]) -> ApiResult<Vec<u8>> {
    let mut document = CsvDocument::new()?;
    for row in rows {
        document.push(row)?;
    }
    document.finish()
}

/// A CSV twin sent while it is read, for exports of any size: `next(conn, cursor)` gives the
/// rows from `cursor` on and the cursor of the rest (`None` after the last chunk). Each chunk is
/// read on a connection of its own, only when the client has taken the previous one, so memory
/// stays at one chunk per download and a slow reader holds no connection.
pub fn csv_stream<T, K, F>(name: &str, pool: DbPool, first: K, next: F) -> ApiResult<HttpResponse>
where
    T: CsvRow + Send + 'static,
    K: Send + 'static,
    F: Fn(&mut AnyConnection, K) -> ApiResult<(Vec<T>, Option<K>)> + Send + Sync + 'static,
{
    use futures_util::StreamExt;
    let encoder = std::sync::Arc::new(Encoder::new::<T>());
    let header = Bytes::from(encoder.header()?);
    let next = std::sync::Arc::new(next);
    let file: std::sync::Arc<str> = name.into();
    let chunks = futures_util::stream::unfold(Some(first), move |cursor| {
        let (pool, next, encoder, file) =
            (pool.clone(), next.clone(), encoder.clone(), file.clone());
        async move {
            let cursor = cursor?;
            let read = crate::web::db(&pool, move |c| next(c, cursor)).await;
            Some(
                match read.and_then(|(rows, rest)| Ok((encoder.rows(&rows)?, rest))) {
                    Ok((bytes, rest)) => (Ok(Bytes::from(bytes)), rest),
                    Err(e) => {
                        // The status line is sent: the client sees the download cut short.
                        log::error!("download of {file}.csv cut short: {e}");
                        (Err(e), None)
                    }
                },
            )
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, ApiError>(header) }).chain(chunks);
    Ok(download(name).streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, ToSchema)]
    struct Inner {
        mean: f64,
        share: Option<f64>,
    }

    #[derive(Serialize, ToSchema)]
    struct Row {
        name: String,
        tags: Vec<String>,
        inner: Option<Inner>,
        by_kind: BTreeMap<String, Inner>,
        gain: Option<f64>,
    }

    impl CsvRow for Row {
        const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] =
            &[("by_kind", &["a", "b"])];
    }

    fn body(rows: &[Row]) -> String {
        String::from_utf8(csv_bytes(rows).unwrap()).unwrap()
    }

    #[test]
    fn columns_are_fixed_and_cells_cannot_be_formulas() {
        assert_eq!(
            body(&[]),
            "name,tags,inner_mean,inner_share,by_kind_a_mean,by_kind_a_share,\
             by_kind_b_mean,by_kind_b_share,gain\n"
        );
        let row = Row {
            name: "=HYPERLINK(\"x\")".into(),
            tags: vec!["-a".into(), "b".into()],
            inner: None,
            by_kind: [(
                "b".to_string(),
                Inner {
                    mean: 2.5,
                    share: None,
                },
            )]
            .into(),
            gain: Some(-3.5),
        };
        assert_eq!(
            body(&[row]).lines().nth(1).unwrap(),
            "\"'=HYPERLINK(\"\"x\"\")\",'-a;b,,,,,2.5,,-3.5"
        );
    }

    #[test]
    fn a_line_cut_and_joined_is_the_line_of_the_whole_row() {
        let rows = [
            Row {
                name: "a, \"quoted\"\nname".into(),
                tags: vec!["x,y".into(), "=z".into()],
                inner: Some(Inner {
                    mean: 1.5,
                    share: None,
                }),
                by_kind: BTreeMap::new(),
                gain: None,
            },
            Row {
                name: String::new(),
                tags: Vec::new(),
                inner: None,
                by_kind: [(
                    "a".to_string(),
                    Inner {
                        mean: -2.0,
                        share: Some(0.25),
                    },
                )]
                .into(),
                gain: Some(3.0),
            },
        ];
        let whole = body(&rows);
        for column in whole.lines().next().unwrap().split(',') {
            let mut cut = Cut::<Row>::new(column).unwrap();
            let mut joined = cut.header().unwrap();
            for row in &rows {
                let (before, after) = cut.cut(row).unwrap();
                // The cell written when joined: the row's own, from its JSON.
                let value = serde_json::to_value(row).unwrap();
                let path: Vec<String> = columns::<Row>()
                    .into_iter()
                    .find(|p| p.join("_") == column)
                    .unwrap();
                let cell = lookup(&value, &path).cloned().unwrap_or(Value::Null);
                cut.join(&mut joined, &before, &cell, &after).unwrap();
            }
            assert_eq!(String::from_utf8(joined).unwrap(), whole, "cut at {column}");
        }
        assert!(Cut::<Row>::new("nothing").is_err());
    }
}
