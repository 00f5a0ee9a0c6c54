//! Nomination (API.md "Planning and nomination"): a training with `nomination_required` takes
//! enrolments only as nominations — unit managers within their unit's quota, staff freely —
//! and staff decide: approval takes a seat or, when the training is full, a place on the
//! waiting list; a withdrawal before the start frees the seat, which goes to the oldest on the
//! waiting list in the same transaction. Seats are `trainings.enrolled_count`, taken by one
//! conditional UPDATE (`trainings::queries::take_seat`), and every change of seats locks the
//! training first, so the waiting list and the free seats cannot pass each other, also across
//! server processes.

pub mod model;
pub mod queries;
pub mod routes;
