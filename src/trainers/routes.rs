//! `/trainers`: the standard handlers of a resource (`web::routes`), filled in with the
//! trainers' operations, model and queries.

use actix_web::{delete, get, patch, post};

use super::model::{Trainer, TrainerFilter, TrainerInput, TrainerPage, TrainerPatch};
use super::queries::{self, Trainers};

crate::resource_routes! {
    Trainers at "/trainers", "/trainers/{id}" tagged "trainers";
    /// List trainers. Sort by `id`, `name`.
    list list_trainers: ListTrainers(TrainerFilter => TrainerPage)
        sorted TrainerSort ["id", "name"];
    /// One trainer.
    get get_trainer: GetTrainer(Trainer);
    /// Add a trainer (admin, operator).
    create create_trainer: CreateTrainer(TrainerInput => Trainer);
    /// Change a trainer (admin, operator).
    update update_trainer: UpdateTrainer(TrainerInput, TrainerPatch => Trainer);
    /// Delete a trainer (admin, operator). One named by a training answers 409: deactivate instead.
    delete delete_trainer: DeleteTrainer;
}
