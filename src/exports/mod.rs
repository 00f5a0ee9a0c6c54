//! Integration exports: completed trainings shaped for SIASN's course history (riwayat kursus).

pub mod model;
pub mod queries;
pub mod routes;
