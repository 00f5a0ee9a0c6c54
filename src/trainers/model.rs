use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::trainers;
use crate::partners::model::phone_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainerKind {
    Internal,
    External,
}

impl TrainerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrainerKind::Internal => "internal",
            TrainerKind::External => "external",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trainers)]
pub struct TrainerRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub employee_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub bio: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A trainer, speaker or instructor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Trainer {
    pub id: i64,
    pub name: String,
    pub kind: TrainerKind,
    /// The employee an internal trainer is.
    pub employee_id: Option<i64>,
    /// The partner an external trainer comes from.
    pub partner_id: Option<i64>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Competencies the trainer can teach.
    pub competency_ids: Vec<i64>,
    pub bio: Option<String>,
    pub active: bool,
    pub version: i64,
}

impl Trainer {
    pub fn from_row(r: TrainerRow, competency_ids: Vec<i64>) -> Self {
        Trainer {
            id: r.id,
            kind: if r.kind == "internal" {
                TrainerKind::Internal
            } else {
                TrainerKind::External
            },
            name: r.name,
            employee_id: r.employee_id,
            partner_id: r.partner_id,
            email: r.email,
            phone: r.phone,
            competency_ids,
            bio: r.bio,
            active: r.active,
            version: r.version,
        }
    }
}

fn binding(t: &TrainerInput) -> Result<(), ValidationError> {
    match (t.kind, t.employee_id) {
        (TrainerKind::Internal, None) => Err(ValidationError::new("employee_id")
            .with_message("an internal trainer must name the employee".into())),
        (TrainerKind::External, Some(_)) => Err(ValidationError::new("employee_id")
            .with_message("only internal trainers are employees".into())),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "binding", skip_on_field_errors = false))]
pub struct TrainerInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Dr. Hendra Saputra, M.Si."
    )]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: TrainerKind,
    /// Required for `internal`, absent for `external`.
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub employee_id: Option<i64>,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub partner_id: Option<i64>,
    #[schema(min_length = 3, max_length = 254, format = Email)]
    #[validate(email, length(min = 3, max = 254))]
    pub email: Option<String>,
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^\+?[0-9][0-9 ()-]{2,31}$"
    )]
    #[validate(custom(function = "phone_number"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    pub competency_ids: Vec<i64>,
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub bio: Option<String>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TrainerPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub kind: Option<TrainerKind>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub employee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub partner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 3, max_length = 254, format = Email, nullable)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^\+?[0-9][0-9 ()-]{2,31}$",
        nullable
    )]
    pub phone: Option<Option<String>>,
    #[schema(nullable = false, max_items = 100)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub competency_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 4000, nullable)]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

impl TrainerPatch {
    pub fn apply(self, t: Trainer) -> TrainerInput {
        TrainerInput {
            name: self.name.unwrap_or(t.name),
            kind: self.kind.unwrap_or(t.kind),
            employee_id: self.employee_id.unwrap_or(t.employee_id),
            partner_id: self.partner_id.unwrap_or(t.partner_id),
            email: self.email.unwrap_or(t.email),
            phone: self.phone.unwrap_or(t.phone),
            competency_ids: self.competency_ids.unwrap_or(t.competency_ids),
            bio: self.bio.unwrap_or(t.bio),
            active: self.active.unwrap_or(t.active),
        }
    }
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = trainers, treat_none_as_null = true)]
pub struct TrainerChanges {
    pub name: String,
    pub kind: String,
    pub employee_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub bio: Option<String>,
    pub active: bool,
}

impl From<&TrainerInput> for TrainerChanges {
    fn from(t: &TrainerInput) -> Self {
        TrainerChanges {
            name: t.name.clone(),
            kind: t.kind.as_str().into(),
            employee_id: t.employee_id,
            partner_id: t.partner_id,
            email: t.email.clone(),
            phone: t.phone.clone(),
            bio: t.bio.clone(),
            active: t.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TrainerFilter {
    pub kind: Option<TrainerKind>,
    pub partner_id: Option<i64>,
    /// Trainers who can teach this competency.
    pub competency_id: Option<i64>,
    pub active: Option<bool>,
    /// Case-insensitive search in the name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}
