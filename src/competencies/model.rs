use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::competencies;
use crate::types::{CompetencyId, JsonText, RawJson};

crate::text_enum! {
    pub enum CompetencyKind {
        Technical = "technical",
        Managerial = "managerial",
        SocioCultural = "socio_cultural",
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

/// A competency of the dictionary.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = competencies)]
pub struct Competency {
    pub id: CompetencyId,
    pub code: String,
    pub name: String,
    pub kind: CompetencyKind,
    /// The area (urusan/bidang) of a technical competency.
    pub field: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Vec<Level>)]
    pub levels: RawJson<Vec<Level>>,
    pub active: bool,
    pub version: i64,
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "levels_one_to_five", skip_on_field_errors = false))]
#[diesel(table_name = competencies, treat_none_as_null = true)]
#[schema(example = json!({"code": "T.90", "name": "Pengelolaan Arsip Dinamis", "kind": "technical", "field": "Kearsipan", "description": "Pengelolaan arsip aktif dan inaktif sesuai tata naskah dinas.", "levels": [{"level": 1, "description": "Memahami jenis dan tata naskah dinas.", "indicators": ["Mengenali jenis naskah dinas"]}, {"level": 2, "description": "Mencatat dan menata arsip aktif unit kerja.", "indicators": []}, {"level": 3, "description": "Menyusun daftar arsip dan jadwal retensi.", "indicators": []}, {"level": 4, "description": "Mengevaluasi pengelolaan arsip antarunit.", "indicators": []}, {"level": 5, "description": "Merumuskan kebijakan kearsipan daerah.", "indicators": []}], "active": true}))]
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
    #[diesel(skip_insertion, skip_update)]
    pub levels: Vec<Level>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

crate::patch_schema!(
    CompetencyPatch = CompetencyInput,
    serde_json::json!({"active": true})
);

impl CompetencyInput {
    /// The levels as stored: JSON, in level order.
    pub fn levels_text(&self) -> String {
        let mut levels = self.levels.clone();
        levels.sort_by_key(|l| l.level);
        JsonText::to_text(&levels)
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

crate::page_type!(CompetencyPage = Competency);
