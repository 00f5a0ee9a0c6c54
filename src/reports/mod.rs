//! The reports that tell the city where to act. Every figure is an SQL aggregate (GROUP BY) over
//! the filtered rows; Rust only divides and shapes. JSON by default, CSV on request.

pub mod model;
pub mod queries;
pub mod routes;
