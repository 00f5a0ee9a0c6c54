use actix_web::{get, patch, web, HttpResponse};
use validator::Validate;

use super::model::{Settings, SettingsPatch};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::db::write_tx;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::web::{db, ok_versioned, validation_error, IfMatch, RequestMeta, ValidJson};
use crate::AppState;

/// The programme settings (admin, operator).
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "Current settings", body = Settings, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/settings")]
pub async fn get_settings(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Admin, Role::Operator])?;
    let settings = db(&state.pool, |c| Ok(queries::get(c)?)).await?;
    Ok(ok_versioned(&settings, settings.version))
}

/// Change settings (admin).
#[utoipa::path(
    tag = "settings",
    params(("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = SettingsPatch,
    responses((status = 200, description = "Updated settings", body = Settings, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/settings")]
pub async fn update_settings(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    ValidJson(body): ValidJson<SettingsPatch>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let settings = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "settings", 1)?;
            let current = queries::get(c)?;
            if_match.check(current.version)?;
            let values = body.apply(&current);
            values.validate().map_err(|e| validation_error(&e))?;
            if !queries::update(c, current.version, &values)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::SettingsChange,
                "settings",
                Some(1),
                Outcome::Success,
            )?;
            Ok(queries::get(c)?)
        })
    })
    .await?;
    Ok(ok_versioned(&settings, settings.version))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_settings).service(update_settings);
}
