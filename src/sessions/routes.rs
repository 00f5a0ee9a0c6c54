//! A training's sessions (`/trainings/{id}/sessions`, `/sessions/{id}`) and their attendance
//! (`/sessions/{id}/attendance`).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};

use super::model::{AttendanceSet, Presence, Session, SessionInput, SessionPatch};
use super::queries::{self, Sessions};
use crate::audit::{Action, Entity};
use crate::auth::{op, Allowed};
use crate::db::resource::Resource;
use crate::db::write::Tx;
use crate::error::{ApiResult, CreateErrors, DeleteErrors, ReadErrors, WriteErrors};
use crate::trainings::model::Training;
use crate::trainings::queries::Trainings;
use crate::types::{SessionId, TrainingId};
use crate::web::{db, ok_versioned, IdempotencyKey, Patch, ValidJson, Write};
use crate::AppState;

/// The training, locked: its sessions' JP and its participants' attendance change together.
fn locked_training(tx: &mut Tx, id: TrainingId) -> ApiResult<Training> {
    tx.lock(Entity::Training, &[id.0])?;
    Trainings::load(tx, id)
}

/// A training's sessions.
///
/// In start order: the schedule, the JP and the speakers of each. Visible as the training is
/// (drafts to the training staff only).
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The sessions", body = Vec<Session>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/trainings/{id}/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Allowed<op::ListSessions>,
    id: web::Path<TrainingId>,
) -> ApiResult<web::Json<Vec<Session>>> {
    let id = id.into_inner();
    let caller = caller.caller;
    let items = db(&state.pool, move |c| {
        crate::trainings::access::visible(c, &caller, id)?;
        Ok(queries::of_training(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Add a session to a training (admin, operator).
///
/// Within the training's days; its sessions hold at most the training's JP (422); not for a
/// cancelled training (409). Once a training has sessions, its participants' attendance is
/// derived from them. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The training's id", minimum = 1, example = 1), IdempotencyKey),
    request_body = SessionInput,
    responses((status = 201, description = "Added", body = Session,
               headers(("Location" = String, description = "URL of the session"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/sessions")]
pub async fn create_session(
    w: Write<op::CreateSession>,
    id: web::Path<TrainingId>,
    ValidJson(body): ValidJson<SessionInput>,
) -> ApiResult<HttpResponse> {
    let training = id.into_inner();
    w.create_replayable::<Sessions, _>(
        |s| format!("/api/v1/sessions/{}", s.id),
        move |tx| {
            let training = locked_training(tx, training)?;
            queries::create(tx, &training, &body)
        },
    )
    .await
}

/// The session, when the caller may see its training (404 otherwise).
async fn read_visible(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: SessionId,
) -> ApiResult<Session> {
    let session = crate::db::resource::read::<Sessions>(state, id).await?;
    crate::trainings::access::read_visible(state, caller, session.training_id).await?;
    Ok(session)
}

crate::get_route!(
    /// One session (as its training: drafts' to the training staff only).
    get_session, op::GetSession, "/sessions/{id}", Sessions, Session, "sessions",
    via = read_visible
);

/// Change a session (admin, operator).
///
/// Any subset of the fields, checked as a new session is; the participants' attendance follows
/// a change of its JP. Without `If-Match` the last writer wins; with a stale one, 412.
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The session's id", minimum = 1, example = 1),
           crate::web::IfMatch),
    request_body = SessionPatch,
    responses((status = 200, description = "Updated", body = Session,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/sessions/{id}")]
pub async fn update_session(
    w: Write<op::UpdateSession>,
    id: web::Path<SessionId>,
    patch: Patch<SessionInput>,
) -> ApiResult<HttpResponse> {
    let session = w
        .update::<Sessions, _>(id.into_inner(), move |tx, current| {
            let training = locked_training(tx, current.training_id)?;
            let input = patch.apply(&current)?;
            queries::update(tx, &training, &current, &input)
        })
        .await?;
    Ok(ok_versioned(&session, session.version))
}

/// Delete a session with its attendance (admin, operator).
///
/// The participants' attendance follows. With a stale `If-Match`, 412 and nothing is deleted.
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The session's id", minimum = 1, example = 1),
           crate::web::IfMatch),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/sessions/{id}")]
pub async fn delete_session(
    w: Write<op::DeleteSession>,
    id: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    w.delete::<Sessions, _>(id.into_inner(), move |tx, current| {
        locked_training(tx, current.training_id)?;
        queries::delete(tx, &current)
    })
    .await
}

/// Who was present at a session (admin, operator, clients with `records:read`).
///
/// The recorded attendance, in enrolment order.
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The session's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The attendance", body = Vec<Presence>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/sessions/{id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    _: Allowed<op::GetAttendance>,
    id: web::Path<SessionId>,
) -> ApiResult<web::Json<Vec<Presence>>> {
    let id = id.into_inner();
    let items = db(&state.pool, move |c| {
        Sessions::row(c, id)?;
        Ok(queries::attendance(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Record who was present at a session (admin, operator).
///
/// For the enrolments listed (others keep what was recorded): each must hold a seat in the
/// session's training (422 per item), and the training must be ongoing or completed (409
/// `training_not_held`). Their `attendance_percent` becomes JP attended over JP of all
/// sessions, and the minimum-attendance rule of completion reads it. A change of the session:
/// send its ETag as `If-Match`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = i64, Path, description = "The session's id", minimum = 1, example = 1),
           ("If-Match" = Option<String>, Header, description = "The session's ETag; 412 when stale")),
    request_body(content = Vec<Presence>, example = json!([{"enrolment_id": 1, "present": true}])),
    responses((status = 200, description = "The session's attendance", body = Vec<Presence>), WriteErrors),
    security(("bearer" = []))
)]
#[put("/sessions/{id}/attendance")]
pub async fn put_attendance(
    w: Write<op::PutAttendance>,
    id: web::Path<SessionId>,
    ValidJson(body): ValidJson<AttendanceSet>,
) -> ApiResult<web::Json<Vec<Presence>>> {
    let id = id.into_inner();
    let if_match = w.if_match.clone();
    let items = w
        .run(move |tx| {
            tx.change::<Sessions>(id, &if_match, Action::Update, |tx, current| {
                let training = locked_training(tx, current.training_id)?;
                queries::put_attendance(tx, &training, &current, &body.items)?;
                crate::enrolments::queries::after_changes(tx, training.id, &[])
            })?;
            Ok(queries::attendance(tx, id)?)
        })
        .await?;
    Ok(web::Json(items))
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(list_sessions)
        .service(create_session)
        .service(get_session)
        .service(update_session)
        .service(delete_session)
        .service(get_attendance)
        .service(put_attendance);
}
