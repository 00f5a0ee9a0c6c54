//! Assessed competency levels of employees (append-only history) and the competency profile:
//! the latest level per competency of the position's standard, the gaps and the Job-Person Match.

pub mod model;
pub mod queries;
pub mod routes;
