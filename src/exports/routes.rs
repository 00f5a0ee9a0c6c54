use actix_web::{get, web, HttpRequest, HttpResponse};

use super::model::{CourseRecordPage, ExportFilter, ExportPage};
use super::queries::{self, Selection};
use crate::audit::{Action, Entity};
use crate::auth::op;
use crate::error::{ApiResult, ReadErrors};
use crate::web::csv::{csv_stream, wants_csv};
use crate::web::{ValidQuery, Write};
use crate::AppState;

/// Records read per chunk of a streamed export (also under SQLite's bound-parameter limit).
const CHUNK: i64 = 500;

/// What the caller's export selects; the export itself is recorded in the audit log, like a
/// write: who took which people's records.
async fn selection<O>(w: Write<O>, f: &ExportFilter) -> ApiResult<Selection> {
    let caller = w.caller.clone();
    let (from, to, unit) = (f.from, f.to, f.unit_id);
    w.run(move |c| {
        let units = caller
            .reach(c)?
            .units_within(c, unit)?
            .map(|units| crate::types::raw(&units));
        c.record(Action::Export, Entity::CourseRecord, None)?;
        Ok(Selection { from, to, units })
    })
    .await
}

/// The whole selection as CSV, streamed in chunks of [`CHUNK`] records by record key.
async fn stream(state: &AppState, selection: Selection) -> ApiResult<HttpResponse> {
    csv_stream(FILE, state.pool.clone(), 0, move |c, after| {
        Ok(queries::chunk(c, &selection, after, CHUNK)?)
    })
}

/// Completed enrolments shaped for SIASN's course history (riwayat kursus).
///
/// In record-key order, in pages of up to 1000 like a list (the `Link` header names the
/// others). Every export is recorded in the audit log. The whole selection as one CSV: the
/// `.csv` twin of this path.
#[utoipa::path(
    tag = "exports",
    params(ExportPage, ExportFilter),
    responses((status = 200, description = "One page of course records", body = CourseRecordPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/exports/siasn/course-records")]
pub async fn export_siasn_course_records(
    req: HttpRequest,
    state: web::Data<AppState>,
    w: Write<op::SiasnCourseRecords>,
    ValidQuery(page): ValidQuery<ExportPage>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    let csv = wants_csv(&req, f.format);
    let selection = selection(w, &f).await?;
    if csv {
        return stream(&state, selection).await;
    }
    let page = page.params();
    let window = page.window();
    let (total, items) = crate::web::db(&state.pool, move |c| {
        Ok((
            queries::count(c, &selection)?,
            queries::page(c, &selection, window)?,
        ))
    })
    .await?;
    Ok(crate::web::paginated(&req, &page, total, items))
}

/// Completed enrolments shaped for SIASN's course history (riwayat kursus), as CSV.
///
/// The whole selection, one row per course record in record-key order, streamed as it is
/// read; RFC 4180 with a header row (also when empty) and the JSON's fields as columns. Every
/// export is recorded in the audit log.
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
    state: web::Data<AppState>,
    w: Write<op::SiasnCourseRecordsCsv>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    let selection = selection(w, &f).await?;
    stream(&state, selection).await
}

const FILE: &str = "siasn-course-records";

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_siasn_course_records)
        .service(export_siasn_course_records_csv);
}
