//! `/trainers`: the standard handlers of a resource (`web::routes`), filled in with the
//! trainers' operations, model and queries.

use actix_web::{delete, get, patch, post};

use super::model::{Trainer, TrainerFilter, TrainerInput, TrainerPatch};
use super::queries::{self, Trainers};
use crate::auth::op;
use crate::web::Paginated;

crate::list_route!(
    /// List trainers. Sort by `id`, `name`.
    list_trainers, op::ListTrainers, "/trainers", queries::list, TrainerFilter, Trainer,
    ["id", "name"], "trainers", "trainers"
);

crate::get_route!(
    /// One trainer.
    get_trainer, op::GetTrainer, "/trainers/{id}", Trainers, Trainer, "trainer", "trainers"
);

crate::create_route!(
    /// Add a trainer (admin, operator).
    create_trainer, op::CreateTrainer, "/trainers", Trainers, Trainer, queries::create,
    TrainerInput, "trainer", "trainers"
);

crate::update_route!(
    /// Change a trainer (admin, operator).
    update_trainer, op::UpdateTrainer, "/trainers/{id}", Trainers, Trainer, queries::update,
    TrainerInput, TrainerPatch, "trainer", "trainers"
);

crate::delete_route!(
    /// Delete a trainer (admin, operator). One named by a training answers 409: deactivate instead.
    delete_trainer, op::DeleteTrainer, "/trainers/{id}", Trainers, queries::delete, "trainer",
    "trainers"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_trainers)
        .service(get_trainer)
        .service(create_trainer)
        .service(update_trainer)
        .service(delete_trainer);
}
