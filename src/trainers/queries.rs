//! Trainers' SQL: the resource (one trainer, both read paths), the filtered list, and the
//! writers, which run inside the write pipeline.

use std::marker::PhantomData;

use diesel::prelude::*;

use super::model::{Qualification, Trainer, TrainerFilter, TrainerInput};
use crate::aggregates::{self, Change};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::{trainer_competencies, trainers, training_trainers};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{raw, CompetencyId, EmployeeId, JsonText, TrainerId};

pub const COMPETENCIES: LinkTable<TrainerId, CompetencyId> = LinkTable {
    table: "trainer_competencies",
    owner: "trainer_id",
    target: "competency_id",
    owner_table: "trainers",
    copy: "competency_ids",
    ids: PhantomData,
};

crate::simple_resource!(Trainers, Trainer, trainers, TrainerId, Trainer);

fn filtered(f: &TrainerFilter) -> trainers::BoxedQuery<'static, Backend> {
    let mut q = trainers::table.into_boxed();
    crate::eq_filters!(q, f;
        kind => trainers::kind,
        partner_id => trainers::partner_id,
        active => trainers::active,
    );
    if let Some(competency) = f.competency_id {
        q = q.filter(
            trainers::id.eq_any(
                trainer_competencies::table
                    .filter(trainer_competencies::competency_id.eq(competency))
                    .select(trainer_competencies::trainer_id),
            ),
        );
    }
    crate::text_search!(q, f.q, trainers: name);
    q
}

crate::simple_list!(TrainerFilter => Trainer, trainers, filtered, {
    "name" => trainers::name,
});

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
            (
                "qualifications",
                Entity::Competency,
                t.qualifications
                    .iter()
                    .filter_map(|q| q.competency_id.map(|c| c.0))
                    .collect(),
            ),
        ],
    )
}

/// Replaces the trainer's qualifications: the copy on its row and the report's table.
pub fn write_qualifications(tx: &mut Tx, id: TrainerId, list: &[Qualification]) -> ApiResult<()> {
    use crate::db::schema::trainer_qualifications as tq;
    diesel::update(trainers::table.find(id))
        .set(trainers::qualifications.eq(JsonText::to_text(&list)))
        .execute(tx.conn())?;
    diesel::delete(tq::table.filter(tq::trainer_id.eq(id))).execute(tx.conn())?;
    if !list.is_empty() {
        let rows: Vec<_> = list
            .iter()
            .map(|q| {
                (
                    tq::trainer_id.eq(id),
                    tq::kind.eq(q.kind),
                    tq::competency_id.eq(q.competency_id),
                    tq::level.eq(q.level),
                    tq::issued_on.eq(q.issued_on),
                    tq::expires_on.eq(q.expires_on),
                )
            })
            .collect();
        crate::execute_native!(tx.conn(), diesel::insert_into(tq::table).values(&rows))?;
    }
    Ok(())
}

pub fn create(tx: &mut Tx, t: &TrainerInput) -> ApiResult<TrainerId> {
    check(tx, t)?;
    let id = crate::insert_new!(tx, trainers, t)?;
    COMPETENCIES.replace(tx, id, &t.competency_ids)?;
    write_qualifications(tx, id, &t.qualifications)?;
    aggregates::after(tx, Change::Trainers(t.employee_id.as_slice()))?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Trainer, t: &TrainerInput) -> ApiResult<()> {
    check(tx, t)?;
    diesel::update(trainers::table.find(current.id))
        .set(t)
        .execute(tx.conn())?;
    COMPETENCIES.replace(tx, current.id, &t.competency_ids)?;
    write_qualifications(tx, current.id, &t.qualifications)?;
    // Whom it named before and names now: one may have stopped being a trainer.
    let named: Vec<EmployeeId> = current
        .employee_id
        .into_iter()
        .chain(t.employee_id)
        .collect();
    aggregates::after(tx, Change::Trainers(&named))?;
    Ok(())
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
    aggregates::after(tx, Change::Trainers(current.employee_id.as_slice()))?;
    Ok(())
}
