//! `/settings`: the programme's policy values, one versioned row.

use actix_web::{get, patch, web, HttpResponse};

use super::model::{Settings, SettingsPatch, SettingsValues};
use super::queries::{self, SettingsRow, ID};
use crate::audit::Action;
use crate::auth::{op, Allowed};
use crate::db::resource::{read, Resource};
use crate::error::{ApiResult, ReadErrors, WriteErrors};
use crate::web::{ok_versioned, Patch, Write};
use crate::AppState;

/// The programme settings (admin, operator).
///
/// The policy values the rules use: the yearly JP target, the feedback window, the anonymity
/// threshold, the dissatisfaction flag threshold, the JPM bands and methods. The `ETag` is the version.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "Current settings", body = Settings, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    _: Allowed<op::GetSettings>,
) -> ApiResult<HttpResponse> {
    let settings = read::<SettingsRow>(&state, ID).await?;
    Ok(ok_versioned(&settings, settings.version))
}

/// Change settings (admin).
///
/// Any subset of the values, validated as a whole; each change is in the audit log
/// (`settings_change`). With a stale `If-Match`, 412 and nothing changes.
#[utoipa::path(
    tag = "settings",
    params(crate::web::IfMatch),
    request_body = SettingsPatch,
    responses((status = 200, description = "Updated settings", body = Settings, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/settings")]
pub async fn update_settings(
    w: Write<op::UpdateSettings>,
    patch: Patch<SettingsValues>,
) -> ApiResult<HttpResponse> {
    let if_match = w.if_match.clone();
    let settings = w
        .run(move |tx| {
            tx.change::<SettingsRow>(ID, &if_match, Action::SettingsChange, |tx, current| {
                queries::update(tx, &current, &patch.apply(&current)?)
            })?;
            SettingsRow::load(tx, ID)
        })
        .await?;
    Ok(ok_versioned(&settings, settings.version))
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(get_settings).service(update_settings);
}
