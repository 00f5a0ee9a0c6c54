//! Certificates' SQL: issuing a number and code with a completion (inside the enrolment
//! writer's transaction), revoking the code when the completion is undone, and reading a
//! certificate by code or by enrolment.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::model::{full_name, mask_nip, Certificate, Verification};
use super::number::{format_number, new_code, NumberParts};
use crate::db::schema::{employees, enrolments, trainings};
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::enrolments::model::{Enrolment, EnrolmentStatus};
use crate::error::{ApiError, ApiResult};
use crate::settings::model::Settings;
use crate::types::{EnrolmentId, TrainingId};

/// An enrolment's certificate after a change: its number and its verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub number: Option<String>,
    pub code: Option<String>,
}

/// What a change of an enrolment does to its certificate. A completion keeps the number it has
/// (or was given), else gets the next one of its training in the format of the settings, and
/// keeps its code, else gets a fresh one. A completion undone loses its code (the certificate is
/// no longer valid) and the number, unless one was given with the change.
pub fn after_change(
    tx: &mut Tx,
    settings: &Settings,
    current: &Enrolment,
    completed_on: Option<NaiveDate>,
    number: Option<String>,
    number_given: bool,
) -> ApiResult<Issued> {
    let Some(day) = completed_on else {
        let was_completed = current.status == EnrolmentStatus::Completed;
        let number = if was_completed && !number_given {
            None
        } else {
            number
        };
        return Ok(Issued { number, code: None });
    };
    let number = match number {
        Some(n) => n,
        None => next_number(tx, settings, current.id, current.training_id, day.year())?,
    };
    Ok(Issued {
        number: Some(number),
        code: Some(current.verification_code.clone().unwrap_or_else(new_code)),
    })
}

/// The training's next certificate number: its counter moves on under the training's row lock
/// (so two completions of one training never draw the same `{seq}`), past any number a client
/// already gave by hand.
fn next_number(
    tx: &mut Tx,
    settings: &Settings,
    enrolment: EnrolmentId,
    training: TrainingId,
    year: i32,
) -> ApiResult<String> {
    for _ in 0..100 {
        diesel::update(trainings::table.find(training))
            .set(trainings::certificate_seq.eq(trainings::certificate_seq + 1))
            .execute(tx.conn())?;
        let seq: i32 = trainings::table
            .find(training)
            .select(trainings::certificate_seq)
            .first(tx.conn())?;
        let number = format_number(
            &settings.certificate_number_format,
            &NumberParts {
                year,
                training_id: training.0,
                enrolment_id: enrolment.0,
                seq: i64::from(seq),
            },
        );
        let taken: bool = diesel::select(diesel::dsl::exists(
            enrolments::table.filter(enrolments::certificate_number.eq(&number)),
        ))
        .get_result(tx.conn())?;
        if !taken {
            return Ok(number);
        }
    }
    Err(ApiError::conflict(
        "no free certificate number: give one with the completion",
    ))
}

/// (enrolment, name, front title, back title, nip, training, title, start, end, completed on,
/// JP, number, code)
type Row = (
    EnrolmentId,
    String,
    Option<String>,
    Option<String>,
    String,
    TrainingId,
    String,
    NaiveDate,
    NaiveDate,
    Option<NaiveDate>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

fn certificate(conn: &mut AnyConnection, settings: &Settings, row: Row) -> ApiResult<Certificate> {
    let (_, name, front, back, nip, training, title, start, end, done, jp, number, code) = row;
    let (Some(completed_on), Some(number), Some(code)) = (done, number, code) else {
        return Err(ApiError::NotFound);
    };
    let partners = crate::exports::queries::partner_names(conn, &[training.0])?;
    Ok(Certificate {
        shown: Verification {
            valid: true,
            name: full_name(front.as_deref(), &name, back.as_deref()),
            nip_masked: mask_nip(&nip),
            training_title: title,
            start_date: start,
            end_date: end,
            jp: jp.unwrap_or(0),
            institution: crate::exports::queries::organiser(
                partners.get(&training.0),
                &settings.institution_name,
            ),
            certificate_number: number,
        },
        nip,
        completed_on,
        verification_code: code,
    })
}

/// Which certificate to read.
enum Lookup<'a> {
    Code(&'a str),
    Enrolment(EnrolmentId),
}

/// The certificate of a completed enrolment (404 for none, or one no longer completed).
fn find(conn: &mut AnyConnection, by: Lookup) -> ApiResult<Certificate> {
    let settings = crate::settings::queries::get(conn)?;
    let mut q = enrolments::table
        .inner_join(employees::table)
        .inner_join(trainings::table)
        .filter(enrolments::status.eq(EnrolmentStatus::Completed))
        .into_boxed();
    q = match by {
        Lookup::Code(code) => q.filter(enrolments::verification_code.eq(code.to_string())),
        Lookup::Enrolment(id) => q.filter(enrolments::id.eq(id)),
    };
    let row: Row = q
        .select((
            enrolments::id,
            employees::name,
            employees::front_title,
            employees::back_title,
            employees::nip,
            trainings::id,
            trainings::title,
            trainings::start_date,
            trainings::end_date,
            enrolments::completed_on,
            enrolments::jp_credited,
            enrolments::certificate_number,
            enrolments::verification_code,
        ))
        .first(conn)?;
    certificate(conn, &settings, row)
}

/// The valid certificate with this code (404 for an unknown or revoked one).
pub fn by_code(conn: &mut AnyConnection, code: &str) -> ApiResult<Certificate> {
    find(conn, Lookup::Code(code))
}

/// The certificate of this enrolment (404 while it is not completed).
pub fn of_enrolment(conn: &mut AnyConnection, id: EnrolmentId) -> ApiResult<Certificate> {
    find(conn, Lookup::Enrolment(id))
}
