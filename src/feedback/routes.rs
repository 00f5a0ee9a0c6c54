use actix_web::http::header::LINK;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;

use super::model::{Channel, FeedbackInput, FeedbackList, FeedbackResponse, PaperFeedback};
use super::queries;
use crate::audit::Entity;
use crate::auth::{op, Allowed};
use crate::db::resource::Resource;
use crate::db::schema::enrolments;
use crate::enrolments::model::EnrolmentStatus;
use crate::error::{ApiError, ApiResult, CreateErrors, ReadErrors};
use crate::trainings::model::TrainingStatus;
use crate::types::{EnrolmentId, TrainingId};
use crate::web::write::Created;
use crate::web::{db, page_links, IdempotencyKey, PageParams, ValidJson, ValidQuery, Write};
use crate::AppState;

/// Give feedback on a training.
///
/// The employee of an `attended` or `completed` enrolment, once, while the training is
/// `ongoing` or `completed` and at most `feedback_window_days` after its end. The response is
/// stored without any link to the person (an `Idempotency-Key`'s kept answer included).
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = FeedbackInput,
    responses((status = 201, description = "Recorded", body = FeedbackResponse, headers(("Location" = String, description = "The training's feedback"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/feedback")]
pub async fn submit_feedback(
    w: Write<op::SubmitFeedback>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<FeedbackInput>,
) -> ApiResult<HttpResponse> {
    let employee_id = w
        .caller
        .employee_id
        .ok_or_else(|| ApiError::Forbidden("only participants give feedback".into()))?;
    let training_id = id.into_inner();
    let caller = w.caller.clone();
    w.created(move |tx| {
        let training = crate::trainings::access::visible(tx, &caller, training_id)?;
        queries::lock_training(tx, training_id)?;
        let enrolment: Option<(EnrolmentId, EnrolmentStatus)> = enrolments::table
            .filter(enrolments::training_id.eq(training_id))
            .filter(enrolments::employee_id.eq(employee_id))
            .select((enrolments::id, enrolments::status))
            .first(tx.conn())
            .optional()?;
        let Some((enrolment_id, status)) = enrolment else {
            return Err(ApiError::Forbidden(
                "only participants of the training give feedback".into(),
            ));
        };
        if !matches!(
            status,
            EnrolmentStatus::Attended | EnrolmentStatus::Completed
        ) {
            return Err(ApiError::conflict(
                "feedback needs an attended or completed enrolment",
            ));
        }
        held(&training)?;
        let window = crate::settings::queries::get(tx)?.feedback_window_days;
        if crate::types::today() > training.end_date + chrono::Duration::days(i64::from(window)) {
            return Err(ApiError::conflict(format!(
                "feedback closed {window} days after the training ended"
            )));
        }
        queries::check_trainer_ratings(&body, &training.trainer_ids, "trainer_ratings")?;
        // The OPD the response goes to: no unit moves until this write ends (an OPD placed
        // under another hands its responses over, and must see this one).
        tx.hold(Entity::Unit)?;
        let unit = crate::employees::queries::Employees::load(tx, employee_id)?.unit_id;
        let opd = crate::units::queries::top_level(tx, unit)?;
        if !queries::take_receipt(tx, enrolment_id, opd)? {
            return Err(ApiError::conflict(
                "feedback was already given for this enrolment",
            ));
        }
        let ids = queries::create(
            tx,
            training_id,
            Some(opd),
            Channel::Online,
            std::slice::from_ref(&body),
        )?;
        // The audit row names the training only: no actor, address, request id or time of
        // day, which with the rows around it could tie a person to a response.
        tx.record_anonymously(Entity::Feedback, Some(training_id.0))?;
        Ok(Created {
            location: format!("/api/v1/trainings/{training_id}/feedback"),
            version: 1,
            body: FeedbackResponse::from(queries::get(tx, ids[0])?),
        })
    })
    .await
}

/// Feedback is given on a training that is being or has been held.
fn held(training: &crate::trainings::model::Training) -> ApiResult<()> {
    if matches!(
        training.status,
        TrainingStatus::Ongoing | TrainingStatus::Completed
    ) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "feedback opens when the training is ongoing",
        ))
    }
}

/// Enter paper feedback forms (admin, operator).
///
/// For trainings that collected their survey on paper. All or none; at most the training's
/// eligible participants (attended or completed) who have not answered yet, online or on
/// paper (else 409). The responses count like online ones, with `channel: paper`, and are
/// attributed to no unit (a paper form does not say whose it is).
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = PaperFeedback,
    responses((status = 201, description = "Recorded", body = FeedbackList, headers(("Location" = String, description = "The training's feedback"), ("ETag" = String, description = "Its version"))), CreateErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/feedback/paper")]
pub async fn enter_paper_feedback(
    w: Write<op::EnterPaperFeedback>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<PaperFeedback>,
) -> ApiResult<HttpResponse> {
    let training_id = id.into_inner();
    let caller = w.caller.clone();
    w.created(move |tx| {
        let training = crate::trainings::access::visible(tx, &caller, training_id)?;
        queries::lock_training(tx, training_id)?;
        held(&training)?;
        for (i, response) in body.responses.iter().enumerate() {
            queries::check_trainer_ratings(
                response,
                &training.trainer_ids,
                &format!("responses[{i}].trainer_ratings"),
            )?;
        }
        let open = queries::unanswered(tx, training_id)?;
        if body.responses.len() as i64 > open {
            return Err(ApiError::conflict(format!(
                "{open} eligible participants have not answered yet; {} forms are too many",
                body.responses.len()
            )));
        }
        let ids = queries::create(tx, training_id, None, Channel::Paper, &body.responses)?;
        tx.record_day_only(Entity::Feedback, Some(training_id.0))?;
        let rows = ids
            .into_iter()
            .map(|id| queries::get(tx, id).map(FeedbackResponse::from))
            .collect::<Result<Vec<_>, _>>()?;
        let total = rows.len() as i64;
        Ok(Created {
            location: format!("/api/v1/trainings/{training_id}/feedback"),
            version: 1,
            body: FeedbackList {
                items: rows,
                total,
                page: 1,
                per_page: total,
                suppressed: false,
            },
        })
    })
    .await
}

/// A training's feedback responses, anonymous (admin, operator).
///
/// Empty and `suppressed: true` while fewer than `min_group_size` responses exist. In id
/// order, which is random, not the order received; no response names its author.
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), PageParams),
    responses((status = 200, description = "The responses", body = FeedbackList), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/feedback")]
pub async fn list_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: Allowed<op::ListFeedback>,
    id: web::Path<TrainingId>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let training_id = id.into_inner();
    let window = page.window();
    let (total, rows, min) = db(&state.pool, move |c| {
        crate::trainings::queries::Trainings::row(c, training_id)?;
        let min = crate::settings::queries::get(c)?.min_group_size;
        let (total, rows) = queries::list(c, training_id, window)?;
        Ok((total, rows, min))
    })
    .await?;
    let suppressed = total < i64::from(min);
    let links = page_links(&req, &page, total);
    Ok(HttpResponse::Ok()
        .insert_header((LINK, links))
        .json(FeedbackList {
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

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(submit_feedback)
        .service(enter_paper_feedback)
        .service(list_feedback);
}
