//! A row's CSV cells written straight from its serialization, into buffers kept from row to
//! row: the flattening `web::csv` defines, without building the row as a `serde_json::Value`
//! first and looking each column up in it (at 20k rows of the training evaluation that was
//! most of the time its CSV took: a map per object, a string per key and per cell).
//!
//! Only the common shapes are written here: structs and maps down to a column, and at a column
//! a scalar, an enum's name or a list of them. Anything else (a nested object where a column
//! ends, a map keyed by something that is not text) makes [`Cells::fill`] answer `false`, and
//! the caller encodes that row through the `Value` (`super::cell`), whose result is the
//! definition this must equal (`tests::fast_cells_equal_the_value_path`).

use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

/// The cells of one row at a time.
pub(super) struct Cells {
    /// Each column by its path, the keys joined with `.`.
    index: HashMap<String, usize>,
    /// The paths that lead to columns without being one (`aspects`, `aspects.method`).
    inner: HashSet<String>,
    pub(super) cells: Vec<String>,
    /// The members met in the last row, in turn, with where each led: rows of one type meet
    /// them in the same order, so the next row compares its path with the one met at its turn
    /// rather than hashing it twice.
    met: Vec<(String, Place)>,
    /// How many members this row has met so far.
    turn: usize,
}

/// Where a member leads.
#[derive(Clone, Copy)]
enum Place {
    Column(usize),
    Inner,
    Nowhere,
}

impl Cells {
    pub(super) fn new(columns: &[Vec<String>]) -> Self {
        let mut inner = HashSet::new();
        for path in columns {
            for n in 1..path.len() {
                inner.insert(path[..n].join("."));
            }
        }
        Cells {
            index: columns
                .iter()
                .enumerate()
                .map(|(i, path)| (path.join("."), i))
                .collect(),
            inner,
            cells: vec![String::new(); columns.len()],
            met: Vec::new(),
            turn: 0,
        }
    }

    /// Where the member at `path` leads.
    fn place(&mut self, path: &str) -> Place {
        let turn = self.turn;
        self.turn += 1;
        if let Some((met, place)) = self.met.get(turn) {
            if met == path {
                return *place;
            }
        }
        let place = match self.index.get(path) {
            Some(&i) => Place::Column(i),
            None if self.inner.contains(path) => Place::Inner,
            None => Place::Nowhere,
        };
        self.met.truncate(turn);
        self.met.push((path.to_string(), place));
        place
    }

    /// Writes `row`'s cells; `false` when it has a shape this does not write (the cells are
    /// then left half-written).
    pub(super) fn fill<T: Serialize + ?Sized>(&mut self, row: &T) -> bool {
        for cell in &mut self.cells {
            cell.clear();
        }
        self.turn = 0;
        let mut path = String::new();
        row.serialize(Node {
            cells: self,
            path: &mut path,
        })
        .is_ok()
    }

    /// The member `key` of the object at `path`: its cell, its members, or nothing.
    fn member<T: Serialize + ?Sized>(
        &mut self,
        path: &mut String,
        key: &str,
        value: &T,
    ) -> Result<(), Unwritten> {
        let len = path.len();
        if len > 0 {
            path.push('.');
        }
        path.push_str(key);
        let done = match self.place(path) {
            Place::Column(i) => value.serialize(Leaf {
                out: &mut self.cells[i],
            }),
            Place::Inner => value.serialize(Node {
                cells: &mut *self,
                path: &mut *path,
            }),
            Place::Nowhere => Ok(()),
        };
        path.truncate(len);
        done
    }
}

/// Writes into `out` the cell of a column holding `value`; `false` for a shape this does not
/// write (`out` is then left half-written).
pub(super) fn leaf<T: Serialize + ?Sized>(out: &mut String, value: &T) -> bool {
    out.clear();
    value.serialize(Leaf { out }).is_ok()
}

/// A shape this does not write (the row goes through the `Value`).
#[derive(Debug)]
pub(super) struct Unwritten;

impl Display for Unwritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a shape written cell by cell")
    }
}

impl std::error::Error for Unwritten {}

impl ser::Error for Unwritten {
    fn custom<M: Display>(_: M) -> Self {
        Unwritten
    }
}

type Done = Result<(), Unwritten>;

/// Serializer methods that each answer the same, whatever they are given.
macro_rules! answering {
    ($answer:expr; $($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Done {
            $answer
        })*
    };
}

/// Serializer methods that answer `Unwritten`.
macro_rules! unwritten {
    ($($method:ident($($arg:ty),*);)*) => {
        answering!(Err(Unwritten); $($method($($arg),*);)*);
    };
}

