//! Which trainings a caller may see: the training staff see drafts, everyone else the published
//! catalogue only; a draft is 404 to them, exactly as if it did not exist. Other areas ask here.

use super::model::{Training, TrainingStatus};
use super::queries::Trainings;
use crate::auth::Caller;
use crate::db::resource::{read, Resource};
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::types::TrainingId;
use crate::AppState;

/// Training staff see drafts; everyone else sees the published catalogue only.
pub fn sees_drafts(caller: &Caller) -> bool {
    caller.is_staff()
}

fn shown(training: Training, caller: &Caller) -> ApiResult<Training> {
    if training.status == TrainingStatus::Draft && !sees_drafts(caller) {
        Err(ApiError::NotFound)
    } else {
        Ok(training)
    }
}

/// The training, when the caller may see it (inside a query or a write).
pub fn visible(conn: &mut AnyConnection, caller: &Caller, id: TrainingId) -> ApiResult<Training> {
    shown(Trainings::load(conn, id)?, caller)
}

/// The training, when the caller may see it, on the fast read path.
pub async fn read_visible(
    state: &AppState,
    caller: &Caller,
    id: TrainingId,
) -> ApiResult<Training> {
    shown(read::<Trainings>(state, id).await?, caller)
}
