use std::collections::BTreeMap;

use diesel::prelude::*;

use super::model::{TrainerChanges, TrainerFilter, TrainerRow};
use crate::db::schema::{trainer_competencies, trainers, training_trainers};
use crate::db::{contains_pattern, last_insert_id, lower, now, AnyConnection, Backend};
use crate::web::group_pairs;

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<TrainerRow> {
    trainers::table
        .find(id)
        .select(TrainerRow::as_select())
        .first(conn)
}

pub fn competency_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<BTreeMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = trainer_competencies::table
        .filter(trainer_competencies::trainer_id.eq_any(ids))
        .order((
            trainer_competencies::trainer_id,
            trainer_competencies::competency_id,
        ))
        .select((
            trainer_competencies::trainer_id,
            trainer_competencies::competency_id,
        ))
        .load(conn)?;
    Ok(group_pairs(rows))
}

fn filtered(f: &TrainerFilter) -> trainers::BoxedQuery<'static, Backend> {
    let mut q = trainers::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(trainers::kind.eq(kind.as_str()));
    }
    if let Some(partner) = f.partner_id {
        q = q.filter(trainers::partner_id.eq(partner));
    }
    if let Some(active) = f.active {
        q = q.filter(trainers::active.eq(active));
    }
    if let Some(competency) = f.competency_id {
        q = q.filter(
            trainers::id.eq_any(
                trainer_competencies::table
                    .filter(trainer_competencies::competency_id.eq(competency))
                    .select(trainer_competencies::trainer_id),
            ),
        );
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            lower(trainers::name)
                .like(contains_pattern(text))
                .escape('\\'),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    f: &TrainerFilter,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<TrainerRow>)> {
    let total = filtered(f).count().get_result(conn)?;
    let mut q = filtered(f);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("name", false) => q.then_order_by(trainers::name.asc()),
            ("name", true) => q.then_order_by(trainers::name.desc()),
            ("id", true) => q.then_order_by(trainers::id.desc()),
            _ => q.then_order_by(trainers::id.asc()),
        };
    }
    let rows = q
        .then_order_by(trainers::id.asc())
        .offset(offset)
        .limit(limit)
        .select(TrainerRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

#[derive(Insertable)]
#[diesel(table_name = trainers)]
struct NewTrainer {
    #[diesel(embed)]
    fields: TrainerChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &TrainerChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(trainers::table)
        .values(NewTrainer {
            fields: fields.clone(),
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
    fields: &TrainerChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        trainers::table
            .filter(trainers::id.eq(id))
            .filter(trainers::version.eq(version)),
    )
    .set((
        fields,
        trainers::version.eq(version + 1),
        trainers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn replace_competencies(
    conn: &mut AnyConnection,
    trainer_id: i64,
    ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(
        trainer_competencies::table.filter(trainer_competencies::trainer_id.eq(trainer_id)),
    )
    .execute(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .map(|c| {
            (
                trainer_competencies::trainer_id.eq(trainer_id),
                trainer_competencies::competency_id.eq(*c),
            )
        })
        .collect();
    let insert = diesel::insert_into(trainer_competencies::table).values(rows);
    crate::execute_native!(conn, insert)?;
    Ok(())
}

pub fn in_trainings(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        training_trainers::table.filter(training_trainers::trainer_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(trainers::table.find(id)).execute(conn)
}
