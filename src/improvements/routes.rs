//! `/improvement-actions`: the standard handlers of a resource (`web::routes`).

use actix_web::{delete, get, patch, post};

use super::model::{
    ImprovementAction, ImprovementActionFilter, ImprovementActionInput, ImprovementActionPage,
    ImprovementActionPatch,
};
use super::queries::{self, ImprovementActions};

crate::resource_routes! {
    ImprovementActions at "/improvement-actions", "/improvement-actions/{id}" tagged "evaluation";
    /// List improvement actions. Sort by `id`, `due_on`, `status`, `created_at`.
    list list_improvement_actions: ListImprovementActions(ImprovementActionFilter => ImprovementActionPage)
        sorted ImprovementActionSort ["id", "due_on", "status", "created_at"];
    /// One improvement action.
    get get_improvement_action: GetImprovementAction(ImprovementAction);
    /// Record what is done about a flag of a training's evaluation (admin, operator).
    create create_improvement_action: CreateImprovementAction(ImprovementActionInput => ImprovementAction);
    /// Change an improvement action (admin, operator): progress, outcome, the next run.
    update update_improvement_action: UpdateImprovementAction(ImprovementActionInput, ImprovementActionPatch => ImprovementAction);
    /// Delete an improvement action (admin, operator).
    delete delete_improvement_action: DeleteImprovementAction;
}
