//! `/competencies`: the standard handlers of a resource.

use actix_web::{delete, get, patch, post};

use super::model::{
    Competency, CompetencyFilter, CompetencyInput, CompetencyPage, CompetencyPatch,
};
use super::queries::{self, Competencies};

crate::resource_routes! {
    Competencies at "/competencies", "/competencies/{id}" tagged "competencies";
    /// List the competency dictionary. Sort by `id`, `code`, `name`.
    list list_competencies: ListCompetencies(CompetencyFilter => CompetencyPage)
        sorted CompetencySort ["id", "code", "name"];
    /// One competency with its levels.
    get get_competency: GetCompetency(Competency);
    /// Add a competency (admin, operator).
    create create_competency: CreateCompetency(CompetencyInput => Competency);
    /// Change a competency (admin, operator).
    update update_competency: UpdateCompetency(CompetencyInput, CompetencyPatch => Competency);
    /// Delete a competency (admin, operator). One used by a standard, assessment, partner or training answers 409: deactivate it instead.
    delete delete_competency: DeleteCompetency;
}
