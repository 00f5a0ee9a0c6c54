use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::{refresh_tokens, users};
use crate::db::{now, AnyConnection};
use crate::types::UserId;
use crate::users::model::UserRow;

pub fn user_by_id(conn: &mut AnyConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_password(conn: &mut AnyConnection, id: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(drop)
}

pub fn user_by_username(conn: &mut AnyConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Refresh tokens are stored by the SHA-256 of their id, so a leaked table grants nothing.
pub fn jti_hash(jti: &str) -> String {
    hex::encode(Sha256::digest(jti.as_bytes()))
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewRefresh<'a> {
    user_id: UserId,
    family: &'a str,
    jti: String,
    expires_at: NaiveDateTime,
    revoked: bool,
    created_at: NaiveDateTime,
}

pub fn store_refresh(
    conn: &mut AnyConnection,
    user_id: UserId,
    family: &str,
    jti: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(NewRefresh {
            user_id,
            family,
            jti: jti_hash(jti),
            expires_at,
            revoked: false,
            created_at: now(),
        })
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: i64,
    pub user_id: UserId,
    pub family: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked: bool,
}

pub fn refresh_by_jti(conn: &mut AnyConnection, jti: &str) -> QueryResult<Option<RefreshRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::jti.eq(jti_hash(jti)))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a refresh token spent; `false` when it already was (a concurrent or repeated use).
pub fn spend_refresh(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked.eq(false)),
    )
    .set(refresh_tokens::used_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(conn: &mut AnyConnection, family: &str) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::family.eq(family)))
        .set(refresh_tokens::revoked.eq(true))
        .execute(conn)
}

pub fn revoke_all_for_user(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)))
        .set(refresh_tokens::revoked.eq(true))
        .execute(conn)
}

/// Drops refresh tokens that expired more than a day ago, keeping the table small.
pub fn purge_expired(conn: &mut AnyConnection) -> QueryResult<usize> {
    let cutoff = now() - chrono::Duration::days(1);
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(cutoff)))
        .execute(conn)
}
