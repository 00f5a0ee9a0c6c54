//! Assessed competency levels of employees and the competency profile. The history is kept
//! whole; staff correct or delete an assessment (audited). The current level per competency is
//! the latest assessment by a method of the setting `jpm_methods` (accredited assessment by
//! default), recomputed from the history on every change; supervisor and self ratings are shown
//! beside it. The profile gives the gaps against the position's standard and the Job-Person
//! Match over the assessed items, with its coverage.

pub mod model;
pub mod queries;
pub mod routes;
