//! Report SQL. One SQL text serves both backends: window functions, CASE, COALESCE and CAST to
//! DOUBLE PRECISION are common ground, and every value put into the text is a typed integer or
//! date, never client text.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};

use crate::db::AnyConnection;

/// What a report looks at: trainings ending in a period, people in a set of units.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// `None`: every unit.
    pub units: Option<Vec<i64>>,
    pub training_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub trainer_id: Option<i64>,
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

    /// `AND <column> IN (…)` for the unit scope.
    fn units(&self, column: &str) -> String {
        match &self.units {
            None => String::new(),
            Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND {column} IN ({})", list.join(", "))
            }
        }
    }

    /// Training, partner and trainer filters on trainings aliased `t`.
    fn trainings(&self) -> String {
        let mut s = String::new();
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
        s
    }
}

#[derive(Debug, QueryableByName)]
pub struct AspectRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = Text)]
    pub aspect: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub total: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub low: Option<i64>,
}

/// Everything of one training's feedback in one row: per aspect (and `overall`) the count, sum,
/// 4–5s and 1–2s, plus responses, promoters and detractors.
#[derive(Debug, QueryableByName)]
pub struct FeedbackStatsRow {
    #[diesel(sql_type = BigInt)]
    pub training_id: i64,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub promoters: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub detractors: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub material_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub material_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub material_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub material_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub method_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub method_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub method_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub method_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub trainer_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub trainer_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub trainer_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub trainer_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub facilities_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub facilities_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub facilities_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub facilities_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub relevance_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub relevance_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub relevance_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub relevance_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub organisation_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub organisation_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub organisation_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub organisation_low: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub overall_n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub overall_sum: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub overall_top2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub overall_low: Option<i64>,
}

impl FeedbackStatsRow {
    pub fn aspects(&self) -> Vec<AspectRow> {
        vec![
            AspectRow {
                training_id: self.training_id,
                aspect: "material".into(),
                n: self.material_n,
                total: self.material_sum,
                top2: self.material_top2,
                low: self.material_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "method".into(),
                n: self.method_n,
                total: self.method_sum,
                top2: self.method_top2,
                low: self.method_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "trainer".into(),
                n: self.trainer_n,
                total: self.trainer_sum,
                top2: self.trainer_top2,
                low: self.trainer_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "facilities".into(),
                n: self.facilities_n,
                total: self.facilities_sum,
                top2: self.facilities_top2,
                low: self.facilities_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "relevance".into(),
                n: self.relevance_n,
                total: self.relevance_sum,
                top2: self.relevance_top2,
                low: self.relevance_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "organisation".into(),
                n: self.organisation_n,
                total: self.organisation_sum,
                top2: self.organisation_top2,
                low: self.organisation_low,
            },
            AspectRow {
                training_id: self.training_id,
                aspect: "overall".into(),
                n: self.overall_n,
                total: self.overall_sum,
                top2: self.overall_top2,
                low: self.overall_low,
            },
        ]
    }
}

