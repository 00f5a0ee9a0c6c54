use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::model::*;
use super::queries::{self, Scope};
use crate::auth::{op, Allowed, Caller};
use crate::db::AnyConnection;
use crate::error::{ApiResult, ReadErrors};
use crate::feedback::model::ASPECTS;
use crate::web::csv::{csv_response, wants_csv};
use crate::web::{db, ValidQuery};
use crate::AppState;

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| round(a as f64 / b as f64))
}

fn year_bounds(year: i32) -> (Option<NaiveDate>, Option<NaiveDate>) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    )
}

/// The report's scope: the period (year ∩ from..to, on training end dates) and the units (the
/// `unit_id` subtree ∩ what the caller may see).
fn scope(
    conn: &mut AnyConnection,
    caller: &Caller,
    f: &ReportFilter,
    default_year: Option<i32>,
) -> ApiResult<Scope> {
    let (mut from, mut to) = f
        .year
        .or(default_year)
        .map(year_bounds)
        .unwrap_or((None, None));
    if let Some(d) = f.from {
        from = Some(from.map_or(d, |x| x.max(d)));
    }
    if let Some(d) = f.to {
        to = Some(to.map_or(d, |x| x.min(d)));
    }
    let units = caller
        .reach(conn)?
        .units_within(conn, f.unit_id)?
        .map(|units| crate::types::raw(&units));
    Ok(Scope {
        from,
        to,
        units,
        training_id: f.training_id,
        partner_id: f.partner_id,
        trainer_id: f.trainer_id,
    })
}

/// JSON, or CSV of `rows` when asked.
fn respond<T: Serialize, R: Serialize>(
    req: &HttpRequest,
    f: &ReportFilter,
    name: &str,
    json: &T,
    rows: &[R],
) -> ApiResult<HttpResponse> {
    if wants_csv(req, f.format) {
        csv_response(name, rows)
    } else {
        Ok(HttpResponse::Ok().json(json))
    }
}

/// A list report: authorize, compute the rows in the caller's scope, answer `{"items": […]}`
/// or CSV of the items.
async fn list_report<T, F>(
    req: &HttpRequest,
    state: &AppState,
    caller: Caller,
    f: ReportFilter,
    name: &str,
    build: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut AnyConnection, &Scope) -> ApiResult<Vec<T>> + Send + 'static,
{
    let csv = wants_csv(req, f.format);
    let items = db(&state.pool, move |c| {
        let s = scope(c, &caller, &f, None)?;
        build(c, &s)
    })
    .await?;
    if csv {
        csv_response(name, &items)
    } else {
        Ok(HttpResponse::Ok().json(Items { items }))
    }
}

