use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::policies;
use crate::types::{CompetencyId, JsonText, PolicyId, PositionId};

/// A regulation that changes what staff must know.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = policies)]
pub struct Policy {
    pub id: PolicyId,
    pub title: String,
    /// The regulation's number, e.g. `UU 20/2023`.
    pub reference: String,
    pub issued_on: NaiveDate,
    pub effective_on: Option<NaiveDate>,
    pub summary: Option<String>,
    /// Days after `issued_on` by which the affected should be refreshed.
    pub refresher_due_days: i32,
    /// Holders of a position whose standard has one of these are affected.
    #[schema(value_type = Vec<i64>)]
    pub competency_ids: JsonText<Vec<CompetencyId>>,
    /// Holders of these positions are affected.
    #[schema(value_type = Vec<i64>)]
    pub position_ids: JsonText<Vec<PositionId>>,
    pub version: i64,
}

fn dates(p: &PolicyInput) -> Result<(), ValidationError> {
    crate::rules::in_order(
        Some(p.issued_on),
        p.effective_on,
        "issued_on",
        "effective_on",
    )
}

fn default_due_days() -> i32 {
    180
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "dates", skip_on_field_errors = false))]
#[diesel(table_name = policies, treat_none_as_null = true)]
#[schema(example = json!({"title": "Undang-Undang tentang Aparatur Sipil Negara", "reference": "UU 20/2023", "issued_on": "2023-10-31", "effective_on": "2023-10-31", "summary": "Manajemen ASN berbasis sistem merit; pengembangan kompetensi sebagai hak dan kewajiban.", "competency_ids": [1], "position_ids": [], "refresher_due_days": 180}))]
pub struct PolicyInput {
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub reference: String,
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub issued_on: NaiveDate,
    /// Not before `issued_on`.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub effective_on: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 5000)]
    #[validate(length(min = 1, max = 5000))]
    pub summary: Option<String>,
    /// Default 180.
    #[serde(default = "default_due_days")]
    #[schema(minimum = 0, maximum = 3650, default = 180)]
    #[validate(range(min = 0, max = 3650))]
    pub refresher_due_days: i32,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    #[diesel(skip_insertion, skip_update)]
    pub competency_ids: Vec<CompetencyId>,
    #[serde(default)]
    #[schema(max_items = 200)]
    #[validate(length(max = 200))]
    #[diesel(skip_insertion, skip_update)]
    pub position_ids: Vec<PositionId>,
}

crate::patch_schema!(
    PolicyPatch = PolicyInput,
    serde_json::json!({"refresher_due_days": 90})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PolicyFilter {
    /// Case-insensitive search in title and reference.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub competency_id: Option<CompetencyId>,
}

crate::page_type!(PolicyPage = Policy);

/// What `POST /policies/{id}/needs` opened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyNeeds {
    pub policy_id: PolicyId,
    pub created: i64,
}
