//! `/trainings`: the catalogue (drafts only for the training staff, `access`), the standard
//! writes, and the status flow.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::model::{
    StatusChange, Training, TrainingFilter, TrainingInput, TrainingPage, TrainingPatch,
};
use super::queries::{self, Trainings};
use crate::audit::Action;
use crate::auth::op;
use crate::db::resource::Resource;
use crate::error::{ApiResult, WriteErrors};
use crate::types::TrainingId;
use crate::web::{ok_versioned, ValidJson, Write};

crate::list_route!(
    /// The training catalogue. Employees and unit managers never see drafts. Sort by `id`, `title`, `start_date`, `end_date`, `jp`.
    list_trainings, op::ListTrainings, "/trainings", queries::list, TrainingFilter, TrainingPage,
    TrainingSort = ["id", "title", "start_date", "end_date", "jp"], "trainings"
);

crate::get_route!(
    /// One training (a draft only for the training staff).
    get_training, op::GetTraining, "/trainings/{id}", Trainings, Training, "trainings",
    via = super::access::read_visible
);

crate::create_route!(
    /// Plan a training (admin, operator). It starts as a `draft`.
    create_training, op::CreateTraining, "/trainings", Trainings, Training, queries::create, TrainingInput, "trainings"
);

crate::update_route!(
    /// Change a training (admin, operator). The status changes only through `/status`; capacity cannot drop below the seats already taken (409).
    update_training, op::UpdateTraining, "/trainings/{id}", Trainings, Training, queries::update, TrainingInput, TrainingPatch, "trainings"
);

crate::delete_route!(
    /// Delete a training (admin, operator). One with enrolments answers 409: cancel it instead.
    delete_training, op::DeleteTraining, "/trainings/{id}", Trainings, queries::delete, "trainings"
);

/// Move a training to its next status (admin, operator).
///
/// Along draft → planned → open → ongoing → completed, or to `cancelled` from any non-final
/// status; any other move is 409. `ongoing` only from the start date on, `completed` only from
/// the end date on; a training someone completed cannot be cancelled, and cancelling withdraws
/// every enrolment (all 409 otherwise). With a stale `If-Match`, 412 and nothing changes.
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = StatusChange,
    responses((status = 200, description = "The training in its new status", body = Training, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/status")]
pub async fn change_training_status(
    w: Write<op::ChangeTrainingStatus>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<StatusChange>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = w.if_match.clone();
    let t = w
        .run(move |tx| {
            tx.change::<Trainings>(id, &if_match, Action::StatusChange, |tx, current| {
                queries::set_status(tx, &current, body.status)
            })?;
            Trainings::load(tx, id)
        })
        .await?;
    Ok(ok_versioned(&t, t.version))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_trainings)
        .service(get_training)
        .service(create_training)
        .service(update_training)
        .service(change_training_status)
        .service(delete_training);
}
