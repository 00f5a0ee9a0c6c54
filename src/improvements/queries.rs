//! Improvement actions' SQL: the resource, the list and the writers.

use diesel::prelude::*;

use super::model::{ImprovementAction, ImprovementActionFilter, ImprovementActionInput};
use crate::audit::Entity;
use crate::db::refs;
use crate::db::schema::{improvement_actions, trainings};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::{ImprovementActionId, TrainingId};

crate::simple_resource!(
    ImprovementActions,
    ImprovementAction,
    improvement_actions,
    ImprovementActionId,
    ImprovementAction
);

fn filtered(f: &ImprovementActionFilter) -> improvement_actions::BoxedQuery<'static, Backend> {
    let mut q = improvement_actions::table.into_boxed();
    crate::eq_filters!(q, f; training_id => improvement_actions::training_id, status => improvement_actions::status);
    if let Some(p) = f.programme_id {
        q = q.filter(
            improvement_actions::training_id.eq_any(
                trainings::table
                    .filter(trainings::programme_id.eq(p))
                    .select(trainings::id),
            ),
        );
    }
    q
}

crate::simple_list!(ImprovementActionFilter => ImprovementAction, improvement_actions, filtered, {
    "due_on" => improvement_actions::due_on,
    "status" => improvement_actions::status,
    "created_at" => improvement_actions::created_at,
});

/// The trainings named exist, and the next run starts after the flagged one (422).
fn check(conn: &mut AnyConnection, a: &ImprovementActionInput) -> ApiResult<()> {
    let next: Vec<i64> = a.next_training_id.map(|t| t.0).into_iter().collect();
    refs::require(
        conn,
        &[
            ("training_id", Entity::Training, vec![a.training_id.0]),
            ("next_training_id", Entity::Training, next),
        ],
    )?;
    if let Some(next) = a.next_training_id {
        let start = |conn: &mut AnyConnection, id: TrainingId| {
            trainings::table
                .find(id)
                .select(trainings::start_date)
                .first::<chrono::NaiveDate>(conn)
        };
        if start(conn, next)? <= start(conn, a.training_id)? {
            return Err(ApiError::validation(
                "next_training_id",
                "must start after the training the action is about",
            ));
        }
    }
    Ok(())
}

pub fn create(tx: &mut Tx, a: &ImprovementActionInput) -> ApiResult<ImprovementActionId> {
    check(tx, a)?;
    Ok(crate::insert_new!(tx, improvement_actions, a)?)
}

pub fn update(
    tx: &mut Tx,
    current: &ImprovementAction,
    a: &ImprovementActionInput,
) -> ApiResult<()> {
    check(tx, a)?;
    diesel::update(improvement_actions::table.find(current.id))
        .set(a)
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete(tx: &mut Tx, current: &ImprovementAction) -> ApiResult<()> {
    diesel::delete(improvement_actions::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
