//! `/units`: the standard handlers of a resource, and the nested tree of a unit.

use actix_web::{delete, get, patch, post, web};

use super::model::{Unit, UnitFilter, UnitInput, UnitPage, UnitPatch, UnitTree};
use super::queries::{self, Units};
use crate::auth::{op, Allowed};
use crate::error::{ApiResult, ReadErrors};
use crate::types::UnitId;
use crate::web::db;
use crate::AppState;

crate::list_route!(
    /// List units. Sort by `id`, `code`, `name`.
    list_units, op::ListUnits, "/units", queries::list, UnitFilter, UnitPage,
    UnitSort = ["id", "code", "name"], "units"
);

crate::get_route!(
    /// One unit.
    get_unit, op::GetUnit, "/units/{id}", Units, Unit, "units"
);

crate::create_route!(
    /// Create a unit (admin, operator).
    create_unit, op::CreateUnit, "/units", Units, Unit, queries::create, UnitInput, "units"
);

crate::update_route!(
    /// Change a unit (admin, operator).
    update_unit, op::UpdateUnit, "/units/{id}", Units, Unit, queries::update, UnitInput, UnitPatch, "units"
);

crate::delete_route!(
    /// Delete a unit (admin, operator). A unit with sub-units, employees, positions or accounts answers 409.
    delete_unit, op::DeleteUnit, "/units/{id}", Units, queries::delete, "units"
);

/// The unit with all its sub-units, nested.
///
/// At most 10 levels deep; children sorted by code.
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "The unit's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The unit tree", body = UnitTree), ReadErrors),
    security(("bearer" = []))
)]
#[get("/units/{id}/tree")]
pub async fn get_unit_tree(
    state: web::Data<AppState>,
    _: Allowed<op::UnitTree>,
    id: web::Path<UnitId>,
) -> ApiResult<web::Json<UnitTree>> {
    let id = id.into_inner();
    Ok(web::Json(
        db(&state.pool, move |c| queries::tree(c, id)).await?,
    ))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_units)
        .service(get_unit_tree)
        .service(get_unit)
        .service(create_unit)
        .service(update_unit)
        .service(delete_unit);
}
