use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::schema::partners;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    University,
    Ngo,
    Government,
    Private,
    Community,
    Other,
}

impl PartnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::University => "university",
            PartnerKind::Ngo => "ngo",
            PartnerKind::Government => "government",
            PartnerKind::Private => "private",
            PartnerKind::Community => "community",
            PartnerKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::University,
            Self::Ngo,
            Self::Government,
            Self::Private,
            Self::Community,
            Self::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub contact_person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub agreement_number: Option<String>,
    pub agreement_start: Option<NaiveDate>,
    pub agreement_end: Option<NaiveDate>,
    pub active: bool,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A partner organisation delivering or supporting trainings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub kind: PartnerKind,
    pub contact_person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub agreement_number: Option<String>,
    pub agreement_start: Option<NaiveDate>,
    pub agreement_end: Option<NaiveDate>,
    /// Competencies the partner can develop.
    pub competency_ids: Vec<i64>,
    pub active: bool,
    pub notes: Option<String>,
    pub version: i64,
}

impl Partner {
    pub fn from_row(r: PartnerRow, competency_ids: Vec<i64>) -> Self {
        Partner {
            id: r.id,
            kind: PartnerKind::parse(&r.kind).unwrap_or(PartnerKind::Other),
            name: r.name,
            contact_person: r.contact_person,
            email: r.email,
            phone: r.phone,
            address: r.address,
            website: r.website,
            agreement_number: r.agreement_number,
            agreement_start: r.agreement_start,
            agreement_end: r.agreement_end,
            competency_ids,
            active: r.active,
            notes: r.notes,
            version: r.version,
        }
    }
}

pub const PHONE_PATTERN: &str = r"^\+?[0-9][0-9 ()-]{2,31}$";

pub fn phone_number(v: &str) -> Result<(), ValidationError> {
    let body = v.strip_prefix('+').unwrap_or(v);
    let ok = (3..=32).contains(&v.len())
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("phone").with_message(
            "must be a phone number: digits, spaces, `()-`, optional leading `+`".into(),
        ))
    }
}

pub fn web_url(v: &str) -> Result<(), ValidationError> {
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !host.starts_with('/') && !v.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(ValidationError::new("url").with_message("must be an http(s) URL".into())),
    }
}

fn agreement_dates(p: &PartnerInput) -> Result<(), ValidationError> {
    match (p.agreement_start, p.agreement_end) {
        (Some(start), Some(end)) if end < start => Err(ValidationError::new("agreement_end")
            .with_message("agreement_end must not be before agreement_start".into())),
        _ => Ok(()),
    }
}

/// A partner as written by a client (create), and the merged result of a PATCH, validated alike.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "agreement_dates", skip_on_field_errors = false))]
pub struct PartnerInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Universitas Bangka Belitung"
    )]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: PartnerKind,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub contact_person: Option<String>,
    #[schema(min_length = 3, max_length = 254, format = Email)]
    #[validate(email, length(min = 3, max = 254))]
    pub email: Option<String>,
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = r"^\+?[0-9][0-9 ()-]{2,31}$",
        example = "+62 717 422145"
    )]
    #[validate(custom(function = "phone_number"))]
    pub phone: Option<String>,
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub address: Option<String>,
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$",
        example = "https://www.ubb.ac.id"
    )]
    #[validate(length(min = 8, max = 500), custom(function = "web_url"))]
    pub website: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub agreement_number: Option<String>,
    /// Start of the cooperation agreement (MoU/PKS).
    pub agreement_start: Option<NaiveDate>,
    /// End of the agreement; not before `agreement_start`.
    pub agreement_end: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    pub competency_ids: Vec<i64>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub notes: Option<String>,
}

fn yes() -> bool {
    true
}

/// Any subset of the writable fields; `null` clears a nullable one. The result is validated as a
/// whole, with the same rules as a create.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PartnerPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub kind: Option<PartnerKind>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 200, nullable)]
    pub contact_person: Option<Option<String>>,
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
    #[schema(min_length = 1, max_length = 500, nullable)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(
        min_length = 8,
        max_length = 500,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*$",
        nullable
    )]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 100, nullable)]
    pub agreement_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(nullable)]
    pub agreement_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(nullable)]
    pub agreement_end: Option<Option<NaiveDate>>,
    #[schema(nullable = false, max_items = 100)]
    #[serde(default, deserialize_with = "crate::web::not_null")]
    pub competency_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "crate::web::not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "crate::web::nullable")]
    #[schema(min_length = 1, max_length = 2000, nullable)]
    pub notes: Option<Option<String>>,
}

impl PartnerPatch {
    pub fn apply(self, current: Partner) -> PartnerInput {
        PartnerInput {
            name: self.name.unwrap_or(current.name),
            kind: self.kind.unwrap_or(current.kind),
            contact_person: self.contact_person.unwrap_or(current.contact_person),
            email: self.email.unwrap_or(current.email),
            phone: self.phone.unwrap_or(current.phone),
            address: self.address.unwrap_or(current.address),
            website: self.website.unwrap_or(current.website),
            agreement_number: self.agreement_number.unwrap_or(current.agreement_number),
            agreement_start: self.agreement_start.unwrap_or(current.agreement_start),
            agreement_end: self.agreement_end.unwrap_or(current.agreement_end),
            competency_ids: self.competency_ids.unwrap_or(current.competency_ids),
            active: self.active.unwrap_or(current.active),
            notes: self.notes.unwrap_or(current.notes),
        }
    }
}

/// The columns a create or update writes (competencies live in their own table).
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = partners, treat_none_as_null = true)]
pub struct PartnerChanges {
    pub name: String,
    pub kind: String,
    pub contact_person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub agreement_number: Option<String>,
    pub agreement_start: Option<NaiveDate>,
    pub agreement_end: Option<NaiveDate>,
    pub active: bool,
    pub notes: Option<String>,
}

impl From<&PartnerInput> for PartnerChanges {
    fn from(p: &PartnerInput) -> Self {
        PartnerChanges {
            name: p.name.clone(),
            kind: p.kind.as_str().into(),
            contact_person: p.contact_person.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            address: p.address.clone(),
            website: p.website.clone(),
            agreement_number: p.agreement_number.clone(),
            agreement_start: p.agreement_start,
            agreement_end: p.agreement_end,
            active: p.active,
            notes: p.notes.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PartnerFilter {
    pub kind: Option<PartnerKind>,
    /// Case-insensitive search in name, contact person and agreement number.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    pub active: Option<bool>,
    /// Agreements ending between today and this many days from now.
    #[param(minimum = 0, maximum = 3650)]
    #[validate(range(min = 0, max = 3650))]
    pub agreement_expiring_within_days: Option<i64>,
}
