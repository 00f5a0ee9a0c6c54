use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::{plan_items, plans};
use crate::trainings::model::Form;
use crate::types::{CompetencyId, JsonText, PartnerId, PlanId, PlanItemId, TrainingId, UnitId};

crate::text_enum! {
    pub enum PlanStatus {
        Draft = "draft",
        Approved = "approved",
    }
}

/// The competency-development plan of one year.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = plans)]
pub struct Plan {
    pub id: PlanId,
    /// One plan per year.
    pub year: i32,
    pub title: String,
    pub status: PlanStatus,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = plans)]
#[schema(example = json!({"year": 2027, "title": "Rencana Pengembangan Kompetensi ASN Kota Pangkalpinang 2027", "status": "draft"}))]
pub struct PlanInput {
    #[schema(minimum = 1900, maximum = 2999, example = 2027)]
    #[validate(range(min = 1900, max = 2999))]
    pub year: i32,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// Default `draft`.
    #[serde(default = "draft")]
    pub status: PlanStatus,
}

fn draft() -> PlanStatus {
    PlanStatus::Draft
}

crate::patch_schema!(
    PlanPatch = PlanInput,
    serde_json::json!({"status": "approved"})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PlanFilter {
    #[param(minimum = 1900, maximum = 2999)]
    #[validate(range(min = 1900, max = 2999))]
    pub year: Option<i32>,
    pub status: Option<PlanStatus>,
}

crate::page_type!(PlanPage = Plan);

/// A unit's planned seats of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UnitSeats {
    #[schema(minimum = 1)]
    pub unit_id: UnitId,
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub seats: i32,
}

/// One item of a plan: a course or programme to run, and the trainings that realise it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = plan_items)]
pub struct AnnualPlanItem {
    pub id: PlanItemId,
    pub plan_id: PlanId,
    pub title: String,
    pub form: Option<Form>,
    /// Runs (angkatan) planned.
    pub runs: i32,
    /// Seats planned over all runs.
    pub seats: i32,
    /// Rupiah per seat.
    pub unit_cost: Option<i64>,
    /// Rupiah for the item; when not given, `unit_cost × seats`.
    pub budget: Option<i64>,
    #[schema(value_type = Vec<UnitSeats>)]
    pub seats_by_unit: JsonText<Vec<UnitSeats>>,
    #[schema(value_type = Vec<i64>)]
    pub competency_ids: JsonText<Vec<CompetencyId>>,
    #[schema(value_type = Vec<i64>)]
    pub partner_ids: JsonText<Vec<PartnerId>>,
    /// The trainings that realise the item (each training realises one item at most).
    #[schema(value_type = Vec<i64>)]
    pub training_ids: JsonText<Vec<TrainingId>>,
    pub version: i64,
}

fn item_consistent(i: &AnnualPlanItemInput) -> Result<(), ValidationError> {
    crate::rules::distinct(
        i.seats_by_unit.iter().map(|u| u.unit_id),
        "seats_by_unit",
        "unit",
    )?;
    let by_unit: i64 = i.seats_by_unit.iter().map(|u| i64::from(u.seats)).sum();
    if by_unit > i64::from(i.seats) {
        return Err(ValidationError::new("seats_by_unit")
            .with_message("the units' seats add up to more than the item's seats".into()));
    }
    Ok(())
}

/// An item as written by a client (create), and the merged result of a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "item_consistent", skip_on_field_errors = false))]
#[diesel(table_name = plan_items, treat_none_as_null = true)]
#[schema(example = json!({"title": "Pelatihan Pelayanan Publik Prima", "form": "pelatihan", "competency_ids": [1], "runs": 2, "seats": 60, "seats_by_unit": [{"unit_id": 1, "seats": 10}], "unit_cost": 750000, "budget": 45000000, "partner_ids": [1], "training_ids": []}))]
pub struct AnnualPlanItemInput {
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    pub form: Option<Form>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    #[diesel(skip_insertion, skip_update)]
    pub competency_ids: Vec<CompetencyId>,
    #[schema(minimum = 0, maximum = 1000)]
    #[validate(range(min = 0, max = 1000))]
    pub runs: i32,
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub seats: i32,
    /// At most the item's seats in all; each unit once.
    #[serde(default)]
    #[schema(max_items = 500)]
    #[validate(length(max = 500), nested)]
    #[diesel(skip_insertion, skip_update)]
    pub seats_by_unit: Vec<UnitSeats>,
    #[schema(minimum = 0)]
    #[validate(range(min = 0))]
    pub unit_cost: Option<i64>,
    #[schema(minimum = 0)]
    #[validate(range(min = 0))]
    pub budget: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    #[diesel(skip_insertion, skip_update)]
    pub partner_ids: Vec<PartnerId>,
    #[serde(default)]
    #[schema(max_items = 200)]
    #[validate(length(max = 200))]
    #[diesel(skip_insertion, skip_update)]
    pub training_ids: Vec<TrainingId>,
}

crate::patch_schema!(
    AnnualPlanItemPatch = AnnualPlanItemInput,
    serde_json::json!({"seats": 80, "budget": 60000000})
);
