use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::settings;

/// The programme's configurable policy.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = settings)]
pub struct Settings {
    /// Yearly lesson hours every civil servant is owed (PP 17/2020: 20).
    pub jp_target: i32,
    /// Most JP a classical training may hold per day (DOMAIN.md: 8–10 lesson hours a day).
    pub max_jp_per_day: i32,
    /// A classical completion with recorded attendance needs at least this percentage.
    pub min_attendance_percent: i32,
    /// An aspect is flagged when its share of 1–2 ratings reaches this.
    pub dissatisfaction_threshold: f64,
    /// Feedback groups smaller than this are reported as counts only.
    pub min_group_size: i32,
    /// Days after a training's end during which feedback is accepted.
    pub feedback_window_days: i32,
    /// JPM at or above this is `optimal`.
    pub jpm_optimal_min: i32,
    /// JPM at or above this (and below optimal) is `cukup_optimal`.
    pub jpm_cukup_min: i32,
    pub version: i64,
}

fn bands_in_order(s: &SettingsValues) -> Result<(), ValidationError> {
    if s.jpm_cukup_min > s.jpm_optimal_min {
        return Err(ValidationError::new("jpm_cukup_min")
            .with_message("must not be above jpm_optimal_min".into()));
    }
    Ok(())
}

/// The writable values, validated as a whole after a PATCH is applied.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, AsChangeset, Validate)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = settings)]
#[validate(schema(function = "bands_in_order", skip_on_field_errors = false))]
pub struct SettingsValues {
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp_target: i32,
    /// A day has 24 hours; a lesson hour (JP) is 45 minutes.
    #[schema(minimum = 1, maximum = 24)]
    #[validate(range(min = 1, max = 24))]
    pub max_jp_per_day: i32,
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub min_attendance_percent: i32,
    #[schema(minimum = 0.0, maximum = 1.0)]
    #[validate(range(min = 0.0, max = 1.0))]
    pub dissatisfaction_threshold: f64,
    /// Not below 3: smaller groups would expose individual answers.
    #[schema(minimum = 3, maximum = 1000)]
    #[validate(range(min = 3, max = 1000))]
    pub min_group_size: i32,
    #[schema(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub feedback_window_days: i32,
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub jpm_optimal_min: i32,
    /// Not above `jpm_optimal_min`.
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub jpm_cukup_min: i32,
}

crate::patch_schema!(
    SettingsPatch = SettingsValues,
    serde_json::json!({"feedback_window_days": 30})
);
