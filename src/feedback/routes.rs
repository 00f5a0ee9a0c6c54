use actix_web::{get, post, web, HttpResponse};
use diesel::prelude::*;

use super::model::{FeedbackInput, FeedbackList, FeedbackResponse};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Actor, Caller, Role};
use crate::db::schema::enrolments;
use crate::db::write_tx;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::web::{created, db, PageParams, RequestMeta, ValidJson, ValidQuery};
use crate::AppState;

/// Give feedback on a training: the employee of an `attended` or `completed` enrolment, once,
/// while the training is `ongoing` or `completed` and at most `feedback_window_days` after its
/// end. The response is stored without any link to the person.
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "Training id")),
    request_body = FeedbackInput,
    responses((status = 201, description = "Recorded", body = FeedbackResponse, headers(("Location" = String, description = "The training's feedback"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/feedback")]
pub async fn submit_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<FeedbackInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[
        Role::Admin,
        Role::Operator,
        Role::UnitManager,
        Role::Employee,
    ])?;
    let employee_id = caller
        .employee_id
        .ok_or_else(|| ApiError::Forbidden("only participants give feedback".into()))?;
    let training_id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            let training = crate::trainings::routes::visible_training(c, &caller, training_id)?;
            let enrolment: Option<(i64, String)> = enrolments::table
                .filter(enrolments::training_id.eq(training_id))
                .filter(enrolments::employee_id.eq(employee_id))
                .select((enrolments::id, enrolments::status))
                .first(c)
                .optional()?;
            let Some((enrolment_id, status)) = enrolment else {
                return Err(ApiError::Forbidden(
                    "only participants of the training give feedback".into(),
                ));
            };
            if status != "attended" && status != "completed" {
                return Err(ApiError::conflict(
                    "feedback needs an attended or completed enrolment",
                ));
            }
            if training.status != "ongoing" && training.status != "completed" {
                return Err(ApiError::conflict(
                    "feedback opens when the training is ongoing",
                ));
            }
            let window = crate::settings::queries::get(c)?.feedback_window_days;
            if chrono::Utc::now().date_naive()
                > training.end_date + chrono::Duration::days(i64::from(window))
            {
                return Err(ApiError::conflict(format!(
                    "feedback closed {window} days after the training ended"
                )));
            }
            if !queries::take_receipt(c, enrolment_id)? {
                return Err(ApiError::conflict(
                    "feedback was already given for this enrolment",
                ));
            }
            let unit = crate::employees::queries::get(c, employee_id)?.unit_id;
            let id = queries::create(c, training_id, unit, &body)?;
            crate::reports::aggregates::add_feedback(c, training_id, unit, &body)?;
            // The audit row names the training only: no actor, address or request id, which with
            // the order of rows could tie a person to a response.
            let anonymous = RequestMeta {
                request_id: None,
                ip: None,
            };
            audit::record(
                c,
                Actor::ANONYMOUS,
                &anonymous,
                Action::Create,
                "feedback",
                Some(training_id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/trainings/{training_id}/feedback"),
        &FeedbackResponse::from(row),
        1,
    ))
}

/// A training's feedback responses, anonymous (admin, operator). Empty and `suppressed: true`
/// while fewer than `min_group_size` responses exist.
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "Training id"), PageParams),
    responses((status = 200, description = "The responses", body = FeedbackList), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/feedback")]
pub async fn list_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> ApiResult<web::Json<FeedbackList>> {
    caller.require_role(&[Role::Admin, Role::Operator])?;
    page.sort_fields(&[])?;
    let training_id = id.into_inner();
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows, min) = db(&state.pool, move |c| {
        crate::trainings::queries::get(c, training_id)?;
        let min = crate::settings::queries::get(c)?.min_group_size;
        let (total, rows) = queries::list(c, training_id, offset, limit)?;
        Ok((total, rows, min))
    })
    .await?;
    let suppressed = total < i64::from(min);
    Ok(web::Json(FeedbackList {
        items: if suppressed {
            Vec::new()
        } else {
            rows.into_iter().map(FeedbackResponse::from).collect()
        },
        total,
        page: page.page(),
        per_page: page.per_page(),
        suppressed,
    }))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_feedback).service(list_feedback);
}
