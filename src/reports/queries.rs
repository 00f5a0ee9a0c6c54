//! Report SQL. One SQL text serves both backends: window functions, CASE, COALESCE and CAST to
//! DOUBLE PRECISION are common ground, and every value put into the text is a typed integer or
//! date, never client text.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use serde_json::value::RawValue;

use crate::db::{id_list, AnyConnection};
use crate::employees::model::AsnType;

/// What a report looks at: trainings ending in a period, people in a set of units.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// `None`: every unit.
    pub units: Option<Vec<i64>>,
    /// Whether the units hold a whole OPD (or are every unit): responses are attributed to
    /// OPDs only, so a scope below one has no feedback of its own (`anonymity`).
    pub attributable: bool,
    /// The OPD whose subtree the units are (`None` for every unit, or a scope below an OPD):
    /// its evaluation is kept (`evaluation::kept_json`).
    pub opd: Option<i64>,
    pub training_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub trainer_id: Option<i64>,
    pub programme_id: Option<i64>,
    /// Whether draft trainings count (training staff only, as in the catalogue).
    pub drafts: bool,
    /// These trainings only (the kept evaluation's refresh of the trainings a write moved).
    pub ids: Option<Vec<i64>>,
}

impl Scope {
    /// `AND t.end_date …` for the period, on trainings aliased `t`.
    fn period(&self) -> String {
        let mut s = String::new();
        if let Some(from) = self.from {
            s.push_str(&format!(" AND t.end_date >= '{from}'"));
        }
        if let Some(to) = self.to {
            s.push_str(&format!(" AND t.end_date <= '{to}'"));
        }
        s
    }

    /// `AND <column> IN (…)` for the scope's units (nothing for every unit).
    pub(super) fn units(&self, column: &str) -> String {
        match &self.units {
            None => String::new(),
            Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND {column} IN ({})", list.join(", "))
            }
        }
    }

    /// The kept totals `table` (`feedback_totals`, `enrolment_totals` or
    /// `trainer_rating_totals`) as `<table> <alias>`:
    /// over every unit their sums per training (`<table>_by_training`: one row a training
    /// instead of one per training and unit), else the per-unit rows, which the caller narrows
    /// with [`Scope::units`].
    pub(super) fn kept(&self, table: &str, alias: &str) -> String {
        match self.units {
            None => format!("{table}_by_training {alias}"),
            Some(_) => format!("{table} {alias}"),
        }
    }

    /// `SUM(<column>)` over the kept per-unit rows (grouped by [`Scope::kept_group`]); over
    /// every unit the column as it is, the kept rows being one a training already (summing them
    /// hashed 20k rows for nothing: ~30 ms at 200k employees).
    pub(super) fn kept_sum(&self, column: &str) -> String {
        match self.units {
            None => column.to_string(),
            Some(_) => format!("SUM({column})"),
        }
    }

    /// ` GROUP BY <key>` over the kept per-unit rows; nothing over every unit.
    pub(super) fn kept_group(&self, key: &str) -> String {
        match self.units {
            None => String::new(),
            Some(_) => format!(" GROUP BY {key}"),
        }
    }

    /// The kept column of who may answer the survey, on totals aliased `et`: in an OPD (or
    /// over every unit) those who answered count where they answered, as their responses do
    /// (`eligible_opd`), so that the response rate is a share of the OPD's own respondents
    /// after people move; below an OPD, where no response is attributed, the people there now.
    pub(super) fn eligible(&self) -> &'static str {
        if self.attributable {
            "et.eligible_opd"
        } else {
            "et.eligible"
        }
    }

    /// The year when the period is exactly one calendar year (the aggregates are kept per year).
    pub(super) fn calendar_year(&self) -> Option<i32> {
        use chrono::Datelike;
        let (from, to) = (self.from?, self.to?);
        (from.year() == to.year() && from.ordinal() == 1 && to.succ_opt()?.ordinal() == 1)
            .then_some(from.year())
    }

    /// `AND <column> IN (trainings in the period and filters)`, or nothing when unfiltered: the
    /// aggregates then need no join to trainings.
    pub(super) fn in_trainings(&self, column: &str) -> String {
        let filters = format!("{}{}", self.period(), self.trainings());
        if filters.is_empty() {
            return filters;
        }
        format!(" AND {column} IN (SELECT t.id FROM trainings t WHERE 1 = 1{filters})")
    }

    /// `AND <column> IN (employees of the units in scope)`, or nothing for every unit.
    pub(super) fn in_people(&self, column: &str) -> String {
        match &self.units {
            None => String::new(),
            Some(_) => format!(
                " AND {column} IN (SELECT e.id FROM employees e WHERE 1 = 1{})",
                self.units("e.unit_id")
            ),
        }
    }

    /// Training, partner, trainer and programme filters (and the trainings named by `ids`) on
    /// trainings aliased `t`.
    fn trainings(&self) -> String {
        let mut s = String::new();
        match &self.ids {
            Some(ids) if ids.is_empty() => s.push_str(" AND 1 = 0"),
            Some(ids) => s.push_str(&format!(" AND t.id IN ({})", crate::db::id_list(ids))),
            None => {}
        }
        if let Some(id) = self.training_id {
            s.push_str(&format!(" AND t.id = {id}"));
        }
        if let Some(id) = self.partner_id {
            s.push_str(&format!(
                " AND t.id IN (SELECT training_id FROM training_partners WHERE partner_id = {id})"
            ));
        }
        if let Some(id) = self.trainer_id {
            s.push_str(&format!(
                " AND t.id IN (SELECT training_id FROM training_trainers WHERE trainer_id = {id})"
            ));
        }
        if let Some(id) = self.programme_id {
            s.push_str(&format!(" AND t.programme_id = {id}"));
        }
        s
    }
}

