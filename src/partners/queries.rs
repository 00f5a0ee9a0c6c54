//! Partners' SQL: the resource (one partner, both read paths), the filtered list, and the
//! writers, which run inside the write pipeline.

use std::marker::PhantomData;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Partner, PartnerFilter, PartnerInput, PartnerRecord, PartnerRow};
use crate::audit::Entity;
use crate::auth::Caller;
use crate::db::refs::{self, LinkTable};
use crate::db::resource::{json_by_id, Resource};
use crate::db::schema::partners;
use crate::db::write::Tx;
use crate::db::{contains_pattern, lower, lower_nullable, now, AnyConnection, Backend};
use crate::error::ApiResult;
use crate::types::{raw, CompetencyId, PartnerId};

pub const COMPETENCIES: LinkTable<PartnerId, CompetencyId> = LinkTable {
    table: "partner_competencies",
    owner: "partner_id",
    target: "competency_id",
    ids: PhantomData,
};

pub struct Partners;

impl Resource for Partners {
    const ENTITY: Entity = Entity::Partner;
    type Id = PartnerId;
    type Row = PartnerRecord;
    type Current = Partner;

    fn row(conn: &mut AnyConnection, id: PartnerId) -> QueryResult<PartnerRecord> {
        let row = partners::table
            .find(id)
            .select(PartnerRow::as_select())
            .first(conn)?;
        Ok(with_competencies(conn, vec![row])?.remove(0))
    }

    fn pg_sql() -> String {
        json_by_id(
            partners::table.select(PartnerRow::as_select()),
            "partners",
            &COMPETENCIES.pg_json_column("partners", "competency_ids"),
        )
    }

    fn present(record: PartnerRecord) -> Partner {
        Partner::from(record)
    }

    fn version(p: &Partner) -> i64 {
        p.version
    }
}

fn with_competencies(
    conn: &mut AnyConnection,
    rows: Vec<PartnerRow>,
) -> QueryResult<Vec<PartnerRecord>> {
    COMPETENCIES.attach(
        conn,
        rows,
        |r| r.id,
        |row, competency_ids| PartnerRecord {
            row,
            competency_ids,
        },
    )
}

fn filtered(f: &PartnerFilter, today: NaiveDate) -> partners::BoxedQuery<'static, Backend> {
    let mut q = partners::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(partners::kind.eq(kind));
    }
    if let Some(active) = f.active {
        q = q.filter(partners::active.eq(active));
    }
    if let Some(days) = f.agreement_expiring_within_days {
        let until = today + chrono::Duration::days(days);
        q = q
            .filter(partners::agreement_end.ge(today))
            .filter(partners::agreement_end.le(until));
    }
    if let Some(text) = f.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = contains_pattern(text);
        q = q.filter(
            lower(partners::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(partners::contact_person)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_nullable(partners::agreement_number)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    q
}

/// One page of partners with their competencies: (total, page).
pub fn list(
    conn: &mut AnyConnection,
    _: &Caller,
    f: &PartnerFilter,
    sort: &[(&str, bool)],
    (offset, limit): (i64, i64),
) -> ApiResult<(i64, Vec<Partner>)> {
    let today = chrono::Utc::now().date_naive();
    let total = filtered(f, today).count().get_result(conn)?;
    let rows: Vec<PartnerRow> = crate::order_by!(filtered(f, today), sort, {
        "id" => partners::id,
        "name" => partners::name,
        "kind" => partners::kind,
        "agreement_end" => partners::agreement_end,
        "created_at" => partners::created_at,
    })
    .then_order_by(partners::id.asc())
    .offset(offset)
    .limit(limit)
    .select(PartnerRow::as_select())
    .load(conn)?;
    let items = with_competencies(conn, rows)?;
    Ok((total, items.into_iter().map(Partner::from).collect()))
}

/// The competencies a partner names must exist (422).
fn check(conn: &mut AnyConnection, p: &PartnerInput) -> ApiResult<()> {
    refs::require(
        conn,
        &[("competency_ids", Entity::Competency, raw(&p.competency_ids))],
    )
}

pub fn create(tx: &mut Tx, p: &PartnerInput) -> ApiResult<PartnerId> {
    check(tx, p)?;
    let at = now();
    let insert = diesel::insert_into(partners::table).values((
        p,
        partners::created_at.eq(at),
        partners::updated_at.eq(at),
    ));
    let id = crate::insert_returning_id!(tx.conn(), insert, partners::id)?;
    COMPETENCIES.replace(tx, id, &p.competency_ids)?;
    Ok(id)
}

pub fn update(tx: &mut Tx, current: &Partner, p: &PartnerInput) -> ApiResult<()> {
    check(tx, p)?;
    let id = current.id;
    diesel::update(partners::table.find(id))
        .set(p)
        .execute(tx.conn())?;
    Ok(COMPETENCIES.replace(tx, id, &p.competency_ids)?)
}

/// Trainings refer to partners (a foreign key): deleting one in use is a 409.
pub fn delete(tx: &mut Tx, current: &Partner) -> ApiResult<()> {
    let id = current.id;
    diesel::delete(partners::table.find(id)).execute(tx.conn())?;
    Ok(())
}
