use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::external_learning;
use crate::trainings::model::Form;
use crate::types::{EmployeeId, ExternalLearningId, UnitId, UtcTime};

crate::text_enum! {
    pub enum ReviewStatus {
        Pending = "pending",
        Verified = "verified",
        Rejected = "rejected",
    }
}

crate::text_enum! {
    pub enum Decision {
        Verified = "verified",
        Rejected = "rejected",
    }
}

/// The row as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = external_learning)]
pub struct ExternalRow {
    pub id: ExternalLearningId,
    pub employee_id: EmployeeId,
    pub title: String,
    pub provider: String,
    pub form: Form,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
    pub status: ReviewStatus,
    pub review_note: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<UtcTime>,
    pub evidence_filename: Option<String>,
    pub evidence_content_type: Option<String>,
    pub evidence_size: Option<i64>,
    pub version: i64,
}

/// The evidence file of a record, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    pub filename: String,
    /// What the content showed it to be: `application/pdf`, `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// Learning done outside the city's own trainings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExternalLearning {
    pub id: ExternalLearningId,
    pub employee_id: EmployeeId,
    pub title: String,
    pub provider: String,
    pub form: Form,
    pub start_date: NaiveDate,
    /// The day it counts on (the learning record's year, SIASN's completion day).
    pub end_date: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
    /// Only `verified` counts.
    pub status: ReviewStatus,
    pub review_note: Option<String>,
    /// The user who decided.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<UtcTime>,
    pub evidence: Option<Evidence>,
    pub version: i64,
}

impl From<ExternalRow> for ExternalLearning {
    fn from(r: ExternalRow) -> Self {
        let evidence = match (
            r.evidence_filename,
            r.evidence_content_type,
            r.evidence_size,
        ) {
            (Some(filename), Some(content_type), Some(size)) => Some(Evidence {
                filename,
                content_type,
                size,
            }),
            _ => None,
        };
        ExternalLearning {
            id: r.id,
            employee_id: r.employee_id,
            title: r.title,
            provider: r.provider,
            form: r.form,
            start_date: r.start_date,
            end_date: r.end_date,
            jp: r.jp,
            certificate_number: r.certificate_number,
            status: r.status,
            review_note: r.review_note,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            evidence,
            version: r.version,
        }
    }
}

/// A record with the unit of its employee, who decides who may see it. It is sent as the API
/// object (`ExternalLearning`).
#[derive(Debug, Clone, Deserialize)]
pub struct ExternalRecord {
    #[serde(flatten)]
    pub row: ExternalRow,
    pub unit_id: UnitId,
}

impl Serialize for ExternalRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ExternalLearning::from(self.row.clone()).serialize(s)
    }
}

fn dates(e: &ExternalInput) -> Result<(), ValidationError> {
    crate::rules::in_order(
        Some(e.start_date),
        Some(e.end_date),
        "start_date",
        "end_date",
    )?;
    if e.end_date > crate::types::today() {
        return Err(ValidationError::new("end_date")
            .with_message("must not be in the future: file learning once it is done".into()));
    }
    Ok(())
}

/// External learning as filed, and the merged result of a PATCH. `employee_id` is required when
/// staff file someone's; an employee's own filing may leave it out (it is theirs).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "dates", skip_on_field_errors = false))]
#[diesel(table_name = external_learning, treat_none_as_null = true)]
#[schema(example = json!({"employee_id": 2, "title": "Manajemen ASN Berbasis Sistem Merit", "provider": "LAN RI — ASN Unggul", "form": "e_learning", "start_date": "2026-03-02", "end_date": "2026-03-20", "jp": 20, "certificate_number": "ASNU-2026-000123"}))]
pub struct ExternalInput {
    /// Staff only: whose learning it is.
    #[schema(minimum = 1)]
    #[diesel(skip_update)]
    pub employee_id: Option<EmployeeId>,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// Who ran it (a ministry, LAN, the provincial BPSDM, a university).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub provider: String,
    pub form: Form,
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub start_date: NaiveDate,
    /// Not before `start_date`, not in the future.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub end_date: NaiveDate,
    /// 1..1000; a classical form at most `max_jp_per_day` a day.
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp: i32,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub certificate_number: Option<String>,
}

crate::patch_schema!(
    ExternalPatch = ExternalInput,
    serde_json::json!({"certificate_number": "ASNU-2026-000124"})
);

/// A decision on filed learning.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "verified", "note": "Sertifikat sesuai dengan data ASN Unggul."}))]
pub struct Review {
    pub decision: Decision,
    #[schema(min_length = 1, max_length = 1000)]
    #[validate(length(min = 1, max = 1000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExternalFilter {
    pub status: Option<ReviewStatus>,
    pub employee_id: Option<EmployeeId>,
    /// This unit and its sub-units.
    pub unit_id: Option<UnitId>,
}

/// The signed-in employee's own records filter by status only.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct OwnFilter {
    pub status: Option<ReviewStatus>,
}

crate::page_type!(ExternalLearningPage = ExternalLearning);
