//! API clients: machine accounts of national and regional systems, with scopes, and the
//! OAuth 2.0 client-credentials grant.

pub mod model;
pub mod queries;
pub mod routes;
