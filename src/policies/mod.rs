//! Policy change (API.md "Policy change and the trainer pool"): the register of regulations
//! that change what staff must know — whom each affects (active employees whose position it
//! lists, or whose position's standard holds one of its competencies), the trainings that
//! refresh them (`trainings.policy_ids`), the coverage report (`reports::coverage`) and the
//! `policy` development needs it opens for those not refreshed yet.

pub mod model;
pub mod queries;
pub mod routes;
