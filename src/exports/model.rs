use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::trainings::model::LeadershipProgramme;
use crate::types::{UnitId, UtcTime};
use crate::web::csv::{CsvRow, Format};
use crate::web::PageParams;

fn export_period(f: &ExportFilter) -> Result<(), validator::ValidationError> {
    crate::rules::in_order(f.from, f.to, "from", "to")
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[validate(schema(function = "export_period", skip_on_field_errors = false))]
pub struct ExportFilter {
    /// Completions on or after this day.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: Option<NaiveDate>,
    /// Completions on or before this day; not before `from`.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: Option<NaiveDate>,
    /// This unit and its sub-units.
    pub unit_id: Option<UnitId>,
    /// `true`: only records never sent to SIASN (`POST /exports/siasn/course-records/sync`) or
    /// changed since (their enrolment, training or employee).
    pub unsynced: Option<bool>,
    /// `csv` for text/csv, as `Accept: text/csv` (undocumented: the `.csv` twin is the way).
    #[param(ignore)]
    pub format: Option<Format>,
}

/// `?page=&per_page=` of an export: like a list's, with pages of up to 1000 records.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExportPage {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    #[validate(range(min = 1, max = 1_000_000))]
    pub page: Option<i64>,
    /// Records per page, 1..1000.
    #[param(minimum = 1, maximum = 1000, default = 20)]
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

impl ExportPage {
    pub fn params(&self) -> PageParams {
        PageParams {
            page: self.page,
            per_page: self.per_page,
        }
    }
}

crate::text_enum! {
    /// Where a record comes from: a city training or verified external learning.
    pub enum RecordSource {
        Training = "training",
        External = "external",
    }
}

/// One completed course, in SIASN's riwayat kursus terms. Dates are dd-mm-yyyy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseRecord {
    /// Stable across exports: `T<enrolment id>`.
    #[schema(example = "T1")]
    pub record_key: String,
    pub source: RecordSource,
    pub nip: String,
    /// SIASN's person id (pnsOrangId), when known.
    pub siasn_id: Option<String>,
    pub nama_kursus: String,
    /// The partners' names, else the setting `institution_name`.
    pub institusi_penyelenggara: String,
    /// SIASN's jenisDiklatId: the training's, else the setting `siasn_course_type_by_form`.
    pub jenis_diklat_id: i32,
    /// SIASN's certificate-type code: the setting `siasn_certificate_type`.
    pub jenis_kursus_sertipikat: Option<String>,
    /// The setting `siasn_instansi_id`.
    pub instansi_id: Option<String>,
    pub jumlah_jam: i32,
    pub tahun_kursus: i32,
    #[schema(example = "02-03-2026")]
    pub tanggal_kursus: String,
    #[schema(example = "04-03-2026")]
    pub tanggal_selesai_kursus: String,
    pub nomor_sertipikat: Option<String>,
    /// When it was last marked as sent to SIASN; null: never.
    pub synced_at: Option<UtcTime>,
}

impl CsvRow for CourseRecord {}

/// Records sent to SIASN, with the ids SIASN gave them.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"record_key": "T1", "siasn_riwayat_id": "8ae48287-9d3c-4b51-a3c1-55c4f7a0d6e2"}]}))]
pub struct SyncRequest {
    #[schema(min_items = 1, max_items = 1000)]
    #[validate(length(min = 1, max = 1000), nested)]
    pub items: Vec<SyncItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SyncItem {
    /// A record of the export: `T<enrolment id>` or `E<external learning id>`.
    #[schema(pattern = "^[TE][1-9][0-9]{0,17}$", example = "T1")]
    #[validate(custom(function = "record_key"))]
    pub record_key: String,
    /// The record's id in SIASN (riwayat id).
    #[schema(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub siasn_riwayat_id: String,
}

fn record_key(key: &str) -> Result<(), validator::ValidationError> {
    match RecordKey::parse(key) {
        Some(_) => Ok(()),
        None => Err(validator::ValidationError::new("record_key").with_message(
            "must be T followed by an enrolment id or E followed by an external learning id".into(),
        )),
    }
}

/// What a record key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKey {
    /// `T<id>`: a completed enrolment.
    Training(i64),
    /// `E<id>`: verified external learning.
    External(i64),
}

impl RecordKey {
    pub fn parse(key: &str) -> Option<Self> {
        let (kind, digits) = key.split_at_checked(1)?;
        let valid = !digits.is_empty() && digits.len() <= 18 && !digits.starts_with('0');
        let id: i64 = match valid && digits.chars().all(|c| c.is_ascii_digit()) {
            true => digits.parse().ok()?,
            false => return None,
        };
        match kind {
            "T" => Some(RecordKey::Training(id)),
            "E" => Some(RecordKey::External(id)),
            _ => None,
        }
    }
}

/// One record marked as sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SyncedRecord {
    pub record_key: String,
    pub siasn_riwayat_id: String,
    pub synced_at: UtcTime,
}

/// The records marked as sent, in the order given.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SyncResult {
    pub items: Vec<SyncedRecord>,
}

crate::page_type!(CourseRecordPage = CourseRecord);

/// One completed leadership programme, for SIASN's structural-training history (riwayat diklat
/// struktural): a course record and the programme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StructuralRecord {
    #[serde(flatten)]
    pub course: CourseRecord,
    pub jenis_diklat_struktural: LeadershipProgramme,
}

impl CsvRow for StructuralRecord {}

crate::page_type!(StructuralRecordPage = StructuralRecord);

/// A record of either history, from the course record and the training's programme.
pub trait ExportRecord: CsvRow + Send + 'static {
    /// Whether this history holds leadership programmes.
    const STRUCTURAL: bool;
    fn of(course: CourseRecord, programme: Option<LeadershipProgramme>) -> Option<Self>
    where
        Self: Sized;
}

impl ExportRecord for CourseRecord {
    const STRUCTURAL: bool = false;
    fn of(course: CourseRecord, _: Option<LeadershipProgramme>) -> Option<Self> {
        Some(course)
    }
}

impl ExportRecord for StructuralRecord {
    const STRUCTURAL: bool = true;
    fn of(course: CourseRecord, programme: Option<LeadershipProgramme>) -> Option<Self> {
        programme.map(|jenis_diklat_struktural| StructuralRecord {
            course,
            jenis_diklat_struktural,
        })
    }
}
