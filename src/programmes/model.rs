use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::programmes;
use crate::types::{CompetencyId, JsonText, ProgrammeId};

/// A recurring programme; its runs are the trainings with its `programme_id`.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: ProgrammeId,
    /// Unique.
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// The competencies the programme develops.
    #[schema(value_type = Vec<i64>)]
    pub competency_ids: JsonText<Vec<CompetencyId>>,
    pub version: i64,
}

/// A programme as written by a client (create), and the merged result of a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = programmes, treat_none_as_null = true)]
#[schema(example = json!({"code": "PPP", "name": "Pelatihan Pelayanan Publik Prima", "description": "Diselenggarakan setiap tahun dalam beberapa angkatan.", "competency_ids": [1]}))]
pub struct ProgrammeInput {
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]+$",
        example = "PPP"
    )]
    #[validate(
        length(min = 1, max = 32),
        custom(function = "crate::units::model::code_chars")
    )]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    #[diesel(skip_insertion, skip_update)]
    pub competency_ids: Vec<CompetencyId>,
}

crate::patch_schema!(
    ProgrammePatch = ProgrammeInput,
    serde_json::json!({"description": "Dua angkatan per tahun."})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeFilter {
    /// Case-insensitive search in code and name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub competency_id: Option<CompetencyId>,
}

crate::page_type!(ProgrammePage = Programme);
