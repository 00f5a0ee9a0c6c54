//! Programmes' SQL: the resource, the list and the writers (as partners).

use std::marker::PhantomData;

use diesel::prelude::*;

use super::model::{Programme, ProgrammeFilter, ProgrammeInput};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::{programme_competencies, programmes};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::ApiResult;
use crate::types::{raw, CompetencyId, ProgrammeId};

pub const COMPETENCIES: LinkTable<ProgrammeId, CompetencyId> = LinkTable {
    table: "programme_competencies",
    owner: "programme_id",
    target: "competency_id",
    owner_table: "programmes",
    copy: "competency_ids",
    ids: PhantomData,
};

crate::simple_resource!(Programmes, Programme, programmes, ProgrammeId, Programme);

fn filtered(f: &ProgrammeFilter) -> programmes::BoxedQuery<'static, Backend> {
    let mut q = programmes::table.into_boxed();
    if let Some(c) = f.competency_id {
        q = q.filter(
            programmes::id.eq_any(
                programme_competencies::table
                    .filter(programme_competencies::competency_id.eq(c))
                    .select(programme_competencies::programme_id),
            ),
        );
    }
    crate::text_search!(q, f.q, programmes: code, name);
    q
}

crate::simple_list!(ProgrammeFilter => Programme, programmes, filtered, {
    "code" => programmes::code,
    "name" => programmes::name,
    "created_at" => programmes::created_at,
});

/// A unique code and existing competencies (422).
fn check(conn: &mut AnyConnection, p: &ProgrammeInput, id: Option<ProgrammeId>) -> ApiResult<()> {
    refs::unique(conn, Entity::Programme, "code", &p.code, id.map(|i| i.0))?;
    refs::require(
        conn,
        &[("competency_ids", Entity::Competency, raw(&p.competency_ids))],
    )
}

pub fn create(tx: &mut Tx, p: &ProgrammeInput) -> ApiResult<ProgrammeId> {
    check(tx, p, None)?;
    let id = crate::insert_new!(tx, programmes, p)?;
    COMPETENCIES.replace(tx, id, &p.competency_ids)?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Programme, p: &ProgrammeInput) -> ApiResult<()> {
    check(tx, p, Some(current.id))?;
    diesel::update(programmes::table.find(current.id))
        .set(p)
        .execute(tx.conn())?;
    Ok(COMPETENCIES.replace(tx, current.id, &p.competency_ids)?)
}

/// Trainings refer to their programme (a foreign key): deleting one with runs is a 409.
pub fn delete(tx: &mut Tx, current: &Programme) -> ApiResult<()> {
    diesel::delete(programmes::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
