//! The competency dictionary's SQL: the resource, the list, and the writers.

use diesel::prelude::*;

use super::model::{Competency, CompetencyFilter, CompetencyInput};
use crate::audit::Entity;
use crate::auth::Caller;
use crate::db::refs;
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::competencies;
use crate::db::write::Tx;
use crate::db::{contains_pattern, lower, now, AnyConnection, Backend};
use crate::error::{ApiError, ApiResult};
use crate::types::CompetencyId;

pub struct Competencies;

impl Resource for Competencies {
    const ENTITY: Entity = Entity::Competency;
    type Id = CompetencyId;
    type Row = Competency;
    type Current = Competency;

    fn row(conn: &mut AnyConnection, id: CompetencyId) -> QueryResult<Competency> {
        competencies::table
            .find(id)
            .select(Competency::as_select())
            .first(conn)
    }

    fn pg_sql() -> String {
        json_by_id(
            competencies::table.select(Competency::as_select()),
            "competencies",
            "",
        )
    }

    fn present(c: Competency) -> Competency {
        c
    }

    fn version(c: &Competency) -> i64 {
        c.version
    }
}

fn filtered(f: &CompetencyFilter) -> competencies::BoxedQuery<'static, Backend> {
    let mut q = competencies::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(competencies::kind.eq(kind));
    }
    if let Some(active) = f.active {
        q = q.filter(competencies::active.eq(active));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(competencies::code)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(competencies::name).like(pattern).escape('\\')),
        );
    }
    q
}

pub fn list(
    conn: &mut AnyConnection,
    _: &Caller,
    f: &CompetencyFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> ApiResult<(i64, Vec<Competency>)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = crate::order_by!(filtered(f), sort, {
        "id" => competencies::id,
        "code" => competencies::code,
        "name" => competencies::name,
    })
    .then_order_by(competencies::id.asc())
    .offset(offset)
    .limit(limit)
    .select(Competency::as_select())
    .load(conn)?;
    Ok((total, rows))
}

pub fn create(tx: &mut Tx, c: &CompetencyInput) -> ApiResult<CompetencyId> {
    refs::unique(tx, Entity::Competency, "code", &c.code, None)?;
    let at = now();
    let insert = diesel::insert_into(competencies::table).values((
        c,
        competencies::levels.eq(c.levels_text()),
        competencies::created_at.eq(at),
        competencies::updated_at.eq(at),
    ));
    Ok(crate::insert_returning_id!(
        tx.conn(),
        insert,
        competencies::id
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
