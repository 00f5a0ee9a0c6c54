use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::trainings;
use crate::partners::model::web_url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Pelatihan,
    Seminar,
    Workshop,
    Kursus,
    Bimtek,
    Sosialisasi,
    ELearning,
    Coaching,
    Mentoring,
    Magang,
    Other,
}

impl Form {
    pub const ALL: [Form; 11] = [
        Form::Pelatihan,
        Form::Seminar,
        Form::Workshop,
        Form::Kursus,
        Form::Bimtek,
        Form::Sosialisasi,
        Form::ELearning,
        Form::Coaching,
        Form::Mentoring,
        Form::Magang,
        Form::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::Pelatihan => "pelatihan",
            Form::Seminar => "seminar",
            Form::Workshop => "workshop",
            Form::Kursus => "kursus",
            Form::Bimtek => "bimtek",
            Form::Sosialisasi => "sosialisasi",
            Form::ELearning => "e_learning",
            Form::Coaching => "coaching",
            Form::Mentoring => "mentoring",
            Form::Magang => "magang",
            Form::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Classical (klasikal) forms; the rest are non-classical.
    pub fn classical(self) -> bool {
        matches!(
            self,
            Form::Pelatihan
                | Form::Seminar
                | Form::Workshop
                | Form::Kursus
                | Form::Bimtek
                | Form::Sosialisasi
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    InPerson,
    Online,
    Blended,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Online => "online",
            Mode::Blended => "blended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Mode::InPerson, Mode::Online, Mode::Blended]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Planned,
    Open,
    Ongoing,
    Completed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Planned => "planned",
            Status::Open => "open",
            Status::Ongoing => "ongoing",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Status::Draft,
            Status::Planned,
            Status::Open,
            Status::Ongoing,
            Status::Completed,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// draft→planned→open→ongoing→completed; any non-final state → cancelled.
    pub fn may_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Draft, Planned)
                | (Planned, Open)
                | (Open, Ongoing)
                | (Ongoing, Completed)
                | (Draft | Planned | Open | Ongoing, Cancelled)
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trainings)]
pub struct TrainingRow {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub form: String,
    pub mode: String,
    pub jp: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub enrolment_deadline: Option<NaiveDate>,
    pub cost: Option<i64>,
    pub status: String,
    pub organizer_unit_id: Option<i64>,
    pub siasn_course_type_id: Option<i32>,
    pub enrolled_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// The partner, trainer and competency links as JSON ([`Links`]): a copy of the link tables
    /// kept on the row, so one training is one primary-key lookup.
    pub links_json: String,
}

/// A competency a training develops, and to which level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TargetCompetency {
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub competency_id: i64,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub target_level: i32,
}

/// A training, workshop, seminar, e-learning course, coaching …
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Training {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub form: Form,
    /// Whether the form is classical (klasikal).
    pub classical: bool,
    pub mode: Mode,
    /// Lesson hours (1 JP = 45 minutes).
    pub jp: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub location: Option<String>,
    pub online_url: Option<String>,
    /// Seats; null is unlimited.
    pub capacity: Option<i32>,
    pub enrolment_deadline: Option<NaiveDate>,
    /// Rupiah.
    pub cost: Option<i64>,
    pub status: Status,
    pub organizer_unit_id: Option<i64>,
    pub partner_ids: Vec<i64>,
    pub trainer_ids: Vec<i64>,
    pub competencies: Vec<TargetCompetency>,
    /// SIASN's jenisDiklatId for the course-history export.
    pub siasn_course_type_id: Option<i32>,
    /// Enrolments not withdrawn.
    pub enrolled_count: i32,
    pub version: i64,
}

/// The related ids of one training, each list in ascending id order. Stored on the training's
/// row as JSON (`links_json`), written with the link tables by `queries::replace_links`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Links {
    pub partner_ids: Vec<i64>,
    pub trainer_ids: Vec<i64>,
    pub competencies: Vec<TargetCompetency>,
}

