use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{PartnerChanges, PartnerFilter, PartnerRow};
use crate::db::schema::{partner_competencies, partners};
use crate::db::{
    contains_pattern, last_insert_id, lower, lower_nullable, now, AnyConnection, Backend,
};
use crate::web::group_pairs;

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<PartnerRow> {
    partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
}

/// Competency ids per partner, for a whole page at once.
pub fn competency_ids(
    conn: &mut AnyConnection,
    partner_ids: &[i64],
) -> QueryResult<BTreeMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = partner_competencies::table
        .filter(partner_competencies::partner_id.eq_any(partner_ids))
        .select((
            partner_competencies::partner_id,
            partner_competencies::competency_id,
        ))
        .order((
            partner_competencies::partner_id,
            partner_competencies::competency_id,
        ))
        .load(conn)?;
    Ok(group_pairs(rows))
}

fn filtered(f: &PartnerFilter, today: NaiveDate) -> partners::BoxedQuery<'static, Backend> {
    let mut q = partners::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(partners::kind.eq(kind.as_str()));
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

pub fn list(
    conn: &mut AnyConnection,
    f: &PartnerFilter,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<PartnerRow>)> {
    let today = chrono::Utc::now().date_naive();
    let total = filtered(f, today).count().get_result(conn)?;
    let mut q = filtered(f, today);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("name", false) => q.then_order_by(partners::name.asc()),
            ("name", true) => q.then_order_by(partners::name.desc()),
            ("kind", false) => q.then_order_by(partners::kind.asc()),
            ("kind", true) => q.then_order_by(partners::kind.desc()),
            ("agreement_end", false) => q.then_order_by(partners::agreement_end.asc()),
            ("agreement_end", true) => q.then_order_by(partners::agreement_end.desc()),
            ("created_at", false) => q.then_order_by(partners::created_at.asc()),
            ("created_at", true) => q.then_order_by(partners::created_at.desc()),
            ("id", true) => q.then_order_by(partners::id.desc()),
            _ => q.then_order_by(partners::id.asc()),
        };
    }
    let rows = q
        .then_order_by(partners::id.asc())
        .offset(offset)
        .limit(limit)
        .select(PartnerRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

#[derive(Insertable)]
#[diesel(table_name = partners)]
struct NewPartner {
    #[diesel(embed)]
    fields: PartnerChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &PartnerChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(partners::table)
        .values(NewPartner {
            fields: fields.clone(),
            created_at: at,
            updated_at: at,
            version: 1,
        })
        .execute(conn)?;
    last_insert_id(conn)
}

/// Writes `fields` if the row is still at `version`; `false` when someone changed it meanwhile.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &PartnerChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        partners::table
            .filter(partners::id.eq(id))
            .filter(partners::version.eq(version)),
    )
    .set((
        fields,
        partners::version.eq(version + 1),
        partners::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn replace_competencies(
    conn: &mut AnyConnection,
    partner_id: i64,
    ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(
        partner_competencies::table.filter(partner_competencies::partner_id.eq(partner_id)),
    )
    .execute(conn)?;
    if !ids.is_empty() {
        let rows: Vec<_> = ids
            .iter()
            .map(|c| {
                (
                    partner_competencies::partner_id.eq(partner_id),
                    partner_competencies::competency_id.eq(*c),
                )
            })
            .collect();
        let insert = diesel::insert_into(partner_competencies::table).values(rows);
        // Multi-row VALUES is backend-specific in diesel, so dispatch on the connection.
        crate::execute_native!(conn, insert)?;
    }
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(partners::table.find(id)).execute(conn)
}
