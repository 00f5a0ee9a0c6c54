//! API clients' SQL: the resource, the list, the writers, and the lookup of the token grant.

use diesel::prelude::*;

use super::model::{ApiClient, ClientInput, ClientRow};
use crate::audit::Entity;
use crate::auth::{Caller, Scopes};
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::api_clients;
use crate::db::write::Tx;
use crate::db::{now, AnyConnection};
use crate::error::ApiResult;
use crate::types::ClientId;
use crate::web::NoFilter;

pub struct Clients;

impl Resource for Clients {
    const ENTITY: Entity = Entity::ApiClient;
    type Id = ClientId;
    type Row = ApiClient;
    type Current = ApiClient;

    fn row(conn: &mut AnyConnection, id: ClientId) -> QueryResult<ApiClient> {
        api_clients::table
            .find(id)
            .select(ApiClient::as_select())
            .first(conn)
    }

    fn pg_sql() -> String {
        json_by_id(
            api_clients::table.select(ApiClient::as_select()),
            "api_clients",
            "",
        )
    }

    fn present(c: ApiClient) -> ApiClient {
        c
    }

    fn version(c: &ApiClient) -> i64 {
        c.version
    }
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
    _: &Caller,
    _: &NoFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> ApiResult<(i64, Vec<ApiClient>)> {
    let total = api_clients::table.count().get_result(conn)?;
    let rows = crate::order_by!(api_clients::table.into_boxed(), sort, {
        "id" => api_clients::id,
        "name" => api_clients::name,
        "created_at" => api_clients::created_at,
    })
    .then_order_by(api_clients::id.asc())
    .offset(offset)
    .limit(limit)
    .select(ApiClient::as_select())
    .load(conn)?;
    Ok((total, rows))
}

pub fn create(
    tx: &mut Tx,
    input: &ClientInput,
    client_id: &str,
    secret_hash: &str,
) -> ApiResult<ClientId> {
    let at = now();
    let insert = diesel::insert_into(api_clients::table).values((
        input,
        api_clients::client_id.eq(client_id),
        api_clients::secret_hash.eq(secret_hash),
        api_clients::scopes.eq(Scopes::text(&input.scopes)),
        api_clients::created_at.eq(at),
        api_clients::updated_at.eq(at),
    ));
    Ok(crate::insert_returning_id!(
        tx.conn(),
        insert,
        api_clients::id
    )?)
}

pub fn update(tx: &mut Tx, current: &ApiClient, input: &ClientInput) -> ApiResult<()> {
    diesel::update(api_clients::table.find(current.id))
        .set((input, api_clients::scopes.eq(Scopes::text(&input.scopes))))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &ApiClient) -> ApiResult<()> {
    diesel::delete(api_clients::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