impl Links {
    pub fn new(
        partner_ids: &[i64],
        trainer_ids: &[i64],
        competencies: &[TargetCompetency],
    ) -> Self {
        let mut competencies = competencies.to_vec();
        competencies.sort_by_key(|c| c.competency_id);
        Links {
            partner_ids: crate::web::unique_ids(partner_ids),
            trainer_ids: crate::web::unique_ids(trainer_ids),
            competencies,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("links serialise")
    }
}

impl Training {
    /// The API form of a row, links from its `links_json`. Only `Links::to_json` writes that
    /// column; a value that does not parse is logged and reads as no links.
    pub fn from_row(r: TrainingRow) -> Self {
        let links: Links = serde_json::from_str(&r.links_json).unwrap_or_else(|e| {
            log::error!("training {}: links_json does not parse: {e}", r.id);
            Links::default()
        });
        let form = Form::parse(&r.form).unwrap_or(Form::Other);
        Training {
            id: r.id,
            title: r.title,
            description: r.description,
            form,
            classical: form.classical(),
            mode: Mode::parse(&r.mode).unwrap_or(Mode::InPerson),
            jp: r.jp,
            start_date: r.start_date,
            end_date: r.end_date,
            location: r.location,
            online_url: r.online_url,
            capacity: r.capacity,
            enrolment_deadline: r.enrolment_deadline,
            cost: r.cost,
            status: Status::parse(&r.status).unwrap_or(Status::Draft),
            organizer_unit_id: r.organizer_unit_id,
            partner_ids: links.partner_ids,
            trainer_ids: links.trainer_ids,
            competencies: links.competencies,
            siasn_course_type_id: r.siasn_course_type_id,
            enrolled_count: r.enrolled_count,
            version: r.version,
        }
    }
}

fn consistent(t: &TrainingInput) -> Result<(), ValidationError> {
    if t.end_date < t.start_date {
        return Err(
            ValidationError::new("end_date").with_message("must not be before start_date".into())
        );
    }
    if t.mode != Mode::InPerson && t.online_url.is_none() {
        return Err(ValidationError::new("online_url")
            .with_message("is required for online and blended trainings".into()));
    }
    if t.enrolment_deadline.is_some_and(|d| d > t.end_date) {
        return Err(ValidationError::new("enrolment_deadline")
            .with_message("must not be after end_date".into()));
    }
    let mut ids: Vec<i64> = t.competencies.iter().map(|c| c.competency_id).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    if ids.len() != n {
        return Err(ValidationError::new("competencies")
            .with_message("each competency may appear once".into()));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "consistent", skip_on_field_errors = false))]
pub struct TrainingInput {
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Pelatihan Kepemimpinan Pengawas"
    )]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    #[schema(min_length = 1, max_length = 5000)]
    #[validate(length(min = 1, max = 5000))]
    pub description: Option<String>,
    pub form: Form,
    pub mode: Mode,
    #[schema(minimum = 1, maximum = 1000, example = 24)]
    #[validate(range(min = 1, max = 1000))]
    pub jp: i32,
    pub start_date: NaiveDate,
    /// Not before `start_date`.
    pub end_date: NaiveDate,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub location: Option<String>,
    /// Required when `mode` is `online` or `blended`.
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$"
    )]
    #[validate(length(min = 8, max = 500), custom(function = "web_url"))]
    pub online_url: Option<String>,
    /// Seats, at least 1; null for unlimited.
    #[schema(minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100000))]
    pub capacity: Option<i32>,
    /// Last day employees may enrol themselves; not after `end_date`.
    pub enrolment_deadline: Option<NaiveDate>,
    /// Rupiah.
    #[schema(minimum = 0)]
    #[validate(range(min = 0))]
    pub cost: Option<i64>,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub organizer_unit_id: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub partner_ids: Vec<i64>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub trainer_ids: Vec<i64>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    pub competencies: Vec<TargetCompetency>,
    #[schema(minimum = 1, maximum = 99)]
    #[validate(range(min = 1, max = 99))]
    pub siasn_course_type_id: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TrainingPatch {
    #[schema(nullable = false, min_length = 1, max_length = 300)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 5000, nullable)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub form: Option<Form>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub mode: Option<Mode>,
    #[schema(nullable = false, minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub jp: Option<i32>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 300, nullable)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$",
        nullable
    )]
    pub online_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, maximum = 100000, nullable)]
    pub capacity: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(nullable)]
    pub enrolment_deadline: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 0, nullable)]
    pub cost: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub organizer_unit_id: Option<Option<i64>>,
    #[schema(nullable = false, max_items = 50)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub partner_ids: Option<Vec<i64>>,
    #[schema(nullable = false, max_items = 50)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub trainer_ids: Option<Vec<i64>>,
    #[schema(nullable = false, max_items = 50)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub competencies: Option<Vec<TargetCompetency>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, maximum = 99, nullable)]
    pub siasn_course_type_id: Option<Option<i32>>,
}

