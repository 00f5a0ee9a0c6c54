use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::improvement_actions;
use crate::types::{ImprovementActionId, ProgrammeId, TrainingId};

crate::text_enum! {
    /// What a flag of the training evaluation is about: an aspect, the overall mean or the NPS.
    pub enum FlagAspect {
        Material = "material",
        Method = "method",
        Trainer = "trainer",
        Facilities = "facilities",
        Relevance = "relevance",
        Organisation = "organisation",
        Overall = "overall",
        Nps = "nps",
    }
}

crate::text_enum! {
    pub enum ActionStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        /// Decided against: the flag counts as unaddressed again.
        Dropped = "dropped",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = improvement_actions)]
pub struct ImprovementAction {
    pub id: ImprovementActionId,
    /// The training whose evaluation raised the flag.
    pub training_id: TrainingId,
    pub aspect: FlagAspect,
    /// What the evaluation showed.
    pub finding: String,
    /// What is done about it.
    pub action: String,
    /// Who is responsible.
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    /// The later run where the change should show.
    pub next_training_id: Option<TrainingId>,
    /// What came of it.
    pub outcome_note: Option<String>,
    pub version: i64,
}

fn other_run(a: &ImprovementActionInput) -> Result<(), ValidationError> {
    if a.next_training_id == Some(a.training_id) {
        return Err(ValidationError::new("next_training_id")
            .with_message("must be another training than training_id".into()));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "other_run", skip_on_field_errors = false))]
#[diesel(table_name = improvement_actions, treat_none_as_null = true)]
#[schema(example = json!({"training_id": 1, "aspect": "method", "finding": "62% peserta tidak puas dengan metode ceramah.", "action": "Ganti ceramah dengan studi kasus dan simulasi pelayanan.", "owner": "Bidang Pengembangan Kompetensi", "due_on": "2027-02-28", "status": "open", "next_training_id": null, "outcome_note": null}))]
pub struct ImprovementActionInput {
    #[schema(minimum = 1)]
    pub training_id: TrainingId,
    pub aspect: FlagAspect,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub finding: String,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub action: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub owner: Option<String>,
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub due_on: Option<NaiveDate>,
    #[serde(default = "open")]
    #[schema(default = "open")]
    pub status: ActionStatus,
    /// Another training, starting after this one.
    #[schema(minimum = 1)]
    pub next_training_id: Option<TrainingId>,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub outcome_note: Option<String>,
}

fn open() -> ActionStatus {
    ActionStatus::Open
}

crate::patch_schema!(
    ImprovementActionPatch = ImprovementActionInput,
    serde_json::json!({"status": "done", "outcome_note": "Angkatan II: ketidakpuasan metode turun ke 10%."})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ImprovementActionFilter {
    pub training_id: Option<TrainingId>,
    /// Actions on the runs of this programme.
    pub programme_id: Option<ProgrammeId>,
    pub status: Option<ActionStatus>,
}

crate::page_type!(ImprovementActionPage = ImprovementAction);
