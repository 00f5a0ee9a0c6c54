use diesel::prelude::*;

use super::model::{CompetencyChanges, CompetencyFilter, CompetencyRow};
use crate::db::schema::{
    assessments, competencies, partner_competencies, position_standards, trainer_competencies,
    training_competencies,
};
use crate::db::{contains_pattern, last_insert_id, lower, now, AnyConnection, Backend};

pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<CompetencyRow> {
    competencies::table
        .find(id)
        .select(CompetencyRow::as_select())
        .first(conn)
}

fn filtered(f: &CompetencyFilter) -> competencies::BoxedQuery<'static, Backend> {
    let mut q = competencies::table.into_boxed();
    if let Some(kind) = f.kind {
        q = q.filter(competencies::kind.eq(kind.as_str()));
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
    f: &CompetencyFilter,
    sort: &[(&str, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<CompetencyRow>)> {
    let total = filtered(f).count().get_result(conn)?;
    let mut q = filtered(f);
    for (field, desc) in sort {
        q = match (*field, *desc) {
            ("code", false) => q.then_order_by(competencies::code.asc()),
            ("code", true) => q.then_order_by(competencies::code.desc()),
            ("name", false) => q.then_order_by(competencies::name.asc()),
            ("name", true) => q.then_order_by(competencies::name.desc()),
            ("id", true) => q.then_order_by(competencies::id.desc()),
            _ => q.then_order_by(competencies::id.asc()),
        };
    }
    let rows = q
        .then_order_by(competencies::id.asc())
        .offset(offset)
        .limit(limit)
        .select(CompetencyRow::as_select())
        .load(conn)?;
    Ok((total, rows))
}

pub fn code_taken(conn: &mut AnyConnection, code: &str, except: Option<i64>) -> QueryResult<bool> {
    let q = competencies::table
        .filter(lower(competencies::code).eq(code.to_lowercase()))
        .filter(competencies::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(q)).get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = competencies)]
struct NewCompetency {
    #[diesel(embed)]
    fields: CompetencyChanges,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    version: i64,
}

pub fn create(conn: &mut AnyConnection, fields: &CompetencyChanges) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(competencies::table)
        .values(NewCompetency {
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
    fields: &CompetencyChanges,
) -> QueryResult<bool> {
    let n = diesel::update(
        competencies::table
            .filter(competencies::id.eq(id))
            .filter(competencies::version.eq(version)),
    )
    .set((
        fields,
        competencies::version.eq(version + 1),
        competencies::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether a standard, an assessment, a partner, a trainer or a training refers to the competency.
pub fn in_use(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let standards: bool = diesel::select(diesel::dsl::exists(
        position_standards::table.filter(position_standards::competency_id.eq(id)),
    ))
    .get_result(conn)?;
    let assessed: bool = diesel::select(diesel::dsl::exists(
        assessments::table.filter(assessments::competency_id.eq(id)),
    ))
    .get_result(conn)?;
    let partnered: bool = diesel::select(diesel::dsl::exists(
        partner_competencies::table.filter(partner_competencies::competency_id.eq(id)),
    ))
    .get_result(conn)?;
    let taught: bool = diesel::select(diesel::dsl::exists(
        trainer_competencies::table.filter(trainer_competencies::competency_id.eq(id)),
    ))
    .get_result(conn)?;
    let trained: bool = diesel::select(diesel::dsl::exists(
        training_competencies::table.filter(training_competencies::competency_id.eq(id)),
    ))
    .get_result(conn)?;
    Ok(standards || assessed || partnered || taught || trained)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(competencies::table.find(id)).execute(conn)
}

/// The ids among `ids` that name no competency.
pub fn missing(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let found: Vec<i64> = competencies::table
        .filter(competencies::id.eq_any(ids))
        .select(competencies::id)
        .load(conn)?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// 422 on `field` naming the ids among `ids` that are no competency.
pub fn require_existing(
    conn: &mut AnyConnection,
    ids: &[i64],
    field: &str,
) -> crate::error::ApiResult<()> {
    let missing = missing(conn, ids)?;
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing.iter().map(i64::to_string).collect();
    Err(crate::error::ApiError::validation(
        field,
        format!("no competency with id {}", list.join(", ")),
    ))
}
