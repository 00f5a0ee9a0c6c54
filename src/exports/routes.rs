use actix_web::{get, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::model::{CourseRecord, CourseRecords, ExportFilter};
use super::queries;
use crate::audit::{Action, Entity};
use crate::auth::op;
use crate::error::{ApiResult, ReadErrors};
use crate::web::csv::{csv_response, wants_csv};
use crate::web::{ValidQuery, Write};

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
    w: Write<op::SiasnCourseRecords>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    let csv = wants_csv(&req, f.format);
    let caller = w.caller.clone();
    let items = w
        .run(move |c| {
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
        .await?;
    if csv {
        csv_response("siasn-course-records", &items)
    } else {
        Ok(HttpResponse::Ok().json(CourseRecords { items }))
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(siasn_course_records);
}
