//! Accounts' SQL: the resource, the list, and the writers (a change of role, activity or
//! password signs the user out everywhere).

use crate::auth::revocations::{revoke, Principal};
use diesel::prelude::*;

use super::model::{User, UserCreate, UserFields, UserFilter};
use crate::audit::{Action, Entity};
use crate::auth::{Actor, Role};
use crate::db::refs;
use crate::db::schema::users;
use crate::db::write::{self, Tx};
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::types::{raw, UserId};
use crate::web::RequestMeta;

crate::simple_resource!(Users, User, users, UserId, User);

fn filtered(f: &UserFilter) -> users::BoxedQuery<'static, Backend> {
    let mut q = users::table.into_boxed();
    crate::eq_filters!(q, f;
        role => users::role,
        active => users::active,
        unit_id => users::unit_id,
    );
    crate::text_search!(q, f.q, users: username, display_name);
    q
}

crate::simple_list!(UserFilter => User, users, filtered, {
    "username" => users::username,
    "created_at" => users::created_at,
});

/// The binding a role needs, and that the bound unit or employee exists (422 otherwise).
fn check_binding(conn: &mut AnyConnection, f: &UserFields) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    if f.role == Role::UnitManager && f.unit_id.is_none() {
        errors.insert(
            "unit_id".into(),
            vec!["is required for a unit_manager".into()],
        );
    }
    if f.role == Role::Employee && f.employee_id.is_none() {
        errors.insert(
            "employee_id".into(),
            vec!["is required for an employee".into()],
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    refs::require(
        conn,
        &[
            ("unit_id", Entity::Unit, raw(f.unit_id.as_slice())),
            (
                "employee_id",
                Entity::Employee,
                raw(f.employee_id.as_slice()),
            ),
        ],
    )
}

/// A new account (`username` lower-cased, the password already hashed).
pub fn create(tx: &mut Tx, username: &str, hash: &str, f: &UserFields) -> ApiResult<UserId> {
    check_binding(tx, f)?;
    let username = username.to_lowercase();
    refs::unique(tx, Entity::User, "username", &username, None)?;
    Ok(crate::insert_new!(
        tx,
        users,
        (
            f,
            users::username.eq(&username),
            users::password_hash.eq(hash)
        )
    )?)
}

/// Writes the fields (and a new password hash); a new role, unit, employee or password, or a
/// deactivation, revokes the user's refresh and access tokens (their claims no longer hold).
pub fn update(
    tx: &mut Tx,
    current: &User,
    f: &UserFields,
    new_hash: Option<&str>,
) -> ApiResult<()> {
    check_binding(tx, f)?;
    diesel::update(users::table.find(current.id))
        .set(f)
        .execute(tx.conn())?;
    if let Some(hash) = new_hash {
        diesel::update(users::table.find(current.id))
            .set(users::password_hash.eq(hash))
            .execute(tx.conn())?;
    }
    if new_hash.is_some()
        || !f.active
        || f.role != current.role
        || f.unit_id != current.unit_id
        || f.employee_id != current.employee_id
    {
        crate::auth::queries::revoke_all_for_user(tx, current.id)?;
        revoke(tx, Principal::User(current.id.0), false)?;
    }
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &User) -> ApiResult<()> {
    revoke(tx, Principal::User(current.id.0), true)?;
    diesel::delete(users::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// An admin account created outside the API (`kompetensi create-admin`, the first start):
/// validated like the API, hashed, and recorded as a system action.
pub fn create_admin(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
) -> Result<UserId, String> {
    use validator::Validate;
    let input = UserCreate {
        username: username.trim().to_string(),
        display_name: "Administrator".into(),
        password: password.to_string(),
        role: Role::Admin,
        unit_id: None,
        employee_id: None,
        active: true,
    };
    input
        .validate()
        .map_err(|e| format!("invalid input: {e}"))?;
    let hash = crate::auth::password::hash_blocking(password).map_err(|e| e.to_string())?;
    let fields = input.fields();
    let meta = RequestMeta {
        request_id: None,
        ip: None,
    };
    write::run(conn, Actor::SYSTEM, &meta, |tx| {
        let id = create(tx, &input.username, &hash, &fields)?;
        tx.record(Action::Create, Entity::User, Some(id.0))?;
        Ok(id)
    })
    .map_err(|e| e.to_string())
}
