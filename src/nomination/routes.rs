//! Quotas of a training (`/trainings/{id}/quotas`), staff's decision on a nomination and
//! withdrawal (`/enrolments/{id}/decision`, `/enrolments/{id}/withdraw`).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{NominationDecisionInput, Quota, QuotaSet};
use super::queries;
use crate::audit::Action;
use crate::auth::{op, Allowed};
use crate::db::resource::Resource;
use crate::db::write::Tx;
use crate::enrolments::queries::{after_changes, Enrolments};
use crate::error::{ApiResult, ReadErrors, WriteErrors};
use crate::trainings::queries::Trainings;
use crate::types::{EnrolmentId, TrainingId};
use crate::web::{db, ok_versioned, ValidJson, Write};
use crate::AppState;

/// A training's nomination quotas per unit.
///
/// In unit id order, each with `used`: the nominations of the unit's people (and of its
/// sub-units' without a quota of their own) that are nominated, waitlisted or hold a seat.
#[utoipa::path(
    tag = "nomination",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The quotas", body = Vec<Quota>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/quotas")]
pub async fn get_training_quotas(
    state: web::Data<AppState>,
    caller: Allowed<op::GetQuotas>,
    id: web::Path<TrainingId>,
) -> ApiResult<web::Json<Vec<Quota>>> {
    let id = id.into_inner();
    let caller = caller.caller;
    let items = db(&state.pool, move |c| {
        crate::trainings::access::visible(c, &caller, id)?;
        Ok(queries::quotas(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Replace a training's nomination quotas (admin, operator).
///
/// The whole set: units not listed have no quota, so their managers cannot nominate. Quotas
/// are part of the training: its version moves, so send the training's ETag as `If-Match`.
/// A completed or cancelled training's quotas are kept (409).
#[utoipa::path(
    tag = "nomination",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1),
           ("If-Match" = Option<String>, Header, description = "The training's ETag; 412 when stale")),
    request_body(content = Vec<super::model::QuotaInput>, example = json!([{"unit_id": 1, "seats": 5}, {"unit_id": 2, "seats": 3}])),
    responses((status = 200, description = "The new quotas", body = Vec<Quota>), WriteErrors),
    security(("bearer" = []))
)]
#[put("/trainings/{id}/quotas")]
pub async fn replace_training_quotas(
    w: Write<op::PutQuotas>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<QuotaSet>,
) -> ApiResult<web::Json<Vec<Quota>>> {
    let id = id.into_inner();
    let if_match = w.if_match.clone();
    let items = w
        .run(move |tx| {
            tx.change::<Trainings>(id, &if_match, Action::Update, |tx, current| {
                queries::replace_quotas(tx, &current, &body.items)
            })?;
            Ok(queries::quotas(tx, id)?)
        })
        .await?;
    Ok(web::Json(items))
}

/// Changes one enrolment's status with the training locked first, then answers it with its
/// new ETag.
async fn status_change<O: Send + 'static>(
    w: Write<O>,
    id: EnrolmentId,
    mut change: impl FnMut(
            &mut Tx,
            &crate::enrolments::model::EnrolmentRecord,
            &crate::trainings::model::Training,
        ) -> ApiResult<()>
        + Send
        + 'static,
) -> ApiResult<HttpResponse> {
    let if_match = w.if_match.clone();
    let record = w
        .run(move |tx| {
            tx.change::<Enrolments>(id, &if_match, Action::StatusChange, |tx, current| {
                let e = &current.enrolment;
                let training = Trainings::load(tx, e.training_id)?;
                change(tx, &current, &training)?;
                after_changes(tx, e.training_id, &[e.employee_id])
            })?;
            Enrolments::load(tx, id)
        })
        .await?;
    Ok(ok_versioned(&record.enrolment, record.enrolment.version))
}

/// Decide on a nomination (admin, operator).
///
/// `approve` takes a seat (`registered`) or, when the training is full, a place on the waiting
/// list (`waitlisted`); `reject` ends the nomination. Only a `nominated` or `waitlisted`
/// enrolment of a planned, open or ongoing training is decided (409 otherwise).
#[utoipa::path(
    tag = "nomination",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1),
           ("If-Match" = Option<String>, Header, description = "The enrolment's ETag; 412 when stale")),
    request_body = NominationDecisionInput,
    responses((status = 200, description = "Decided", body = crate::enrolments::model::Enrolment,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/enrolments/{id}/decision")]
pub async fn decide_enrolment(
    w: Write<op::DecideEnrolment>,
    id: web::Path<EnrolmentId>,
    ValidJson(body): ValidJson<NominationDecisionInput>,
) -> ApiResult<HttpResponse> {
    status_change(w, id.into_inner(), move |tx, current, training| {
        queries::decide(tx, &current.enrolment, training, &body)
    })
    .await
}

/// Withdraw an enrolment or a nomination before the training starts.
///
/// The employee their own, their unit manager, or staff (404 for an enrolment the caller may
/// not see). From the start day on, and for an enrolment that is not nominated, waitlisted or
/// registered, 409. A seat it held goes to the oldest on the waiting list at once.
#[utoipa::path(
    tag = "nomination",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1),
           ("If-Match" = Option<String>, Header, description = "The enrolment's ETag; 412 when stale")),
    responses((status = 200, description = "Withdrawn", body = crate::enrolments::model::Enrolment,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/enrolments/{id}/withdraw")]
pub async fn withdraw_enrolment(
    w: Write<op::WithdrawEnrolment>,
    id: web::Path<EnrolmentId>,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    status_change(w, id.into_inner(), move |tx, current, training| {
        let reach = caller.reach(tx)?;
        let current = crate::enrolments::access::shown(current.clone(), &reach)?;
        queries::withdraw(tx, &current.enrolment, training)
    })
    .await
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(get_training_quotas)
        .service(replace_training_quotas)
        .service(decide_enrolment)
        .service(withdraw_enrolment);
}
