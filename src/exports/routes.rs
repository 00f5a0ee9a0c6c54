use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{CourseRecord, CourseRecords, ExportFilter};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{Caller, Role};
use crate::error::{ApiResult, ReadErrors};
use crate::web::{db, RequestMeta, ValidQuery};
use crate::AppState;

/// Completed enrolments shaped for SIASN's course history (riwayat kursus), JSON or CSV.
/// Every export is recorded in the audit log.
#[utoipa::path(
    tag = "exports",
    params(ExportFilter),
    responses((status = 200, description = "Course records", content((CourseRecords = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/exports/siasn/course-records")]
pub async fn siasn_course_records(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(
        &[Role::Admin, Role::Operator, Role::UnitManager],
        "records:read",
    )?;
    let csv = crate::reports::routes::wants_csv(&req, f.format);
    let items = db(&state.pool, move |c| {
        let units = caller.units_within(c, f.unit_id)?;
        let rows = queries::completions(c, f.from, f.to, units.as_deref())?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.2).collect();
        ids.sort_unstable();
        ids.dedup();
        let partners = queries::partner_names(c, &ids)?;
        let unit_names = queries::unit_names(c)?;
        audit::record(
            c,
            caller.actor(),
            &meta,
            Action::Export,
            "course_record",
            None,
            Outcome::Success,
        )?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    nip,
                    siasn_id,
                    training,
                    title,
                    start,
                    end,
                    organizer,
                    jenis,
                    jp,
                    certificate,
                )| CourseRecord {
                    nip,
                    siasn_id,
                    nama_kursus: title,
                    institusi_penyelenggara: match partners.get(&training) {
                        Some(names) => names.join(", "),
                        None => organizer
                            .and_then(|u| unit_names.get(&u).cloned())
                            .unwrap_or_else(|| "Pemerintah Kota Pangkalpinang".into()),
                    },
                    jenis_diklat_id: jenis,
                    jumlah_jam: jp.unwrap_or(0),
                    tahun_kursus: end.year(),
                    tanggal_kursus: start.format("%d-%m-%Y").to_string(),
                    tanggal_selesai_kursus: end.format("%d-%m-%Y").to_string(),
                    nomor_sertipikat: certificate,
                },
            )
            .collect::<Vec<_>>())
    })
    .await?;
    if csv {
        crate::reports::routes::csv_response("siasn-course-records", &items)
    } else {
        Ok(HttpResponse::Ok().json(CourseRecords { items }))
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(siasn_course_records);
}
