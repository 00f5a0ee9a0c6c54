//! Follow-up after a training (Kirkpatrick level 3): the participant's action plan, filed
//! within `action_plan_days` of completion, and its review by the participant's unit manager
//! (or staff) from `transfer_review_after_days` after completion. The transfer report
//! (`reports/transfer`) sums them per training.

pub mod model;
pub mod queries;
pub mod routes;
