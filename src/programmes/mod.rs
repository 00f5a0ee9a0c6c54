//! Programmes: a recurring training whose runs (angkatan) are trainings, so that one run's
//! evaluation can be compared with the next (`reports/programme-trends`).

pub mod model;
pub mod queries;
pub mod routes;
