//! `/partners`: the standard handlers of a resource (`web::routes`), filled in with the
//! partners' operations, model and queries.

use actix_web::{delete, get, patch, post};

use super::model::{Partner, PartnerFilter, PartnerInput, PartnerPage, PartnerPatch};
use super::queries::{self, Partners};

crate::resource_routes! {
    Partners at "/partners", "/partners/{id}" tagged "partners";
    /// List partners. Sort by `id`, `name`, `kind`, `agreement_end`, `created_at`.
    list list_partners: ListPartners(PartnerFilter => PartnerPage)
        sorted PartnerSort ["id", "name", "kind", "agreement_end", "created_at"];
    /// One partner.
    get get_partner: GetPartner(Partner);
    /// Create a partner (admin, operator).
    create create_partner: CreatePartner(PartnerInput => Partner);
    /// Change a partner (admin, operator): any subset of fields; `null` clears a nullable field.
    update update_partner: UpdatePartner(PartnerInput, PartnerPatch => Partner);
    /// Delete a partner (admin, operator). A partner referenced by trainings answers 409; deactivate it instead.
    delete delete_partner: DeletePartner;
}
