use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::competencies;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompetencyKind {
    Technical,
    Managerial,
    SocioCultural,
}

impl CompetencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CompetencyKind::Technical => "technical",
            CompetencyKind::Managerial => "managerial",
            CompetencyKind::SocioCultural => "socio_cultural",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Technical, Self::Managerial, Self::SocioCultural]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

fn indicators(list: &[String]) -> Result<(), ValidationError> {
    if list.iter().all(|i| (1..=500).contains(&i.chars().count())) {
        Ok(())
    } else {
        Err(ValidationError::new("indicators")
            .with_message("each indicator must be 1 to 500 characters long".into()))
    }
}

/// One proficiency level with its description and behaviour indicators.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Level {
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub level: i32,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// Observable behaviours at this level (each 1..500 characters).
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), custom(function = "indicators"))]
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = competencies)]
pub struct CompetencyRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub field: Option<String>,
    pub description: Option<String>,
    pub levels: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A competency of the dictionary.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Competency {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: CompetencyKind,
    /// The area (urusan/bidang) of a technical competency.
    pub field: Option<String>,
    pub description: Option<String>,
    pub levels: Vec<Level>,
    pub active: bool,
    pub version: i64,
}

impl From<CompetencyRow> for Competency {
    fn from(r: CompetencyRow) -> Self {
        Competency {
            id: r.id,
            kind: CompetencyKind::parse(&r.kind).unwrap_or(CompetencyKind::Technical),
            code: r.code,
            name: r.name,
            field: r.field,
            description: r.description,
            levels: serde_json::from_str(&r.levels).unwrap_or_default(),
            active: r.active,
            version: r.version,
        }
    }
}

fn levels_one_to_five(c: &CompetencyInput) -> Result<(), ValidationError> {
    if c.levels.is_empty() {
        return Ok(());
    }
    let mut seen: Vec<i32> = c.levels.iter().map(|l| l.level).collect();
    seen.sort_unstable();
    if seen == [1, 2, 3, 4, 5] {
        Ok(())
    } else {
        Err(ValidationError::new("levels")
            .with_message("must hold exactly the levels 1, 2, 3, 4 and 5, each once".into()))
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "levels_one_to_five", skip_on_field_errors = false))]
pub struct CompetencyInput {
    /// Unique code, e.g. `M.01`.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]+$",
        example = "M.01"
    )]
    #[validate(
        length(min = 1, max = 32),
        custom(function = "crate::units::model::code_chars")
    )]
    pub code: String,
    #[schema(min_length = 1, max_length = 200, example = "Integritas")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: CompetencyKind,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub field: Option<String>,
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub description: Option<String>,
    /// Empty, or exactly the levels 1..5 each once.
    #[serde(default)]
    #[schema(max_items = 5)]
    #[validate(length(max = 5), nested)]
    pub levels: Vec<Level>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CompetencyPatch {
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]+$"
    )]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub code: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub kind: Option<CompetencyKind>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 200, nullable)]
    pub field: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 4000, nullable)]
    pub description: Option<Option<String>>,
    #[schema(nullable = false, max_items = 5)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub levels: Option<Vec<Level>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

impl CompetencyPatch {
    pub fn apply(self, c: Competency) -> CompetencyInput {
        CompetencyInput {
            code: self.code.unwrap_or(c.code),
            name: self.name.unwrap_or(c.name),
            kind: self.kind.unwrap_or(c.kind),
            field: self.field.unwrap_or(c.field),
            description: self.description.unwrap_or(c.description),
            levels: self.levels.unwrap_or(c.levels),
            active: self.active.unwrap_or(c.active),
        }
    }
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = competencies, treat_none_as_null = true)]
pub struct CompetencyChanges {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub field: Option<String>,
    pub description: Option<String>,
    pub levels: String,
    pub active: bool,
}

impl From<&CompetencyInput> for CompetencyChanges {
    fn from(c: &CompetencyInput) -> Self {
        let mut levels = c.levels.clone();
        levels.sort_by_key(|l| l.level);
        CompetencyChanges {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            field: c.field.clone(),
            description: c.description.clone(),
            levels: serde_json::to_string(&levels).unwrap_or_else(|_| "[]".into()),
            active: c.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct CompetencyFilter {
    pub kind: Option<CompetencyKind>,
    /// Case-insensitive search in code and name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
}
