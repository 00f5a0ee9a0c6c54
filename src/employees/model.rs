use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::employees;
use crate::partners::model::phone_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AsnType {
    Pns,
    Pppk,
}

impl AsnType {
    pub fn as_str(self) -> &'static str {
        match self {
            AsnType::Pns => "pns",
            AsnType::Pppk => "pppk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pns" => Some(AsnType::Pns),
            "pppk" => Some(AsnType::Pppk),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = employees)]
pub struct EmployeeRow {
    pub id: i64,
    pub nip: String,
    pub name: String,
    pub front_title: Option<String>,
    pub back_title: Option<String>,
    pub asn_type: String,
    pub rank_grade: Option<String>,
    pub position_id: Option<i64>,
    pub unit_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub siasn_id: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A civil servant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Employee {
    pub id: i64,
    #[schema(example = "198503102010011001")]
    pub nip: String,
    pub name: String,
    pub front_title: Option<String>,
    pub back_title: Option<String>,
    pub asn_type: AsnType,
    pub rank_grade: Option<String>,
    pub position_id: Option<i64>,
    pub unit_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The person's id in SIASN (BKN), when known.
    pub siasn_id: Option<String>,
    pub active: bool,
    pub version: i64,
}

impl From<EmployeeRow> for Employee {
    fn from(r: EmployeeRow) -> Self {
        Employee {
            id: r.id,
            asn_type: AsnType::parse(&r.asn_type).unwrap_or(AsnType::Pns),
            nip: r.nip,
            name: r.name,
            front_title: r.front_title,
            back_title: r.back_title,
            rank_grade: r.rank_grade,
            position_id: r.position_id,
            unit_id: r.unit_id,
            email: r.email,
            phone: r.phone,
            siasn_id: r.siasn_id,
            active: r.active,
            version: r.version,
        }
    }
}

pub const RANK_PATTERN: &str = r"^[IVX]{1,5}(/[a-e])?$";

pub fn valid_rank_grade(v: &str) -> Result<(), ValidationError> {
    let (roman, letter) = match v.split_once('/') {
        Some((r, l)) => (r, Some(l)),
        None => (v, None),
    };
    let roman_ok =
        (1..=5).contains(&roman.len()) && roman.chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
    let letter_ok = letter
        .is_none_or(|l| l.len() == 1 && ('a'..='e').contains(&l.chars().next().unwrap_or('z')));
    if roman_ok && letter_ok {
        Ok(())
    } else {
        Err(ValidationError::new("rank_grade").with_message(
            "must be a golongan/ruang like `III/b` (PNS) or a grade like `IX` (PPPK)".into(),
        ))
    }
}

fn nip_rules(e: &EmployeeInput) -> Result<(), ValidationError> {
    match super::nip::problem(&e.nip, e.asn_type.as_str()) {
        None => Ok(()),
        Some(msg) => Err(ValidationError::new("nip").with_message(msg.into())),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "nip_rules", skip_on_field_errors = false))]
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
        pattern = r"^[IVX]{1,5}(/[a-e])?$",
        example = "III/b"
    )]
    #[validate(custom(function = "valid_rank_grade"))]
    pub rank_grade: Option<String>,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub position_id: Option<i64>,
    #[schema(minimum = 1)]
    #[validate(range(min = 1))]
    pub unit_id: i64,
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
    #[schema(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub siasn_id: Option<String>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EmployeePatch {
    #[schema(
        nullable = false,
        min_length = 18,
        max_length = 18,
        pattern = r"^[0-9]{18}$"
    )]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub nip: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 50, nullable)]
    pub front_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 50, nullable)]
    pub back_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub asn_type: Option<AsnType>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(
        min_length = 1,
        max_length = 8,
        pattern = r"^[IVX]{1,5}(/[a-e])?$",
        nullable
    )]
    pub rank_grade: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(minimum = 1, nullable)]
    pub position_id: Option<Option<i64>>,
    #[schema(nullable = false, minimum = 1)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub unit_id: Option<i64>,
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
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 64, nullable)]
    pub siasn_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

impl EmployeePatch {
    pub fn apply(self, e: Employee) -> EmployeeInput {
        EmployeeInput {
            nip: self.nip.unwrap_or(e.nip),
            name: self.name.unwrap_or(e.name),
            front_title: self.front_title.unwrap_or(e.front_title),
            back_title: self.back_title.unwrap_or(e.back_title),
            asn_type: self.asn_type.unwrap_or(e.asn_type),
            rank_grade: self.rank_grade.unwrap_or(e.rank_grade),
            position_id: self.position_id.unwrap_or(e.position_id),
            unit_id: self.unit_id.unwrap_or(e.unit_id),
            email: self.email.unwrap_or(e.email),
            phone: self.phone.unwrap_or(e.phone),
            siasn_id: self.siasn_id.unwrap_or(e.siasn_id),
            active: self.active.unwrap_or(e.active),
        }
    }
}

#[derive(Debug, Clone, PartialEq, AsChangeset, Insertable)]
#[diesel(table_name = employees, treat_none_as_null = true)]
pub struct EmployeeChanges {
    pub nip: String,
    pub name: String,
    pub front_title: Option<String>,
    pub back_title: Option<String>,
    pub asn_type: String,
    pub rank_grade: Option<String>,
    pub position_id: Option<i64>,
    pub unit_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub siasn_id: Option<String>,
    pub active: bool,
}

impl From<&EmployeeInput> for EmployeeChanges {
    fn from(e: &EmployeeInput) -> Self {
        EmployeeChanges {
            nip: e.nip.clone(),
            name: e.name.clone(),
            front_title: e.front_title.clone(),
            back_title: e.back_title.clone(),
            asn_type: e.asn_type.as_str().into(),
            rank_grade: e.rank_grade.clone(),
            position_id: e.position_id,
            unit_id: e.unit_id,
            email: e.email.clone(),
            phone: e.phone.clone(),
            siasn_id: e.siasn_id.clone(),
            active: e.active,
        }
    }
}

impl From<&EmployeeRow> for EmployeeChanges {
    fn from(e: &EmployeeRow) -> Self {
        EmployeeChanges {
            nip: e.nip.clone(),
            name: e.name.clone(),
            front_title: e.front_title.clone(),
            back_title: e.back_title.clone(),
            asn_type: e.asn_type.clone(),
            rank_grade: e.rank_grade.clone(),
            position_id: e.position_id,
            unit_id: e.unit_id,
            email: e.email.clone(),
            phone: e.phone.clone(),
            siasn_id: e.siasn_id.clone(),
            active: e.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EmployeeFilter {
    /// This unit and all its sub-units.
    pub unit_id: Option<i64>,
    pub position_id: Option<i64>,
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
