//! `/programmes`: the standard handlers of a resource (`web::routes`).

use actix_web::{delete, get, patch, post};

use super::model::{Programme, ProgrammeFilter, ProgrammeInput, ProgrammePage, ProgrammePatch};
use super::queries::{self, Programmes};

crate::resource_routes! {
    Programmes at "/programmes", "/programmes/{id}" tagged "programmes";
    /// List programmes. Sort by `id`, `code`, `name`, `created_at`.
    list list_programmes: ListProgrammes(ProgrammeFilter => ProgrammePage)
        sorted ProgrammeSort ["id", "code", "name", "created_at"];
    /// One programme.
    get get_programme: GetProgramme(Programme);
    /// Create a programme (admin, operator).
    create create_programme: CreateProgramme(ProgrammeInput => Programme);
    /// Change a programme (admin, operator): any subset of fields; `null` clears a nullable field.
    update update_programme: UpdateProgramme(ProgrammeInput, ProgrammePatch => Programme);
    /// Delete a programme (admin, operator). A programme with runs (trainings) answers 409.
    delete delete_programme: DeleteProgramme;
}
