//! External learning: what staff learnt outside the city's own trainings (LAN's ASN Unggul
//! MOOC, ministries, the provincial BPSDM, universities). An employee files their own, staff
//! file anyone's; staff verify or reject it, and only verified learning counts in the learning
//! record, the JP figures and the SIASN export (`E<id>`). The evidence file (PDF, PNG or JPEG,
//! checked by its content, at most 5 MiB) is kept in the database and served as the type its
//! content showed, never as one a client named.

pub mod evidence;
pub mod model;
pub mod queries;
pub mod routes;
