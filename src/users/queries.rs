use diesel::prelude::*;

use super::model::{UserChanges, UserFilter, UserRow};
use crate::db::schema::{employees, units, users};
use crate::db::{contains_pattern, lower, now, AnyConnection, Backend};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

fn filtered(f: &UserFilter) -> users::BoxedQuery<'static, Backend> {
    let mut q = users::table.into_boxed();
    if let Some(role) = f.role {
        q = q.filter(users::role.eq(role.as_str()));
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
    f: &UserFilter,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<UserRow>)> {
    let total = filtered(f).count().get_result(conn)?;
    let mut q = filtered(f);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("username", false) => q.then_order_by(users::username.asc()),
            ("username", true) => q.then_order_by(users::username.desc()),
            ("created_at", false) => q.then_order_by(users::created_at.asc()),
            ("created_at", true) => q.then_order_by(users::created_at.desc()),
            ("id", true) => q.then_order_by(users::id.desc()),
            _ => q.then_order_by(users::id.asc()),
        };
    }
    let rows = q
        .then_order_by(users::id.asc())
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    username: &'a str,
    password_hash: &'a str,
    #[diesel(embed)]
    fields: UserChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    fields: &UserChanges,
) -> QueryResult<UserRow> {
    let at = now();
    diesel::insert_into(users::table)
        .values(NewUser {
            username,
            password_hash,
            fields: fields.clone(),
            created_at: at,
            updated_at: at,
            version: 1,
        })
        .execute(conn)?;
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
}

/// Writes `fields` if the row is still at `version`; `false` when someone changed it meanwhile.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &UserChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(version)),
    )
    .set((
        fields,
        users::version.eq(version + 1),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_password(conn: &mut AnyConnection, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

pub fn unit_exists(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(units::table.find(id))).get_result(conn)
}

pub fn employee_exists(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(employees::table.find(id))).get_result(conn)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// `kompetensi create-admin`: validates like the API and records the creation as a system action.
pub fn create_admin(
    pool: &crate::db::DbPool,
    username: &str,
    password: &str,
) -> Result<i64, String> {
    use validator::Validate;
    let input = super::model::UserCreate {
        username: username.trim().to_string(),
        display_name: "Administrator".into(),
        password: password.to_string(),
        role: crate::auth::Role::Admin,
        unit_id: None,
        employee_id: None,
        active: true,
    };
    input
        .validate()
        .map_err(|e| format!("invalid input: {e}"))?;
    let hash = crate::auth::password::hash(password)?;
    let fields = UserChanges {
        display_name: input.display_name,
        role: "admin".into(),
        unit_id: None,
        employee_id: None,
        active: true,
    };
    let username = input.username.to_lowercase();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    crate::db::write_tx(&mut conn, |c| {
        if crate::auth::queries::user_by_username(c, &username)?.is_some() {
            return Err(crate::error::ApiError::conflict(format!(
                "the username `{username}` is taken"
            )));
        }
        let row = create(c, &username, &hash, &fields)?;
        let meta = crate::web::RequestMeta {
            request_id: None,
            ip: None,
        };
        crate::audit::record(
            c,
            crate::auth::Actor::SYSTEM,
            &meta,
            crate::audit::Action::Create,
            "user",
            Some(row.id),
            crate::audit::Outcome::Success,
        )?;
        Ok(row.id)
    })
    .map_err(|e| e.to_string())
}
