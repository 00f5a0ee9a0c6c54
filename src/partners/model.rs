use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::partners;
use crate::types::{CompetencyId, JsonText, PartnerId};

crate::text_enum! {
    pub enum PartnerKind {
        University = "university",
        Ngo = "ngo",
        Government = "government",
        Private = "private",
        Community = "community",
        Other = "other",
    }
}

/// A partner organisation delivering or supporting trainings.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = partners)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
    pub contact_person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub agreement_number: Option<String>,
    pub agreement_start: Option<NaiveDate>,
    pub agreement_end: Option<NaiveDate>,
    /// Competencies the partner can develop.
    #[schema(value_type = Vec<i64>)]
    pub competency_ids: JsonText<Vec<CompetencyId>>,
    pub active: bool,
    pub notes: Option<String>,
    pub version: i64,
}

fn agreement_dates(p: &PartnerInput) -> Result<(), ValidationError> {
    crate::rules::in_order(
        p.agreement_start,
        p.agreement_end,
        "agreement_start",
        "agreement_end",
    )
}

/// A partner as written by a client (create), and the merged result of a PATCH, validated alike.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "agreement_dates", skip_on_field_errors = false))]
#[diesel(table_name = partners, treat_none_as_null = true)]
#[schema(example = json!({"name": "Universitas Pertiba", "kind": "university", "contact_person": "Dr. Yuliana Sari", "email": "kerjasama@pertiba.ac.id", "phone": "+62 717 438 455", "address": "Jl. Adhyaksa No. 9, Pangkalpinang", "website": "https://www.pertiba.ac.id", "agreement_number": "PKS/012/BKPSDM/2026", "agreement_start": "2026-01-15", "agreement_end": "2028-01-14", "competency_ids": [1], "active": true, "notes": null}))]
pub struct PartnerInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Universitas Bangka Belitung"
    )]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: PartnerKind,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub contact_person: Option<String>,
    #[schema(min_length = 3, max_length = 254, format = Email)]
    #[validate(email, length(min = 3, max = 254))]
    pub email: Option<String>,
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^\+?[0-9][0-9 ()-]{2,31}$",
        example = "+62 717 422145"
    )]
    #[validate(custom(function = "crate::rules::phone_number"))]
    pub phone: Option<String>,
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub address: Option<String>,
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$",
        example = "https://www.ubb.ac.id"
    )]
    #[validate(length(min = 8, max = 500), custom(function = "crate::rules::web_url"))]
    pub website: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub agreement_number: Option<String>,
    /// Start of the cooperation agreement (MoU/PKS).
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub agreement_start: Option<NaiveDate>,
    /// End of the agreement; not before `agreement_start`.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub agreement_end: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    #[diesel(skip_insertion, skip_update)]
    pub competency_ids: Vec<CompetencyId>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub notes: Option<String>,
}

crate::patch_schema!(
    PartnerPatch = PartnerInput,
    serde_json::json!({"phone": "+62 717 438 455"})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PartnerFilter {
    pub kind: Option<PartnerKind>,
    /// Case-insensitive search in name, contact person and agreement number.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
    /// Agreements ending between today and this many days from now.
    #[param(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub agreement_expiring_within_days: Option<i64>,
}

crate::page_type!(PartnerPage = Partner);
