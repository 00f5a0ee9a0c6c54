//! When a feedback figure may be shown: the one rule every report that shows feedback uses.
//!
//! The property (API.md "Anonymity"): no figure a caller can obtain, from one request or by
//! subtracting one request's figures from another's, describes fewer than `min_group_size` (k)
//! respondents. Counts of responses are shown (API.md: small groups "show counts only"); what
//! is protected is what people answered: means, shares, NPS, flags and comments.
//!
//! The mechanism:
//! - **Cells.** A response is attributed to the training and the respondent's OPD (top-level
//!   unit) only (`feedback::queries`), a paper form to the training only. A unit scope selects
//!   the OPDs wholly inside it: every unit filter a caller may use is a subtree, so that is the
//!   whole city (no unit filter), one OPD (its subtree) or none (a scope below an OPD, which
//!   therefore shows no feedback figures). The training filters (period, training, partner,
//!   trainer, programme) select whole trainings. So every figure is a sum over cells
//!   (training t, OPD set U) with U = all or one OPD.
//! - **The rule** ([`shown`]), per figure and per training: the cell's own count n(t, U) of the
//!   answers the figure is made of is at least k, and the rest of the training,
//!   n(t, all) − n(t, U), is 0 or at least k. A figure over several trainings (a partner, a
//!   trainer, the summary) sums only cells that pass.
//! - **Why differences are safe.** Two requests differ either in U for the same trainings —
//!   one OPD against all: the difference is the rest of each training, which the complement
//!   condition keeps at 0 or ≥ k, or a whole cell that passed (≥ k) where the OPD's did not —
//!   or in the trainings selected: the difference is whole cells that each passed (≥ k). Two
//!   different OPDs are disjoint. Every difference is therefore a union of groups of 0 or ≥ k
//!   answers. The attacker test (`tests/api/evaluation.rs`) enumerates the filters a unit
//!   manager and an operator may use and checks every pairwise difference.

use std::collections::HashMap;

pub use super::queries::Rated;
use super::queries::{self, FeedbackStatsRow, Scope};
use crate::db::AnyConnection;

/// Whether a figure made of `scope` answers, out of `all` answers to the same training in
/// every unit, may be shown with groups of at least `min`.
pub fn shown(scope: i64, all: i64, min: i64) -> bool {
    let rest = all - scope;
    scope >= min && (rest == 0 || rest >= min)
}

/// One training's feedback totals in the caller's scope, and over every unit (the complement
/// [`shown`] needs).
pub struct Cell {
    pub scope: FeedbackStatsRow,
    pub all: Option<FeedbackStatsRow>,
}

impl Cell {
    /// The total over every unit of one count (the scope's own when the scope is every unit).
    pub fn all_of(&self, count: impl Fn(&FeedbackStatsRow) -> i64) -> i64 {
        self.all.as_ref().map_or(count(&self.scope), count)
    }

    /// Whether the figures made of all the responses (overall, NPS, comments) may be shown.
    pub fn responses_shown(&self, min: i64) -> bool {
        shown(self.scope.responses, self.all_of(|r| r.responses), min)
    }
}

/// The feedback cells of the trainings in scope, by training, with the rated columns asked.
pub fn cells(
    conn: &mut AnyConnection,
    s: &Scope,
    rated: Rated,
) -> diesel::QueryResult<HashMap<i64, Cell>> {
    let scoped = queries::feedback_stats(conn, s, rated)?;
    // A scope below an OPD has no cells: no complement to read (~60 ms at 200k employees).
    let mut all: HashMap<i64, FeedbackStatsRow> = match s.units {
        None => HashMap::new(),
        Some(_) if scoped.is_empty() => HashMap::new(),
        Some(_) => {
            let everywhere = Scope {
                units: None,
                ..s.clone()
            };
            queries::feedback_stats(conn, &everywhere, rated)?
                .into_iter()
                .map(|r| (r.training_id, r))
                .collect()
        }
    };
    Ok(scoped
        .into_iter()
        .map(|r| {
            let all = all.remove(&r.training_id);
            (r.training_id, Cell { scope: r, all })
        })
        .collect())
}

/// Sum of responses and of `overall` over the cells that may be shown, for a figure over
/// several trainings; `None` when no cell may.
pub fn overall_of<'a>(cells: impl Iterator<Item = &'a Cell>, min: i64) -> Option<(i64, i64)> {
    let (n, sum) = cells
        .filter(|c| c.responses_shown(min))
        .fold((0, 0), |(n, sum), c| {
            (
                n + c.scope.responses,
                sum + c.scope.rated("overall").map_or(0, |r| r.total),
            )
        });
    (n > 0).then_some((n, sum))
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn a_group_and_its_complement_are_both_large_or_the_figure_is_hidden() {
        assert!(shown(3, 3, 3));
        assert!(shown(5, 8, 3));
        assert!(!shown(2, 2, 3), "too few answers");
        assert!(!shown(5, 6, 3), "the other unit's one answer would follow");
        assert!(!shown(5, 7, 3), "two answers elsewhere are still too few");
        assert!(shown(5, 10, 5));
    }
}
