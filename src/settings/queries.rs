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

pub fn update(tx: &mut Tx, values: &SettingsValues) -> ApiResult<()> {
    diesel::update(settings::table.find(ID))
        .set((
            values,
            settings::siasn_course_type_by_form
                .eq(JsonText::to_text(&values.siasn_course_type_by_form)),
        ))
        .execute(tx.conn())?;
    Ok(())
}
