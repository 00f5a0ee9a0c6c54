//! The annual competency-development plan (API.md "Planning and nomination"): one plan per
//! year, `draft` or `approved`, and its items — what to run (form, competencies, runs, seats,
//! seats per unit, unit cost, budget, partners) and the trainings that realise it. The
//! realization report (`reports::realization`) sets them against what was held.

pub mod model;
pub mod queries;
pub mod routes;
