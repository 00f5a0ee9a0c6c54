//! `jp-compliance` (and the summary's compliance rate): each person's year against the target
//! they are held to (`exemptions::target`), then the totals of every unit's whole subtree, so
//! an OPD's row includes its sub-units. PNS are measured against their effective target; PPPK
//! are counted apart (how many, how many over the cap).
//!
//! A kept year (`aggregates::targets`) is judged group by group: people of a unit alike in ASN
//! type, months active and JP stand alike, so the rule runs once a group and only the people
//! below target are read. Another year, or a period that is not one calendar year, is judged
//! person by person from the source rows. Both apply the one rule, `Target`.

use std::collections::HashMap;

use super::model::{BelowTarget, JpCompliance, UnitCompliance};
use super::queries::{self, Scope};
use crate::aggregates::targets::{self, Group, Identity};
use crate::db::AnyConnection;
use crate::employees::model::AsnType;
use crate::error::ApiResult;
use crate::exemptions::target::{JpRule, Standing, Target};
use crate::settings::model::Settings;
use crate::types::EmployeeId;

/// The kept groups of `year` in scope with their standing, when the scope's period is that
/// kept year.
fn kept_groups(
    conn: &mut AnyConnection,
    rule: JpRule,
    s: &Scope,
    year: i32,
) -> ApiResult<Option<Vec<(Group, i64, Standing)>>> {
    if s.calendar_year() != Some(year) || !targets::kept(conn, year)? {
        return Ok(None);
    }
    Ok(Some(
        targets::groups(conn, year, s.units.as_deref())?
            .into_iter()
            .map(|(g, people)| {
                let standing = Target::for_months(rule, g.asn_type, g.months_active).standing(g.jp);
                (g, people, standing)
            })
            .collect(),
    ))
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
    let Some((first, last)) = crate::types::year_days(year) else {
        return Ok(());
    };
    // Everyone's exemptions of the year (a few thousand at 200k employees), whatever the scope:
    // the people are judged as they are read.
    let exemptions = crate::exemptions::queries::periods(conn, None, first, last)?;
    queries::each_person_jp(conn, s, names, |row| {
        let periods = exemptions
            .get(&EmployeeId(row.who.employee_id))
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
    })?;
    Ok(())
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
    if let Some(groups) = kept_groups(conn, settings.into(), s, year)? {
        for (g, people, standing) in groups {
            t.people += people;
            if measured(g.asn_type) {
                t.measured += people;
                t.compliant += people * i64::from(standing.compliant);
            }
        }
        return Ok(t);
    }
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

impl Sums {
    /// Adds `people` alike, with `jp` each, standing as `standing`.
    fn add(&mut self, asn_type: AsnType, people: i64, jp: i64, standing: Standing) {
        if measured(asn_type) {
            self.employees += people;
            self.compliant += people * i64::from(standing.compliant);
            self.jp += people * jp;
        } else {
            self.pppk += people;
            self.pppk_over_cap += people * i64::from(standing.over_cap);
        }
    }

    fn plus(&mut self, o: Sums) {
        self.employees += o.employees;
        self.compliant += o.compliant;
        self.jp += o.jp;
        self.pppk += o.pppk;
        self.pppk_over_cap += o.pppk_over_cap;
    }
}

/// A person below their target, as `jp-compliance` lists them.
fn below_target(who: Identity, unit_id: i64, jp_total: i64, standing: Standing) -> BelowTarget {
    BelowTarget {
        employee_id: who.employee_id,
        nip: who.nip,
        name: who.name,
        unit_id,
        jp_total,
        jp_target_effective: standing.target.effective,
    }
}

/// Each unit's own people's sums, and the people below target.
fn judged(
    conn: &mut AnyConnection,
    settings: &Settings,
    s: &Scope,
    year: i32,
) -> ApiResult<(HashMap<i64, Sums>, Vec<BelowTarget>)> {
    let mut own: HashMap<i64, Sums> = HashMap::new();
    let mut below = Vec::new();
    if let Some(groups) = kept_groups(conn, settings.into(), s, year)? {
        let mut short: HashMap<Group, Standing> = HashMap::new();
        for (g, people, standing) in groups {
            own.entry(g.unit_id)
                .or_default()
                .add(g.asn_type, people, g.jp, standing);
            if !standing.compliant {
                short.insert(g, standing);
            }
        }
        let groups: Vec<Group> = short.keys().copied().collect();
        for (g, who) in targets::people_in(conn, year, &groups)? {
            if let Some(&standing) = short.get(&g) {
                below.push(below_target(who, g.unit_id, g.jp, standing));
            }
        }
    } else {
        standings(
            conn,
            settings,
            s,
            year,
            queries::Names::Read,
            |row, standing| {
                own.entry(row.unit_id)
                    .or_default()
                    .add(row.asn_type, 1, row.jp_total, standing);
                if !standing.compliant {
                    below.push(below_target(row.who, row.unit_id, row.jp_total, standing));
                }
            },
        )?;
    }
    Ok((own, in_order(below)))
}

/// The people below target by JP, then name, then id: sorted as keys holding their JP, their
/// name's first sixteen bytes and its length, so that the names themselves are read only where
/// two longer ones share those bytes (names order as their bytes do), and the rows moved once.
/// At 200k employees a year with 190k people below target, whose names repeat (the demo set
/// has 520), spent ~11 % of its answer comparing names.
fn in_order(below: Vec<BelowTarget>) -> Vec<BelowTarget> {
    /// The bytes of a name held in its key.
    const HEAD: usize = 16;
    struct Key {
        jp: i64,
        head: u128,
        len: usize,
        id: i64,
        row: usize,
    }
    let mut keys: Vec<Key> = below
        .iter()
        .enumerate()
        .map(|(row, b)| {
            let mut bytes = [0u8; HEAD];
            let n = b.name.len().min(HEAD);
            bytes[..n].copy_from_slice(&b.name.as_bytes()[..n]);
            Key {
                jp: b.jp_total,
                head: u128::from_be_bytes(bytes),
                len: b.name.len(),
                id: b.employee_id,
                row,
            }
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.jp, a.head).cmp(&(b.jp, b.head)).then_with(|| {
            if a.len <= HEAD && b.len <= HEAD {
                // Both whole in their heads, padded with zeros: equal heads, so the shorter
                // name is the other's beginning and comes first.
                (a.len, a.id).cmp(&(b.len, b.id))
            } else {
                (&below[a.row].name, a.id).cmp(&(&below[b.row].name, b.id))
            }
        })
    });
    let mut rows: Vec<Option<BelowTarget>> = below.into_iter().map(Some).collect();
    keys.iter().filter_map(|k| rows[k.row].take()).collect()
}