fn evaluation(conn: &mut AnyConnection, s: &Scope) -> ApiResult<Vec<TrainingEvaluation>> {
    let settings = crate::settings::queries::get(conn)?;
    let stats = queries::feedback_stats(conn, s)?;
    let enrolled: HashMap<i64, i64> = queries::enrolled(conn, s)?
        .into_iter()
        .map(|r| (r.id, r.n))
        .collect();
    let mut ids: Vec<i64> = enrolled
        .keys()
        .copied()
        .chain(stats.iter().map(|r| r.training_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let titles: HashMap<i64, String> = queries::titles(conn, &ids)?
        .into_iter()
        .map(|r| (r.id, r.title))
        .collect();
    let by_training: HashMap<i64, &queries::FeedbackStatsRow> =
        stats.iter().map(|r| (r.training_id, r)).collect();
    Ok(ids
        .into_iter()
        .map(|id| {
            let row = by_training.get(&id);
            let responses = row.map_or(0, |r| r.responses);
            let suppressed = responses < i64::from(settings.min_group_size);
            let mut stats = BTreeMap::new();
            let mut overall_mean = None;
            for row in row.map(|r| r.aspects()).unwrap_or_default() {
                if row.n == 0 {
                    continue;
                }
                let mean = round(row.total.unwrap_or(0) as f64 / row.n as f64);
                if row.aspect == "overall" {
                    overall_mean = Some(mean);
                } else if ASPECTS.contains(&row.aspect.as_str()) {
                    stats.insert(
                        row.aspect.clone(),
                        AspectStats {
                            mean,
                            top2_share: round(row.top2.unwrap_or(0) as f64 / row.n as f64),
                            dissatisfied_share: round(row.low.unwrap_or(0) as f64 / row.n as f64),
                        },
                    );
                }
            }
            let flags: Vec<String> = ASPECTS
                .iter()
                .filter(|a| {
                    stats.get(**a).is_some_and(|st| {
                        st.dissatisfied_share >= settings.dissatisfaction_threshold
                    })
                })
                .map(|a| a.to_string())
                .collect();
            let nps_value = by_training.get(&id).filter(|r| r.responses > 0).map(|r| {
                round(
                    100.0 * (r.promoters.unwrap_or(0) - r.detractors.unwrap_or(0)) as f64
                        / r.responses as f64,
                )
            });
            let enrolled = enrolled.get(&id).copied().unwrap_or(0);
            TrainingEvaluation {
                training_id: id,
                title: titles.get(&id).cloned().unwrap_or_default(),
                responses,
                enrolled,
                response_rate: ratio(responses, enrolled),
                aspects: if suppressed { BTreeMap::new() } else { stats },
                overall_mean: if suppressed { None } else { overall_mean },
                nps: if suppressed { None } else { nps_value },
                flags: if suppressed { Vec::new() } else { flags },
                suppressed,
            }
        })
        .collect())
}

/// Participant satisfaction per training: Likert means, top-2 and dissatisfied shares per
/// aspect, NPS, and flags where the dissatisfied share reaches the threshold.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Per training (CSV: one row per training)", content((Items<TrainingEvaluation> = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/training-evaluation")]
pub async fn training_evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::TrainingEvaluation>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    list_report(
        &req,
        &state,
        caller.caller,
        f,
        "training-evaluation",
        evaluation,
    )
    .await
}

/// Pre/post test scores per training: means, gain, normalised gain and pass rate.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Per training", content((Items<LearningOutcome> = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/learning-outcomes")]
pub async fn learning_outcomes(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::LearningOutcomes>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    list_report(
        &req,
        &state,
        caller.caller,
        f,
        "learning-outcomes",
        |c, s| {
            let rows = queries::outcomes(c, s)?;
            let items: Vec<LearningOutcome> = rows
                .into_iter()
                .map(|r| LearningOutcome {
                    training_id: r.training_id,
                    title: r.title,
                    participants: r.participants,
                    pre_mean: r.pre_mean.map(round),
                    post_mean: r.post_mean.map(round),
                    gain_mean: r.gain_mean.map(round),
                    normalized_gain_mean: r.normalized_gain_mean.map(round),
                    pass_rate: ratio(r.passed.unwrap_or(0), r.finished.unwrap_or(0)),
                })
                .collect();
            Ok(items)
        },
    )
    .await
}

fn compliance(conn: &mut AnyConnection, s: &Scope, year: i32) -> ApiResult<JpCompliance> {
    let target = crate::settings::queries::get(conn)?.jp_target;
    let units = queries::compliance_by_unit(conn, s, target)?
        .into_iter()
        .map(|r| UnitCompliance {
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            employees: r.employees,
            compliant: r.compliant.unwrap_or(0),
            compliance_rate: ratio(r.compliant.unwrap_or(0), r.employees),
            jp_mean: r.jp_mean.map(round),
        })
        .collect();
    let below_target = queries::below_target(conn, s, target)?
        .into_iter()
        .map(|r| BelowTarget {
            employee_id: r.employee_id,
            nip: r.nip,
            name: r.name,
            unit_id: r.unit_id,
            jp_total: r.jp_total,
        })
        .collect();
    Ok(JpCompliance {
        year,
        jp_target: target,
        units,
        below_target,
    })
}

/// Who got the yearly JP they are owed: per unit, and the list below target (CSV: that list).
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Compliance per unit and the employees below target", content((JpCompliance = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/jp-compliance")]
pub async fn jp_compliance(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::JpCompliance>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    let year = f.year.unwrap_or_else(|| chrono::Utc::now().year());
    let caller = caller.caller;
    let (report, f) = db(&state.pool, move |c| {
        let s = scope(c, &caller, &f, Some(year))?;
        Ok((compliance(c, &s, year)?, f))
    })
    .await?;
    respond(&req, &f, "jp-compliance", &report, &report.below_target)
}

/// Per competency: employees whose position requires it, assessed, below standard, mean gap;
/// and employees per JPM band.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Gaps per competency and JPM bands", content((CompetencyGaps = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/competency-gaps")]
pub async fn competency_gaps(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::CompetencyGaps>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    let caller = caller.caller;
    let (report, f) = db(&state.pool, move |c| {
        let s = scope(c, &caller, &f, None)?;
        let settings = crate::settings::queries::get(c)?;
        let items = queries::gaps(c, &s)?
            .into_iter()
            .map(|r| CompetencyGap {
                competency_id: r.competency_id,
                code: r.code,
                name: r.name,
                employees_with_standard: r.employees_with_standard,
                assessed: r.assessed,
                below_standard: r.below_standard.unwrap_or(0),
                below_standard_share: ratio(r.below_standard.unwrap_or(0), r.assessed),
                mean_gap: r.mean_gap.map(round),
            })
            .collect();
        let b = queries::jpm_bands(c, &s, settings.jpm_optimal_min, settings.jpm_cukup_min)?;
        let jpm_bands = JpmBands {
            optimal: b.optimal.unwrap_or(0),
            cukup_optimal: b.cukup_optimal.unwrap_or(0),
            kurang_optimal: b.kurang_optimal.unwrap_or(0),
            unassessed: b.unassessed.unwrap_or(0),
        };
        Ok((CompetencyGaps { items, jpm_bands }, f))
    })
    .await?;
    respond(&req, &f, "competency-gaps", &report, &report.items)
}

