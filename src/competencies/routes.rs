//! `/competencies`: the standard handlers of a resource.

use actix_web::{delete, get, patch, post};

use super::model::{
    Competency, CompetencyFilter, CompetencyInput, CompetencyPage, CompetencyPatch,
};
use super::queries::{self, Competencies};
use crate::auth::op;

crate::list_route!(
    /// List the competency dictionary. Sort by `id`, `code`, `name`.
    list_competencies, op::ListCompetencies, "/competencies", queries::list, CompetencyFilter, CompetencyPage,
    CompetencySort = ["id", "code", "name"], "competencies"
);

crate::get_route!(
    /// One competency with its levels.
    get_competency, op::GetCompetency, "/competencies/{id}", Competencies, Competency, "competencies"
);

crate::create_route!(
    /// Add a competency (admin, operator).
    create_competency, op::CreateCompetency, "/competencies", Competencies, Competency, queries::create, CompetencyInput, "competencies"
);

crate::update_route!(
    /// Change a competency (admin, operator).
    update_competency, op::UpdateCompetency, "/competencies/{id}", Competencies, Competency, queries::update, CompetencyInput, CompetencyPatch, "competencies"
);

crate::delete_route!(
    /// Delete a competency (admin, operator). One used by a standard, assessment, partner or training answers 409: deactivate it instead.
    delete_competency, op::DeleteCompetency, "/competencies/{id}", Competencies, queries::delete, "competencies"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_competencies)
        .service(get_competency)
        .service(create_competency)
        .service(update_competency)
        .service(delete_competency);
}
