use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::enrolments;
use crate::employees::model::AsnType;
use crate::trainings::model::Form;
use crate::types::{EmployeeId, EnrolmentId, TrainingId, UnitId, UtcTime};

crate::text_enum! {
    pub enum EnrolmentStatus {
        Registered = "registered",
        Attended = "attended",
        Completed = "completed",
        Failed = "failed",
        Withdrawn = "withdrawn",
        NoShow = "no_show",
    }
}

/// One employee's place in one training.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = enrolments)]
pub struct Enrolment {
    pub id: EnrolmentId,
    pub training_id: TrainingId,
    pub employee_id: EmployeeId,
    pub status: EnrolmentStatus,
    pub attendance_percent: Option<i32>,
    pub pre_test_score: Option<f64>,
    pub post_test_score: Option<f64>,
    pub certificate_number: Option<String>,
    /// Lesson hours credited; set to the training's JP on completion unless given.
    pub jp_credited: Option<i32>,
    pub completed_at: Option<UtcTime>,
    /// The participant's own completion day: the year it counts in, and SIASN's
    /// `tanggal_selesai_kursus`.
    pub completed_on: Option<NaiveDate>,
    pub version: i64,
}

/// An enrolment with the unit of its employee, who decides who may see it.
#[derive(Debug, Clone, Deserialize)]
pub struct EnrolmentRecord {
    #[serde(flatten)]
    pub enrolment: Enrolment,
    pub unit_id: UnitId,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"employee_id": 1}))]
pub struct EnrolRequest {
    #[schema(minimum = 1)]
    pub employee_id: EmployeeId,
}

/// What staff record on an enrolment: a PATCH, or an item of a bulk update, is any subset.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
pub struct EnrolmentFields {
    pub status: EnrolmentStatus,
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub attendance_percent: Option<i32>,
    #[schema(minimum = 0.0, maximum = 100.0)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub pre_test_score: Option<f64>,
    #[schema(minimum = 0.0, maximum = 100.0)]
    #[validate(range(min = 0.0, max = 100.0))]
    pub post_test_score: Option<f64>,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub certificate_number: Option<String>,
    /// On completion, the training's JP unless given; 1..the training's JP.
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp_credited: Option<i32>,
    /// On completion: a classical training's end date; for other forms the day it is
    /// recorded unless given, within the training's dates plus `late_completion_days` and not
    /// in the future. Cleared when the enrolment is not completed.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub completed_on: Option<NaiveDate>,
}

crate::patch_schema!(
    EnrolmentPatch = EnrolmentFields,
    serde_json::json!({"pre_test_score": 65.5})
);

/// One item of a bulk update: `enrolment_id` and the fields to change, as in a PATCH.
pub struct BulkItem;

impl utoipa::PartialSchema for BulkItem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{Object, Schema, Type};
        use utoipa::openapi::RefOr;
        let mut schema = crate::web::write::patch_of(
            EnrolmentFields::schema(),
            serde_json::json!({"enrolment_id": 1, "status": "attended", "attendance_percent": 100}),
        );
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            let id = Object::builder()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(1))
                .build();
            object.properties.insert("enrolment_id".into(), id.into());
            object.required.push("enrolment_id".into());
            object.description =
                Some("The enrolment and any subset of the fields of a PATCH of it.".into());
        }
        schema
    }
}

impl ToSchema for BulkItem {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <EnrolmentFields as ToSchema>::schemas(schemas);
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"enrolment_id": 1, "status": "attended", "attendance_percent": 100}]}))]
pub struct BulkUpdate {
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<BulkItem>)]
    #[validate(length(min = 1, max = 1000))]
    pub items: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    pub items: Vec<Enrolment>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentFilter {
    pub status: Option<EnrolmentStatus>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// The year (a completion counts in the year of its `completed_on`); default: this year.
    #[param(minimum = 1900, maximum = 2200)]
    #[validate(range(min = 1900, max = 2200))]
    pub year: Option<i32>,
}

/// One training in an employee's learning record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningItem {
    pub enrolment_id: EnrolmentId,
    pub training_id: TrainingId,
    pub title: String,
    pub form: Form,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The participant's completion day; null while not completed.
    pub completed_on: Option<NaiveDate>,
    /// JP credited for a completion; the training's JP for enrolments not (yet) completed.
    pub jp: i32,
    pub status: EnrolmentStatus,
    pub certificate_number: Option<String>,
}

/// An employee's year of learning against the JP target they are held to (API.md "Learning
/// record rules").
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningRecord {
    pub employee_id: EmployeeId,
    pub asn_type: AsnType,
    pub year: i32,
    /// JP credited by completions whose `completed_on` is in the year.
    pub jp_total: i64,
    /// The full-year minimum: `jp_target` for PNS, `jp_target_pppk` (null: none) for PPPK.
    pub jp_target: Option<i32>,
    /// The minimum pro-rated by `months_active`: ceil(`jp_target` × `months_active` / 12); 0
    /// without a minimum.
    pub jp_target_effective: i32,
    /// The months of the year on or after `appointed_on` not wholly inside exemptions.
    pub months_active: i32,
    /// PPPK: the most JP a year (`jp_cap_pppk`); null for PNS.
    pub jp_cap: Option<i32>,
    pub over_cap: bool,
    /// `jp_total` ≥ `jp_target_effective`.
    pub compliant: bool,
    pub items: Vec<LearningItem>,
}

crate::page_type!(EnrolmentPage = Enrolment);
