use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::types::UnitId;
use crate::web::csv::{CsvRow, Format};

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExportFilter {
    /// Trainings that end on or after this day.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: Option<NaiveDate>,
    /// Trainings that end on or before this day.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: Option<NaiveDate>,
    /// This unit and its sub-units.
    pub unit_id: Option<UnitId>,
    /// `csv` for text/csv, as `Accept: text/csv` (undocumented: the `.csv` twin is the way).
    #[param(ignore)]
    pub format: Option<Format>,
}

/// One completed course, in SIASN's riwayat kursus terms. Dates are dd-mm-yyyy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseRecord {
    pub nip: String,
    /// SIASN's person id (pnsOrangId), when known.
    pub siasn_id: Option<String>,
    pub nama_kursus: String,
    /// The partners' names, else the organising unit.
    pub institusi_penyelenggara: String,
    /// SIASN's jenisDiklatId of the training.
    pub jenis_diklat_id: Option<i32>,
    pub jumlah_jam: i32,
    pub tahun_kursus: i32,
    #[schema(example = "02-03-2026")]
    pub tanggal_kursus: String,
    #[schema(example = "04-03-2026")]
    pub tanggal_selesai_kursus: String,
    pub nomor_sertipikat: Option<String>,
}

impl CsvRow for CourseRecord {}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseRecords {
    pub items: Vec<CourseRecord>,
}