/// Competencies with employees below standard against the free seats planned for them.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Per competency", content((Items<TrainingNeed> = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/training-needs")]
pub async fn training_needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::TrainingNeeds>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    list_report(&req, &state, caller.caller, f, "training-needs", |c, s| {
        let items: Vec<TrainingNeed> = queries::needs(c, s)?
            .into_iter()
            .map(|r| {
                let planned_seats = if r.unlimited > 0 {
                    r.seats.max(0) + r.below
                } else {
                    r.seats.max(0)
                };
                TrainingNeed {
                    competency_id: r.competency_id,
                    code: r.code,
                    name: r.name,
                    employees_below_standard: r.below,
                    planned_seats,
                    unmet: (r.below - planned_seats).max(0),
                }
            })
            .collect();
        Ok(items)
    })
    .await
}

fn agreement_status(end: Option<NaiveDate>, today: NaiveDate) -> AgreementStatus {
    match end {
        None => AgreementStatus::None,
        Some(d) if d < today => AgreementStatus::Expired,
        Some(d) if d <= today + chrono::Duration::days(90) => AgreementStatus::Expiring,
        Some(_) => AgreementStatus::Active,
    }
}

/// What each partner delivers: trainings, participants, JP, satisfaction, agreement status.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Per partner", content((Items<PartnerReport> = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/partners")]
pub async fn partners_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::PartnersReport>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    list_report(&req, &state, caller.caller, f, "partners", |c, s| {
        let min = i64::from(crate::settings::queries::get(c)?.min_group_size);
        let today = chrono::Utc::now().date_naive();
        let items: Vec<PartnerReport> = queries::partners(c, s)?
            .into_iter()
            .map(|r| PartnerReport {
                partner_id: r.partner_id,
                name: r.name,
                kind: r.kind,
                trainings: r.trainings,
                participants: r.participants,
                jp_delivered: r.jp_delivered,
                overall_mean: if r.responses < min {
                    None
                } else {
                    r.overall_mean.map(round)
                },
                agreement_end: r.agreement_end,
                agreement_status: agreement_status(r.agreement_end, today),
            })
            .collect();
        Ok(items)
    })
    .await
}

/// Qualified trainers per competency against the employees below standard: where trainers are
/// short comes first.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Per competency", content((Items<TrainerSupply> = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/trainers")]
pub async fn trainers_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::TrainersReport>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    list_report(&req, &state, caller.caller, f, "trainers", |c, s| {
        let mut items: Vec<TrainerSupply> = queries::trainer_supply(c, s)?
            .into_iter()
            .map(|r| TrainerSupply {
                competency_id: r.competency_id,
                code: r.code,
                internal_trainers: r.internal_trainers,
                external_trainers: r.external_trainers,
                employees_below_standard: r.below,
                trainees_per_trainer: ratio(r.below, r.internal_trainers + r.external_trainers),
            })
            .collect();
        // No trainer for people who need one is the worst shortage; then the most trainees per trainer.
        let key = |t: &TrainerSupply| match t.trainees_per_trainer {
            None if t.employees_below_standard > 0 => (0, -t.employees_below_standard as f64),
            None => (2, 0.0),
            Some(r) => (1, -r),
        };
        items.sort_by(|a, b| {
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.code.cmp(&b.code))
        });
        Ok(items)
    })
    .await
}

/// The year at a glance.
#[utoipa::path(
    tag = "reports",
    params(ReportFilter),
    responses((status = 200, description = "Totals (CSV: one row)", content((Summary = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/reports/summary")]
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::Summary>,
    ValidQuery(f): ValidQuery<ReportFilter>,
) -> ApiResult<HttpResponse> {
    let year = f.year.unwrap_or_else(|| chrono::Utc::now().year());
    let caller = caller.caller;
    let (report, f) = db(&state.pool, move |c| {
        let s = scope(c, &caller, &f, Some(year))?;
        let today = chrono::Utc::now().date_naive();
        let t = queries::totals(c, &s, today)?;
        let mut by_status: BTreeMap<String, i64> = [
            "draft",
            "planned",
            "open",
            "ongoing",
            "completed",
            "cancelled",
        ]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
        for row in queries::trainings_by_status(c, &s)? {
            by_status.insert(row.status, row.n);
        }
        let target = crate::settings::queries::get(c)?.jp_target;
        let units = queries::compliance_by_unit(c, &s, target)?;
        let (employees, compliant) = units.iter().fold((0, 0), |(e, k), u| {
            (e + u.employees, k + u.compliant.unwrap_or(0))
        });
        let min = i64::from(crate::settings::queries::get(c)?.min_group_size);
        Ok((
            Summary {
                year,
                employees: t.employees,
                trainings_by_status: by_status,
                enrolments: t.enrolments,
                completions: t.completions,
                jp_total: t.jp_total,
                compliance_rate: ratio(compliant, employees),
                feedback_responses: t.responses,
                overall_mean: if t.responses < min {
                    None
                } else {
                    t.overall_mean.map(round)
                },
                partners_active: t.partners_active,
            },
            f,
        ))
    })
    .await?;
    respond(&req, &f, "summary", &report, std::slice::from_ref(&report))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(training_evaluation)
        .service(learning_outcomes)
        .service(jp_compliance)
        .service(competency_gaps)
        .service(training_needs)
        .service(partners_report)
        .service(trainers_report)
        .service(summary);
}
