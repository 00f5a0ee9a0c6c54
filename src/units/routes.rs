//! `/units`: the standard handlers of a resource, and the nested tree of a unit.

use actix_web::{delete, get, patch, post, web};

use super::model::{Unit, UnitFilter, UnitInput, UnitPatch, UnitTree};
use super::queries::{self, Units};
use crate::auth::{op, Allowed};
use crate::error::{ApiResult, ReadErrors};
use crate::types::UnitId;
use crate::web::db;
use crate::web::Paginated;
use crate::AppState;

crate::list_route!(
    /// List units. Sort by `id`, `code`, `name`.
    list_units, op::ListUnits, "/units", queries::list, UnitFilter, Unit,
    ["id", "code", "name"], "units", "units"
);

crate::get_route!(
    /// One unit.
    get_unit, op::GetUnit, "/units/{id}", Units, Unit, "unit", "units"
);

crate::create_route!(
    /// Create a unit (admin, operator).
    create_unit, op::CreateUnit, "/units", Units, Unit, queries::create, UnitInput, "unit",
    "units"
);

crate::update_route!(
    /// Change a unit (admin, operator).
    update_unit, op::UpdateUnit, "/units/{id}", Units, Unit, queries::update, UnitInput,
    UnitPatch, "unit", "units"
);

crate::delete_route!(
    /// Delete a unit (admin, operator). A unit with sub-units, employees, positions or accounts answers 409.
    delete_unit, op::DeleteUnit, "/units/{id}", Units, queries::delete, "unit", "units"
);

/// The unit with all its sub-units, nested.
#[utoipa::path(
    tag = "units",
    params(("id" = i64, Path, description = "The unit's id")),
    responses((status = 200, description = "The unit tree", body = UnitTree), ReadErrors),
    security(("bearer" = []))
)]
#[get("/units/{id}/tree")]
pub async fn unit_tree(
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
        .service(unit_tree)
        .service(get_unit)
        .service(create_unit)
        .service(update_unit)
        .service(delete_unit);
}
