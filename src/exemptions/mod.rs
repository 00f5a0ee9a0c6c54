//! Exemptions from the yearly JP target (study leave, unpaid leave, …): the resource, and the
//! rule that turns an employee's appointment date and exemptions into the target they are held
//! to (`target`).

pub mod model;
pub mod queries;
pub mod routes;
pub mod target;
