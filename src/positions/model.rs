use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::positions;
use crate::types::{CompetencyId, PositionId, UnitId};

crate::text_enum! {
    pub enum PositionKind {
        Jpt = "jpt",
        Administrator = "administrator",
        Pengawas = "pengawas",
        Pelaksana = "pelaksana",
        Fungsional = "fungsional",
    }
}

/// A position (jabatan).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = positions)]
pub struct Position {
    pub id: PositionId,
    pub name: String,
    pub kind: PositionKind,
    pub unit_id: Option<UnitId>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = positions, treat_none_as_null = true)]
#[schema(example = json!({"name": "Arsiparis Ahli Pertama Sekretariat Daerah", "kind": "fungsional", "unit_id": 1}))]
pub struct PositionInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Analis Kepegawaian Ahli Muda"
    )]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: PositionKind,
    #[schema(minimum = 1)]
    pub unit_id: Option<UnitId>,
}

crate::patch_schema!(
    PositionPatch = PositionInput,
    serde_json::json!({"name": "Kepala Sekretariat Daerah Kota Pangkalpinang"})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PositionFilter {
    pub kind: Option<PositionKind>,
    pub unit_id: Option<UnitId>,
    /// Case-insensitive search in the name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// One required level of a position's standard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, PartialEq, Eq, Queryable)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    #[schema(minimum = 1)]
    pub competency_id: CompetencyId,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub required_level: i32,
}

fn distinct_competencies(list: &[Standard]) -> Result<(), ValidationError> {
    crate::rules::distinct(
        list.iter().map(|s| s.competency_id),
        "standards",
        "competency",
    )
}

/// The whole standard of a position, replacing the previous one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(transparent)]
pub struct StandardSet {
    #[schema(max_items = 200)]
    #[validate(length(max = 200), nested, custom(function = "distinct_competencies"))]
    pub items: Vec<Standard>,
}

crate::page_type!(PositionPage = Position);
