//! API clients' SQL: the resource, the list, the writers, and the lookup of the token grant.

use crate::auth::revocations::{revoke, Principal};
use diesel::prelude::*;

use super::model::{ApiClient, ClientInput, ClientRow};
use crate::auth::{Caller, Scopes};
use crate::db::schema::api_clients;
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::ApiResult;
use crate::types::ClientId;
use crate::web::NoFilter;

crate::simple_resource!(Clients, ApiClient, api_clients, ClientId, ApiClient);

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
    window: (i64, i64),
) -> ApiResult<(i64, Vec<ApiClient>)> {
    let (total, rows) = crate::page!(conn, api_clients::table.into_boxed(), sort, window, api_clients::id, ApiClient, {
        "name" => api_clients::name,
        "created_at" => api_clients::created_at,
    });
    Ok((total, rows))
}

pub fn create(
    tx: &mut Tx,
    input: &ClientInput,
    client_id: &str,
    secret_hash: &str,
) -> ApiResult<ClientId> {
    Ok(crate::insert_new!(
        tx,
        api_clients,
        (
            input,
            api_clients::client_id.eq(client_id),
            api_clients::secret_hash.eq(secret_hash),
            api_clients::scopes.eq(Scopes::text(&input.scopes))
        )
    )?)
}

/// A deactivation or a lost scope ends the client's access tokens (`auth::revocations`).
pub fn update(tx: &mut Tx, current: &ApiClient, input: &ClientInput) -> ApiResult<()> {
    diesel::update(api_clients::table.find(current.id))
        .set((input, api_clients::scopes.eq(Scopes::text(&input.scopes))))
        .execute(tx.conn())?;
    let lost_scope = current.scopes.0.iter().any(|s| !input.scopes.contains(s));
    if !input.active || lost_scope {
        revoke(tx, Principal::Client(current.id.0), false)?;
    }
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &ApiClient) -> ApiResult<()> {
    revoke(tx, Principal::Client(current.id.0), true)?;
    diesel::delete(api_clients::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
