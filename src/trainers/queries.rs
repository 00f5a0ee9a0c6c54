//! Trainers' SQL: the resource (one trainer, both read paths), the filtered list, and the
//! writers, which run inside the write pipeline.

use std::marker::PhantomData;

use diesel::prelude::*;

use super::model::{Trainer, TrainerFilter, TrainerInput, TrainerRecord, TrainerRow};
use crate::audit::Entity;
use crate::auth::Caller;
use crate::db::refs::{self, LinkTable};
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::{trainer_competencies, trainers, training_trainers};
use crate::db::write::Tx;
use crate::db::{contains_pattern, lower, now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, CompetencyId, TrainerId};

pub const COMPETENCIES: LinkTable<TrainerId, CompetencyId> = LinkTable {
    table: "trainer_competencies",
    owner: "trainer_id",
    target: "competency_id",
    ids: PhantomData,
};

pub struct Trainers;

impl Resource for Trainers {
    const ENTITY: Entity = Entity::Trainer;
    type Id = TrainerId;
    type Row = TrainerRecord;
    type Current = Trainer;

    fn row(conn: &mut AnyConnection, id: TrainerId) -> QueryResult<TrainerRecord> {
        let row = trainers::table
            .find(id)
            .select(TrainerRow::as_select())
            .first(conn)?;
        Ok(with_competencies(conn, vec![row])?.remove(0))
    }

    fn pg_sql() -> String {
        json_by_id(
            trainers::table.select(TrainerRow::as_select()),
            "trainers",
            &COMPETENCIES.pg_json_column("trainers", "competency_ids"),
        )
    }

    fn present(record: TrainerRecord) -> Trainer {
        Trainer::from(record)
    }

    fn version(t: &Trainer) -> i64 {
        t.version
    }
}

fn with_competencies(
    conn: &mut AnyConnection,
    rows: Vec<TrainerRow>,
) -> QueryResult<Vec<TrainerRecord>> {
    COMPETENCIES.attach(
        conn,
        rows,
        |r| r.id,
        |row, competency_ids| TrainerRecord {
            row,
            competency_ids,
        },
    )
}

fn filtered(f: &TrainerFilter) -> trainers::BoxedQuery<'static, Backend> {
    let mut q = trainers::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(trainers::kind.eq(kind));
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

/// One page of trainers with their competencies: (total, page).
pub fn list(
    conn: &mut AnyConnection,
    _: &Caller,
    f: &TrainerFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> ApiResult<(i64, Vec<Trainer>)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows: Vec<TrainerRow> = crate::order_by!(filtered(f), sort, {
        "id" => trainers::id,
        "name" => trainers::name,
    })
    .then_order_by(trainers::id.asc())
    .offset(offset)
    .limit(limit)
    .select(TrainerRow::as_select())
    .load(conn)?;
    let items = with_competencies(conn, rows)?;
    Ok((total, items.into_iter().map(Trainer::from).collect()))
}

/// The employee, partner and competencies a trainer names must exist (422).
fn check(conn: &mut AnyConnection, t: &TrainerInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[
            (
                "employee_id",
                Entity::Employee,
                raw(t.employee_id.as_slice()),
            ),
            ("partner_id", Entity::Partner, raw(t.partner_id.as_slice())),
            ("competency_ids", Entity::Competency, raw(&t.competency_ids)),
        ],
    )
}

pub fn create(tx: &mut Tx, t: &TrainerInput) -> ApiResult<TrainerId> {
    check(tx, t)?;
    let at = now();
    let insert = diesel::insert_into(trainers::table).values((
        t,
        trainers::created_at.eq(at),
        trainers::updated_at.eq(at),
    ));
    let id = crate::insert_returning_id!(tx.conn(), insert, trainers::id)?;
    COMPETENCIES.replace(tx, id, &t.competency_ids)?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Trainer, t: &TrainerInput) -> ApiResult<()> {
    check(tx, t)?;
    let id = current.id;
    diesel::update(trainers::table.find(id))
        .set(t)
        .execute(tx.conn())?;
    Ok(COMPETENCIES.replace(tx, id, &t.competency_ids)?)
}

/// A trainer named by trainings is kept (409): deactivate instead.
pub fn delete(tx: &mut Tx, current: &Trainer) -> ApiResult<()> {
    let id = current.id;
    let named: bool = diesel::select(diesel::dsl::exists(
        training_trainers::table.filter(training_trainers::trainer_id.eq(id)),
    ))
    .get_result(tx.conn())?;
    if named {
        return Err(ApiError::conflict(
            "the trainer is named by trainings; deactivate instead",
        ));
    }
    diesel::delete(trainers::table.find(id)).execute(tx.conn())?;
    Ok(())
}
