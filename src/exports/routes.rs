use actix_web::{get, web, HttpRequest, HttpResponse};

use super::model::{
    CourseRecord, CourseRecordPage, ExportFilter, ExportPage, ExportRecord, StructuralRecord,
    StructuralRecordPage,
};
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
async fn selection<R: ExportRecord, O>(w: Write<O>, f: &ExportFilter) -> ApiResult<Selection> {
    let caller = w.caller.clone();
    let filter = ExportFilter {
        from: f.from,
        to: f.to,
        unit_id: f.unit_id,
        format: None,
    };
    w.run(move |c| {
        let units = caller
            .reach(c)?
            .units_within(c, filter.unit_id)?
            .map(|units| crate::types::raw(&units));
        let settings = crate::settings::queries::get(c)?;
        c.record(Action::Export, Entity::CourseRecord, None)?;
        Ok(Selection::new::<R>(&filter, units, settings))
    })
    .await
}

/// The whole selection as CSV, streamed in chunks of [`CHUNK`] records by record key.
fn stream<R: ExportRecord>(
    state: &AppState,
    file: &str,
    selection: Selection,
) -> ApiResult<HttpResponse> {
    csv_stream(file, state.pool.clone(), 0, move |c, after| {
        Ok(queries::chunk::<R>(c, &selection, after, CHUNK)?)
    })
}

/// The JSON page of an export, or the whole of it as CSV for `?format=csv`/`Accept: text/csv`.
async fn export<R: ExportRecord + serde::Serialize, O>(
    req: &HttpRequest,
    state: &AppState,
    w: Write<O>,
    page: ExportPage,
    f: ExportFilter,
    file: &str,
) -> ApiResult<HttpResponse> {
    let csv = wants_csv(req, f.format);
    let selection = selection::<R, O>(w, &f).await?;
    if csv {
        return stream::<R>(state, file, selection);
    }
    let page = page.params();
    let window = page.window();
    let (total, items) = crate::web::db(&state.pool, move |c| {
        Ok((
            queries::count(c, &selection)?,
            queries::page::<R>(c, &selection, window)?,
        ))
    })
    .await?;
    Ok(crate::web::paginated(req, &page, total, items))
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
    export::<CourseRecord, _>(&req, &state, w, page, f, COURSES).await
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
    let selection = selection::<CourseRecord, _>(w, &f).await?;
    stream::<CourseRecord>(&state, COURSES, selection)
}

/// Completed leadership programmes (Latsar, PKP, PKA, PKN II and I) shaped for SIASN's
/// structural-training history (riwayat diklat struktural).
///
/// A course record and `jenis_diklat_struktural`; these are not in the course history. In
/// record-key order, in pages of up to 1000 like a list. Every export is recorded in the audit
/// log. The whole selection as one CSV: the `.csv` twin of this path.
#[utoipa::path(
    tag = "exports",
    params(ExportPage, ExportFilter),
    responses((status = 200, description = "One page of structural-training records", body = StructuralRecordPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/exports/siasn/diklat-struktural")]
pub async fn export_siasn_diklat_struktural(
    req: HttpRequest,
    state: web::Data<AppState>,
    w: Write<op::SiasnStructural>,
    ValidQuery(page): ValidQuery<ExportPage>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    export::<StructuralRecord, _>(&req, &state, w, page, f, STRUCTURAL).await
}

/// Completed leadership programmes for SIASN's structural-training history, as CSV.
///
/// The whole selection, one row per record in record-key order, streamed as it is read; RFC
/// 4180 with a header row (also when empty) and the JSON's fields as columns. Every export is
/// recorded in the audit log.
#[utoipa::path(
    tag = "exports",
    params(ExportFilter),
    responses(
        (status = 200, description = "Structural-training records as CSV", content_type = "text/csv", body = String,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"siasn-diklat-struktural.csv\""))),
        ReadErrors
    ),
    security(("bearer" = []))
)]
#[get("/exports/siasn/diklat-struktural.csv")]
pub async fn export_siasn_diklat_struktural_csv(
    state: web::Data<AppState>,
    w: Write<op::SiasnStructuralCsv>,
    ValidQuery(f): ValidQuery<ExportFilter>,
) -> ApiResult<HttpResponse> {
    let selection = selection::<StructuralRecord, _>(w, &f).await?;
    stream::<StructuralRecord>(&state, STRUCTURAL, selection)
}

const COURSES: &str = "siasn-course-records";
const STRUCTURAL: &str = "siasn-diklat-struktural";

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_siasn_course_records)
        .service(export_siasn_course_records_csv)
        .service(export_siasn_diklat_struktural)
        .service(export_siasn_diklat_struktural_csv);
}
