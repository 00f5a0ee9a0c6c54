//! The yearly JP an employee is held to (API.md "Learning record rules"; DOMAIN.md on PP
//! 17/2020 and PP 49/2018), in one place for the learning record and `jp-compliance`:
//!
//! - `months_active`: the months of the year with a day on or after `appointed_on` that are not
//!   wholly covered by exemptions (periods may be adjacent or overlap: their union counts);
//! - PNS: `jp_target` pro-rated, ceil(`jp_target` × `months_active` / 12); compliant when the
//!   year's JP reach it;
//! - PPPK: no minimum unless `jp_target_pppk` is set (then pro-rated alike), and a cap of
//!   `jp_cap_pppk` per year: `over_cap` beyond it.

use chrono::{Datelike, NaiveDate};

use crate::employees::model::AsnType;
use crate::settings::model::Settings;

/// The settings a target is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpRule {
    pub jp_target: i32,
    pub jp_target_pppk: Option<i32>,
    pub jp_cap_pppk: i32,
}

impl From<&Settings> for JpRule {
    fn from(s: &Settings) -> JpRule {
        JpRule {
            jp_target: s.jp_target,
            jp_target_pppk: s.jp_target_pppk,
            jp_cap_pppk: s.jp_cap_pppk,
        }
    }
}

/// What the year asks of one employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The full-year minimum for the employee's ASN type; `None` for PPPK without one.
    pub jp_target: Option<i32>,
    /// The minimum after pro-rating; 0 where there is none.
    pub effective: i32,
    pub months_active: i32,
    /// PPPK: the most JP a year.
    pub cap: Option<i32>,
}

/// How the year went against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub target: Target,
    pub compliant: bool,
    pub over_cap: bool,
}

impl Target {
    pub fn of(
        rule: JpRule,
        asn_type: AsnType,
        appointed_on: Option<NaiveDate>,
        exemptions: &[(NaiveDate, NaiveDate)],
        year: i32,
    ) -> Target {
        Target::for_months(
            rule,
            asn_type,
            months_active(year, appointed_on, exemptions),
        )
    }

    /// The target of someone active `months_active` months of the year (what the kept yearly
    /// standing stores per person: `aggregates::refresh_targets`).
    pub fn for_months(rule: JpRule, asn_type: AsnType, months_active: i32) -> Target {
        let (jp_target, cap) = match asn_type {
            AsnType::Pns => (Some(rule.jp_target), None),
            AsnType::Pppk => (rule.jp_target_pppk, Some(rule.jp_cap_pppk)),
        };
        Target {
            jp_target,
            effective: jp_target.map_or(0, |t| (t * months_active + 11) / 12),
            months_active,
            cap,
        }
    }

    pub fn standing(self, jp_total: i64) -> Standing {
        Standing {
            target: self,
            compliant: jp_total >= i64::from(self.effective),
            over_cap: self.cap.is_some_and(|cap| jp_total > i64::from(cap)),
        }
    }
}

/// The months of `year` with a day on or after `appointed_on` (any, when unknown) and a day not
/// covered by an exemption.
pub fn months_active(
    year: i32,
    appointed_on: Option<NaiveDate>,
    exemptions: &[(NaiveDate, NaiveDate)],
) -> i32 {
    // Most people, most years: in post since January at the latest and never exempt.
    if exemptions.is_empty()
        && appointed_on.is_none_or(|day| (day.year(), day.month()) <= (year, 1))
    {
        return 12;
    }
    (1..=12)
        .filter(|&month| {
            let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
                return false;
            };
            let last = last_day(first);
            let appointed = appointed_on.is_none_or(|day| day <= last);
            appointed && !covered(first, last, exemptions)
        })
        .count() as i32
}

fn last_day(first: NaiveDate) -> NaiveDate {
    let next = match first.month() {
        12 => NaiveDate::from_ymd_opt(first.year() + 1, 1, 1),
        m => NaiveDate::from_ymd_opt(first.year(), m + 1, 1),
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(first)
}

/// Whether every day of `[first, last]` lies in some period.
fn covered(first: NaiveDate, last: NaiveDate, periods: &[(NaiveDate, NaiveDate)]) -> bool {
    let mut sorted: Vec<(NaiveDate, NaiveDate)> = periods
        .iter()
        .copied()
        .filter(|(from, to)| *from <= last && *to >= first)
        .collect();
    sorted.sort_unstable();
    let mut day = first;
    for (from, to) in sorted {
        if from > day {
            return false;
        }
        if to >= day {
            match to.succ_opt() {
                Some(next) => day = next,
                None => return true,
            }
        }
        if day > last {
            return true;
        }
    }
    day > last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn appointed_in_july_with_study_leave_august_to_october_is_active_three_months() {
        let leave = [(d("2026-08-01"), d("2026-10-31"))];
        assert_eq!(months_active(2026, Some(d("2026-07-01")), &leave), 3);
    }

    #[test]
    fn every_month_counts_for_one_in_post_since_january_and_none_before_appointment() {
        assert_eq!(months_active(2026, Some(d("2019-05-02")), &[]), 12);
        assert_eq!(months_active(2026, Some(d("2026-01-31")), &[]), 12);
        assert_eq!(months_active(2026, Some(d("2026-02-01")), &[]), 11);
        assert_eq!(months_active(2026, Some(d("2027-01-01")), &[]), 0);
        assert_eq!(months_active(2026, None, &[]), 12);
    }

    #[test]
    fn a_month_partly_exempt_or_partly_after_appointment_counts() {
        assert_eq!(months_active(2026, Some(d("2026-07-15")), &[]), 6);
        let half = [(d("2026-03-01"), d("2026-03-15"))];
        assert_eq!(months_active(2026, None, &half), 12);
    }

    #[test]
    fn adjacent_and_overlapping_periods_cover_a_month_together() {
        let two = [
            (d("2026-04-01"), d("2026-04-10")),
            (d("2026-04-11"), d("2026-05-20")),
            (d("2026-05-10"), d("2026-05-31")),
        ];
        assert_eq!(months_active(2026, None, &two), 10);
    }

    #[test]
    fn appointed_after_the_year_or_exempt_all_year_is_never_active() {
        assert_eq!(months_active(2026, Some(d("2027-01-01")), &[]), 0);
        let all = [(d("2025-06-01"), d("2027-01-31"))];
        assert_eq!(months_active(2026, Some(d("2010-01-01")), &all), 0);
    }
}
