//! `/units`: the standard handlers of a resource, and the nested tree of a unit.

use actix_web::{delete, get, patch, post, web};

use super::model::{Unit, UnitFilter, UnitInput, UnitPage, UnitPatch, UnitTree};
use super::queries::{self, Units};
use crate::auth::{op, Allowed};
use crate::error::{ApiResult, ReadErrors};
use crate::types::UnitId;
use crate::web::db;
use crate::AppState;

crate::resource_routes! {
    Units at "/units", "/units/{id}" tagged "units";
    /// List units. Sort by `id`, `code`, `name`.
    list list_units: ListUnits(UnitFilter => UnitPage)
        sorted UnitSort ["id", "code", "name"];
    service get_unit_tree;
    /// One unit.
    get get_unit: GetUnit(Unit);
    /// Create a unit (admin, operator).
    create create_unit: CreateUnit(UnitInput => Unit);
    /// Change a unit (admin, operator).
    update update_unit: UpdateUnit(UnitInput, UnitPatch => Unit);
    /// Delete a unit (admin, operator). A unit with sub-units, employees, positions or accounts answers 409.
    delete delete_unit: DeleteUnit;
}

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
