//! The yearly JP standing, kept (migration 36): per active employee and kept year what the
//! target rule (`exemptions::target`) needs to judge their year — unit, ASN type, months active
//! and JP — and who they are (NIP, name) in `jp_people`, and in `jp_groups` how many people of a unit share each (type,
//! months, JP). The summary and `jp-compliance` judge the groups, a few thousand rows, instead
//! of every person. The rule is applied when they are read, so the JP settings invalidate
//! nothing here; months active are worked out by the rule's own `months_active`.
//!
//! Only the years in `jp_years` are kept: those with JP when the aggregates were rebuilt and
//! the current one (added by [`keep_year`] at the turn of the year). A report on another year
//! reads the source rows ([`kept`] says which).

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::{chunked, lock, Kept};
use crate::db::AnyConnection;
use crate::employees::model::AsnType;
use crate::exemptions::target::months_active;
use crate::types::EmployeeId;

/// What a person's year is judged on, and the key of their group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, QueryableByName)]
pub struct Group {
    #[diesel(sql_type = BigInt)]
    pub unit_id: i64,
    #[diesel(sql_type = Text)]
    pub asn_type: AsnType,
    #[diesel(sql_type = Integer)]
    pub months_active: i32,
    #[diesel(sql_type = BigInt)]
    pub jp: i64,
}

impl Group {
    /// `unit_id, 'asn_type', months_active, jp` as SQL values: typed integers and an enum's
    /// text, never client text.
    fn values(&self) -> String {
        format!(
            "{}, '{}', {}, {}",
            self.unit_id,
            self.asn_type.as_str(),
            self.months_active,
            self.jp
        )
    }

    /// This group's rows of `jp_people` or `jp_groups`.
    fn condition(&self) -> String {
        format!(
            "((unit_id, asn_type, months_active, jp) = ({}))",
            self.values()
        )
    }

    /// Its advisory lock key (`lock` keeps 56 bits): two keys sharing one only wait for each
    /// other.
    fn lock_key(&self, year: i32) -> i64 {
        (i64::from(year & 0x3FF) << 46)
            | ((self.unit_id & 0xFF_FFFF) << 22)
            | (i64::from(self.asn_type == AsnType::Pppk) << 21)
            | (i64::from(self.months_active & 0xF) << 17)
            | (self.jp & 0x1_FFFF)
    }
}

#[derive(QueryableByName)]
struct Person {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    unit_id: i64,
    #[diesel(sql_type = Text)]
    asn_type: AsnType,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    appointed_on: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct Credited {
    #[diesel(sql_type = BigInt)]
    employee_id: i64,
    #[diesel(sql_type = BigInt)]
    jp: i64,
}

#[derive(QueryableByName)]
struct Year {
    #[diesel(sql_type = Integer)]
    year: i32,
}

/// The kept years, earliest first.
fn years(conn: &mut AnyConnection) -> QueryResult<Vec<i32>> {
    let rows: Vec<Year> =
        diesel::sql_query("SELECT year FROM jp_years ORDER BY year").load(conn)?;
    Ok(rows.into_iter().map(|y| y.year).collect())
}

/// Whether `year` is kept: its standing can be read from the groups.
pub fn kept(conn: &mut AnyConnection, year: i32) -> QueryResult<bool> {
    let rows: Vec<Year> =
        diesel::sql_query(format!("SELECT year FROM jp_years WHERE year = {year}")).load(conn)?;
    Ok(!rows.is_empty())
}

/// Recomputes the kept standing of these employees (`None`: everyone) in every kept year.
pub(super) fn refresh(conn: &mut AnyConnection, employees: Option<&[i64]>) -> QueryResult<()> {
    let years = years(conn)?;
    if years.is_empty() {
        return Ok(());
    }
    lock(conn, Kept::Targets, employees)?;
    for year in years {
        refresh_year(conn, employees, year)?;
    }
    Ok(())
}

/// Keeps `year` from now on, computed for everyone (at the turn of a year).
pub(super) fn add_year(conn: &mut AnyConnection, year: i32) -> QueryResult<()> {
    lock(conn, Kept::Targets, None)?;
    if kept(conn, year)? {
        return Ok(());
    }
    conn.batch_execute(&format!("INSERT INTO jp_years (year) VALUES ({year})"))?;
    refresh_year(conn, None, year)
}

/// Keeps every year with JP and the current one, each computed afresh (a full rebuild).
pub(super) fn rebuild(conn: &mut AnyConnection) -> QueryResult<()> {
    lock(conn, Kept::Targets, None)?;
    let this_year = crate::types::today().year();
    conn.batch_execute(&format!(
        "INSERT INTO jp_years (year) SELECT DISTINCT year FROM employee_jp \
           WHERE year NOT IN (SELECT year FROM jp_years); \
         INSERT INTO jp_years (year) SELECT {this_year} WHERE {this_year} NOT IN (SELECT year FROM jp_years);"
    ))?;
    for year in years(conn)? {
        refresh_year(conn, None, year)?;
    }
    Ok(())
}

fn refresh_year(conn: &mut AnyConnection, ids: Option<&[i64]>, year: i32) -> QueryResult<()> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(());
    };
    let mut people: Vec<Person> = Vec::new();
    let mut credited: HashMap<i64, i64> = HashMap::new();
    let mut before: BTreeSet<Group> = BTreeSet::new();
    for (_, new) in chunked(ids, "employee_id", "id") {
        people.extend(
            diesel::sql_query(format!(
                "SELECT id, unit_id, asn_type, appointed_on FROM employees \
                 WHERE active = TRUE AND {new}"
            ))
            .load::<Person>(conn)?,
        );
    }
    for (old, _) in chunked(ids, "employee_id", "id") {
        let jp: Vec<Credited> = diesel::sql_query(format!(
            "SELECT employee_id, CAST(jp AS BIGINT) AS jp FROM employee_jp \
             WHERE year = {year} AND {old}"
        ))
        .load(conn)?;
        credited.extend(jp.into_iter().map(|c| (c.employee_id, c.jp)));
        if ids.is_some() {
            before.extend(
                diesel::sql_query(format!(
                    "SELECT DISTINCT unit_id, asn_type, months_active, CAST(jp AS BIGINT) AS jp \
                     FROM jp_people WHERE year = {year} AND {old}"
                ))
                .load::<Group>(conn)?,
            );
        }
        conn.batch_execute(&format!(
            "DELETE FROM jp_people WHERE year = {year} AND {old}"
        ))?;
    }
    let ids_typed: Option<Vec<EmployeeId>> =
        ids.map(|i| i.iter().copied().map(EmployeeId).collect());
    let exemptions = crate::exemptions::queries::periods(conn, ids_typed.as_deref(), first, last)?;
    let mut after: BTreeSet<Group> = BTreeSet::new();
    for chunk in people.chunks(1000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|p| {
                let periods = exemptions
                    .get(&EmployeeId(p.id))
                    .map_or(&[][..], Vec::as_slice);
                let group = Group {
                    unit_id: p.unit_id,
                    asn_type: p.asn_type,
                    months_active: months_active(year, p.appointed_on, periods),
                    jp: credited.get(&p.id).copied().unwrap_or(0),
                };
                after.insert(group);
                format!("({}, {year}, {})", p.id, group.values())
            })
            .collect();
        // NIP and name come from the employees table, never into the SQL text.
        conn.batch_execute(&format!(
            "INSERT INTO jp_people (employee_id, year, unit_id, asn_type, months_active, jp, nip, name) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, e.nip, e.name \
             FROM (VALUES {}) v JOIN employees e ON e.id = v.column1",
            rows.join(", ")
        ))?;
    }
    const COUNT: &str =
        "SELECT year, unit_id, asn_type, months_active, jp, COUNT(*) FROM jp_people";
    const INTO: &str = "INSERT INTO jp_groups (year, unit_id, asn_type, months_active, jp, people)";
    const BY: &str = "GROUP BY year, unit_id, asn_type, months_active, jp";
    if ids.is_none() {
        return conn.batch_execute(&format!(
            "DELETE FROM jp_groups WHERE year = {year}; {INTO} {COUNT} WHERE year = {year} {BY};"
        ));
    }
    // The groups the people left and joined, counted again from the people kept.
    let groups: Vec<Group> = before.union(&after).copied().collect();
    let keys: Vec<i64> = groups.iter().map(|g| g.lock_key(year)).collect();
    lock(conn, Kept::JpGroups, Some(&keys))?;
    for chunk in groups.chunks(100) {
        let any: Vec<String> = chunk.iter().map(Group::condition).collect();
        let any = any.join(" OR ");
        conn.batch_execute(&format!(
            "DELETE FROM jp_groups WHERE year = {year} AND ({any}); \
             {INTO} {COUNT} WHERE year = {year} AND ({any}) {BY};"
        ))?;
    }
    Ok(())
}

