use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::exemptions;
use crate::types::{EmployeeId, ExemptionId};

crate::text_enum! {
    pub enum ExemptionKind {
        StudyLeave = "study_leave",
        UnpaidLeave = "unpaid_leave",
        MaternityLeave = "maternity_leave",
        LongLeave = "long_leave",
        Secondment = "secondment",
        Other = "other",
    }
}

/// A period in which an employee is not held to the JP target: a month wholly inside it does
/// not count towards their `months_active`.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = exemptions)]
pub struct Exemption {
    pub id: ExemptionId,
    pub employee_id: EmployeeId,
    pub kind: ExemptionKind,
    /// First day, inclusive.
    // The columns are `from_date`/`to_date` (`from` and `to` are SQL words): the asynchronous
    // read path (`db::resource::json_by_id`) names the JSON after the columns.
    #[diesel(column_name = from_date)]
    #[serde(alias = "from_date")]
    pub from: NaiveDate,
    /// Last day, inclusive.
    #[diesel(column_name = to_date)]
    #[serde(alias = "to_date")]
    pub to: NaiveDate,
    pub note: Option<String>,
    pub version: i64,
}

fn in_order(e: &ExemptionInput) -> Result<(), ValidationError> {
    crate::rules::in_order(Some(e.from), Some(e.to), "from", "to")
}

/// An exemption as written by staff, and the merged result of a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "in_order", skip_on_field_errors = false))]
#[diesel(table_name = exemptions, treat_none_as_null = true)]
#[schema(example = json!({"kind": "study_leave", "from": "2026-08-01", "to": "2026-10-31", "note": "Tugas belajar S2 Universitas Bangka Belitung"}))]
pub struct ExemptionInput {
    pub kind: ExemptionKind,
    #[diesel(column_name = from_date)]
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: NaiveDate,
    /// Not before `from`.
    #[diesel(column_name = to_date)]
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: NaiveDate,
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub note: Option<String>,
}

crate::patch_schema!(
    ExemptionPatch = ExemptionInput,
    serde_json::json!({"to": "2026-11-30"})
);

/// An employee's exemptions have no filter beyond the employee in the path.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExemptionFilter {}

crate::page_type!(ExemptionPage = Exemption);
