//! `jp-compliance` (and the summary's compliance rate): each person's year against the target
//! they are held to (`exemptions::target`), then the totals of every unit's whole subtree, so
//! an OPD's row includes its sub-units. PNS are measured against their effective target; PPPK
//! are counted apart (how many, how many over the cap).

use std::collections::HashMap;

use super::model::{BelowTarget, JpCompliance, UnitCompliance};
use super::queries::{self, Scope};
use crate::db::AnyConnection;
use crate::employees::model::AsnType;
use crate::error::ApiResult;
use crate::exemptions::target::{Standing, Target};
use crate::settings::model::Settings;
use crate::types::EmployeeId;

/// One person's year.
struct Person {
    row: queries::PersonJpRow,
    standing: Standing,
}

/// Each active person in scope with their standing in `year` (with their NIP and name, or not),
/// handed to `each` in turn.
fn standings(
    conn: &mut AnyConnection,
    settings: &Settings,
    s: &Scope,
    year: i32,
    names: queries::Names,
    mut each: impl FnMut(queries::PersonJpRow, Standing),
) -> ApiResult<()> {
    let rows = queries::people_jp(conn, s, names)?;
    let Some((first, last)) = crate::types::year_days(year) else {
        return Ok(());
    };
    let ids: Option<Vec<EmployeeId>> = s
        .units
        .as_ref()
        .map(|_| rows.iter().map(|r| EmployeeId(r.employee_id)).collect());
    let exemptions = crate::exemptions::queries::periods(conn, ids.as_deref(), first, last)?;
    for row in rows {
        let periods = exemptions
            .get(&EmployeeId(row.employee_id))
            .map_or(&[][..], Vec::as_slice);
        let standing = Target::of(
            settings.into(),
            row.asn_type,
            row.appointed_on,
            periods,
            year,
        )
        .standing(row.jp_total);
        each(row, standing);
    }
    Ok(())
}

/// The active people in scope with their NIP, name and standing in `year`.
fn people(
    conn: &mut AnyConnection,
    settings: &Settings,
    s: &Scope,
    year: i32,
) -> ApiResult<Vec<Person>> {
    let mut people = Vec::new();
    standings(
        conn,
        settings,
        s,
        year,
        queries::Names::Read,
        |row, standing| people.push(Person { row, standing }),
    )?;
    Ok(people)
}

/// Whether someone counts among `employees`/`compliant` (PNS) rather than apart (PPPK).
fn measured(asn_type: AsnType) -> bool {
    asn_type == AsnType::Pns
}

/// The summary's people: how many are active in scope, and of those measured (PNS) how many
/// are compliant in `year`. Counted as the rows are read, not listed first (200k people on
/// PostgreSQL: the summary's uncached median 429–439 → 305–332 ms).
pub struct Totals {
    pub people: i64,
    pub measured: i64,
    pub compliant: i64,
}

pub fn totals(
    conn: &mut AnyConnection,
    settings: &Settings,
    s: &Scope,
    year: i32,
) -> ApiResult<Totals> {
    let mut t = Totals {
        people: 0,
        measured: 0,
        compliant: 0,
    };
    standings(
        conn,
        settings,
        s,
        year,
        queries::Names::Left,
        |row, standing| {
            t.people += 1;
            if measured(row.asn_type) {
                t.measured += 1;
                t.compliant += i64::from(standing.compliant);
            }
        },
    )?;
    Ok(t)
}

#[derive(Default, Clone, Copy)]
struct Sums {
    employees: i64,
    compliant: i64,
    jp: i64,
    pppk: i64,
    pppk_over_cap: i64,
}

pub fn report(conn: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<JpCompliance> {
    let settings = crate::settings::queries::get(conn)?;
    let people = people(conn, &settings, s, year)?;
    let units = queries::units(conn)?;
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    // Each person adds to their unit and to every unit above it.
    let mut sums: HashMap<i64, Sums> = HashMap::new();
    for p in &people {
        let mut unit = Some(p.row.unit_id);
        let mut hops: usize = 0;
        while let Some(u) = unit.filter(|_| hops <= crate::units::model::MAX_DEPTH) {
            let t = sums.entry(u).or_default();
            if measured(p.row.asn_type) {
                t.employees += 1;
                t.compliant += i64::from(p.standing.compliant);
                t.jp += p.row.jp_total;
            } else {
                t.pppk += 1;
                t.pppk_over_cap += i64::from(p.standing.over_cap);
            }
            unit = parent.get(&u).copied().flatten();
            hops += 1;
        }
    }
    let in_scope = |id: i64| s.units.as_ref().is_none_or(|ids| ids.contains(&id));
    // Depth-first from the roots, children by name.
    let mut children: HashMap<Option<i64>, Vec<&queries::UnitRow>> = HashMap::new();
    for u in &units {
        let parent = u.parent_id.filter(|p| parent.contains_key(p));
        children.entry(parent).or_default().push(u);
    }
    let mut rows = Vec::new();
    let mut stack: Vec<(&queries::UnitRow, i32)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|u| (*u, 1)).collect())
        .unwrap_or_default();
    while let Some((unit, level)) = stack.pop() {
        if let Some(kids) = children.get(&Some(unit.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, level + 1)));
        }
        let t = sums.get(&unit.id).copied().unwrap_or_default();
        let counted = t.employees + t.pppk > 0;
        if !in_scope(unit.id) || !(unit.active || counted) {
            continue;
        }
        rows.push(UnitCompliance {
            unit_id: unit.id,
            unit_name: unit.name.clone(),
            parent_id: unit.parent_id,
            level,
            employees: t.employees,
            compliant: t.compliant,
            compliance_rate: super::routes::ratio(t.compliant, t.employees),
            jp_mean: (t.employees > 0)
                .then(|| super::routes::round(t.jp as f64 / t.employees as f64)),
            pppk_employees: t.pppk,
            pppk_over_cap: t.pppk_over_cap,
        });
    }
    let mut below: Vec<&Person> = people.iter().filter(|p| !p.standing.compliant).collect();
    below.sort_by(|a, b| {
        (a.row.jp_total, &a.row.name, a.row.employee_id).cmp(&(
            b.row.jp_total,
            &b.row.name,
            b.row.employee_id,
        ))
    });
    Ok(JpCompliance {
        year,
        jp_target: settings.jp_target,
        units: rows,
        below_target: below
            .into_iter()
            .map(|p| BelowTarget {
                employee_id: p.row.employee_id,
                nip: p.row.nip.clone(),
                name: p.row.name.clone(),
                unit_id: p.row.unit_id,
                jp_total: p.row.jp_total,
                jp_target_effective: p.standing.target.effective,
            })
            .collect(),
    })
}