/// The kept groups of `year` in these units (`None`: every unit).
pub fn groups(
    conn: &mut AnyConnection,
    year: i32,
    units: Option<&[i64]>,
) -> QueryResult<Vec<(Group, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        group: Group,
        #[diesel(sql_type = BigInt)]
        people: i64,
    }
    let units = match units {
        None => String::new(),
        Some([]) => " AND 1 = 0".into(),
        Some(ids) => format!(" AND unit_id IN ({})", crate::db::id_list(ids)),
    };
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT unit_id, asn_type, months_active, CAST(jp AS BIGINT) AS jp, \
           CAST(people AS BIGINT) AS people FROM jp_groups WHERE year = {year}{units}"
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.group, r.people)).collect())
}

/// The people of `year` in these groups, with their NIP and name.
pub fn people_in(
    conn: &mut AnyConnection,
    year: i32,
    groups: &[Group],
) -> QueryResult<Vec<(Group, Identity)>> {
    #[derive(QueryableByName)]
    struct Row {
        /// The group's place in its chunk.
        #[diesel(sql_type = BigInt)]
        nth: i64,
        #[diesel(embed)]
        person: Identity,
    }
    let mut out = Vec::new();
    // The groups as a table joined on the kept people's index: one OR per group took ~2 ms a
    // group at 200k employees. CROSS JOIN keeps SQLite to that order (it scanned the people
    // instead: 190 ms at 20k, against 9 ms). Each row names its group by its place in the
    // list rather than by its four columns (40k people below target at 200k employees).
    for chunk in groups.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(nth, g)| format!("({}, {nth})", g.values()))
            .collect();
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT CAST(g.column5 AS BIGINT) AS nth, p.employee_id AS employee_id, p.nip AS nip, p.name AS name \
             FROM (VALUES {}) g CROSS JOIN jp_people p WHERE p.year = {year} AND p.unit_id = g.column1 \
               AND p.asn_type = g.column2 AND p.months_active = g.column3 AND p.jp = g.column4",
            values.join(", ")
        ))
        .load(conn)?;
        out.extend(rows.into_iter().filter_map(|r| {
            let group = usize::try_from(r.nth).ok().and_then(|n| chunk.get(n))?;
            Some((*group, r.person))
        }));
    }
    Ok(out)
}

/// Who a person is, as the reports name them.
#[derive(Debug, Clone, QueryableByName)]
pub struct Identity {
    #[diesel(sql_type = BigInt)]
    pub employee_id: i64,
    #[diesel(sql_type = Text)]
    pub nip: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}