/// One scan over the feedback of the trainings in scope.
pub fn feedback_stats(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<FeedbackStatsRow>> {
    let columns: Vec<String> = ["material", "method", "trainer", "facilities", "relevance", "organisation", "overall"]
        .iter()
        .map(|a| {
            format!(
                "COUNT(f.{a}) AS {a}_n, SUM(f.{a}) AS {a}_sum, SUM(CASE WHEN f.{a} >= 4 THEN 1 ELSE 0 END) AS {a}_top2, \
                 SUM(CASE WHEN f.{a} <= 2 THEN 1 ELSE 0 END) AS {a}_low"
            )
        })
        .collect();
    let sql = format!(
        "SELECT f.training_id AS training_id, COUNT(*) AS responses, \
         SUM(CASE WHEN f.recommend >= 9 THEN 1 ELSE 0 END) AS promoters, \
         SUM(CASE WHEN f.recommend <= 6 THEN 1 ELSE 0 END) AS detractors, {} \
         FROM feedback f JOIN trainings t ON t.id = f.training_id WHERE 1 = 1{}{}{} GROUP BY f.training_id",
        columns.join(", "),
        s.period(),
        s.units("f.unit_id"),
        s.trainings()
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Enrolments not withdrawn, per training.
pub fn enrolled(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<CountRow>> {
    let sql = format!(
        "SELECT en.training_id AS id, COUNT(*) AS n FROM enrolments en JOIN trainings t ON t.id = en.training_id \
         JOIN employees e ON e.id = en.employee_id WHERE en.status <> 'withdrawn'{}{}{} GROUP BY en.training_id",
        s.period(),
        s.units("e.unit_id"),
        s.trainings()
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TitleRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
}

pub fn titles(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<TitleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    diesel::sql_query(format!(
        "SELECT id, title FROM trainings WHERE id IN ({}) ORDER BY id",
        list.join(", ")
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
    let sql = format!(
        "SELECT t.id AS training_id, t.title AS title, COUNT(*) AS participants, \
         AVG(en.pre_test_score) AS pre_mean, AVG(en.post_test_score) AS post_mean, \
         AVG(CASE WHEN en.pre_test_score IS NOT NULL AND en.post_test_score IS NOT NULL \
             THEN en.post_test_score - en.pre_test_score END) AS gain_mean, \
         AVG(CASE WHEN en.pre_test_score IS NOT NULL AND en.post_test_score IS NOT NULL AND en.pre_test_score < 100 \
             THEN (en.post_test_score - en.pre_test_score) / (100 - en.pre_test_score) END) AS normalized_gain_mean, \
         SUM(CASE WHEN en.status = 'completed' THEN 1 ELSE 0 END) AS passed, \
         SUM(CASE WHEN en.status IN ('completed', 'failed') THEN 1 ELSE 0 END) AS finished \
         FROM enrolments en JOIN trainings t ON t.id = en.training_id JOIN employees e ON e.id = en.employee_id \
         WHERE en.status <> 'withdrawn'{}{}{} GROUP BY t.id, t.title ORDER BY t.id",
        s.period(),
        s.units("e.unit_id"),
        s.trainings()
    );
    diesel::sql_query(sql).load(conn)
}

/// Each active employee's JP credited in the period (`jp`), as a derived table aliased `j`.
fn jp_per_employee(s: &Scope) -> String {
    format!(
        "(SELECT en.employee_id AS employee_id, SUM(en.jp_credited) AS jp FROM enrolments en \
         JOIN trainings t ON t.id = en.training_id WHERE en.status = 'completed'{} GROUP BY en.employee_id)",
        s.period()
    )
}

#[derive(Debug, QueryableByName)]
pub struct UnitComplianceRow {
    #[diesel(sql_type = BigInt)]
    pub unit_id: i64,
    #[diesel(sql_type = Text)]
    pub unit_name: String,
    #[diesel(sql_type = BigInt)]
    pub employees: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub compliant: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub jp_mean: Option<f64>,
}

pub fn compliance_by_unit(
    conn: &mut AnyConnection,
    s: &Scope,
    target: i32,
) -> QueryResult<Vec<UnitComplianceRow>> {
    let sql = format!(
        "SELECT u.id AS unit_id, u.name AS unit_name, COUNT(*) AS employees, \
         SUM(CASE WHEN COALESCE(j.jp, 0) >= {target} THEN 1 ELSE 0 END) AS compliant, \
         AVG(CAST(COALESCE(j.jp, 0) AS DOUBLE PRECISION)) AS jp_mean \
         FROM employees e JOIN units u ON u.id = e.unit_id LEFT JOIN {} j ON j.employee_id = e.id \
         WHERE e.active = TRUE{} GROUP BY u.id, u.name ORDER BY u.name",
        jp_per_employee(s),
        s.units("e.unit_id")
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct BelowTargetRow {
    #[diesel(sql_type = BigInt)]
    pub employee_id: i64,
    #[diesel(sql_type = Text)]
    pub nip: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub unit_id: i64,
    #[diesel(sql_type = BigInt)]
    pub jp_total: i64,
}

pub fn below_target(
    conn: &mut AnyConnection,
    s: &Scope,
    target: i32,
) -> QueryResult<Vec<BelowTargetRow>> {
    let sql = format!(
        "SELECT e.id AS employee_id, e.nip AS nip, e.name AS name, e.unit_id AS unit_id, \
         CAST(COALESCE(j.jp, 0) AS BIGINT) AS jp_total \
         FROM employees e LEFT JOIN {} j ON j.employee_id = e.id \
         WHERE e.active = TRUE AND COALESCE(j.jp, 0) < {target}{} ORDER BY jp_total, e.name, e.id",
        jp_per_employee(s),
        s.units("e.unit_id")
    );
    diesel::sql_query(sql).load(conn)
}

/// The current level per employee and competency (`latest`, kept by assessments) and the required level per employee
/// in scope and competency of their position's standard (`req`).
fn standards_ctes(s: &Scope) -> String {
    format!(
        "latest AS (SELECT employee_id, competency_id, level FROM competency_levels), \
         req AS (SELECT e.id AS employee_id, ps.competency_id, ps.required_level FROM employees e \
           JOIN position_standards ps ON ps.position_id = e.position_id WHERE e.active = TRUE{})",
        s.units("e.unit_id")
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
}

pub fn gaps(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<GapRow>> {
    let sql = format!(
        "WITH {} SELECT c.id AS competency_id, c.code AS code, c.name AS name, COUNT(*) AS employees_with_standard, \
         COUNT(l.level) AS assessed, SUM(CASE WHEN l.level < r.required_level THEN 1 ELSE 0 END) AS below_standard, \
         AVG(CASE WHEN l.level IS NOT NULL THEN CAST(r.required_level - l.level AS DOUBLE PRECISION) END) AS mean_gap \
         FROM req r JOIN competencies c ON c.id = r.competency_id \
         LEFT JOIN latest l ON l.employee_id = r.employee_id AND l.competency_id = r.competency_id \
         GROUP BY c.id, c.code, c.name ORDER BY c.code",
        standards_ctes(s)
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

/// Employees per JPM band: JPM = 100 × Σ min(latest, required) / Σ required, unassessed as 0.
pub fn jpm_bands(
    conn: &mut AnyConnection,
    s: &Scope,
    optimal_min: i32,
    cukup_min: i32,
) -> QueryResult<BandRow> {
    let sql = format!(
        "WITH {}, per AS (SELECT r.employee_id, \
           SUM(CASE WHEN l.level IS NULL THEN 0 WHEN l.level < r.required_level THEN l.level ELSE r.required_level END) AS matched, \
           SUM(r.required_level) AS required, COUNT(l.level) AS assessed \
           FROM req r LEFT JOIN latest l ON l.employee_id = r.employee_id AND l.competency_id = r.competency_id \
           GROUP BY r.employee_id) \
         SELECT SUM(CASE WHEN assessed > 0 AND 100 * matched >= {optimal_min} * required THEN 1 ELSE 0 END) AS optimal, \
           SUM(CASE WHEN assessed > 0 AND 100 * matched < {optimal_min} * required AND 100 * matched >= {cukup_min} * required THEN 1 ELSE 0 END) AS cukup_optimal, \
           SUM(CASE WHEN assessed > 0 AND 100 * matched < {cukup_min} * required THEN 1 ELSE 0 END) AS kurang_optimal, \
           SUM(CASE WHEN assessed = 0 THEN 1 ELSE 0 END) AS unassessed FROM per",
        standards_ctes(s)
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
    #[diesel(sql_type = BigInt)]
    pub below: i64,
    #[diesel(sql_type = BigInt)]
    pub seats: i64,
    #[diesel(sql_type = BigInt)]
    pub unlimited: i64,
}

/// Competencies with employees below standard, and the free seats of planned/open trainings for them.
pub fn needs(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<NeedRow>> {
    let sql = format!(
        "WITH {}, below AS (SELECT r.competency_id, COUNT(*) AS n FROM req r JOIN latest l \
           ON l.employee_id = r.employee_id AND l.competency_id = r.competency_id \
           WHERE l.level < r.required_level GROUP BY r.competency_id), \
         seats AS (SELECT tc.competency_id, SUM(CASE WHEN t.capacity IS NULL THEN 0 ELSE t.capacity - t.enrolled_count END) AS seats, \
           SUM(CASE WHEN t.capacity IS NULL THEN 1 ELSE 0 END) AS unlimited FROM training_competencies tc \
           JOIN trainings t ON t.id = tc.training_id WHERE t.status IN ('planned', 'open') GROUP BY tc.competency_id) \
         SELECT c.id AS competency_id, c.code AS code, c.name AS name, CAST(b.n AS BIGINT) AS below, \
           CAST(COALESCE(s.seats, 0) AS BIGINT) AS seats, CAST(COALESCE(s.unlimited, 0) AS BIGINT) AS unlimited \
         FROM below b JOIN competencies c ON c.id = b.competency_id LEFT JOIN seats s ON s.competency_id = b.competency_id \
         ORDER BY b.n DESC, c.code",
        standards_ctes(s)
    );
    diesel::sql_query(sql).load(conn)
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
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub overall_mean: Option<f64>,
}

pub fn partners(conn: &mut AnyConnection, s: &Scope) -> QueryResult<Vec<PartnerRow>> {
    // Per training first (enrolments, feedback), then per partner: a few GROUP BYs, no
    // subquery per partner.
    let sql = format!(
        "WITH pt AS (SELECT tp.partner_id, t.id AS training_id FROM training_partners tp \
           JOIN trainings t ON t.id = tp.training_id WHERE t.status NOT IN ('draft', 'cancelled'){period}), \
         en AS (SELECT en.training_id, SUM(CASE WHEN en.status <> 'withdrawn' THEN 1 ELSE 0 END) AS participants, \
           SUM(CASE WHEN en.status = 'completed' THEN COALESCE(en.jp_credited, 0) ELSE 0 END) AS jp \
           FROM enrolments en JOIN employees e ON e.id = en.employee_id \
           WHERE en.training_id IN (SELECT training_id FROM pt){people} GROUP BY en.training_id), \
         fb AS (SELECT f.training_id, COUNT(*) AS responses, SUM(f.overall) AS overall_sum FROM feedback f \
           WHERE f.training_id IN (SELECT training_id FROM pt){answers} GROUP BY f.training_id) \
         SELECT p.id AS partner_id, p.name AS name, p.kind AS kind, p.agreement_end AS agreement_end, \
           COUNT(pt.training_id) AS trainings, CAST(COALESCE(SUM(en.participants), 0) AS BIGINT) AS participants, \
           CAST(COALESCE(SUM(en.jp), 0) AS BIGINT) AS jp_delivered, CAST(COALESCE(SUM(fb.responses), 0) AS BIGINT) AS responses, \
           CAST(SUM(fb.overall_sum) AS DOUBLE PRECISION) / CAST(NULLIF(SUM(fb.responses), 0) AS DOUBLE PRECISION) AS overall_mean \
         FROM partners p LEFT JOIN pt ON pt.partner_id = p.id LEFT JOIN en ON en.training_id = pt.training_id \
           LEFT JOIN fb ON fb.training_id = pt.training_id \
         GROUP BY p.id, p.name, p.kind, p.agreement_end ORDER BY p.name, p.id",
        period = s.period(),
        people = s.units("e.unit_id"),
        answers = s.units("f.unit_id"),
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
        "WITH {}, below AS (SELECT r.competency_id, COUNT(*) AS n FROM req r JOIN latest l \
           ON l.employee_id = r.employee_id AND l.competency_id = r.competency_id \
           WHERE l.level < r.required_level GROUP BY r.competency_id) \
         SELECT c.id AS competency_id, c.code AS code, {} AS internal_trainers, {} AS external_trainers, \
           CAST(COALESCE(b.n, 0) AS BIGINT) AS below FROM competencies c LEFT JOIN below b ON b.competency_id = c.id \
         WHERE c.active = TRUE ORDER BY c.code",
        standards_ctes(s),
        count("internal"),
        count("external")
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
        "SELECT t.status AS status, COUNT(*) AS n FROM trainings t WHERE 1 = 1{} GROUP BY t.status",
        s.period()
    );
    diesel::sql_query(sql).load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    pub employees: i64,
    #[diesel(sql_type = BigInt)]
    pub enrolments: i64,
    #[diesel(sql_type = BigInt)]
    pub completions: i64,
    #[diesel(sql_type = BigInt)]
    pub jp_total: i64,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub overall_mean: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub partners_active: i64,
}

pub fn totals(conn: &mut AnyConnection, s: &Scope, today: NaiveDate) -> QueryResult<TotalsRow> {
    let people = format!(
        "FROM enrolments en JOIN trainings t ON t.id = en.training_id JOIN employees e ON e.id = en.employee_id WHERE 1 = 1{}{}",
        s.period(),
        s.units("e.unit_id")
    );
    let answers = format!(
        "FROM feedback f JOIN trainings t ON t.id = f.training_id WHERE 1 = 1{}{}",
        s.period(),
        s.units("f.unit_id")
    );
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM employees e WHERE e.active = TRUE{}) AS employees, \
         (SELECT COUNT(*) {people} AND en.status <> 'withdrawn') AS enrolments, \
         (SELECT COUNT(*) {people} AND en.status = 'completed') AS completions, \
         (SELECT CAST(COALESCE(SUM(en.jp_credited), 0) AS BIGINT) {people} AND en.status = 'completed') AS jp_total, \
         (SELECT COUNT(*) {answers}) AS responses, \
         (SELECT AVG(CAST(f.overall AS DOUBLE PRECISION)) {answers}) AS overall_mean, \
         (SELECT COUNT(*) FROM partners p WHERE p.active = TRUE AND (p.agreement_end IS NULL OR p.agreement_end >= '{today}')) AS partners_active",
        s.units("e.unit_id")
    );
    diesel::sql_query(sql).get_result(conn)
}
