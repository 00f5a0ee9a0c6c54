//! Partners' SQL: the resource, the filtered list, and the writers, which run inside the write
//! pipeline.

use std::marker::PhantomData;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Partner, PartnerFilter, PartnerInput};
use crate::audit::Entity;
use crate::db::refs::{self, LinkTable};
use crate::db::schema::partners;
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::ApiResult;
use crate::types::{raw, CompetencyId, PartnerId};

pub const COMPETENCIES: LinkTable<PartnerId, CompetencyId> = LinkTable {
    table: "partner_competencies",
    owner: "partner_id",
    target: "competency_id",
    owner_table: "partners",
    copy: "competency_ids",
    ids: PhantomData,
};

crate::simple_resource!(Partners, Partner, partners, PartnerId, Partner);

fn filtered(f: &PartnerFilter) -> partners::BoxedQuery<'static, Backend> {
    let mut q = partners::table.into_boxed();
    crate::eq_filters!(q, f; kind => partners::kind, active => partners::active);
    if let Some(days) = f.agreement_expiring_within_days {
        let today: NaiveDate = crate::types::today();
        let until = today + chrono::Duration::days(days);
        q = q
            .filter(partners::agreement_end.ge(today))
            .filter(partners::agreement_end.le(until));
    }
    crate::text_search!(q, f.q, partners: name, contact_person, agreement_number);
    q
}

crate::simple_list!(PartnerFilter => Partner, partners, filtered, {
    "name" => partners::name,
    "kind" => partners::kind,
    "agreement_end" => partners::agreement_end,
    "created_at" => partners::created_at,
});

/// The competencies a partner names must exist (422).
fn check(conn: &mut AnyConnection, p: &PartnerInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[("competency_ids", Entity::Competency, raw(&p.competency_ids))],
    )
}

pub fn create(tx: &mut Tx, p: &PartnerInput) -> ApiResult<PartnerId> {
    check(tx, p)?;
    let id = crate::insert_new!(tx, partners, p)?;
    COMPETENCIES.replace(tx, id, &p.competency_ids)?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Partner, p: &PartnerInput) -> ApiResult<()> {
    check(tx, p)?;
    diesel::update(partners::table.find(current.id))
        .set(p)
        .execute(tx.conn())?;
    Ok(COMPETENCIES.replace(tx, current.id, &p.competency_ids)?)
}

/// Trainings refer to partners (a foreign key): deleting one in use is a 409.
pub fn delete(tx: &mut Tx, current: &Partner) -> ApiResult<()> {
    diesel::delete(partners::table.find(current.id)).execute(tx.conn())?;
    Ok(())
}
