//! Trainings: the catalogue, their partners, trainers and target competencies, and the status flow.

pub mod access;
pub mod model;
pub mod queries;
pub mod routes;
pub mod rules;
