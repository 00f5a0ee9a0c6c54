use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::trainers;
use crate::types::{CompetencyId, EmployeeId, JsonText, PartnerId, TrainerId};

crate::text_enum! {
    pub enum TrainerKind {
        Internal = "internal",
        External = "external",
    }
}

crate::text_enum! {
    pub enum QualificationKind {
        /// Training of trainers.
        Tot = "tot",
        Widyaiswara = "widyaiswara",
        Assessor = "assessor",
        CertifiedInstructor = "certified_instructor",
        Other = "other",
    }
}

fn qualification_dates(q: &Qualification) -> Result<(), ValidationError> {
    crate::rules::in_order(Some(q.issued_on), q.expires_on, "issued_on", "expires_on")
}

/// What qualifies a trainer to teach: a ToT, widyaiswara or assessor certificate …, for a
/// competency and level where it names one; it counts from `issued_on` until `expires_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "qualification_dates", skip_on_field_errors = false))]
pub struct Qualification {
    pub kind: QualificationKind,
    #[schema(minimum = 1)]
    pub competency_id: Option<CompetencyId>,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub level: Option<i32>,
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub issued_on: chrono::NaiveDate,
    /// Not before `issued_on`; null for one that does not expire.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub expires_on: Option<chrono::NaiveDate>,
}

/// A trainer, speaker or instructor.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = trainers)]
pub struct Trainer {
    pub id: TrainerId,
    pub name: String,
    pub kind: TrainerKind,
    /// The employee an internal trainer is.
    pub employee_id: Option<EmployeeId>,
    /// The partner an external trainer comes from.
    pub partner_id: Option<PartnerId>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Competencies the trainer can teach.
    #[schema(value_type = Vec<i64>)]
    pub competency_ids: JsonText<Vec<CompetencyId>>,
    pub bio: Option<String>,
    pub active: bool,
    pub version: i64,
    #[schema(value_type = Vec<Qualification>)]
    pub qualifications: JsonText<Vec<Qualification>>,
    /// The JP a month the trainer can take on; null when not agreed.
    pub max_jp_per_month: Option<i32>,
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "binding", skip_on_field_errors = false))]
#[diesel(table_name = trainers, treat_none_as_null = true)]
#[schema(example = json!({"name": "Dr. Hendra Saputra, M.Si.", "kind": "external", "employee_id": null, "partner_id": 1, "email": "hendra.saputra@ubb.ac.id", "phone": "+62 812 7788 1020", "competency_ids": [1], "bio": "Dosen administrasi publik; fasilitator pelatihan pelayanan publik.", "active": true}))]
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
    pub employee_id: Option<EmployeeId>,
    #[schema(minimum = 1)]
    pub partner_id: Option<PartnerId>,
    #[schema(min_length = 3, max_length = 254, format = Email)]
    #[validate(email, length(min = 3, max = 254))]
    pub email: Option<String>,
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^\+?[0-9][0-9 ()-]{2,31}$"
    )]
    #[validate(custom(function = "crate::rules::phone_number"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    #[diesel(skip_insertion, skip_update)]
    pub competency_ids: Vec<CompetencyId>,
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub bio: Option<String>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[diesel(skip_insertion, skip_update)]
    pub qualifications: Vec<Qualification>,
    #[schema(minimum = 1, maximum = 500)]
    #[validate(range(min = 1, max = 500))]
    pub max_jp_per_month: Option<i32>,
}

crate::patch_schema!(
    TrainerPatch = TrainerInput,
    serde_json::json!({"phone": "+62 812 7788 1020"})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TrainerFilter {
    pub kind: Option<TrainerKind>,
    pub partner_id: Option<PartnerId>,
    /// Trainers who can teach this competency.
    pub competency_id: Option<CompetencyId>,
    pub active: Option<bool>,
    /// Case-insensitive search in the name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

crate::page_type!(TrainerPage = Trainer);
