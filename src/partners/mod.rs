//! Partners (universities, NGOs, agencies …): the reference resource every other area copies.

pub mod model;
pub mod queries;
pub mod routes;
