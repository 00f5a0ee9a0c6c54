use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::assessments::model::Method;
use crate::db::schema::settings;
use crate::trainings::model::Form;
use crate::types::JsonText;

/// The programme's configurable policy.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = settings)]
pub struct Settings {
    /// Yearly lesson hours every civil servant is owed (PP 17/2020: 20).
    pub jp_target: i32,
    /// A yearly minimum for PPPK; null: none (PPPK are held to a cap, not a minimum).
    pub jp_target_pppk: Option<i32>,
    /// The most JP a PPPK is sent to per contract year (PP 49/2018 art. 40: 24).
    pub jp_cap_pppk: i32,
    /// Most JP a classical training may hold per day (DOMAIN.md: 8–10 lesson hours a day).
    pub max_jp_per_day: i32,
    /// A classical completion with recorded attendance needs at least this percentage.
    pub min_attendance_percent: i32,
    /// Days after a non-classical training's end within which a completion may still be dated.
    pub late_completion_days: i32,
    /// An aspect is flagged when its share of 1–2 ratings is greater than this ("most": 0.5).
    pub dissatisfaction_threshold: f64,
    /// `overall` is flagged when a training's overall mean is below this.
    pub flag_overall_below: f64,
    /// `nps` is flagged when a training's NPS is below this.
    pub flag_nps_below: f64,
    /// Feedback groups smaller than this are reported as counts only.
    pub min_group_size: i32,
    /// Days after a training's end during which feedback is accepted.
    pub feedback_window_days: i32,
    /// Days after a completion during which the participant files their action plan.
    pub action_plan_days: i32,
    /// Days after a completion from which the plan may be reviewed (behaviour has had time to
    /// change).
    pub transfer_review_after_days: i32,
    /// JPM at or above this is `optimal`.
    pub jpm_optimal_min: i32,
    /// JPM at or above this (and below optimal) is `cukup_optimal`.
    pub jpm_cukup_min: i32,
    /// The assessment methods whose results set the current level, the gaps and the JPM; the
    /// others are recorded and shown beside them.
    #[schema(value_type = Vec<Method>)]
    pub jpm_methods: JsonText<Vec<Method>>,
    /// How a completion's certificate number is made: `{year}` (of the completion),
    /// `{training_id}`, `{enrolment_id}`, `{seq}` or `{seq:04}` (the training's certificates in
    /// issue order, zero-padded to the width given).
    pub certificate_number_format: String,
    /// Where the public verification is reached: a certificate's QR code holds
    /// `<public_base_url>/verify/<verification_code>`; null: this service's own `/api/v1`, as
    /// the request that made the certificate reached it.
    pub public_base_url: Option<String>,
    /// The organiser named in SIASN records of trainings without a partner.
    pub institution_name: String,
    /// SIASN's id of this instansi, sent with every course record.
    pub siasn_instansi_id: Option<String>,
    /// SIASN's certificate-type code (jenis kursus sertipikat), sent with every course record.
    pub siasn_certificate_type: Option<String>,
    /// SIASN's jenisDiklatId per form of training, for trainings that set none.
    #[schema(value_type = CourseTypeByForm)]
    pub siasn_course_type_by_form: JsonText<CourseTypeByForm>,
    pub version: i64,
}

/// SIASN's jenisDiklatId per form of training (DOMAIN.md lists the values seen in use).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CourseTypeByForm {
    #[validate(range(min = 1, max = 99))]
    pub pelatihan: i32,
    #[validate(range(min = 1, max = 99))]
    pub kursus: i32,
    #[validate(range(min = 1, max = 99))]
    pub bimtek: i32,
    #[validate(range(min = 1, max = 99))]
    pub workshop: i32,
    #[validate(range(min = 1, max = 99))]
    pub seminar: i32,
    #[validate(range(min = 1, max = 99))]
    pub sosialisasi: i32,
    #[validate(range(min = 1, max = 99))]
    pub magang: i32,
    #[validate(range(min = 1, max = 99))]
    pub e_learning: i32,
    #[validate(range(min = 1, max = 99))]
    pub coaching: i32,
    #[validate(range(min = 1, max = 99))]
    pub mentoring: i32,
    #[validate(range(min = 1, max = 99))]
    pub other: i32,
}

impl CourseTypeByForm {
    pub fn of(&self, form: Form) -> i32 {
        match form {
            Form::Pelatihan => self.pelatihan,
            Form::Kursus => self.kursus,
            Form::Bimtek => self.bimtek,
            Form::Workshop => self.workshop,
            Form::Seminar => self.seminar,
            Form::Sosialisasi => self.sosialisasi,
            Form::Magang => self.magang,
            Form::ELearning => self.e_learning,
            Form::Coaching => self.coaching,
            Form::Mentoring => self.mentoring,
            Form::Other => self.other,
        }
    }
}

