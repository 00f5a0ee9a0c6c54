use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::positions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionKind {
    Jpt,
    Administrator,
    Pengawas,
    Pelaksana,
    Fungsional,
}

impl PositionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionKind::Jpt => "jpt",
            PositionKind::Administrator => "administrator",
            PositionKind::Pengawas => "pengawas",
            PositionKind::Pelaksana => "pelaksana",
            PositionKind::Fungsional => "fungsional",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Jpt,
            Self::Administrator,
            Self::Pengawas,
            Self::Pelaksana,
            Self::Fungsional,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = positions)]
pub struct PositionRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub unit_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A position (jabatan).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Position {
    pub id: i64,
    pub name: String,
    pub kind: PositionKind,
    pub unit_id: Option<i64>,
    pub version: i64,
}

impl From<PositionRow> for Position {
    fn from(r: PositionRow) -> Self {
        Position {
            id: r.id,
            kind: PositionKind::parse(&r.kind).unwrap_or(PositionKind::Pelaksana),
            name: r.name,
            unit_id: r.unit_id,
            version: r.version,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
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
    #[validate(range(min = 1))]
    pub unit_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PositionPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub kind: Option<PositionKind>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub unit_id: Option<Option<i64>>,
}

impl PositionPatch {
    pub fn apply(self, p: Position) -> PositionInput {
        PositionInput {
            name: self.name.unwrap_or(p.name),
            kind: self.kind.unwrap_or(p.kind),
            unit_id: self.unit_id.unwrap_or(p.unit_id),
        }
    }
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = positions, treat_none_as_null = true)]
pub struct PositionChanges {
    pub name: String,
    pub kind: String,
    pub unit_id: Option<i64>,
}

impl From<&PositionInput> for PositionChanges {
    fn from(p: &PositionInput) -> Self {
        PositionChanges {
            name: p.name.clone(),
            kind: p.kind.as_str().into(),
            unit_id: p.unit_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PositionFilter {
    pub kind: Option<PositionKind>,
    pub unit_id: Option<i64>,
    /// Case-insensitive search in the name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// One required level of a position's standard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub competency_id: i64,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub required_level: i32,
}

fn distinct_competencies(list: &[Standard]) -> Result<(), ValidationError> {
    let mut ids: Vec<i64> = list.iter().map(|s| s.competency_id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    if ids.len() == before {
        Ok(())
    } else {
        Err(ValidationError::new("standards")
            .with_message("each competency may appear once".into()))
    }
}

/// The whole standard of a position, replacing the previous one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(transparent)]
pub struct StandardSet {
    #[schema(max_items = 200)]
    #[validate(length(max = 200), nested, custom(function = "distinct_competencies"))]
    pub items: Vec<Standard>,
}
