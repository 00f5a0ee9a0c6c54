//! Trainers: speakers and instructors (narasumber, widyaiswara), internal or external.

pub mod model;
pub mod queries;
pub mod routes;
