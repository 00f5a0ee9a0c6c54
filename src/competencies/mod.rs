//! The competency dictionary (Permenpan RB 38/2017): technical, managerial and socio-cultural,
//! each with level descriptions 1..5 and behaviour indicators.

pub mod model;
pub mod queries;
pub mod routes;
