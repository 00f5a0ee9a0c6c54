//! Organisational units: OPD and their sub-units, the basis of every unit-scoped view.

pub mod model;
pub mod queries;
pub mod routes;
