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

crate::resource_routes! {
    Trainings at "/trainings", "/trainings/{id}" tagged "trainings";
    /// The training catalogue. Employees and unit managers never see drafts. Sort by `id`, `title`, `start_date`, `end_date`, `jp`.
    list list_trainings: ListTrainings(TrainingFilter => TrainingPage)
        sorted TrainingSort ["id", "title", "start_date", "end_date", "jp"];
    /// One training (a draft only for the training staff).
    get get_training: GetTraining(Training) via super::access::read_visible;
    /// Plan a training (admin, operator). It starts as a `draft`.
    create create_training: CreateTraining(TrainingInput => Training);
    /// Change a training (admin, operator). The status changes only through `/status`; capacity cannot drop below the seats already taken (409).
    update update_training: UpdateTraining(TrainingInput, TrainingPatch => Training);
    service change_training_status;
    /// Delete a training (admin, operator). One with enrolments answers 409: cancel it instead.
    delete delete_training: DeleteTraining;
}

/// Move a training to its next status (admin, operator).
///
/// Along draft → planned → open → ongoing → completed, or to `cancelled` from any non-final
/// status; any other move is 409. `ongoing` only from the start date on, `completed` only from
/// the end date on; a training someone completed cannot be cancelled, and cancelling withdraws
/// every enrolment (all 409 otherwise). With a stale `If-Match`, 412 and nothing changes.
#[utoipa::path(
    tag = "trainings",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), crate::web::IfMatch),
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
