use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::trainings;
use crate::types::{
    CompetencyId, JsonText, PartnerId, PolicyId, ProgrammeId, TrainerId, TrainingId, UnitId,
};

crate::text_enum! {
    pub enum Form {
        Pelatihan = "pelatihan",
        Seminar = "seminar",
        Workshop = "workshop",
        Kursus = "kursus",
        Bimtek = "bimtek",
        Sosialisasi = "sosialisasi",
        ELearning = "e_learning",
        Coaching = "coaching",
        Mentoring = "mentoring",
        Magang = "magang",
        Other = "other",
    }
}

impl Form {
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

crate::text_enum! {
    pub enum Mode {
        InPerson = "in_person",
        Online = "online",
        Blended = "blended",
    }
}

crate::text_enum! {
    /// The leadership programmes (PP 11/2017 as amended): their records go to SIASN's
    /// structural-training history, not the course history.
    pub enum LeadershipProgramme {
        Latsar = "latsar",
        Pkp = "pkp",
        Pka = "pka",
        Pkn2 = "pkn_2",
        Pkn1 = "pkn_1",
    }
}

crate::text_enum! {
    pub enum TrainingStatus {
        Draft = "draft",
        Planned = "planned",
        Open = "open",
        Ongoing = "ongoing",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

impl TrainingStatus {
    /// draft→planned→open→ongoing→completed; any non-final state → cancelled.
    pub fn may_become(self, next: TrainingStatus) -> bool {
        use TrainingStatus::*;
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

#[derive(Debug, Clone, Queryable, Selectable, Deserialize)]
#[diesel(table_name = trainings)]
pub struct TrainingRow {
    pub id: TrainingId,
    pub title: String,
    pub description: Option<String>,
    pub form: Form,
    pub mode: Mode,
    pub jp: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub enrolment_deadline: Option<NaiveDate>,
    pub cost: Option<i64>,
    pub status: TrainingStatus,
    pub organizer_unit_id: Option<UnitId>,
    pub siasn_course_type_id: Option<i32>,
    pub enrolled_count: i32,
    pub version: i64,
    pub leadership_programme: Option<LeadershipProgramme>,
    pub programme_id: Option<ProgrammeId>,
    pub nomination_required: bool,
    /// The partner, trainer and competency links ([`Links`]): a copy of the link tables kept
    /// on the row, so one training is one primary-key lookup.
    pub links_json: JsonText<Links>,
}

/// A competency a training develops, and to which level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TargetCompetency {
    #[schema(minimum = 1)]
    pub competency_id: CompetencyId,
    #[schema(minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5))]
    pub target_level: i32,
}

/// A training, workshop, seminar, e-learning course, coaching …
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Training {
    pub id: TrainingId,
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
    pub status: TrainingStatus,
    pub organizer_unit_id: Option<UnitId>,
    pub partner_ids: Vec<PartnerId>,
    pub trainer_ids: Vec<TrainerId>,
    pub competencies: Vec<TargetCompetency>,
    /// The policies (regulations) the training refreshes staff on.
    pub policy_ids: Vec<PolicyId>,
    /// SIASN's jenisDiklatId for the course-history export.
    pub siasn_course_type_id: Option<i32>,
    /// Latsar, PKP, PKA, PKN II or I: then the training's records are in the structural-training
    /// export (`/exports/siasn/diklat-struktural`), not the course history.
    pub leadership_programme: Option<LeadershipProgramme>,
    /// The programme this training is a run (angkatan) of.
    pub programme_id: Option<ProgrammeId>,
    /// Enrolments are nominations (unit managers within their units' quotas) that staff
    /// approve or reject.
    pub nomination_required: bool,
    /// Seats taken: enrolments registered, attended, completed, failed or no-show (not
    /// nominations waiting for a decision or a seat, not rejected or withdrawn ones).
    pub enrolled_count: i32,
    pub version: i64,
}

/// The related ids of one training, each list in ascending id order. Stored on the training's
/// row as JSON (`links_json`), written with the link tables by `queries::replace_links`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Links {
    pub partner_ids: Vec<PartnerId>,
    pub trainer_ids: Vec<TrainerId>,
    pub competencies: Vec<TargetCompetency>,
    pub policy_ids: Vec<PolicyId>,
}

impl Links {
    pub fn of(t: &TrainingInput) -> Self {
        let mut competencies = t.competencies.clone();
        competencies.sort_by_key(|c| c.competency_id);
        let (mut partner_ids, mut trainer_ids) = (t.partner_ids.clone(), t.trainer_ids.clone());
        partner_ids.sort_unstable();
        partner_ids.dedup();
        trainer_ids.sort_unstable();
        trainer_ids.dedup();
        let mut policy_ids = t.policy_ids.clone();
        policy_ids.sort_unstable();
        policy_ids.dedup();
        Links {
            partner_ids,
            trainer_ids,
            competencies,
            policy_ids,
        }
    }
}

impl From<TrainingRow> for Training {
    fn from(r: TrainingRow) -> Self {
        let JsonText(links) = r.links_json;
        Training {
            id: r.id,
            title: r.title,
            description: r.description,
            form: r.form,
            classical: r.form.classical(),
            mode: r.mode,
            jp: r.jp,
            start_date: r.start_date,
            end_date: r.end_date,
            location: r.location,
            online_url: r.online_url,
            capacity: r.capacity,
            enrolment_deadline: r.enrolment_deadline,
            cost: r.cost,
            status: r.status,
            organizer_unit_id: r.organizer_unit_id,
            partner_ids: links.partner_ids,
            trainer_ids: links.trainer_ids,
            competencies: links.competencies,
            policy_ids: links.policy_ids,
            siasn_course_type_id: r.siasn_course_type_id,
            leadership_programme: r.leadership_programme,
            programme_id: r.programme_id,
            nomination_required: r.nomination_required,
            enrolled_count: r.enrolled_count,
            version: r.version,
        }
    }
}

fn consistent(t: &TrainingInput) -> Result<(), ValidationError> {
    crate::rules::in_order(
        Some(t.start_date),
        Some(t.end_date),
        "start_date",
        "end_date",
    )?;
    if t.mode != Mode::InPerson && t.online_url.is_none() {
        return Err(ValidationError::new("online_url")
            .with_message("is required for online and blended trainings".into()));
    }
    if t.enrolment_deadline.is_some_and(|d| d > t.end_date) {
        return Err(ValidationError::new("enrolment_deadline")
            .with_message("must not be after end_date".into()));
    }
    crate::rules::distinct(
        t.competencies.iter().map(|c| c.competency_id),
        "competencies",
        "competency",
    )
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "consistent", skip_on_field_errors = false))]
#[diesel(table_name = trainings, treat_none_as_null = true)]
#[schema(example = json!({"title": "Pelatihan Pelayanan Publik Prima Angkatan Contoh", "description": "Standar pelayanan, maklumat layanan dan penanganan pengaduan.", "form": "pelatihan", "mode": "in_person", "jp": 24, "start_date": "2027-03-01", "end_date": "2027-03-03", "location": "Aula BKPSDM Kota Pangkalpinang", "online_url": null, "capacity": 30, "enrolment_deadline": "2027-02-22", "cost": 15000000, "organizer_unit_id": 1, "partner_ids": [1], "trainer_ids": [1], "competencies": [{"competency_id": 1, "target_level": 3}], "siasn_course_type_id": null}))]
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
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub start_date: NaiveDate,
    /// Not before `start_date`.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
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
    #[validate(length(min = 8, max = 500), custom(function = "crate::rules::web_url"))]
    pub online_url: Option<String>,
    /// Seats, at least 1; null for unlimited.
    #[schema(minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100000))]
    pub capacity: Option<i32>,
    /// Last day employees may enrol themselves; not after `end_date`.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub enrolment_deadline: Option<NaiveDate>,
    /// Rupiah.
    #[schema(minimum = 0)]
    #[validate(range(min = 0))]
    pub cost: Option<i64>,
    #[schema(minimum = 1)]
    pub organizer_unit_id: Option<UnitId>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    #[diesel(skip_insertion, skip_update)]
    pub partner_ids: Vec<PartnerId>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    #[diesel(skip_insertion, skip_update)]
    pub trainer_ids: Vec<TrainerId>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[diesel(skip_insertion, skip_update)]
    pub competencies: Vec<TargetCompetency>,
    /// The policies the training refreshes staff on (`/policies`).
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    #[diesel(skip_insertion, skip_update)]
    pub policy_ids: Vec<PolicyId>,
    #[schema(minimum = 1, maximum = 99)]
    #[validate(range(min = 1, max = 99))]
    pub siasn_course_type_id: Option<i32>,
    /// A leadership programme's records go to the structural-training export.
    pub leadership_programme: Option<LeadershipProgramme>,
    /// The programme this training is a run (angkatan) of.
    #[schema(minimum = 1)]
    pub programme_id: Option<ProgrammeId>,
    /// Enrolments only as nominations (unit managers within their units' quotas, staff
    /// deciding); default false.
    #[serde(default)]
    pub nomination_required: bool,
}

crate::patch_schema!(
    TrainingPatch = TrainingInput,
    serde_json::json!({"location": "Aula BKPSDM Kota Pangkalpinang"})
);

fn training_period(f: &TrainingFilter) -> Result<(), validator::ValidationError> {
    crate::rules::in_order(f.from, f.to, "from", "to")
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[validate(schema(function = "training_period", skip_on_field_errors = false))]
pub struct TrainingFilter {
    pub status: Option<TrainingStatus>,
    pub form: Option<Form>,
    pub mode: Option<Mode>,
    pub partner_id: Option<PartnerId>,
    pub competency_id: Option<CompetencyId>,
    /// Trainings running at some time in this year.
    #[param(minimum = 1900, maximum = 2200)]
    #[validate(range(min = crate::types::MIN_YEAR, max = crate::types::MAX_YEAR))]
    pub year: Option<i32>,
    /// Trainings that end on or after this day.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: Option<NaiveDate>,
    /// Trainings that start on or before this day; not before `from`.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: Option<NaiveDate>,
    /// Case-insensitive search in title and location.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "completed"}))]
pub struct StatusChange {
    pub status: TrainingStatus,
}

crate::page_type!(TrainingPage = Training);
