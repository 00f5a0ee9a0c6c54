//! Policy values that change with regulation: JP target, evaluation thresholds, JPM bands.

pub mod model;
pub mod queries;
pub mod routes;