/// The compound shapes a serializer does not write.
macro_rules! no_compounds {
    () => {
        type SerializeTuple = Impossible<(), Unwritten>;
        type SerializeTupleStruct = Impossible<(), Unwritten>;
        type SerializeTupleVariant = Impossible<(), Unwritten>;
        type SerializeStructVariant = Impossible<(), Unwritten>;

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unwritten> {
            Err(Unwritten)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Unwritten> {
            Err(Unwritten)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Unwritten> {
            Err(Unwritten)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Unwritten> {
            Err(Unwritten)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Done {
            Err(Unwritten)
        }
        unwritten! {
            serialize_bytes(&[u8]);
            serialize_i128(i128);
            serialize_u128(u128);
        }
    };
}

/// serde_json's own text of a float, as its `Value` prints it (written on the stack, not in a
/// `String` of its own); `false` when it is not finite (the `Value` holds `null`).
fn float(out: &mut String, v: f64) -> bool {
    use serde_json::ser::{CompactFormatter, Formatter};
    if !v.is_finite() {
        return false;
    }
    let mut buffer = [0u8; 40];
    let mut cursor = std::io::Cursor::new(&mut buffer[..]);
    if CompactFormatter.write_f64(&mut cursor, v).is_err() {
        return false;
    }
    let end = usize::try_from(cursor.position()).unwrap_or(0);
    out.push_str(std::str::from_utf8(&buffer[..end]).unwrap_or_default());
    true
}

/// The name serde_json's RawValue serializes itself under (a struct of one field, its text).
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// A newtype of serde_json's own is not written here.
fn raw_json(name: &str) -> Done {
    if name.starts_with("$serde_json") {
        return Err(Unwritten);
    }
    Ok(())
}

/// An object on the way to columns: its members are followed, anything else has no columns.
struct Node<'a> {
    cells: &'a mut Cells,
    path: &'a mut String,
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = Impossible<(), Unwritten>;
    type SerializeMap = NodeMap<'a>;
    type SerializeStruct = Self;

    no_compounds!();

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self, Unwritten> {
        raw_json(name)?;
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<NodeMap<'a>, Unwritten> {
        Ok(NodeMap {
            node: self,
            key: None,
        })
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> Done {
        raw_json(name)?;
        v.serialize(self)
    }
    // A scalar where an object was expected has no members: no cells.
    answering! {
        Ok(());
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unwritten> {
        Err(Unwritten)
    }
}

impl ser::SerializeStruct for Node<'_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.cells.member(self.path, key, value)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

/// A map on the way to columns: its keys name members as a struct's fields do.
struct NodeMap<'a> {
    node: Node<'a>,
    key: Option<String>,
}

impl ser::SerializeMap for NodeMap<'_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        let mut text = String::new();
        key.serialize(Item { out: &mut text })?;
        self.key = Some(text);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        let key = self.key.take().ok_or(Unwritten)?;
        self.node.cells.member(self.node.path, &key, value)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

/// What a column holds: a scalar, or a list joined with `;`; text is guarded against formulas.
struct Leaf<'a> {
    out: &'a mut String,
}

/// Integers written as their digits, as JSON prints them.
macro_rules! integers {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Done {
            use std::fmt::Write;
            write!(self.out, "{v}").map_err(|_| Unwritten)
        })*
    };
}

/// The scalar serializer methods of [`Leaf`] and [`Item`], which write a scalar as JSON
/// prints it (text as it is).
macro_rules! scalars {
    () => {
        fn serialize_bool(self, v: bool) -> Done {
            self.out.push_str(if v { "true" } else { "false" });
            Ok(())
        }
        integers!(
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64)
        );
        fn serialize_f32(self, v: f32) -> Done {
            self.serialize_f64(v.into())
        }
        fn serialize_char(self, v: char) -> Done {
            self.serialize_str(v.encode_utf8(&mut [0; 4]))
        }
        fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
            self.serialize_str(variant)
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Done {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            name: &'static str,
            v: &T,
        ) -> Done {
            raw_json(name)?;
            v.serialize(self)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unwritten> {
            Err(Unwritten)
        }
    };
}

impl<'a> ser::Serializer for Leaf<'a> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = Items<'a>;
    type SerializeMap = Impossible<(), Unwritten>;
    type SerializeStruct = RawLeaf<'a>;

    no_compounds!();
    scalars!();

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<RawLeaf<'a>, Unwritten> {
        if name != RAW_VALUE {
            return Err(Unwritten);
        }
        Ok(RawLeaf { out: self.out })
    }

    fn serialize_f64(self, v: f64) -> Done {
        // Not finite: `null`, an empty cell.
        float(self.out, v);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        super::push_text_cell(self.out, v);
        Ok(())
    }
    // Nothing: an empty cell.
    answering! {
        Ok(());
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>, Unwritten> {
        Ok(Items {
            out: self.out,
            joined: String::new(),
            first: true,
        })
    }
}

/// A list in a cell: its items joined with `;`, then guarded as one text.
struct Items<'a> {
    out: &'a mut String,
    joined: String,
    first: bool,
}

impl ser::SerializeSeq for Items<'_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        if !std::mem::take(&mut self.first) {
            self.joined.push(';');
        }
        value.serialize(Item {
            out: &mut self.joined,
        })
    }
    fn end(self) -> Done {
        super::push_text_cell(self.out, &self.joined);
        Ok(())
    }
}

/// An item of a list, or a map's key: text as it is, anything else as its JSON.
struct Item<'a> {
    out: &'a mut String,
}

