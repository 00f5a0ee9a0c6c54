//! Accounts' SQL: the resource, the list, and the writers (a change of role, activity or
//! password signs the user out everywhere).

use diesel::prelude::*;

use super::model::{User, UserCreate, UserFields, UserFilter};
use crate::audit::{Action, Entity};
use crate::auth::{Actor, Role};
use crate::db::refs;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::users;
use crate::db::write::{self, Tx};
use crate::db::{contains_pattern, lower, now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::types::{raw, UserId};
use crate::web::RequestMeta;

pub struct Users;

impl Resource for Users {
    const ENTITY: Entity = Entity::User;
    type Id = UserId;
    type Row = User;
    type Current = User;

    fn row(conn: &mut AnyConnection, id: UserId) -> QueryResult<User> {
        users::table.find(id).select(User::as_select()).first(conn)
    }

    fn pg_sql() -> String {
        json_by_id(users::table.select(User::as_select()), "users", "")
    }

    fn present(u: User) -> User {
        u
    }

    fn version(u: &User) -> i64 {
        u.version
    }
}

fn filtered(f: &UserFilter) -> users::BoxedQuery<'static, Backend> {
    let mut q = users::table.into_boxed();
    if let Some(role) = f.role {
        q = q.filter(users::role.eq(role));
    }
    if let Some(active) = f.active {
        q = q.filter(users::active.eq(active));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(users::unit_id.eq(unit));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(users::username)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pattern).escape('\\')),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    _: &crate::auth::Caller,
    f: &UserFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> ApiResult<(i64, Vec<User>)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = crate::order_by!(filtered(f), sort, {
        "id" => users::id,
        "username" => users::username,
        "created_at" => users::created_at,
    })
    .then_order_by(users::id.asc())
    .offset(offset)
    .limit(limit)
    .select(User::as_select())
    .load(conn)?;
    Ok((total, rows))
}

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
    let at = now();
    let insert = diesel::insert_into(users::table).values((
        f,
        users::username.eq(&username),
        users::password_hash.eq(hash),
        users::created_at.eq(at),
        users::updated_at.eq(at),
    ));
    Ok(crate::insert_returning_id!(tx.conn(), insert, users::id)?)
}

/// Writes the fields (and a new password hash); a changed role, a deactivation or a new
/// password revokes the user's refresh tokens.
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
    if new_hash.is_some() || !f.active || f.role != current.role {
        crate::auth::queries::revoke_all_for_user(tx, current.id)?;
    }
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &User) -> ApiResult<()> {
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
    let hash = crate::auth::password::hash(password)?;
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
