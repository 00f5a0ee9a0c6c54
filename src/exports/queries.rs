use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{employees, enrolments, partners, training_partners, trainings, units};
use crate::db::AnyConnection;

/// (nip, siasn id, training id, title, start, end, organiser unit, jenis diklat, JP, certificate)
pub type CompletionRow = (
    String,
    Option<String>,
    i64,
    String,
    NaiveDate,
    NaiveDate,
    Option<i64>,
    Option<i32>,
    Option<i32>,
    Option<String>,
);

pub fn completions(
    conn: &mut AnyConnection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    units: Option<&[i64]>,
) -> QueryResult<Vec<CompletionRow>> {
    let mut q = enrolments::table
        .inner_join(trainings::table)
        .inner_join(employees::table)
        .filter(enrolments::status.eq("completed"))
        .into_boxed();
    if let Some(from) = from {
        q = q.filter(trainings::end_date.ge(from));
    }
    if let Some(to) = to {
        q = q.filter(trainings::end_date.le(to));
    }
    if let Some(ids) = units {
        q = q.filter(employees::unit_id.eq_any(ids.to_vec()));
    }
    q.order((trainings::end_date.asc(), employees::nip.asc()))
        .select((
            employees::nip,
            employees::siasn_id,
            trainings::id,
            trainings::title,
            trainings::start_date,
            trainings::end_date,
            trainings::organizer_unit_id,
            trainings::siasn_course_type_id,
            enrolments::jp_credited,
            enrolments::certificate_number,
        ))
        .load(conn)
}

/// Partner names per training, for the trainings given.
pub fn partner_names(
    conn: &mut AnyConnection,
    training_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in training_ids.chunks(900) {
        let rows: Vec<(i64, String)> = training_partners::table
            .inner_join(partners::table)
            .filter(training_partners::training_id.eq_any(chunk))
            .order((training_partners::training_id, partners::name))
            .select((training_partners::training_id, partners::name))
            .load(conn)?;
        for (t, name) in rows {
            out.entry(t).or_default().push(name);
        }
    }
    Ok(out)
}

pub fn unit_names(conn: &mut AnyConnection) -> QueryResult<HashMap<i64, String>> {
    Ok(units::table
        .select((units::id, units::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}