impl ser::Serializer for Item<'_> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = Impossible<(), Unwritten>;
    type SerializeMap = Impossible<(), Unwritten>;
    type SerializeStruct = Impossible<(), Unwritten>;

    no_compounds!();
    scalars!();

    fn serialize_f64(self, v: f64) -> Done {
        if !float(self.out, v) {
            self.out.push_str("null");
        }
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        self.out.push_str(v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit(self) -> Done {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_none()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unwritten> {
        Err(Unwritten)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unwritten> {
        Err(Unwritten)
    }
}

/// serde_json's RawValue in a cell (kept JSON text, such as a training's comments): the text
/// read as the `Value` it is, then written as the `Value` path writes it.
struct RawLeaf<'a> {
    out: &'a mut String,
}

impl ser::SerializeStruct for RawLeaf<'_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Done {
        let mut text = String::new();
        value.serialize(Item { out: &mut text })?;
        // A list of texts (the common case) is joined as it is read; anything else as a Value.
        if let Ok(items) = serde_json::from_str::<Vec<std::borrow::Cow<str>>>(&text) {
            super::push_text_cell(self.out, &items.join(";"));
            return Ok(());
        }
        let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|_| Unwritten)?;
        self.out.push_str(&super::cell(Some(&parsed)));
        Ok(())
    }
    fn end(self) -> Done {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use utoipa::ToSchema;

    use super::super::{columns, value_cells, CsvRow};
    use super::Cells;

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        OneKind,
        Other,
    }

    #[derive(Serialize, ToSchema)]
    struct Id(i64);

    #[derive(Serialize, ToSchema)]
    struct Inner {
        mean: f64,
        share: Option<f64>,
        kind: Kind,
    }

    #[derive(Serialize, ToSchema)]
    struct Flat {
        flat_count: u32,
        flat_note: Option<String>,
    }

    #[derive(Serialize, ToSchema)]
    struct Row {
        id: Id,
        name: String,
        tags: Vec<String>,
        numbers: Vec<Option<f64>>,
        kinds: Vec<Kind>,
        inner: Option<Inner>,
        by_kind: BTreeMap<String, Inner>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gain: Option<f64>,
        #[serde(flatten)]
        flat: Flat,
        done: bool,
        small: i8,
        #[schema(value_type = Vec<String>)]
        kept: Box<serde_json::value::RawValue>,
    }

    impl CsvRow for Row {
        const MAP_KEYS: &'static [(&'static str, &'static [&'static str])] =
            &[("by_kind", &["a", "b", "c"])];
    }

    /// A column that ends at an object: written through the `Value` only.
    #[derive(Serialize, ToSchema)]
    struct Opaque {
        name: String,
        #[schema(value_type = Object)]
        extra: serde_json::Value,
    }

    impl CsvRow for Opaque {}

    fn inner(mean: f64, share: Option<f64>, kind: Kind) -> Inner {
        Inner { mean, share, kind }
    }

    fn raw(text: &str) -> Box<serde_json::value::RawValue> {
        serde_json::value::RawValue::from_string(text.to_string()).unwrap()
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                id: Id(7),
                name: "=HYPERLINK(\"x\")".into(),
                tags: vec!["-a".into(), "b,c".into()],
                numbers: vec![Some(1.0), None, Some(-0.25), Some(f64::NAN), Some(1e21)],
                kinds: vec![Kind::OneKind, Kind::Other],
                inner: None,
                by_kind: [("b".to_string(), inner(2.5, None, Kind::Other))].into(),
                gain: Some(-3.5),
                flat: Flat {
                    flat_count: 3,
                    flat_note: Some("@note".into()),
                },
                done: true,
                small: -1,
                kept: raw(r#"["=1", "b;c", 2]"#),
            },
            Row {
                id: Id(-8),
                name: "plain\nlines \"quoted\"".into(),
                tags: vec![],
                numbers: vec![],
                kinds: vec![],
                inner: Some(inner(f64::INFINITY, Some(0.1 + 0.2), Kind::OneKind)),
                by_kind: [
                    ("a".to_string(), inner(1.0, Some(0.5), Kind::OneKind)),
                    ("z".to_string(), inner(9.0, None, Kind::Other)),
                ]
                .into(),
                gain: None,
                flat: Flat {
                    flat_count: 0,
                    flat_note: None,
                },
                done: false,
                small: 0,
                kept: raw(r#"["a \"quoted\" \u00e9", "\n"]"#),
            },
        ]
    }

    #[test]
    fn fast_cells_equal_the_value_path() {
        let columns = columns::<Row>();
        let mut cells = Cells::new(&columns);
        for row in rows() {
            assert!(
                cells.fill(&row),
                "every shape of Row is written cell by cell"
            );
            assert_eq!(cells.cells, value_cells(&columns, &row).unwrap());
        }
    }

    #[test]
    fn an_object_where_a_column_ends_is_left_to_the_value_path() {
        let columns = columns::<Opaque>();
        let row = Opaque {
            name: "x".into(),
            extra: serde_json::json!({"a": 1}),
        };
        assert!(!Cells::new(&columns).fill(&row));
        assert_eq!(
            value_cells(&columns, &row).unwrap(),
            vec!["x".to_string(), "{\"a\":1}".to_string()]
        );
    }
}
