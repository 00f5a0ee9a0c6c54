use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::units;
use crate::types::UnitId;

/// How deep the unit tree may go: an OPD and nine levels of sub-units under it.
pub const MAX_DEPTH: usize = 10;

/// An organisational unit (OPD or sub-unit).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub active: bool,
    pub version: i64,
}

/// A unit with its sub-units, recursively.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitTree {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub active: bool,
    #[schema(no_recursion)]
    pub children: Vec<UnitTree>,
}

pub fn code_chars(v: &str) -> Result<(), ValidationError> {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(ValidationError::new("code")
            .with_message("may contain only letters, digits, `.`, `_` and `-`".into()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = units, treat_none_as_null = true)]
#[schema(example = json!({"code": "DISPORA", "name": "Dinas Pemuda dan Olahraga", "parent_id": null, "active": true}))]
pub struct UnitInput {
    /// Unique unit code.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[A-Za-z0-9._-]+$",
        example = "BKPSDM"
    )]
    #[validate(length(min = 1, max = 32), custom(function = "code_chars"))]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"
    )]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The parent unit; null for a top-level OPD. The tree is at most 10 levels deep.
    #[schema(minimum = 1)]
    pub parent_id: Option<UnitId>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

crate::patch_schema!(UnitPatch = UnitInput, serde_json::json!({"active": true}));

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Case-insensitive search in code and name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
    /// Direct children of this unit.
    pub parent_id: Option<UnitId>,
}

crate::page_type!(UnitPage = Unit);
