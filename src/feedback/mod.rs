//! Anonymous participant feedback (Kirkpatrick level 1): Likert ratings per aspect, overall
//! satisfaction, NPS and a comment. No response can be tied to a person.

pub mod model;
pub mod queries;
pub mod routes;
