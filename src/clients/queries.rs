use diesel::prelude::*;

use super::model::ClientRow;
use crate::db::schema::api_clients;
use crate::db::{last_insert_id, now, AnyConnection};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<ClientRow> {
    api_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
}

pub fn by_client_id(conn: &mut AnyConnection, client_id: &str) -> QueryResult<Option<ClientRow>> {
    api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut AnyConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<ClientRow>)> {
    let total = api_clients::table.count().get_result(conn)?;
    let rows = api_clients::table
        .order(api_clients::id.asc())
        .offset(offset)
        .limit(limit)
        .select(ClientRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn create(
    conn: &mut AnyConnection,
    name: &str,
    client_id: &str,
    secret_hash: &str,
    scopes: &str,
    active: bool,
) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::name.eq(name),
            api_clients::client_id.eq(client_id),
            api_clients::secret_hash.eq(secret_hash),
            api_clients::scopes.eq(scopes),
            api_clients::active.eq(active),
            api_clients::created_at.eq(at),
            api_clients::updated_at.eq(at),
            api_clients::version.eq(1),
        ))
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    name: &str,
    scopes: &str,
    active: bool,
) -> QueryResult<bool> {
    let n = diesel::update(
        api_clients::table
            .filter(api_clients::id.eq(id))
            .filter(api_clients::version.eq(version)),
    )
    .set((
        api_clients::name.eq(name),
        api_clients::scopes.eq(scopes),
        api_clients::active.eq(active),
        api_clients::version.eq(version + 1),
        api_clients::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(api_clients::table.find(id)).execute(conn)
}
