//! Positions (jabatan) and their competency standards.

pub mod model;
pub mod queries;
pub mod routes;
