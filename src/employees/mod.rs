//! Employees (ASN: PNS and PPPK), their NIP rules and the CSV import.

pub mod access;
pub mod import;
pub mod model;
pub mod nip;
pub mod queries;
pub mod routes;
