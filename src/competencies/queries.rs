//! The competency dictionary's SQL: the resource, the list, and the writers.

use diesel::prelude::*;

use super::model::{Competency, CompetencyFilter, CompetencyInput};
use crate::audit::Entity;
use crate::db::refs;
use crate::db::schema::competencies;
use crate::db::write::Tx;
use crate::db::Backend;
use crate::error::{ApiError, ApiResult};
use crate::types::CompetencyId;

crate::simple_resource!(
    Competencies,
    Competency,
    competencies,
    CompetencyId,
    Competency
);

fn filtered(f: &CompetencyFilter) -> competencies::BoxedQuery<'static, Backend> {
    let mut q = competencies::table.into_boxed();
    crate::eq_filters!(q, f; kind => competencies::kind, active => competencies::active);
    crate::text_search!(q, f.q, competencies: code, name);
    q
}

crate::simple_list!(CompetencyFilter => Competency, competencies, filtered, {
    "code" => competencies::code,
    "name" => competencies::name,
});

pub fn create(tx: &mut Tx, c: &CompetencyInput) -> ApiResult<CompetencyId> {
    refs::unique(tx, Entity::Competency, "code", &c.code, None)?;
    Ok(crate::insert_new!(
        tx,
        competencies,
        (c, competencies::levels.eq(c.levels_text()))
    )?)
}

pub fn update(tx: &mut Tx, current: &Competency, c: &CompetencyInput) -> ApiResult<()> {
    refs::unique(tx, Entity::Competency, "code", &c.code, Some(current.id.0))?;
    diesel::update(competencies::table.find(current.id))
        .set((c, competencies::levels.eq(c.levels_text())))
        .execute(tx.conn())?;
    Ok(())
}

/// A competency used by a standard, an assessment, a partner, a trainer or a training is kept
/// (409): deactivate it instead.
pub fn delete(tx: &mut Tx, current: &Competency) -> ApiResult<()> {
    let uses = refs::uses(
        tx,
        current.id.0,
        &[
            ("position_standards", "competency_id"),
            ("assessments", "competency_id"),
            ("partner_competencies", "competency_id"),
            ("trainer_competencies", "competency_id"),
            ("training_competencies", "competency_id"),
        ],
    )?;
    if uses.iter().any(|&n| n > 0) {
        return Err(ApiError::conflict(
            "the competency is in use; deactivate it instead",
        ));
    }
    diesel::delete(competencies::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
