//! `/partners`: the standard handlers of a resource (`web::routes`), filled in with the
//! partners' operations, model and queries.

use actix_web::{delete, get, patch, post};

use super::model::{Partner, PartnerFilter, PartnerInput, PartnerPage, PartnerPatch};
use super::queries::{self, Partners};
use crate::auth::op;

crate::list_route!(
    /// List partners. Sort by `id`, `name`, `kind`, `agreement_end`, `created_at`.
    list_partners, op::ListPartners, "/partners", queries::list, PartnerFilter, PartnerPage,
    PartnerSort = ["id", "name", "kind", "agreement_end", "created_at"], "partners"
);

crate::get_route!(
    /// One partner.
    get_partner, op::GetPartner, "/partners/{id}", Partners, Partner, "partners"
);

crate::create_route!(
    /// Create a partner (admin, operator).
    create_partner, op::CreatePartner, "/partners", Partners, Partner, queries::create, PartnerInput, "partners"
);

crate::update_route!(
    /// Change a partner (admin, operator): any subset of fields; `null` clears a nullable field.
    update_partner, op::UpdatePartner, "/partners/{id}", Partners, Partner, queries::update, PartnerInput, PartnerPatch, "partners"
);

crate::delete_route!(
    /// Delete a partner (admin, operator). A partner referenced by trainings answers 409; deactivate it instead.
    delete_partner, op::DeletePartner, "/partners/{id}", Partners, queries::delete, "partners"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_partners)
        .service(get_partner)
        .service(create_partner)
        .service(update_partner)
        .service(delete_partner);
}
