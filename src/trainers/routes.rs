//! `/trainers`: the standard handlers of a resource (`web::routes`), filled in with the
//! trainers' operations, model and queries.

use actix_web::{delete, get, patch, post};

use super::model::{Trainer, TrainerFilter, TrainerInput, TrainerPage, TrainerPatch};
use super::queries::{self, Trainers};
use crate::auth::op;

crate::list_route!(
    /// List trainers. Sort by `id`, `name`.
    list_trainers, op::ListTrainers, "/trainers", queries::list, TrainerFilter, TrainerPage,
    TrainerSort = ["id", "name"], "trainers"
);

crate::get_route!(
    /// One trainer.
    get_trainer, op::GetTrainer, "/trainers/{id}", Trainers, Trainer, "trainers"
);

crate::create_route!(
    /// Add a trainer (admin, operator).
    create_trainer, op::CreateTrainer, "/trainers", Trainers, Trainer, queries::create, TrainerInput, "trainers"
);

crate::update_route!(
    /// Change a trainer (admin, operator).
    update_trainer, op::UpdateTrainer, "/trainers/{id}", Trainers, Trainer, queries::update, TrainerInput, TrainerPatch, "trainers"
);

crate::delete_route!(
    /// Delete a trainer (admin, operator). One named by a training answers 409: deactivate instead.
    delete_trainer, op::DeleteTrainer, "/trainers/{id}", Trainers, queries::delete, "trainers"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_trainers)
        .service(get_trainer)
        .service(create_trainer)
        .service(update_trainer)
        .service(delete_trainer);
}
