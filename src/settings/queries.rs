use diesel::prelude::*;

use super::model::{Settings, SettingsRow, SettingsValues};
use crate::db::schema::settings;
use crate::db::{now, AnyConnection};

pub fn get(conn: &mut AnyConnection) -> QueryResult<Settings> {
    settings::table
        .find(1)
        .select(SettingsRow::as_select())
        .first(conn)
        .map(Settings::from)
}

/// Writes the values if still at `version`; `false` when someone changed them meanwhile.
pub fn update(
    conn: &mut AnyConnection,
    version: i64,
    values: &SettingsValues,
) -> QueryResult<bool> {
    let n = diesel::update(
        settings::table
            .filter(settings::id.eq(1))
            .filter(settings::version.eq(version)),
    )
    .set((
        values,
        settings::version.eq(version + 1),
        settings::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