/// One rated column (an aspect or `overall`) of a training's feedback in scope: how many
/// rated it, their sum, the 4–5s and the 1–2s.
#[derive(Debug, Clone)]
pub struct AspectRow {
    pub aspect: &'static str,
    pub n: i64,
    pub total: i64,
    pub top2: i64,
    pub low: i64,
}

/// Everything of one training's feedback in scope: responses, promoters (9–10), detractors
/// (0–6), and a row per rated column in `aggregates::rated()` order.
#[derive(Debug, Clone)]
pub struct FeedbackStatsRow {
    pub training_id: i64,
    pub responses: i64,
    pub promoters: i64,
    pub detractors: i64,
    pub rated: Vec<AspectRow>,
}

impl FeedbackStatsRow {
    /// The row of one rated column.
    pub fn rated(&self, aspect: &str) -> Option<&AspectRow> {
        self.rated.iter().find(|r| r.aspect == aspect)
    }
}

/// Which rated columns a report reads from the feedback totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rated {
    /// Every aspect and `overall` (the training evaluation).
    Every,
    /// `overall` alone (figures over many trainings: the summary, partners): a seventh of the
    /// sums.
    Overall,
}

/// The rated columns a report reads, in `aggregates::rated()` order.
fn rated_columns(rated: Rated) -> Vec<&'static str> {
    crate::aggregates::rated()
        .filter(|a| rated == Rated::Every || *a == "overall")
        .collect()
}

/// The sums of a feedback totals row after its key, each as `value(column)`: responses,
/// promoters and detractors, then four per rated column.
fn stats_select(columns: &[&str], value: impl Fn(String) -> String) -> Vec<String> {
    let mut select: Vec<String> = ["responses", "promoters", "detractors"]
        .map(|c| value(format!("ft.{c}")))
        .into();
    for a in columns {
        select.extend(["n", "sum", "top2", "low"].map(|x| value(format!("ft.{a}_{x}"))));
    }
    select
}

