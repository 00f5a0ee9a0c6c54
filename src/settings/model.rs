use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::schema::settings;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = settings)]
pub struct SettingsRow {
    pub jp_target: i32,
    pub dissatisfaction_threshold: f64,
    pub min_group_size: i32,
    pub feedback_window_days: i32,
    pub jpm_optimal_min: i32,
    pub jpm_cukup_min: i32,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// The programme's configurable policy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// Yearly lesson hours every civil servant is owed (PP 17/2020: 20).
    pub jp_target: i32,
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

impl From<SettingsRow> for Settings {
    fn from(r: SettingsRow) -> Self {
        Settings {
            jp_target: r.jp_target,
            dissatisfaction_threshold: r.dissatisfaction_threshold,
            min_group_size: r.min_group_size,
            feedback_window_days: r.feedback_window_days,
            jpm_optimal_min: r.jpm_optimal_min,
            jpm_cukup_min: r.jpm_cukup_min,
            version: r.version,
        }
    }
}

fn bands_in_order(s: &SettingsValues) -> Result<(), ValidationError> {
    if s.jpm_cukup_min > s.jpm_optimal_min {
        return Err(ValidationError::new("jpm_cukup_min")
            .with_message("must not be above jpm_optimal_min".into()));
    }
    Ok(())
}

/// The writable values, validated as a whole after a PATCH is applied.
#[derive(Debug, Clone, AsChangeset, Validate)]
#[diesel(table_name = settings)]
#[validate(schema(function = "bands_in_order", skip_on_field_errors = false))]
pub struct SettingsValues {
    #[validate(range(min = 1, max = 1000))]
    pub jp_target: i32,
    #[validate(range(min = 0.0, max = 1.0))]
    pub dissatisfaction_threshold: f64,
    #[validate(range(min = 1, max = 1000))]
    pub min_group_size: i32,
    #[validate(range(min = 0, max = 3650))]
    pub feedback_window_days: i32,
    #[validate(range(min = 0, max = 100))]
    pub jpm_optimal_min: i32,
    #[validate(range(min = 0, max = 100))]
    pub jpm_cukup_min: i32,
}

/// Any subset of the settings.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[schema(nullable = false, minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub jp_target: Option<i32>,
    #[schema(nullable = false, minimum = 0.0, maximum = 1.0)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub dissatisfaction_threshold: Option<f64>,
    #[schema(nullable = false, minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub min_group_size: Option<i32>,
    #[schema(nullable = false, minimum = 0, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub feedback_window_days: Option<i32>,
    #[schema(nullable = false, minimum = 0, maximum = 100)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub jpm_optimal_min: Option<i32>,
    /// Not above `jpm_optimal_min`.
    #[schema(nullable = false, minimum = 0, maximum = 100)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub jpm_cukup_min: Option<i32>,
}

impl SettingsPatch {
    pub fn apply(self, s: &Settings) -> SettingsValues {
        SettingsValues {
            jp_target: self.jp_target.unwrap_or(s.jp_target),
            dissatisfaction_threshold: self
                .dissatisfaction_threshold
                .unwrap_or(s.dissatisfaction_threshold),
            min_group_size: self.min_group_size.unwrap_or(s.min_group_size),
            feedback_window_days: self.feedback_window_days.unwrap_or(s.feedback_window_days),
            jpm_optimal_min: self.jpm_optimal_min.unwrap_or(s.jpm_optimal_min),
            jpm_cukup_min: self.jpm_cukup_min.unwrap_or(s.jpm_cukup_min),
        }
    }
}
