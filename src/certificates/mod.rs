//! Certificates of completion (STTPL), the evidence behind every credited JP: each completion
//! gets a unique number (`certificate_number_format`) and an unguessable verification code
//! when it is recorded, and loses the code when it is undone. Anyone holding the code can check
//! the certificate at `GET /verify/{code}` (public, rate limited, NIP masked); the participant,
//! staff and the unit manager download it as a one-page PDF with a QR code of that URL.

pub mod model;
pub mod number;
pub mod pdf;
pub mod queries;
pub mod routes;