impl TrainingPatch {
    pub fn apply(self, t: Training) -> TrainingInput {
        TrainingInput {
            title: self.title.unwrap_or(t.title),
            description: self.description.unwrap_or(t.description),
            form: self.form.unwrap_or(t.form),
            mode: self.mode.unwrap_or(t.mode),
            jp: self.jp.unwrap_or(t.jp),
            start_date: self.start_date.unwrap_or(t.start_date),
            end_date: self.end_date.unwrap_or(t.end_date),
            location: self.location.unwrap_or(t.location),
            online_url: self.online_url.unwrap_or(t.online_url),
            capacity: self.capacity.unwrap_or(t.capacity),
            enrolment_deadline: self.enrolment_deadline.unwrap_or(t.enrolment_deadline),
            cost: self.cost.unwrap_or(t.cost),
            organizer_unit_id: self.organizer_unit_id.unwrap_or(t.organizer_unit_id),
            partner_ids: self.partner_ids.unwrap_or(t.partner_ids),
            trainer_ids: self.trainer_ids.unwrap_or(t.trainer_ids),
            competencies: self.competencies.unwrap_or(t.competencies),
            siasn_course_type_id: self.siasn_course_type_id.unwrap_or(t.siasn_course_type_id),
        }
    }
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = trainings, treat_none_as_null = true)]
pub struct TrainingChanges {
    pub title: String,
    pub description: Option<String>,
    pub form: String,
    pub mode: String,
    pub jp: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub enrolment_deadline: Option<NaiveDate>,
    pub cost: Option<i64>,
    pub organizer_unit_id: Option<i64>,
    pub siasn_course_type_id: Option<i32>,
}

impl From<&TrainingInput> for TrainingChanges {
    fn from(t: &TrainingInput) -> Self {
        TrainingChanges {
            title: t.title.clone(),
            description: t.description.clone(),
            form: t.form.as_str().into(),
            mode: t.mode.as_str().into(),
            jp: t.jp,
            start_date: t.start_date,
            end_date: t.end_date,
            location: t.location.clone(),
            online_url: t.online_url.clone(),
            capacity: t.capacity,
            enrolment_deadline: t.enrolment_deadline,
            cost: t.cost,
            organizer_unit_id: t.organizer_unit_id,
            siasn_course_type_id: t.siasn_course_type_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TrainingFilter {
    pub status: Option<Status>,
    pub form: Option<Form>,
    pub mode: Option<Mode>,
    pub partner_id: Option<i64>,
    pub competency_id: Option<i64>,
    /// Trainings running at some time in this year.
    #[param(minimum = 1900, maximum = 2200)]
    #[validate(range(min = 1900, max = 2200))]
    pub year: Option<i32>,
    /// Trainings that end on or after this day.
    pub from: Option<NaiveDate>,
    /// Trainings that start on or before this day.
    pub to: Option<NaiveDate>,
    /// Case-insensitive search in title and location.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
}
