//! The one row of settings, as a resource (id 1).

use diesel::prelude::*;

use super::model::{Settings, SettingsValues};
use crate::audit::Entity;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::settings;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::ApiResult;

/// The settings row's id.
pub const ID: i32 = 1;

pub struct SettingsRow;

impl Resource for SettingsRow {
    const ENTITY: Entity = Entity::Settings;
    type Id = i32;
    type Row = Settings;
    type Current = Settings;

    fn row(conn: &mut AnyConnection, id: i32) -> QueryResult<Settings> {
        settings::table
            .find(id)
            .select(Settings::as_select())
            .first(conn)
    }

    fn pg_sql() -> String {
        json_by_id(
            settings::table.select(Settings::as_select()),
            "settings",
            "",
        )
    }

    fn present(s: Settings) -> Settings {
        s
    }

    fn version(s: &Settings) -> i64 {
        s.version
    }
}

pub fn get(conn: &mut AnyConnection) -> QueryResult<Settings> {
    SettingsRow::row(conn, ID)
}

pub fn update(tx: &mut Tx, values: &SettingsValues) -> ApiResult<()> {
    diesel::update(settings::table.find(ID))
        .set(values)
        .execute(tx.conn())?;
    Ok(())
}
