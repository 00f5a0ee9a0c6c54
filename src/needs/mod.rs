//! Development needs (API.md "Planning and nomination"): what an employee should develop in a
//! year — generated from competency gaps, proposed by their supervisor or themselves, opened by a
//! policy change. A need is `met` when its employee completes a training targeting its
//! competency in its year (`after_completion`, on every completion path), and open again if
//! that completion is undone. Visibility is `employees`' rule: staff and clients all, unit
//! managers their units' people's, an employee their own.

pub mod model;
pub mod queries;
pub mod routes;
