//! Enrolments: who takes part in which training, attendance, scores, completion and the JP each
//! completion credits; the learning record against the yearly JP target.

pub mod access;
pub mod model;
pub mod queries;
pub mod routes;
