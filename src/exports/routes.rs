use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{
    CourseRecord, CourseRecordPage, ExportFilter, ExportPage, ExportRecord, StructuralRecord,
    StructuralRecordPage, SyncRequest, SyncResult,
};
use super::queries::{self, Selection};
use crate::audit::{Action, Entity};
use crate::auth::op;
use crate::error::{ActionErrors, ApiResult, ReadErrors};
use crate::web::csv::{csv_stream, wants_csv};
use crate::web::{ValidJson, ValidQuery, Write};
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
        unsynced: f.unsynced,
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
    csv_stream(
        file,
        state.pool.clone(),
        queries::Cursor::Enrolments(0),
        move |c, after| Ok(queries::chunk::<R>(c, &selection, after, CHUNK)?),
    )
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

/// An export's two operations: the JSON pages at `$path` and the whole selection as CSV at
/// `$csv_path`, for records of type `$record`, downloaded as `$file.csv`.
macro_rules! export_operations {
    ($(#[$doc:meta])* $json:ident, $op:ty, $path:literal, $page:ty, $what:literal;
     $(#[$csv_doc:meta])* $csv:ident, $csv_op:ty, $csv_path:literal, $disposition:literal;
     $record:ty, $file:expr) => {
        $(#[$doc])*
        ///
        /// In record-key order, in pages of up to 1000 like a list (the `Link` header names the
        /// others). Every export is recorded in the audit log. The whole selection as one CSV:
        /// the `.csv` twin of this path.
        #[utoipa::path(
            tag = "exports",
            params(ExportPage, ExportFilter),
            responses((status = 200, description = concat!("One page of ", $what), body = $page), ReadErrors),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $json(
            req: HttpRequest,
            state: web::Data<AppState>,
            w: Write<$op>,
            ValidQuery(page): ValidQuery<ExportPage>,
            ValidQuery(f): ValidQuery<ExportFilter>,
        ) -> ApiResult<HttpResponse> {
            export::<$record, _>(&req, &state, w, page, f, $file).await
        }

        $(#[$csv_doc])*
        ///
        /// The whole selection, one row per record in record-key order, streamed as it is
        /// read; RFC 4180 with a header row (also when empty) and the JSON's fields as columns.
        /// Every export is recorded in the audit log.
        #[utoipa::path(
            tag = "exports",
            params(ExportFilter),
            responses(
                (status = 200, description = concat!("The ", $what, " as CSV"), content_type = "text/csv", body = String,
                 headers(("Content-Disposition" = String, description = $disposition))),
                ReadErrors
            ),
            security(("bearer" = []))
        )]
        #[get($csv_path)]
        pub async fn $csv(
            state: web::Data<AppState>,
            w: Write<$csv_op>,
            ValidQuery(f): ValidQuery<ExportFilter>,
        ) -> ApiResult<HttpResponse> {
            let selection = selection::<$record, _>(w, &f).await?;
            stream::<$record>(&state, $file, selection)
        }
    };
}

export_operations!(
    /// Completed enrolments shaped for SIASN's course history (riwayat kursus).
    export_siasn_course_records, op::SiasnCourseRecords, "/exports/siasn/course-records",
    CourseRecordPage, "course records";
    /// Completed enrolments shaped for SIASN's course history (riwayat kursus), as CSV.
    export_siasn_course_records_csv, op::SiasnCourseRecordsCsv,
    "/exports/siasn/course-records.csv", "attachment; filename=\"siasn-course-records.csv\"";
    CourseRecord, COURSES
);

export_operations!(
    /// Completed leadership programmes (Latsar, PKP, PKA, PKN II and I) shaped for SIASN's
    /// structural-training history (riwayat diklat struktural).
    ///
    /// A course record and `jenis_diklat_struktural`; these are not in the course history.
    export_siasn_diklat_struktural, op::SiasnStructural, "/exports/siasn/diklat-struktural",
    StructuralRecordPage, "structural-training records";
    /// Completed leadership programmes for SIASN's structural-training history, as CSV.
    export_siasn_diklat_struktural_csv, op::SiasnStructuralCsv,
    "/exports/siasn/diklat-struktural.csv", "attachment; filename=\"siasn-diklat-struktural.csv\"";
    StructuralRecord, STRUCTURAL
);

/// Mark course records as sent to SIASN (staff; clients with `records:read`).
///
/// Each item names a record of the exports (`record_key`) and the id SIASN gave it. A record
/// marked leaves `?unsynced=true` until its enrolment, training or employee changes; marking it
/// again replaces the mark. All or nothing: an unknown key is 422 (`items[i].record_key`) and
/// nothing is marked. Audited per record.
#[utoipa::path(
    tag = "exports",
    request_body = SyncRequest,
    responses((status = 200, description = "Marked as sent", body = SyncResult), ActionErrors),
    security(("bearer" = []))
)]
#[post("/exports/siasn/course-records/sync")]
pub async fn sync_siasn_course_records(
    w: Write<op::SiasnSync>,
    ValidJson(body): ValidJson<SyncRequest>,
) -> ApiResult<web::Json<SyncResult>> {
    let items = w.run(move |tx| queries::sync(tx, &body.items)).await?;
    Ok(web::Json(SyncResult { items }))
}

const COURSES: &str = "siasn-course-records";
const STRUCTURAL: &str = "siasn-diklat-struktural";

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(export_siasn_course_records)
        .service(export_siasn_course_records_csv)
        .service(sync_siasn_course_records)
        .service(export_siasn_diklat_struktural)
        .service(export_siasn_diklat_struktural_csv);
}
