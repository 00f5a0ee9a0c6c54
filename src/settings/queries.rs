//! The one row of settings, as a resource (id 1).

use diesel::prelude::*;

use super::model::{Settings, SettingsValues};
use crate::db::resource::Resource;
use crate::db::schema::settings;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::types::JsonText;

/// The settings row's id.
pub const ID: i32 = 1;

crate::simple_resource!(SettingsRow, Settings, settings, i32, Settings);

pub fn get(conn: &mut AnyConnection) -> QueryResult<Settings> {
    SettingsRow::row(conn, ID)
}

/// Writes the settings; when the JPM methods change, every current level is recomputed from
/// the assessments by the new methods, and what depends on the levels with it; the aggregates
/// then follow what else they read of the settings.
pub fn update(tx: &mut Tx, current: &Settings, values: &SettingsValues) -> ApiResult<()> {
    diesel::update(settings::table.find(ID))
        .set((
            values,
            settings::siasn_course_type_by_form
                .eq(JsonText::to_text(&values.siasn_course_type_by_form)),
            settings::jpm_methods.eq(JsonText::to_text(&values.jpm_methods)),
        ))
        .execute(tx.conn())?;
    if current.jpm_methods.0 != values.jpm_methods {
        crate::assessments::queries::rebuild_current_levels(tx, &values.jpm_methods)?;
        crate::aggregates::after(tx, crate::aggregates::Change::Levels)?;
    }
    crate::aggregates::after(tx, crate::aggregates::Change::Settings(current))?;
    Ok(())
}
