use actix_web::{get, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{CourseRecord, CourseRecords, ExportFilter};
use super::queries;
use crate::audit::{Action, Entity};
use crate::auth::op;
use crate::error::{ApiResult, ReadErrors};
use crate::web::csv::{csv_response, wants_csv};
use crate::web::{ValidQuery, Write};

/// The course records in the caller's scope; every export is recorded in the audit log.
async fn course_records<O>(w: Write<O>, f: ExportFilter) -> ApiResult<Vec<CourseRecord>> {
    let caller = w.caller.clone();
    w.run(move |c| {
        let units = caller
            .reach(c)?
            .units_within(c, f.unit_id)?
            .map(|units| crate::types::raw(&units));
        let rows = queries::completions(c, f.from, f.to, units.as_deref())?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.2).collect();
        ids.sort_unstable();
        ids.dedup();
        let partners = queries::partner_names(c, &ids)?;
        let unit_names = queries::unit_names(c)?;
        // An export is recorded like a write: who took which people's records.
        c.record(Action::Export, Entity::CourseRecord, None)?;
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
    .await
}

/// Completed enrolments shaped for SIASN's course history (riwayat kursus).
///
/// Every export is recorded in the audit log. The same rows as CSV: the `.csv` twin of this
/// path.
#[utoipa::path(
    tag = "exports",
    params(ExportFilter),
    responses((status = 200, description = "Course records", body = CourseRecords), ReadErrors),
    security(("bearer" = []))
)]
#[get("/exports/siasn/course-records")]
pub async fn export_siasn_course_records(
    req: HttpRequest,
    w: Write<op::SiasnCourseRecords>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    let csv = wants_csv(&req, f.format);
    let items = course_records(w, f).await?;
    if csv {
        csv_response(FILE, &items)
    } else {
        Ok(HttpResponse::Ok().json(CourseRecords { items }))
    }
}

/// Completed enrolments shaped for SIASN's course history (riwayat kursus), as CSV.
///
/// One row per course record; RFC 4180 with a header row (also when empty) and the JSON's
/// fields as columns. Every export is recorded in the audit log.
#[utoipa::path(
    tag = "exports",
    params(ExportFilter),
    responses(
        (status = 200, description = "Course records as CSV", content_type = "text/csv", body = String,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"siasn-course-records.csv\""))),
        ReadErrors
    ),
    security(("bearer" = []))
)]
#[get("/exports/siasn/course-records.csv")]
pub async fn export_siasn_course_records_csv(
    w: Write<op::SiasnCourseRecordsCsv>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    csv_response(FILE, &course_records(w, f).await?)
}

const FILE: &str = "siasn-course-records";

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_siasn_course_records)
        .service(export_siasn_course_records_csv);
}
