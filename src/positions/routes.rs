//! `/positions`: the standard handlers of a resource, and a position's competency standard.

use actix_web::{delete, get, patch, post, put, web};

use super::model::{
    Position, PositionFilter, PositionInput, PositionPage, PositionPatch, Standard, StandardSet,
};
use super::queries::{self, Positions};
use crate::audit::Action;
use crate::auth::{op, Allowed};
use crate::db::resource::Resource;
use crate::error::{ApiResult, ReadErrors, WriteErrors};
use crate::types::PositionId;
use crate::web::{db, ValidJson, Write};
use crate::AppState;

crate::resource_routes! {
    Positions at "/positions", "/positions/{id}" tagged "positions";
    /// List positions. Sort by `id`, `name`, `kind`.
    list list_positions: ListPositions(PositionFilter => PositionPage)
        sorted PositionSort ["id", "name", "kind"];
    /// One position.
    get get_position: GetPosition(Position);
    /// Add a position (admin, operator).
    create create_position: CreatePosition(PositionInput => Position);
    /// Change a position (admin, operator).
    update update_position: UpdatePosition(PositionInput, PositionPatch => Position);
    /// Delete a position (admin, operator). A position held by employees answers 409.
    delete delete_position: DeletePosition;
    service get_position_standards;
    service replace_position_standards;
}

/// The competency standard of a position.
///
/// The required level (1–5) per competency, in competency id order.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "The position's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The standard", body = Vec<Standard>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/positions/{id}/standards")]
pub async fn get_position_standards(
    state: web::Data<AppState>,
    _: Allowed<op::GetStandards>,
    id: web::Path<PositionId>,
) -> ApiResult<web::Json<Vec<Standard>>> {
    let id = id.into_inner();
    let items = db(&state.pool, move |c| {
        Positions::row(c, id)?;
        Ok(queries::standards(c, id)?)
    })
    .await?;
    Ok(web::Json(items))
}

/// Replace the whole standard of a position (admin, operator).
///
/// In one transaction: competencies not listed are dropped from the standard. A change of the
/// standard is a change of the position: its version moves too, so send the position's ETag as
/// `If-Match`.
#[utoipa::path(
    tag = "positions",
    params(("id" = i64, Path, description = "The position's id", minimum = 1, example = 1), ("If-Match" = Option<String>, Header, description = "The position's ETag; 412 when stale")),
    request_body(content = Vec<Standard>, example = json!([{"competency_id": 1, "required_level": 3}, {"competency_id": 2, "required_level": 3}, {"competency_id": 9, "required_level": 2}])),
    responses((status = 200, description = "The new standard", body = Vec<Standard>), WriteErrors),
    security(("bearer" = []))
)]
#[put("/positions/{id}/standards")]
pub async fn replace_position_standards(
    w: Write<op::PutStandards>,
    id: web::Path<PositionId>,
    ValidJson(body): ValidJson<StandardSet>,
) -> ApiResult<web::Json<Vec<Standard>>> {
    let id = id.into_inner();
    let if_match = w.if_match.clone();
    let items = w
        .run(move |tx| {
            tx.change::<Positions>(id, &if_match, Action::Update, |tx, _| {
                queries::replace_standards(tx, id, &body.items)
            })?;
            Ok(queries::standards(tx, id)?)
        })
        .await?;
    Ok(web::Json(items))
}
