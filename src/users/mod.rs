//! Accounts (admin only): who may sign in, with which role and binding.

pub mod model;
pub mod queries;
pub mod routes;
