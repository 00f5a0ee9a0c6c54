//! The learning record rules (API.md "Learning record rules"): what a training and its
//! enrolments may become, so that the JP sent to BKN are JP that were taught. Every write path
//! (single PATCH, bulk update, status change, seed) goes through these functions.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Training, TrainingInput, TrainingStatus};
use crate::db::schema::enrolments;
use crate::db::AnyConnection;
use crate::enrolments::model::{EnrolmentFields, EnrolmentStatus};
use crate::error::{ApiError, ApiResult};
use crate::settings::model::Settings;

/// The most JP a classical training from `start` to `end` may hold: `max_jp_per_day` for each
/// day, both ends counted.
pub fn max_classical_jp(settings: &Settings, start: NaiveDate, end: NaiveDate) -> i64 {
    i64::from(settings.max_jp_per_day) * ((end - start).num_days() + 1)
}

/// A training as written: a classical training holds at most `max_jp_per_day` JP a day (422
/// `jp`); dates that would put a held training in the future, or JP below what its participants
/// were credited, are refused (409).
pub fn check_training(
    conn: &mut AnyConnection,
    settings: &Settings,
    current: Option<&Training>,
    t: &TrainingInput,
) -> ApiResult<()> {
    let most = max_classical_jp(settings, t.start_date, t.end_date);
    if t.form.classical() && i64::from(t.jp) > most {
        return Err(ApiError::validation(
            "jp",
            format!(
                "a classical training holds at most {} JP a day: at most {most} JP from {} to {}",
                settings.max_jp_per_day, t.start_date, t.end_date
            ),
        ));
    }
    let Some(current) = current else {
        return Ok(());
    };
    let held = matches!(
        current.status,
        TrainingStatus::Ongoing | TrainingStatus::Completed
    );
    if held && t.start_date > crate::types::today() {
        return Err(ApiError::conflict(format!(
            "the training is {}: its start date cannot be in the future",
            current.status
        )));
    }
    if current.status == TrainingStatus::Completed && t.end_date > crate::types::today() {
        return Err(ApiError::conflict(
            "the training is completed: its end date cannot be in the future",
        ));
    }
    let credited: Option<i32> = enrolments::table
        .filter(enrolments::training_id.eq(current.id))
        .select(diesel::dsl::max(enrolments::jp_credited))
        .first(conn)?;
    if let Some(credited) = credited.filter(|c| *c > t.jp) {
        return Err(ApiError::conflict(format!(
            "participants were credited {credited} JP: the training's JP cannot be lower"
        )));
    }
    Ok(())
}

/// A status move beyond the flow itself: `ongoing` from the start date on, `completed` from the
/// end date on, and no cancelling once someone completed it (all 409).
pub fn check_move(conn: &mut AnyConnection, t: &Training, to: TrainingStatus) -> ApiResult<()> {
    match to {
        TrainingStatus::Ongoing if crate::types::today() < t.start_date => {
            Err(ApiError::conflict(format!(
                "the training starts on {}: it cannot be ongoing before",
                t.start_date
            )))
        }
        TrainingStatus::Completed if crate::types::today() < t.end_date => {
            Err(ApiError::conflict(format!(
                "the training ends on {}: it cannot be completed before",
                t.end_date
            )))
        }
        TrainingStatus::Cancelled => {
            let completions: i64 = enrolments::table
                .filter(enrolments::training_id.eq(t.id))
                .filter(enrolments::status.eq(EnrolmentStatus::Completed))
                .count()
                .get_result(conn)?;
            if completions > 0 {
                return Err(ApiError::conflict(format!(
                    "{completions} participants completed the training: it cannot be cancelled"
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The recorded fields of an enrolment of `training`, moving from `old`: no move in a cancelled
/// training (409), nomination states only through a decision (409), attendance and results only once the training is held (409
/// `training_not_held`), credited JP within 1..the
/// training's JP (422), and a classical completion with recorded attendance at the minimum
/// (422 `attendance_below_minimum`).
pub fn check_enrolment(
    settings: &Settings,
    training: &Training,
    old: EnrolmentStatus,
    fields: &EnrolmentFields,
) -> ApiResult<()> {
    use EnrolmentStatus::*;
    let held = matches!(
        training.status,
        TrainingStatus::Ongoing | TrainingStatus::Completed
    );
    if fields.status != old && training.status == TrainingStatus::Cancelled {
        return Err(ApiError::conflict(
            "the training is cancelled: its enrolments stay withdrawn",
        ));
    }
    if fields.status != old {
        if matches!(fields.status, Nominated | Waitlisted | Rejected) || old == Rejected {
            return Err(ApiError::conflict(format!(
                "an enrolment becomes `{}` only by a decision on its nomination (POST /enrolments/{{id}}/decision)",
                fields.status
            )));
        }
        if old.pending() && fields.status != Withdrawn {
            return Err(ApiError::conflict(format!(
                "the enrolment is `{old}`: it is decided with POST /enrolments/{{id}}/decision, or withdrawn"
            )));
        }
    }
    if fields.status != old && matches!(fields.status, Attended | Completed | Failed) && !held {
        return Err(ApiError::Conflict {
            code: "training_not_held",
            detail: format!(
                "the training is {}: an enrolment can be `{}` only once it is ongoing or completed",
                training.status, fields.status
            ),
        });
    }
    if let Some(jp) = fields.jp_credited {
        if !(1..=training.jp).contains(&jp) {
            return Err(ApiError::validation(
                "jp_credited",
                format!("must be 1..{}, the training's JP", training.jp),
            ));
        }
    }
    let below = fields
        .attendance_percent
        .is_some_and(|a| a < settings.min_attendance_percent);
    if fields.status == Completed && training.classical && below {
        return Err(ApiError::Rule {
            code: "attendance_below_minimum",
            field: "attendance_percent".into(),
            detail: format!(
                "a classical completion needs at least {} % attendance",
                settings.min_attendance_percent
            ),
        });
    }
    Ok(())
}

/// The completion day an enrolment of `training` gets with `fields` (API.md "Learning record
/// rules"): none unless completed; a classical training's end date (another date given is
/// 422); for other forms the date given, within [`start_date`, `end_date` +
/// `late_completion_days`] and not in the future (else 422), or the day it is recorded.
pub fn completion_day(
    settings: &Settings,
    training: &Training,
    fields: &EnrolmentFields,
) -> ApiResult<Option<NaiveDate>> {
    if fields.status != EnrolmentStatus::Completed {
        return Ok(None);
    }
    let today = crate::types::today();
    if training.classical {
        return match fields.completed_on {
            Some(day) if day != training.end_date => Err(ApiError::validation(
                "completed_on",
                format!(
                    "a classical training is completed on its end date, {}",
                    training.end_date
                ),
            )),
            _ => Ok(Some(training.end_date)),
        };
    }
    let Some(day) = fields.completed_on else {
        return Ok(Some(today));
    };
    let late = u64::try_from(settings.late_completion_days).unwrap_or(0);
    let latest = training.end_date + chrono::Days::new(late);
    let latest = latest.min(today);
    if day < training.start_date || day > latest {
        return Err(ApiError::validation(
            "completed_on",
            format!(
                "must be from {} (the training's start) to {latest} (its end plus {} days, and not in the future)",
                training.start_date, settings.late_completion_days
            ),
        ));
    }
    Ok(Some(day))
}
