//! Sessions of a training (API.md "Planning and nomination"): the schedule, the JP and speakers
//! of each session, attendance per session, and the JP each speaker taught (the basis of their
//! honoraria, `GET /reports/trainer-hours`). When a training has sessions its enrolments'
//! `attendance_percent` is the server's: JP of the sessions attended over JP of all sessions,
//! recomputed by every write that changes either (`queries::derive_attendance`), so the
//! learning record's minimum-attendance rule reads it.

pub mod model;
pub mod queries;
pub mod routes;
