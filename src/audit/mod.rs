//! The audit log: who did what to which object, written in the same transaction as the change.

pub mod model;
pub mod queries;
pub mod routes;

pub use model::{Action, Entity, Outcome};