/// A row read by position as [`stats_select`] wrote it, after the training's id.
fn stats_row(columns: &[&'static str], v: &[i64]) -> FeedbackStatsRow {
    let rated = columns
        .iter()
        .zip(v[4..].chunks_exact(4))
        .map(|(aspect, x)| AspectRow {
            aspect,
            n: x[0],
            total: x[1],
            top2: x[2],
            low: x[3],
        })
        .collect();
    FeedbackStatsRow {
        training_id: v[0],
        responses: v[1],
        promoters: v[2],
        detractors: v[3],
        rated,
    }
}

/// The feedback totals of the trainings and units in scope, per training.
pub fn feedback_stats(
    conn: &mut AnyConnection,
    s: &Scope,
    rated: Rated,
) -> QueryResult<Vec<FeedbackStatsRow>> {
    // One wide row per training, read by position: the training, its responses, promoters
    // and detractors, then four sums per rated column. (A row per training and column, as
    // before, was 150k rows at 200k employees: 200 ms, against ~40.) Over every unit the kept
    // totals per training are read as they are; for units they are summed per training.
    let columns = rated_columns(rated);
    let sums = stats_select(&columns, |column| {
        format!("CAST({} AS BIGINT)", s.kept_sum(&column))
    });
    let sql = format!(
        "SELECT ft.training_id, {} FROM {} WHERE 1 = 1{}{}{}",
        sums.join(", "),
        s.kept("feedback_totals", "ft"),
        s.in_trainings("ft.training_id"),
        s.units("ft.unit_id"),
        s.kept_group("ft.training_id")
    );
    let rows = diesel::sql_query(sql).load::<crate::db::Integers>(conn)?;
    Ok(rows
        .into_iter()
        .map(|crate::db::Integers(v)| stats_row(&columns, &v))
        .collect())
}

/// The feedback totals of the trainings in scope per OPD (of the OPDs `s.units` names, or all),
/// as (OPD, totals): the kept per-unit rows as they are, responses being attributed to OPDs
/// (or, paper forms, to none).
pub fn feedback_stats_per_opd(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<Vec<(i64, FeedbackStatsRow)>> {
    let columns = rated_columns(Rated::Every);
    let values = stats_select(&columns, |column| format!("CAST({column} AS BIGINT)"));
    let sql = format!(
        "SELECT ft.unit_id, ft.training_id, {} FROM feedback_totals ft \
         WHERE ft.unit_id IS NOT NULL{}{}",
        values.join(", "),
        s.in_trainings("ft.training_id"),
        s.units("ft.unit_id"),
    );
    let rows = diesel::sql_query(sql).load::<crate::db::Integers>(conn)?;
    Ok(rows
        .into_iter()
        .map(|crate::db::Integers(v)| (v[0], stats_row(&columns, &v[1..])))
        .collect())
}

#[derive(Debug, QueryableByName)]
pub struct EnrolledRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Attended or completed: those who may answer the survey.
    #[diesel(sql_type = BigInt)]
    pub eligible: i64,
}

/// Per training in scope: its enrolments (withdrawals left out) and those who may answer.
pub fn enrolled(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<EnrolledRow>> {
    let sql = format!(
        "SELECT et.training_id AS id, CAST({} AS BIGINT) AS n, CAST({} AS BIGINT) AS eligible \
         FROM {} WHERE 1 = 1{}{}{}",
        s.kept_sum("et.participants"),
        s.kept_sum(s.eligible()),
        s.kept("enrolment_totals", "et"),
        s.in_trainings("et.training_id"),
        s.units("et.unit_id"),
        s.kept_group("et.training_id"),
    );
    diesel::sql_query(sql).load(conn)
}

/// Per OPD (of those `s.units` names, or all) and training in scope: [`enrolled`] over the
/// OPD's subtree, as (OPD, counts).
pub fn enrolled_per_opd(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<Vec<(i64, EnrolledRow)>> {
    let rows = diesel::sql_query(format!(
        "WITH RECURSIVE {} SELECT tree.opd, et.training_id, \
         CAST(SUM(et.participants) AS BIGINT), CAST(SUM(et.eligible_opd) AS BIGINT) \
         FROM enrolment_totals et JOIN tree ON tree.id = et.unit_id WHERE 1 = 1{} \
         GROUP BY tree.opd, et.training_id",
        crate::units::queries::opd_tree(s.units.as_deref()),
        s.in_trainings("et.training_id"),
    ))
    .load::<crate::db::Integers>(conn)?;
    Ok(rows
        .into_iter()
        .map(|crate::db::Integers(v)| {
            let counts = EnrolledRow {
                id: v[1],
                n: v[2],
                eligible: v[3],
            };
            (v[0], counts)
        })
        .collect())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TitleRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub programme_id: Option<i64>,
    #[diesel(sql_type = Date)]
    pub start_date: NaiveDate,
}

/// The trainings the scope's training filters select (period, training, partner, trainer,
/// programme): every training a report over the kept totals has figures for is among them. By
/// filter rather than by a list of ids: at 200k employees the list held 20,000 ids, 36 ms to
/// parse and bind.
pub fn titles(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<TitleRow>> {
    diesel::sql_query(format!(
        "SELECT t.id, t.title, t.programme_id, t.start_date FROM trainings t WHERE 1 = 1{}{} ORDER BY t.id",
        s.period(),
        s.trainings()
    ))
    .load(conn)
}

/// A programme's runs in scope (held or planned, not cancelled; drafts for staff only), in
/// start order.
pub fn runs(conn: &mut AnyConnection, s: &Scope, programme: i64) -> QueryResult<Vec<TitleRow>> {
    diesel::sql_query(format!(
        "SELECT t.id AS id, t.title AS title, t.programme_id AS programme_id, t.start_date AS start_date \
         FROM trainings t WHERE t.programme_id = {programme} AND t.status <> 'cancelled'{}{} \
         ORDER BY t.start_date, t.id",
        s.period(),
        if s.drafts { "" } else { " AND t.status <> 'draft'" }
    ))
    .load(conn)
}

/// The OPD (top-level unit) among these units, if any: a unit scope is a subtree, so one that
/// holds an OPD is that OPD's subtree.
pub fn opd_in(conn: &mut AnyConnection, units: &[i64]) -> QueryResult<Option<i64>> {
    if units.is_empty() {
        return Ok(None);
    }
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let found: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM units WHERE parent_id IS NULL AND id IN ({}) ORDER BY id",
        id_list(units)
    ))
    .load(conn)?;
    Ok(found.first().map(|u| u.id))
}

#[derive(QueryableByName)]
struct CommentsRow {
    #[diesel(sql_type = BigInt)]
    training_id: i64,
    #[diesel(sql_type = Text)]
    text: String,
}

/// The kept comments of the trainings in scope (over every unit), per training: JSON arrays in
/// random order (`aggregates::comments`), as text.
pub fn kept_comments(conn: &mut AnyConnection, s: &Scope) -> QueryResult<HashMap<i64, String>> {
    let kept: Vec<CommentsRow> = diesel::sql_query(format!(
        "SELECT c.training_id AS training_id, c.comments AS text FROM training_comments c \
         WHERE 1 = 1{}",
        s.in_trainings("c.training_id")
    ))
    .load(conn)?;
    Ok(kept.into_iter().map(|r| (r.training_id, r.text)).collect())
}

/// The comments of the trainings in scope, per training, as JSON arrays in random order: over
/// every unit the kept arrays ([`kept_comments`]), for a unit scope those of the responses
/// from its units, shuffled by the same rule.
pub fn comments(conn: &mut AnyConnection, s: &Scope) -> QueryResult<HashMap<i64, Box<RawValue>>> {
    let json = |text: String| {
        RawValue::from_string(text)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    };
    if s.units.is_none() {
        return kept_comments(conn, s)?
            .into_iter()
            .map(|(training, text)| Ok((training, json(text)?)))
            .collect();
    }
    let rows: Vec<CommentsRow> = diesel::sql_query(format!(
        "SELECT f.training_id AS training_id, f.comment AS text FROM feedback f \
         WHERE f.comment IS NOT NULL{}{}",
        s.in_trainings("f.training_id"),
        s.units("f.unit_id")
    ))
    .load(conn)?;
    let mut per: HashMap<i64, Vec<String>> = HashMap::new();
    for r in rows {
        per.entry(r.training_id).or_default().push(r.text);
    }
    per.into_iter()
        .map(|(training, list)| Ok((training, json(crate::aggregates::comments::shuffled(list))?)))
        .collect()
}

/// The comments of the trainings in scope per (OPD, training) (of the OPDs `s.units` names, or
/// all), as [`comments`] shuffles them.
pub fn comments_per_opd(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<HashMap<(i64, i64), String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        unit_id: i64,
        #[diesel(sql_type = BigInt)]
        training_id: i64,
        #[diesel(sql_type = Text)]
        text: String,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT f.unit_id AS unit_id, f.training_id AS training_id, f.comment AS text \
         FROM feedback f WHERE f.comment IS NOT NULL AND f.unit_id IS NOT NULL{}{}",
        s.in_trainings("f.training_id"),
        s.units("f.unit_id"),
    ))
    .load(conn)?;
    let mut per: HashMap<(i64, i64), Vec<String>> = HashMap::new();
    for r in rows {
        per.entry((r.unit_id, r.training_id))
            .or_default()
            .push(r.text);
    }
    Ok(per
        .into_iter()
        .map(|(key, list)| (key, crate::aggregates::comments::shuffled(list)))
        .collect())
}