pub fn report(conn: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<JpCompliance> {
    let settings = crate::settings::queries::get(conn)?;
    let (own, below_target) = judged(conn, &settings, s, year)?;
    let units = queries::units(conn)?;
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    // Each unit's people add to it and to every unit above it.
    let mut sums: HashMap<i64, Sums> = HashMap::new();
    for (&unit_id, o) in &own {
        let mut unit = Some(unit_id);
        let mut hops: usize = 0;
        while let Some(u) = unit.filter(|_| hops <= crate::units::model::MAX_DEPTH) {
            sums.entry(u).or_default().plus(*o);
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
    Ok(JpCompliance {
        year,
        jp_target: settings.jp_target,
        units: rows,
        below_target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_below_target_are_listed_by_jp_then_name_then_id() {
        let names = [
            "Siti Aminah",
            "Siti Aminah Putri Lestari",
            "Siti Aminah Putri Lestiani",
            "Siti Aminah Putri",
            "Siti Aminah Putr\u{0}",
            "Siti Aminah Putri\u{0}",
            "Siti Amin",
            "Siti",
            "Siti\u{0}",
            "Ábel",
            "Abel",
            "",
            "Siti Aminah",
        ];
        let below: Vec<BelowTarget> = (0..60)
            .map(|i: i64| BelowTarget {
                // Ids against the names' order, so that ties on the name fall to the id.
                employee_id: 100 - i,
                nip: String::new(),
                name: names[(i as usize * 7) % names.len()].to_string(),
                unit_id: 1,
                jp_total: i % 3,
                jp_target_effective: 20,
            })
            .collect();
        let mut expected: Vec<(i64, String, i64)> = below
            .iter()
            .map(|b| (b.jp_total, b.name.clone(), b.employee_id))
            .collect();
        expected.sort();
        let listed: Vec<(i64, String, i64)> = in_order(below)
            .into_iter()
            .map(|b| (b.jp_total, b.name, b.employee_id))
            .collect();
        assert_eq!(listed, expected);
    }
}