/// The schema of `jpm_methods`: 1..5 methods, each at most once (`uniqueItems`, which the
/// derive's attributes cannot say).
fn method_set() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("Method"))
        .min_items(Some(1))
        .max_items(Some(5))
        .unique_items(true)
        .description(Some("At least one, each once."))
        .build()
}

/// What the schema's pattern for `public_base_url` says: `http(s)://host[/path]`, no query,
/// fragment, white space or trailing slash.
fn base_url(url: &str) -> Result<(), ValidationError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    let host = rest.split('/').next().unwrap_or("");
    let clean = !rest
        .chars()
        .any(|c| c.is_whitespace() || c == '?' || c == '#');
    if !host.is_empty() && clean && !rest.ends_with('/') {
        Ok(())
    } else {
        Err(ValidationError::new("public_base_url").with_message(
            "must be an http or https URL without query, fragment or trailing slash".into(),
        ))
    }
}

fn once_each(methods: &[Method]) -> Result<(), ValidationError> {
    crate::rules::distinct(methods.iter().copied(), "jpm_methods", "method")
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
#[diesel(table_name = settings, treat_none_as_null = true)]
#[validate(schema(function = "bands_in_order", skip_on_field_errors = false))]
pub struct SettingsValues {
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp_target: i32,
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp_target_pppk: Option<i32>,
    #[schema(minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub jp_cap_pppk: i32,
    /// A day has 24 hours; a lesson hour (JP) is 45 minutes.
    #[schema(minimum = 1, maximum = 24)]
    #[validate(range(min = 1, max = 24))]
    pub max_jp_per_day: i32,
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub min_attendance_percent: i32,
    #[schema(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub late_completion_days: i32,
    #[schema(minimum = 0.0, maximum = 1.0)]
    #[validate(range(min = 0.0, max = 1.0))]
    pub dissatisfaction_threshold: f64,
    /// 1..5, on the Likert scale of `overall`.
    #[schema(minimum = 1.0, maximum = 5.0)]
    #[validate(range(min = 1.0, max = 5.0))]
    pub flag_overall_below: f64,
    /// −100..100, on the NPS scale.
    #[schema(minimum = -100.0, maximum = 100.0)]
    #[validate(range(min = -100.0, max = 100.0))]
    pub flag_nps_below: f64,
    /// Not below 3: smaller groups would expose individual answers.
    #[schema(minimum = 3, maximum = 1000)]
    #[validate(range(min = 3, max = 1000))]
    pub min_group_size: i32,
    #[schema(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub feedback_window_days: i32,
    #[schema(minimum = 1, maximum = 3650)]
    #[validate(range(min = 1, max = 3650))]
    pub action_plan_days: i32,
    #[schema(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub transfer_review_after_days: i32,
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub jpm_optimal_min: i32,
    /// Not above `jpm_optimal_min`.
    #[schema(minimum = 0, maximum = 100)]
    #[validate(range(min = 0, max = 100))]
    pub jpm_cukup_min: i32,
    /// At least one, each once.
    #[schema(schema_with = method_set)]
    #[validate(length(min = 1, max = 5), custom(function = "once_each"))]
    #[diesel(skip_update)]
    pub jpm_methods: Vec<Method>,
    /// Placeholders `{year}`, `{training_id}`, `{enrolment_id}`, `{seq}`, `{seq:0N}` (N 1..9);
    /// `{enrolment_id}`, or both `{training_id}` and a `{seq}`, so that numbers are unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "{year}/{training_id}/{seq:04}"
    )]
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::certificates::number::check_format")
    )]
    pub certificate_number_format: String,
    /// An `http` or `https` URL without a trailing slash.
    #[schema(
        max_length = 200,
        pattern = r"^https?://[^\s/?#]+(/[^\s?#]*[^\s?#/])?$"
    )]
    #[validate(length(max = 200), custom(function = "base_url"))]
    pub public_base_url: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub institution_name: String,
    #[schema(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub siasn_instansi_id: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub siasn_certificate_type: Option<String>,
    /// Every form, each 1..99.
    #[validate(nested)]
    #[diesel(skip_update)]
    pub siasn_course_type_by_form: CourseTypeByForm,
}

crate::patch_schema!(
    SettingsPatch = SettingsValues,
    serde_json::json!({"feedback_window_days": 30})
);
