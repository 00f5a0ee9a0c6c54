use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Links, TrainingChanges, TrainingFilter, TrainingRow};
use crate::db::schema::{
    enrolments, training_competencies, training_partners, training_trainers, trainings,
};
use crate::db::{
    contains_pattern, last_insert_id, lower, lower_nullable, now, AnyConnection, Backend,
};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<TrainingRow> {
    trainings::table
        .find(id)
        .select(TrainingRow::as_select())
        .first(conn)
}

fn filtered(f: &TrainingFilter, include_drafts: bool) -> trainings::BoxedQuery<'static, Backend> {
    let mut q = trainings::table.into_boxed();
    if !include_drafts {
        q = q.filter(trainings::status.ne("draft"));
    }
    if let Some(status) = f.status {
        q = q.filter(trainings::status.eq(status.as_str()));
    }
    if let Some(form) = f.form {
        q = q.filter(trainings::form.eq(form.as_str()));
    }
    if let Some(mode) = f.mode {
        q = q.filter(trainings::mode.eq(mode.as_str()));
    }
    if let Some(partner) = f.partner_id {
        q = q.filter(
            trainings::id.eq_any(
                training_partners::table
                    .filter(training_partners::partner_id.eq(partner))
                    .select(training_partners::training_id),
            ),
        );
    }
    if let Some(competency) = f.competency_id {
        q = q.filter(
            trainings::id.eq_any(
                training_competencies::table
                    .filter(training_competencies::competency_id.eq(competency))
                    .select(training_competencies::training_id),
            ),
        );
    }
    if let Some(year) = f.year {
        if let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            q = q
                .filter(trainings::start_date.le(last))
                .filter(trainings::end_date.ge(first));
        }
    }
    if let Some(from) = f.from {
        q = q.filter(trainings::end_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(trainings::start_date.le(to));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(trainings::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(trainings::location)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &TrainingFilter,
    include_drafts: bool,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<TrainingRow>)> {
    let total = filtered(f, include_drafts).count().get_result(conn)?;
    let mut q = filtered(f, include_drafts);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("title", false) => q.then_order_by(trainings::title.asc()),
            ("title", true) => q.then_order_by(trainings::title.desc()),
            ("start_date", false) => q.then_order_by(trainings::start_date.asc()),
            ("start_date", true) => q.then_order_by(trainings::start_date.desc()),
            ("end_date", false) => q.then_order_by(trainings::end_date.asc()),
            ("end_date", true) => q.then_order_by(trainings::end_date.desc()),
            ("jp", false) => q.then_order_by(trainings::jp.asc()),
            ("jp", true) => q.then_order_by(trainings::jp.desc()),
            ("id", true) => q.then_order_by(trainings::id.desc()),
            _ => q.then_order_by(trainings::id.asc()),
        };
    }
    let rows = q
        .then_order_by(trainings::id.asc())
        .offset(offset)
        .limit(limit)
        .select(TrainingRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

#[derive(Insertable)]
#[diesel(table_name = trainings)]
struct NewTraining {
    #[diesel(embed)]
    fields: TrainingChanges,
    status: &'static str,
    enrolled_count: i32,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &TrainingChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(trainings::table)
        .values(NewTraining {
            fields: fields.clone(),
            status: "draft",
            enrolled_count: 0,
            created_at: at,
            updated_at: at,
            version: 1,
        })
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &TrainingChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        trainings::table
            .filter(trainings::id.eq(id))
            .filter(trainings::version.eq(version)),
    )
    .set((
        fields,
        trainings::version.eq(version + 1),
        trainings::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves the status if it still is `from`; `false` when it changed meanwhile.
pub fn set_status(conn: &mut AnyConnection, id: i64, from: &str, to: &str) -> QueryResult<bool> {
    let n = diesel::update(
        trainings::table
            .filter(trainings::id.eq(id))
            .filter(trainings::status.eq(from)),
    )
    .set((
        trainings::status.eq(to),
        trainings::version.eq(trainings::version + 1),
        trainings::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes a seat if one is free: one conditional UPDATE, so two requests (or two server
/// processes) can never both take the last seat. `false` when the training is full.
pub fn take_seat(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        trainings::table.filter(trainings::id.eq(id)).filter(
            trainings::capacity
                .is_null()
                .or(trainings::capacity.gt(trainings::enrolled_count.nullable())),
        ),
    )
    .set(trainings::enrolled_count.eq(trainings::enrolled_count + 1))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn free_seat(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::update(
        trainings::table
            .filter(trainings::id.eq(id))
            .filter(trainings::enrolled_count.gt(0)),
    )
    .set(trainings::enrolled_count.eq(trainings::enrolled_count - 1))
    .execute(conn)?;
    Ok(())
}

/// Replaces a training's links: the link tables and their copy on the row (`links_json`).
pub fn replace_links(conn: &mut AnyConnection, id: i64, links: &Links) -> QueryResult<()> {
    let Links {
        partner_ids: partners,
        trainer_ids: trainers,
        competencies,
    } = links;
    diesel::update(trainings::table.find(id))
        .set(trainings::links_json.eq(links.to_json()))
        .execute(conn)?;
    diesel::delete(training_partners::table.filter(training_partners::training_id.eq(id)))
        .execute(conn)?;
    diesel::delete(training_trainers::table.filter(training_trainers::training_id.eq(id)))
        .execute(conn)?;
    diesel::delete(training_competencies::table.filter(training_competencies::training_id.eq(id)))
        .execute(conn)?;
    if !partners.is_empty() {
        let rows: Vec<_> = partners
            .iter()
            .map(|p| {
                (
                    training_partners::training_id.eq(id),
                    training_partners::partner_id.eq(*p),
                )
            })
            .collect();
        crate::execute_native!(
            conn,
            diesel::insert_into(training_partners::table).values(rows)
        )?;
    }
    if !trainers.is_empty() {
        let rows: Vec<_> = trainers
            .iter()
            .map(|t| {
                (
                    training_trainers::training_id.eq(id),
                    training_trainers::trainer_id.eq(*t),
                )
            })
            .collect();
        crate::execute_native!(
            conn,
            diesel::insert_into(training_trainers::table).values(rows)
        )?;
    }
    if !competencies.is_empty() {
        let rows: Vec<_> = competencies
            .iter()
            .map(|c| {
                (
                    training_competencies::training_id.eq(id),
                    training_competencies::competency_id.eq(c.competency_id),
                    training_competencies::target_level.eq(c.target_level),
                )
            })
            .collect();
        crate::execute_native!(
            conn,
            diesel::insert_into(training_competencies::table).values(rows)
        )?;
    }
    Ok(())
}

pub fn enrolment_count(conn: &mut AnyConnection, id: i64) -> QueryResult<i64> {
    enrolments::table
        .filter(enrolments::training_id.eq(id))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(trainings::table.find(id)).execute(conn)
}