#[derive(Debug, QueryableByName)]
pub struct AddressedRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = Text)]
    pub aspect: String,
}

/// The (training, aspect) pairs with an improvement action that was not dropped (a few
/// hundred rows at most: the city's own decisions).
pub fn addressed(conn: &mut AnyConnection) -> QueryResult<Vec<AddressedRow>> {
    diesel::sql_query(
        "SELECT DISTINCT training_id, aspect FROM improvement_actions WHERE status <> 'dropped'",
    )
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TrainerCellRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = BigInt)]
    pub trainer_id: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub low: i64,
}

/// Speaker ratings per training and trainer, in the units of `s` (from the kept sums).
pub fn trainer_ratings(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<TrainerCellRow>> {
    diesel::sql_query(format!(
        "SELECT r.training_id AS training_id, r.trainer_id AS trainer_id, \
         CAST({} AS BIGINT) AS n, CAST({} AS BIGINT) AS total, CAST({} AS BIGINT) AS low \
         FROM {} WHERE 1 = 1{}{}{}",
        s.kept_sum("r.n"),
        s.kept_sum("r.total"),
        s.kept_sum("r.low"),
        s.kept("trainer_rating_totals", "r"),
        s.in_trainings("r.training_id"),
        s.units("r.unit_id"),
        s.kept_group("r.training_id, r.trainer_id"),
    ))
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TrainerRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub trainings: i64,
}

/// Trainers with their trainings in scope (held or planned, not cancelled or draft).
pub fn trainers_with_trainings(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<Vec<TrainerRow>> {
    diesel::sql_query(format!(
        "SELECT tr.id AS id, tr.name AS name, tr.kind AS kind, COUNT(t.id) AS trainings \
         FROM trainers tr LEFT JOIN training_trainers tt ON tt.trainer_id = tr.id \
         LEFT JOIN trainings t ON t.id = tt.training_id AND t.status NOT IN ('draft', 'cancelled'){}{} \
         GROUP BY tr.id, tr.name, tr.kind ORDER BY tr.name, tr.id",
        s.period(),
        s.trainings()
    ))
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct PairRow {
    #[diesel(sql_type = BigInt)]
    pub owner: i64,
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
}

/// (partner, training) for the trainings in the period, not draft or cancelled.
pub fn partner_trainings(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<PairRow>> {
    diesel::sql_query(format!(
        "SELECT tp.partner_id AS owner, t.id AS training_id FROM training_partners tp \
         JOIN trainings t ON t.id = tp.training_id WHERE t.status NOT IN ('draft', 'cancelled'){}",
        s.period()
    ))
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TransferRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_submitted: i64,
    #[diesel(sql_type = BigInt)]
    pub reviewed: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub items_reviewed: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub implemented: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub behaviour_sum: Option<i64>,
}

/// Per training with completions in scope: completions (the kept totals), action plans and
/// their reviews (the participants' plans, joined to the people in scope).
pub fn transfer(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<TransferRow>> {
    diesel::sql_query(format!(
        "WITH done AS (SELECT d.training_id, d.completed FROM (SELECT et.training_id, {completed} AS completed \
           FROM {totals} WHERE 1 = 1{trainings}{people}{group}) d WHERE d.completed > 0), \
         plans AS (SELECT e.training_id, COUNT(*) AS plans, \
           SUM(CASE WHEN ap.reviewed_at IS NULL THEN 0 ELSE 1 END) AS reviewed, \
           SUM(CASE WHEN ap.reviewed_at IS NULL THEN 0 ELSE ap.item_count END) AS items_reviewed, \
           SUM(ap.implemented_count) AS implemented, SUM(ap.behaviour_change) AS behaviour_sum \
           FROM action_plans ap JOIN enrolments e ON e.id = ap.enrolment_id \
           WHERE e.status = 'completed' AND e.training_id IN (SELECT training_id FROM done){employees} \
           GROUP BY e.training_id) \
         SELECT t.id AS training_id, t.title AS title, CAST(done.completed AS BIGINT) AS completed, \
           CAST(COALESCE(plans.plans, 0) AS BIGINT) AS plans_submitted, CAST(COALESCE(plans.reviewed, 0) AS BIGINT) AS reviewed, \
           CAST(plans.items_reviewed AS BIGINT) AS items_reviewed, CAST(plans.implemented AS BIGINT) AS implemented, \
           CAST(plans.behaviour_sum AS BIGINT) AS behaviour_sum \
         FROM done JOIN trainings t ON t.id = done.training_id LEFT JOIN plans ON plans.training_id = done.training_id \
         ORDER BY t.start_date, t.id",
        completed = s.kept_sum("et.completed"),
        trainings = s.in_trainings("et.training_id"),
        people = s.units("et.unit_id"),
        group = s.kept_group("et.training_id"),
        totals = s.kept("enrolment_totals", "et"),
        employees = s.in_people("e.employee_id"),
    ))
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub pre_mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub post_mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub gain_mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub normalized_gain_mean: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub passed: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub finished: Option<i64>,
}

pub fn outcomes(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<OutcomeRow>> {
    // The mean of a kept score: its sum over how many have it (none: NULL).
    let mean = |score: &str| {
        format!(
            "CAST({} AS DOUBLE PRECISION) / CAST(NULLIF({}, 0) AS DOUBLE PRECISION)",
            s.kept_sum(&format!("et.{score}_sum")),
            s.kept_sum(&format!("et.{score}_n"))
        )
    };
    let sql = format!(
        "SELECT t.id AS training_id, t.title AS title, o.participants, o.pre_mean, o.post_mean, o.gain_mean, \
         o.normalized_gain_mean, o.passed, o.finished FROM (SELECT et.training_id, \
         CAST({participants} AS BIGINT) AS participants, {pre} AS pre_mean, {post} AS post_mean, \
         {gain} AS gain_mean, {ngain} AS normalized_gain_mean, \
         CAST({passed} AS BIGINT) AS passed, CAST({finished} AS BIGINT) AS finished \
         FROM {totals} WHERE 1 = 1{trainings}{people}{group}) o \
         JOIN trainings t ON t.id = o.training_id WHERE o.participants > 0 ORDER BY t.id",
        participants = s.kept_sum("et.participants"),
        pre = mean("pre"),
        post = mean("post"),
        gain = mean("gain"),
        ngain = mean("ngain"),
        passed = s.kept_sum("et.completed"),
        finished = s.kept_sum("et.finished"),
        totals = s.kept("enrolment_totals", "et"),
        trainings = s.in_trainings("et.training_id"),
        people = s.units("et.unit_id"),
        group = s.kept_group("et.training_id"),
    );
    diesel::sql_query(sql).load(conn)
}

/// The statements of each employee's JP credited in the period, each listing `employee_id, jp`
/// in employee order: for a calendar year the yearly aggregate; for another period the
/// completions by `completed_on` and the verified external learning by `end_date`, each apart
/// (summed together in one statement, PostgreSQL expected a few hundred employees, sorted and
/// spilled: 360 ms at 200k employees for ten months, where the completions apart are read in
/// employee order from `enrolments_jp_credited` in ~95 ms).
fn jp_credited(s: &Scope) -> Vec<String> {
    if let Some(year) = s.calendar_year() {
        return vec![format!(
            "SELECT employee_id, CAST(jp AS BIGINT) AS jp FROM employee_jp WHERE year = {year} \
             ORDER BY employee_id"
        )];
    }
    let period = |column: &str| {
        let mut period = String::new();
        if let Some(from) = s.from {
            period.push_str(&format!(" AND {column} >= '{from}'"));
        }
        if let Some(to) = s.to {
            period.push_str(&format!(" AND {column} <= '{to}'"));
        }
        period
    };
    // JP counts every completion of the period, whatever the training filters, on the
    // participant's own completion day. Per source: its rows, who, their JP, the day it counts.
    [
        (
            "enrolments en WHERE en.status = 'completed'",
            "en.employee_id",
            "en.jp_credited",
            "en.completed_on",
        ),
        (
            "external_learning x WHERE x.status = 'verified'",
            "x.employee_id",
            "x.jp",
            "x.end_date",
        ),
    ]
    .iter()
    .map(|(rows, who, jp, day)| {
        format!(
            "SELECT {who} AS employee_id, CAST(SUM({jp}) AS BIGINT) AS jp FROM {rows}{}{} \
             GROUP BY {who} ORDER BY {who}",
            period(day),
            s.in_people(who),
        )
    })
    .collect()
}

/// An active employee in scope, with their JP of the period (`jp_total`, 0 as read, set by
/// [`each_person_jp`]).
#[derive(Debug, QueryableByName)]
pub struct PersonJpRow {
    #[diesel(embed)]
    pub who: crate::aggregates::targets::Identity,
    #[diesel(sql_type = BigInt)]
    pub unit_id: i64,
    #[diesel(sql_type = Text)]
    pub asn_type: AsnType,
    #[diesel(sql_type = Nullable<Date>)]
    pub appointed_on: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub jp_total: i64,
}

/// One employee's JP of the period.
#[derive(Debug, QueryableByName)]
struct CreditedRow {
    #[diesel(sql_type = BigInt)]
    employee_id: i64,
    #[diesel(sql_type = BigInt)]
    jp: i64,
}

/// Whether [`each_person_jp`] reads each person's NIP and name (the list of those below target) or
/// leaves them empty (the counts of the summary: at 200k people, 400k strings fewer to read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    Read,
    Left,
}

/// Each active employee in scope with the JP they were credited in the period, in id order,
/// handed to `each` as read: the JP of each statement of [`jp_credited`] first, then the people,
/// row by row as the server sends them (`db::each_row`), merged in one pass. Joined in SQL,
/// SQLite searched the JP index once per person (36 ms of a 20k-employee summary, against about
/// 30 ms for two statements); listed first, 200k people took ~20 MB before the first was judged.
pub fn each_person_jp(
    conn: &mut AnyConnection,
    s: &Scope,
    names: Names,
    mut each: impl FnMut(PersonJpRow),
) -> QueryResult<()> {
    let mut credited = Vec::new();
    for statement in jp_credited(s) {
        let rows: Vec<CreditedRow> = diesel::sql_query(statement).load(conn)?;
        credited.push(rows.into_iter().peekable());
    }
    let names = match names {
        Names::Read => "e.nip AS nip, e.name AS name",
        Names::Left => "'' AS nip, '' AS name",
    };
    let people = diesel::sql_query(format!(
        "SELECT e.id AS employee_id, {names}, e.unit_id AS unit_id, \
         e.asn_type AS asn_type, e.appointed_on AS appointed_on, CAST(0 AS BIGINT) AS jp_total \
         FROM employees e WHERE e.active = TRUE{} ORDER BY e.id",
        s.units("e.unit_id")
    ));
    crate::db::each_row(conn, people, |mut person: PersonJpRow| {
        let id = person.who.employee_id;
        for source in &mut credited {
            while source.next_if(|c| c.employee_id < id).is_some() {}
            if let Some(c) = source.next_if(|c| c.employee_id == id) {
                person.jp_total += c.jp;
            }
        }
        each(person);
        Ok::<_, diesel::result::Error>(())
    })
}

#[derive(Debug, QueryableByName)]
pub struct UnitRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub parent_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub active: bool,
}

/// Every unit, by name (the tree is put together by the caller).
pub fn units(conn: &mut AnyConnection) -> QueryResult<Vec<UnitRow>> {
    diesel::sql_query("SELECT id, name, parent_id, active FROM units ORDER BY name, id").load(conn)
}

/// Per competency of the standards in scope: `assessed`, `below` (under the required level) and
/// `gap_sum` (Σ required − level over the assessed) and `shortfall_sum` (Σ max(0, required −
/// level), so surpluses never hide needs), from the level counts, as a derived table aliased `a`.
pub(super) fn assessed_per_competency(s: &Scope) -> String {
    format!(
        "(SELECT ps.competency_id AS competency_id, SUM(lc.n) AS assessed, \
           SUM(CASE WHEN lc.level < ps.required_level THEN lc.n ELSE 0 END) AS below, \
           SUM((ps.required_level - lc.level) * lc.n) AS gap_sum, \
           SUM(CASE WHEN lc.level < ps.required_level THEN (ps.required_level - lc.level) * lc.n ELSE 0 END) AS shortfall_sum \
         FROM level_counts lc JOIN position_standards ps \
           ON ps.position_id = lc.position_id AND ps.competency_id = lc.competency_id \
         WHERE 1 = 1{} GROUP BY ps.competency_id) a",
        s.units("lc.unit_id")
    )
}

#[derive(Debug, QueryableByName)]
pub struct GapRow {
    #[diesel(sql_type = BigInt)]
    pub competency_id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub employees_with_standard: i64,
    #[diesel(sql_type = BigInt)]
    pub assessed: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub below_standard: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_gap: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_shortfall: Option<f64>,
}

/// Per competency of a standard in scope: who is held to it (counted per position first, then
/// spread over the positions' standards: a join of every person with their standard took ten
/// times as long), and the assessed levels against it.
pub fn gaps(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<GapRow>> {
    let sql = format!(
        "SELECT c.id AS competency_id, c.code AS code, c.name AS name, \
           CAST(w.n AS BIGINT) AS employees_with_standard, CAST(COALESCE(a.assessed, 0) AS BIGINT) AS assessed, \
           CAST(COALESCE(a.below, 0) AS BIGINT) AS below_standard, \
           CAST(a.gap_sum AS DOUBLE PRECISION) / CAST(NULLIF(a.assessed, 0) AS DOUBLE PRECISION) AS mean_gap, \
           CAST(a.shortfall_sum AS DOUBLE PRECISION) / CAST(NULLIF(a.assessed, 0) AS DOUBLE PRECISION) AS mean_shortfall \
         FROM (SELECT ps.competency_id AS competency_id, SUM(p.n) AS n \
           FROM (SELECT es.position_id AS position_id, COUNT(*) AS n FROM employee_standing es \
             WHERE 1 = 1{} GROUP BY es.position_id) p \
           JOIN position_standards ps ON ps.position_id = p.position_id GROUP BY ps.competency_id) w \
         JOIN competencies c ON c.id = w.competency_id LEFT JOIN {} ON a.competency_id = w.competency_id \
         ORDER BY c.code",
        s.units("es.unit_id"),
        assessed_per_competency(s)
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct BandRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub optimal: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub cukup_optimal: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub kurang_optimal: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub unassessed: Option<i64>,
}

/// Employees per JPM band: JPM = 100 × Σ min(current, required) / Σ required over the assessed
/// items (`employee_standing` keeps both sums so); those with no assessed item are `unassessed`.
pub fn jpm_bands(
    conn: &mut AnyConnection,
    s: &Scope,
    optimal_min: i32,
    cukup_min: i32,
) -> QueryResult<BandRow> {
    let sql = format!(
        "SELECT SUM(CASE WHEN assessed > 0 AND 100 * matched >= {optimal_min} * required THEN 1 ELSE 0 END) AS optimal, \
           SUM(CASE WHEN assessed > 0 AND 100 * matched < {optimal_min} * required AND 100 * matched >= {cukup_min} * required THEN 1 ELSE 0 END) AS cukup_optimal, \
           SUM(CASE WHEN assessed > 0 AND 100 * matched < {cukup_min} * required THEN 1 ELSE 0 END) AS kurang_optimal, \
           SUM(CASE WHEN assessed = 0 THEN 1 ELSE 0 END) AS unassessed FROM employee_standing WHERE 1 = 1{}",
        s.units("unit_id")
    );
    diesel::sql_query(sql).get_result(conn)
}

#[derive(Debug, QueryableByName)]
pub struct NeedRow {
    #[diesel(sql_type = BigInt)]
    pub competency_id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Integer)]
    pub required_level: i32,
    #[diesel(sql_type = BigInt)]
    pub below: i64,
}

/// Employees below standard in scope, per competency and the level their standard requires
/// (from the level counts).
pub fn needs(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<NeedRow>> {
    let sql = format!(
        "SELECT c.id AS competency_id, c.code AS code, c.name AS name, ps.required_level AS required_level, \
           CAST(SUM(lc.n) AS BIGINT) AS below \
         FROM level_counts lc JOIN position_standards ps \
           ON ps.position_id = lc.position_id AND ps.competency_id = lc.competency_id \
         JOIN competencies c ON c.id = ps.competency_id \
         WHERE lc.level < ps.required_level{} GROUP BY c.id, c.code, c.name, ps.required_level",
        s.units("lc.unit_id")
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct SupplyOfSeats {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    /// Free seats; null: no capacity limit.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub free: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub competency_id: i64,
    #[diesel(sql_type = Integer)]
    pub target_level: i32,
}

/// The planned and open trainings' free seats and the competencies (and levels) they target,
/// in start order.
pub fn seats(conn: &mut AnyConnection) -> QueryResult<Vec<SupplyOfSeats>> {
    diesel::sql_query(
        "SELECT t.id AS training_id, CAST(t.capacity - t.enrolled_count AS BIGINT) AS free, \
           tc.competency_id AS competency_id, tc.target_level AS target_level \
         FROM trainings t JOIN training_competencies tc ON tc.training_id = t.id \
         WHERE t.status IN ('planned', 'open') ORDER BY t.start_date, t.id, tc.competency_id",
    )
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct PartnerRow {
    #[diesel(sql_type = BigInt)]
    pub partner_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub agreement_end: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub trainings: i64,
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = BigInt)]
    pub jp_delivered: i64,
}

pub fn partners(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<PartnerRow>> {
    // One pass of joins over the links, the trainings and the kept totals per training (over
    // every unit read as kept; for some units summed first). Satisfaction is added from the
    // feedback cells (`anonymity`). At 200k employees the per-training CTEs this replaces
    // hashed every link twice: 48-78 -> 26 ms in psql, the same rows.
    let per_training = match s.units {
        None => "enrolment_totals_by_training en".to_string(),
        Some(_) => format!(
            "(SELECT training_id, SUM(participants) AS participants, SUM(jp_completed) AS jp_completed \
              FROM enrolment_totals WHERE 1 = 1{} GROUP BY training_id) en",
            s.units("unit_id")
        ),
    };
    let sql = format!(
        "SELECT p.id AS partner_id, p.name AS name, p.kind AS kind, p.agreement_end AS agreement_end, \
           COUNT(t.id) AS trainings, CAST(COALESCE(SUM(en.participants), 0) AS BIGINT) AS participants, \
           CAST(COALESCE(SUM(en.jp_completed), 0) AS BIGINT) AS jp_delivered \
         FROM partners p LEFT JOIN training_partners tp ON tp.partner_id = p.id \
         LEFT JOIN trainings t ON t.id = tp.training_id AND t.status NOT IN ('draft', 'cancelled'){period} \
         LEFT JOIN {per_training} ON en.training_id = t.id \
         GROUP BY p.id, p.name, p.kind, p.agreement_end ORDER BY p.name, p.id",
        period = s.period(),
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct SupplyRow {
    #[diesel(sql_type = BigInt)]
    pub competency_id: i64,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = BigInt)]
    pub internal_trainers: i64,
    #[diesel(sql_type = BigInt)]
    pub external_trainers: i64,
    #[diesel(sql_type = BigInt)]
    pub below: i64,
}

pub fn trainer_supply(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<SupplyRow>> {
    let count = |kind: &str| {
        format!(
            "(SELECT COUNT(*) FROM trainer_competencies tc JOIN trainers tr ON tr.id = tc.trainer_id \
             WHERE tc.competency_id = c.id AND tr.active = TRUE AND tr.kind = '{kind}')"
        )
    };
    let sql = format!(
        "SELECT c.id AS competency_id, c.code AS code, {} AS internal_trainers, {} AS external_trainers, \
           CAST(COALESCE(a.below, 0) AS BIGINT) AS below FROM competencies c LEFT JOIN {} ON a.competency_id = c.id \
         WHERE c.active = TRUE ORDER BY c.code",
        count("internal"),
        count("external"),
        assessed_per_competency(s)
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct StatusCountRow {
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub fn trainings_by_status(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<Vec<StatusCountRow>> {
    let sql = format!(
        "SELECT t.status AS status, COUNT(*) AS n FROM trainings t WHERE 1 = 1{}{} \
         GROUP BY t.status",
        s.period(),
        if s.drafts {
            ""
        } else {
            " AND t.status <> 'draft'"
        }
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    pub enrolments: i64,
    #[diesel(sql_type = BigInt)]
    pub completions: i64,
    #[diesel(sql_type = BigInt)]
    pub jp_total: i64,
    #[diesel(sql_type = BigInt)]
    pub partners_active: i64,
}

/// The summary's totals of enrolments, completions, JP and partners (its people are counted
/// from the rows its compliance rate reads).
pub fn totals(conn: &mut AnyConnection, s: &Scope, today: NaiveDate) -> QueryResult<TotalsRow> {
    let sql = format!(
        "SELECT CAST(COALESCE(en.enrolments, 0) AS BIGINT) AS enrolments, CAST(COALESCE(en.completions, 0) AS BIGINT) AS completions, \
         CAST(COALESCE(en.jp_total, 0) AS BIGINT) AS jp_total, \
         (SELECT COUNT(*) FROM partners p WHERE p.active = TRUE AND (p.agreement_end IS NULL OR p.agreement_end >= '{today}')) AS partners_active \
         FROM (SELECT SUM(et.participants) AS enrolments, SUM(et.completed) AS completions, \
           SUM(et.jp_completed) AS jp_total FROM {totals} WHERE 1 = 1{trainings}{people}) en",
        trainings = s.in_trainings("et.training_id"),
        people = s.units("et.unit_id"),
        totals = s.kept("enrolment_totals", "et"),
    );
    diesel::sql_query(sql).get_result(conn)
}

/// Sessions and JP per speaker: sessions starting in the period (the scope's days) of
/// trainings not cancelled (drafts for the training staff only), optionally of one training or
/// one trainer.
pub fn trainer_hours(
    conn: &mut AnyConnection,
    s: &Scope,
) -> QueryResult<Vec<super::model::TrainerHours>> {
    let mut filter = String::from(" AND t.status <> 'cancelled'");
    if !s.drafts {
        filter.push_str(" AND t.status <> 'draft'");
    }
    // Sessions that start on the period's days (the city's).
    if let Some(from) = s.from {
        let start = crate::types::day_start(from);
        filter.push_str(&format!(" AND s.starts_at >= '{start}'"));
    }
    if let Some(to) = s.to.and_then(|d| d.succ_opt()) {
        let end = crate::types::day_start(to);
        filter.push_str(&format!(" AND s.starts_at < '{end}'"));
    }
    if let Some(t) = s.training_id {
        filter.push_str(&format!(" AND t.id = {t}"));
    }
    if let Some(tr) = s.trainer_id {
        filter.push_str(&format!(" AND tr.id = {tr}"));
    }
    diesel::sql_query(format!(
        "SELECT tr.id AS trainer_id, tr.name, tr.kind, CAST(COUNT(*) AS BIGINT) AS sessions, \
           CAST(SUM(s.jp) AS BIGINT) AS jp_taught \
         FROM session_trainers st JOIN training_sessions s ON s.id = st.session_id \
         JOIN trainings t ON t.id = s.training_id JOIN trainers tr ON tr.id = st.trainer_id \
         WHERE 1 = 1{filter} GROUP BY tr.id, tr.name, tr.kind ORDER BY tr.id"
    ))
    .load(conn)
}
