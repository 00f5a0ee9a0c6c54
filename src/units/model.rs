use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::units;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// An organisational unit (OPD or sub-unit).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
    pub version: i64,
}

impl From<UnitRow> for Unit {
    fn from(r: UnitRow) -> Self {
        Unit {
            id: r.id,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            active: r.active,
            version: r.version,
        }
    }
}

/// A unit with its sub-units, recursively.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitTree {
    pub id: i64,
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

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
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
    /// The parent unit; null for a top-level OPD.
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub parent_id: Option<i64>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
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
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

impl UnitPatch {
    pub fn apply(self, current: Unit) -> UnitInput {
        UnitInput {
            code: self.code.unwrap_or(current.code),
            name: self.name.unwrap_or(current.name),
            parent_id: self.parent_id.unwrap_or(current.parent_id),
            active: self.active.unwrap_or(current.active),
        }
    }
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = units, treat_none_as_null = true)]
pub struct UnitChanges {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

impl From<&UnitInput> for UnitChanges {
    fn from(u: &UnitInput) -> Self {
        UnitChanges {
            code: u.code.clone(),
            name: u.name.clone(),
            parent_id: u.parent_id,
            active: u.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Case-insensitive search in code and name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
    /// Direct children of this unit.
    pub parent_id: Option<i64>,
}
