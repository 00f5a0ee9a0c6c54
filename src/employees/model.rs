use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::employees;
use crate::types::{EmployeeId, PositionId, UnitId};

crate::text_enum! {
    pub enum AsnType {
        Pns = "pns",
        Pppk = "pppk",
    }
}

/// A civil servant. Also the changeset of a whole employee (the import writes these).
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, AsChangeset, Serialize, Deserialize, ToSchema,
)]
#[diesel(table_name = employees, treat_none_as_null = true)]
pub struct Employee {
    #[diesel(skip_update)]
    pub id: EmployeeId,
    #[schema(example = "198503102010011001")]
    pub nip: String,
    pub name: String,
    pub front_title: Option<String>,
    pub back_title: Option<String>,
    pub asn_type: AsnType,
    pub rank_grade: Option<String>,
    pub position_id: Option<PositionId>,
    pub unit_id: UnitId,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The person's id in SIASN (BKN), when known.
    pub siasn_id: Option<String>,
    /// The appointment date (TMT), from which the JP target holds.
    pub appointed_on: Option<NaiveDate>,
    pub active: bool,
    #[diesel(skip_update)]
    pub version: i64,
}

/// The NIP and the grade, each against the ASN type (`nip`), reported on its field.
fn identity_rules(e: &EmployeeInput) -> Result<(), ValidationError> {
    if let Some(msg) = super::nip::problem(&e.nip, e.asn_type, crate::types::today()) {
        return Err(ValidationError::new("nip").with_message(msg.into()));
    }
    match e
        .rank_grade
        .as_deref()
        .and_then(|g| super::nip::grade_problem(g, e.asn_type))
    {
        Some(msg) => Err(ValidationError::new("rank_grade").with_message(msg.into())),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate, Insertable, AsChangeset)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "identity_rules", skip_on_field_errors = false))]
#[diesel(table_name = employees, treat_none_as_null = true)]
#[schema(example = json!({"nip": "199005142019031003", "name": "Rina Marlina", "front_title": null, "back_title": "S.E.", "asn_type": "pns", "rank_grade": "III/a", "position_id": 1, "unit_id": 1, "email": "rina.marlina@pangkalpinangkota.go.id", "phone": "+62 812 7100 2345", "siasn_id": null, "appointed_on": "2019-03-01", "active": true}))]
pub struct EmployeeInput {
    /// 18 digits; for a PNS chars 1-8 are the birth date, 9-14 the CPNS month, 15 the sex (1/2).
    #[schema(
        min_length = 18,
        max_length = 18,
        pattern = r"^[0-9]{18}$",
        example = "198503102010011001"
    )]
    pub nip: String,
    #[schema(min_length = 1, max_length = 200, example = "Siti Rahmawati")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(min_length = 1, max_length = 50, example = "Dr.")]
    #[validate(length(min = 1, max = 50))]
    pub front_title: Option<String>,
    #[schema(min_length = 1, max_length = 50, example = "S.Kom., M.Si.")]
    #[validate(length(min = 1, max = 50))]
    pub back_title: Option<String>,
    pub asn_type: AsnType,
    #[schema(
        min_length = 1,
        max_length = 8,
        // nip::GRADE_PATTERN (a literal here; a test keeps the two equal).
        pattern = r"^((I|II|III)/[a-d]|IV/[a-e]|I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII)$",
        example = "III/b"
    )]
    pub rank_grade: Option<String>,
    #[schema(minimum = 1)]
    pub position_id: Option<PositionId>,
    #[schema(minimum = 1)]
    pub unit_id: UnitId,
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
    #[schema(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub siasn_id: Option<String>,
    /// The appointment date (TMT): the JP target is pro-rated from it. For a PNS it defaults to
    /// the first day of the CPNS month in the NIP.
    #[schema(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub appointed_on: Option<NaiveDate>,
    #[serde(default = "crate::rules::yes")]
    #[schema(default = true)]
    pub active: bool,
}

/// The appointment date (TMT) of an employee who gives none: for a PNS the first day of the
/// CPNS month in the NIP; unknown for PPPK.
pub fn default_appointment(asn_type: AsnType, nip: &str) -> Option<NaiveDate> {
    match asn_type {
        AsnType::Pns => super::nip::cpns_month(nip),
        AsnType::Pppk => None,
    }
}

impl EmployeeInput {
    /// As stored: without an appointment date, the default one.
    pub fn with_defaults(&self) -> EmployeeInput {
        let mut e = self.clone();
        e.appointed_on = e
            .appointed_on
            .or_else(|| default_appointment(e.asn_type, &e.nip));
        e
    }
}

crate::patch_schema!(
    EmployeePatch = EmployeeInput,
    serde_json::json!({"phone": "+62 812 7100 2345"})
);

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EmployeeFilter {
    /// This unit and all its sub-units.
    pub unit_id: Option<UnitId>,
    pub position_id: Option<PositionId>,
    pub asn_type: Option<AsnType>,
    /// Case-insensitive search in name and NIP.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Validate only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
}

crate::page_type!(EmployeePage = Employee);
