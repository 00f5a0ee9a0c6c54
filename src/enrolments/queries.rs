use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{EnrolmentChanges, EnrolmentRow};
use crate::db::schema::{employees, enrolments, trainings};
use crate::db::{last_insert_id, now, AnyConnection, Backend};

/// Whose enrolments a caller may list, decided once per request and applied in SQL.
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Units(Vec<i64>),
    Employee(i64),
}

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<EnrolmentRow> {
    enrolments::table
        .find(id)
        .select(EnrolmentRow::as_select())
        .first(conn)
}

fn scoped(scope: &Scope) -> enrolments::BoxedQuery<'static, Backend> {
    let q = enrolments::table.into_boxed();
    match scope {
        Scope::All => q,
        Scope::Employee(id) => q.filter(enrolments::employee_id.eq(*id)),
        Scope::Units(units) => q.filter(
            enrolments::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(units.clone()))
                    .select(employees::id),
            ),
        ),
    }
}

fn filtered(
    training: Option<i64>,
    status: Option<&str>,
    scope: &Scope,
) -> enrolments::BoxedQuery<'static, Backend> {
    let mut q = scoped(scope);
    if let Some(t) = training {
        q = q.filter(enrolments::training_id.eq(t));
    }
    if let Some(s) = status {
        q = q.filter(enrolments::status.eq(s.to_string()));
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    training: Option<i64>,
    status: Option<&str>,
    scope: &Scope,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<EnrolmentRow>)> {
    let total = filtered(training, status, scope).count().get_result(conn)?;
    let rows = filtered(training, status, scope)
        .order(enrolments::id.asc())
        .offset(offset)
        .limit(limit)
        .select(EnrolmentRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn exists(conn: &mut AnyConnection, training_id: i64, employee_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        enrolments::table
            .filter(enrolments::training_id.eq(training_id))
            .filter(enrolments::employee_id.eq(employee_id)),
    ))
    .get_result(conn)
}

pub fn create(conn: &mut AnyConnection, training_id: i64, employee_id: i64) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(enrolments::table)
        .values((
            enrolments::training_id.eq(training_id),
            enrolments::employee_id.eq(employee_id),
            enrolments::status.eq("registered"),
            enrolments::created_at.eq(at),
            enrolments::updated_at.eq(at),
            enrolments::version.eq(1),
        ))
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    changes: &EnrolmentChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        enrolments::table
            .filter(enrolments::id.eq(id))
            .filter(enrolments::version.eq(version)),
    )
    .set((
        changes,
        enrolments::version.eq(version + 1),
        enrolments::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// (enrolment, training, title, form, start, end, training JP, status, JP credited, certificate)
pub type RecordRow = (
    i64,
    i64,
    String,
    String,
    NaiveDate,
    NaiveDate,
    i32,
    String,
    Option<i32>,
    Option<String>,
);

/// An employee's enrolments in trainings that end within the year, withdrawals left out.
pub fn learning_record(
    conn: &mut AnyConnection,
    employee_id: i64,
    year: i32,
) -> QueryResult<Vec<RecordRow>> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    enrolments::table
        .inner_join(trainings::table)
        .filter(enrolments::employee_id.eq(employee_id))
        .filter(enrolments::status.ne("withdrawn"))
        .filter(trainings::end_date.between(first, last))
        .order((trainings::end_date.asc(), enrolments::id.asc()))
        .select((
            enrolments::id,
            trainings::id,
            trainings::title,
            trainings::form,
            trainings::start_date,
            trainings::end_date,
            trainings::jp,
            enrolments::status,
            enrolments::jp_credited,
            enrolments::certificate_number,
        ))
        .load(conn)
}
