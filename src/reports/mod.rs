//! The reports that tell the city where to act. Every figure is an SQL aggregate (GROUP BY) over
//! the filtered rows, and Rust divides and shapes — except JP compliance (`compliance`), where
//! each person's target depends on their own dates and exemptions. JSON by default, CSV on
//! request.

pub mod anonymity;
pub mod cache;
pub mod compliance;
pub mod coverage;
pub mod evaluation;
pub mod model;
pub mod queries;
pub mod realization;
pub mod routes;
pub mod seats;
pub mod shortage;
