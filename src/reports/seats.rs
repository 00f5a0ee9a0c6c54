//! Which planned seats fill which needs (the training-needs report): a seat fills one need, not
//! one per competency its training targets; a training counts for a need only when it targets
//! the competency at the level the need requires or higher; a training without a capacity
//! limit fills every need it can.
//!
//! Trainings are taken in start order. A training's free seats go one at a time to the
//! competency it targets with the most needs it can still fill (ties: the lower competency
//! id), and within a competency to the needs of the highest required level it reaches first
//! (lower-level trainings cannot fill those).

use std::collections::{BTreeMap, HashMap};

use super::queries::{NeedRow, SupplyOfSeats};

/// Needs still open per competency and required level.
type Open = BTreeMap<i64, BTreeMap<i32, i64>>;

fn fillable(open: &Open, competency: i64, level: i32) -> i64 {
    open.get(&competency)
        .map_or(0, |by| by.range(..=level).map(|(_, n)| n).sum())
}

/// Takes `n` needs of `competency` that a training at `level` can fill, highest level first.
fn take(open: &mut Open, competency: i64, level: i32, mut n: i64) -> i64 {
    let mut taken = 0;
    if let Some(by) = open.get_mut(&competency) {
        for (_, left) in by.range_mut(..=level).rev() {
            let k = n.min(*left);
            *left -= k;
            n -= k;
            taken += k;
        }
    }
    taken
}

/// Seats filled per competency.
pub fn allocate(needs: &[NeedRow], supply: &[SupplyOfSeats]) -> HashMap<i64, i64> {
    let mut open: Open = BTreeMap::new();
    for n in needs {
        *open
            .entry(n.competency_id)
            .or_default()
            .entry(n.required_level)
            .or_default() += n.below;
    }
    let mut filled: HashMap<i64, i64> = HashMap::new();
    let mut i = 0;
    while i < supply.len() {
        let training = supply[i].training_id;
        let targets: Vec<&SupplyOfSeats> = supply[i..]
            .iter()
            .take_while(|s| s.training_id == training)
            .collect();
        i += targets.len();
        match supply[i - 1].free {
            None => {
                for t in &targets {
                    let n = fillable(&open, t.competency_id, t.target_level);
                    *filled.entry(t.competency_id).or_default() +=
                        take(&mut open, t.competency_id, t.target_level, n);
                }
            }
            Some(free) => {
                for _ in 0..free.max(0) {
                    let best = targets
                        .iter()
                        .map(|t| (fillable(&open, t.competency_id, t.target_level), t))
                        .filter(|(n, _)| *n > 0)
                        .max_by(|(a, x), (b, y)| {
                            a.cmp(b).then(y.competency_id.cmp(&x.competency_id))
                        });
                    let Some((_, t)) = best else { break };
                    *filled.entry(t.competency_id).or_default() +=
                        take(&mut open, t.competency_id, t.target_level, 1);
                }
            }
        }
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(competency: i64, required_level: i32, below: i64) -> NeedRow {
        NeedRow {
            competency_id: competency,
            code: format!("C{competency}"),
            name: String::new(),
            required_level,
            below,
        }
    }

    fn seat(training: i64, free: Option<i64>, competency: i64, target_level: i32) -> SupplyOfSeats {
        SupplyOfSeats {
            training_id: training,
            free,
            competency_id: competency,
            target_level,
        }
    }

    #[test]
    fn a_seat_fills_one_need_at_a_level_it_reaches() {
        // C1: 3 people need level 3; C2: 2 need level 2; C3: 1 needs level 4.
        let needs = [need(1, 3, 3), need(2, 2, 2), need(3, 4, 1)];
        // A: 4 seats at level 3 for all three (C3's need is out of its reach); B: no limit, C2.
        let supply = [
            seat(1, Some(4), 1, 3),
            seat(1, Some(4), 2, 3),
            seat(1, Some(4), 3, 3),
            seat(2, None, 2, 2),
        ];
        let filled = allocate(&needs, &supply);
        assert_eq!(filled.get(&1), Some(&3));
        assert_eq!(filled.get(&2), Some(&2));
        assert_eq!(filled.get(&3), None);
        assert_eq!(
            filled.values().sum::<i64>(),
            5,
            "A's 4 seats and one of B's"
        );
    }

    #[test]
    fn a_lower_level_training_fills_only_the_needs_it_reaches() {
        let needs = [need(1, 2, 2), need(1, 4, 2)];
        let filled = allocate(&needs, &[seat(1, Some(10), 1, 3)]);
        assert_eq!(filled.get(&1), Some(&2));
    }
}
