//! `/external-learning` (staff's list and filing, one record, its review and evidence) and
//! `/me/external-learning` (an employee's own). Visibility is `employees`' rule: staff and
//! clients see all, unit managers their units' people's, an employee their own (404 otherwise).

use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::evidence;
use super::model::{
    ExternalFilter, ExternalInput, ExternalLearning, ExternalLearningPage, ExternalPatch,
    ExternalRecord, OwnFilter, Review,
};
use super::queries::{self, Externals};
use crate::auth::{op, Allowed, Caller};
use crate::db::resource::{read, Resource};
use crate::db::AnyConnection;
use crate::error::{
    ActionErrors, ApiError, ApiResult, CreateErrors, DeleteErrors, ReadErrors, WriteErrors,
};
use crate::types::{EmployeeId, ExternalLearningId};
use crate::web::cache::{list_page, Keeping};
use crate::web::{
    db, ok_versioned, IdempotencyKey, PageParams, Patch, SortBy, ValidJson, ValidQuery, Write,
};
use crate::AppState;

crate::list_route!(
    /// External learning of the people the caller may see (staff and clients with
    /// `records:read`: everyone's; unit managers: their units' people's), newest last unless
    /// sorted; filters `status`, `employee_id`, `unit_id` (with sub-units).
    list_external_learning, op::ListExternalLearning, "/external-learning", queries::list,
    ExternalFilter, ExternalLearningPage, ExternalSort = ["id", "end_date", "status"],
    "external-learning"
);

fn shown(record: ExternalRecord, reach: &crate::auth::Reach) -> ApiResult<ExternalRecord> {
    if reach.sees_employee(record.row.employee_id, record.unit_id) {
        Ok(record)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The record, when the caller may see it (inside a query or a write).
fn visible(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: ExternalLearningId,
) -> ApiResult<ExternalRecord> {
    let record = Externals::load(conn, id)?;
    shown(record, &caller.reach(conn)?)
}

/// The record, when the caller may see it, on the fast read path.
async fn read_visible(
    state: &AppState,
    caller: &Caller,
    id: ExternalLearningId,
) -> ApiResult<ExternalRecord> {
    let record = read::<Externals>(state, id).await?;
    shown(record, &caller.reach_async(state).await?)
}

crate::get_route!(
    /// One record of external learning (staff, clients with `records:read`, the owner, their
    /// unit manager; 404 for others).
    get_external_learning, op::GetExternalLearning, "/external-learning/{id}", Externals,
    ExternalLearning, "external-learning", via = read_visible
);

/// Files a record for `employee` and answers it (201, once per `Idempotency-Key`).
async fn file<O>(
    w: Write<O>,
    employee: EmployeeId,
    body: ExternalInput,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    w.create_replayable::<Externals, _>(
        |current| format!("/api/v1/external-learning/{}", current.row.id),
        move |tx| {
            crate::employees::access::visible(tx, &caller, employee)?;
            queries::create(tx, employee, &body)
        },
    )
    .await
}

/// File an employee's external learning (admin, operator).
///
/// `employee_id` is required. The record waits for review (`pending`); only verified learning
/// counts. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "external-learning",
    params(IdempotencyKey),
    request_body = ExternalInput,
    responses((status = 201, description = "Filed", body = ExternalLearning,
               headers(("Location" = String, description = "URL of the record"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/external-learning")]
pub async fn create_external_learning(
    w: Write<op::CreateExternalLearning>,
    ValidJson(body): ValidJson<ExternalInput>,
) -> ApiResult<HttpResponse> {
    let employee = body
        .employee_id
        .ok_or_else(|| ApiError::validation("employee_id", "whose learning it is: required"))?;
    file(w, employee, body).await
}

/// File one's own external learning (the signed-in employee).
///
/// `employee_id` may be left out (it is the account's own; another's is 422). The record waits for review; attach the
/// certificate with `PUT /external-learning/{id}/evidence`. 404 for an account that is not an
/// employee's. With an `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(
    tag = "me",
    params(IdempotencyKey),
    request_body = ExternalInput,
    responses((status = 201, description = "Filed", body = ExternalLearning,
               headers(("Location" = String, description = "URL of the record"), ("ETag" = String, description = "Its version"))),
              CreateErrors),
    security(("bearer" = []))
)]
#[post("/me/external-learning")]
pub async fn create_my_external_learning(
    w: Write<op::CreateMyExternalLearning>,
    ValidJson(body): ValidJson<ExternalInput>,
) -> ApiResult<HttpResponse> {
    let own = w.caller.employee_id.ok_or(ApiError::NotFound)?;
    if body.employee_id.is_some_and(|id| id != own) {
        return Err(ApiError::validation(
            "employee_id",
            "your own learning only: leave it out",
        ));
    }
    file(w, own, body).await
}

/// The signed-in employee's external learning.
///
/// Pages of `per_page` (at most 100), with the `Link` header; filter `status`. 404 for an account
/// that is not an employee's. Every page shows every write acknowledged before it was asked for;
/// `Cache-Control: no-cache` computes it afresh rather than from memory.
#[utoipa::path(
    tag = "me",
    params(PageParams, SortBy<ExternalSort>, OwnFilter),
    responses((status = 200, description = "One page", body = ExternalLearningPage), ReadErrors),
    security(("bearer" = []))
)]
#[get("/me/external-learning")]
pub async fn list_my_external_learning(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::MyExternalLearning>,
    ValidQuery(page): ValidQuery<PageParams>,
    sort: SortBy<ExternalSort>,
    ValidQuery(own): ValidQuery<OwnFilter>,
) -> ApiResult<HttpResponse> {
    let me = caller.employee_id.ok_or(ApiError::NotFound)?;
    let caller = caller.caller;
    let window = page.window();
    let filter = ExternalFilter {
        status: own.status,
        employee_id: Some(me),
        unit_id: None,
    };
    let params = format!("{page:?} {:?} {filter:?}", sort.fields);
    list_page(
        &req,
        &state,
        caller,
        ("list_my_external_learning", Keeping::Kept),
        (&page, params),
        move |c, caller| queries::list(c, caller, &filter, &sort.fields, window),
    )
    .await
}

/// Correct filed external learning (staff, or the owner) while it waits for review.
///
/// Any subset of the fields; 409 once reviewed; it never moves to another employee. Without
/// `If-Match` the last writer wins; with a stale one, 412 and nothing changes.
#[utoipa::path(
    tag = "external-learning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1),
           crate::web::IfMatch),
    request_body = ExternalPatch,
    responses((status = 200, description = "Updated", body = ExternalLearning,
               headers(("ETag" = String, description = "The new version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/external-learning/{id}")]
pub async fn update_external_learning(
    w: Write<op::UpdateExternalLearning>,
    id: web::Path<ExternalLearningId>,
    patch: Patch<ExternalInput>,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    let record = w
        .update::<Externals, _>(id.into_inner(), move |tx, current| {
            let current = shown(current, &caller.reach(tx)?)?;
            let input = patch.apply(&current)?;
            queries::update(tx, &current, &input)
        })
        .await?;
    Ok(ok_versioned(&record, record.row.version))
}

/// Delete a record of external learning (staff; the owner while it waits for review).
///
/// Verified learning stops counting. With a stale `If-Match`, 412 and nothing is deleted.
#[utoipa::path(
    tag = "external-learning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1),
           crate::web::IfMatch),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("bearer" = []))
)]
#[delete("/external-learning/{id}")]
pub async fn delete_external_learning(
    w: Write<op::DeleteExternalLearning>,
    id: web::Path<ExternalLearningId>,
) -> ApiResult<HttpResponse> {
    let caller = w.caller.clone();
    w.delete::<Externals, _>(id.into_inner(), move |tx, current| {
        let current = shown(current, &caller.reach(tx)?)?;
        if !caller.is_staff() && current.row.status != super::model::ReviewStatus::Pending {
            return Err(ApiError::conflict(
                "reviewed learning is deleted by staff only",
            ));
        }
        queries::delete(tx, &current)
    })
    .await
}

/// Verify or reject filed external learning (admin, operator).
///
/// Only `verified` learning counts (in the year of its end date). A decision is final: 409 for
/// learning already decided.
#[utoipa::path(
    tag = "external-learning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1)),
    request_body = Review,
    responses((status = 200, description = "Decided", body = ExternalLearning,
               headers(("ETag" = String, description = "The new version"))), ActionErrors),
    security(("bearer" = []))
)]
#[post("/external-learning/{id}/review")]
pub async fn review_external_learning(
    w: Write<op::ReviewExternalLearning>,
    id: web::Path<ExternalLearningId>,
    ValidJson(body): ValidJson<Review>,
) -> ApiResult<HttpResponse> {
    let reviewer = w.caller.role.map(|_| w.caller.id);
    let record = w
        .update::<Externals, _>(id.into_inner(), move |tx, current| {
            queries::review(tx, &current, body.decision, body.note.as_deref(), reviewer)
        })
        .await?;
    Ok(ok_versioned(&record, record.row.version))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EvidenceParams {
    /// The file's name, as the download will offer it (letters, digits, `.`, `-`, `_`; others
    /// become `_`).
    #[param(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub filename: Option<String>,
}

/// Attach the evidence file (the certificate) to filed learning (staff, or the owner) while it
/// waits for review.
///
/// The raw file as the body, `Content-Type` `application/pdf`, `image/png` or `image/jpeg`; its
/// content must be of that kind (checked by its first bytes, 415 otherwise) and at most 5 MiB
/// (413). Replaces any earlier file.
#[utoipa::path(
    tag = "external-learning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1), EvidenceParams),
    request_body(content(
        (crate::web::FileBytes = "application/pdf", example = json!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")),
        (crate::web::FileBytes = "image/png"),
        (crate::web::FileBytes = "image/jpeg")
    ), description = "The file, at most 5 MiB"),
    responses((status = 200, description = "Attached", body = ExternalLearning,
               headers(("ETag" = String, description = "The new version"))), ActionErrors),
    security(("bearer" = []))
)]
#[put("/external-learning/{id}/evidence")]
pub async fn put_external_evidence(
    req: HttpRequest,
    w: Write<op::PutExternalEvidence>,
    id: web::Path<ExternalLearningId>,
    ValidQuery(params): ValidQuery<EvidenceParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = evidence::accepted(declared).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "the file must be application/pdf, image/png or image/jpeg".into(),
        )
    })?;
    let too_large = "the file is larger than 5 MiB";
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > evidence::MAX_BYTES)
    {
        return Err(ApiError::PayloadTooLarge(too_large.into()));
    }
    let content = crate::web::read_body(payload, evidence::MAX_BYTES, too_large).await?;
    if evidence::sniff(&content) != Some(kind) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the content is not {kind}: send the file as its own type"
        )));
    }
    let name = evidence::safe_name(params.filename.as_deref().unwrap_or(""), kind);
    let caller = w.caller.clone();
    let record = w
        .update::<Externals, _>(id.into_inner(), move |tx, current| {
            let current = shown(current, &caller.reach(tx)?)?;
            queries::put_evidence(tx, &current, &name, kind, &content)
        })
        .await?;
    Ok(ok_versioned(&record, record.row.version))
}

/// Download the evidence file (staff, clients with `records:read`, the owner, their unit
/// manager).
///
/// Sent as the kind its content showed, as an attachment that browsers do not render in place;
/// 404 when no file was attached.
#[utoipa::path(
    tag = "external-learning",
    params(("id" = i64, Path, description = "The id", minimum = 1, example = 1)),
    responses((status = 200, description = "The file", content(
                  (crate::web::FileBytes = "application/pdf"),
                  (crate::web::FileBytes = "image/png"),
                  (crate::web::FileBytes = "image/jpeg")),
               headers(("Content-Disposition" = String, description = "attachment; filename=\"<name>\""))),
              ReadErrors),
    security(("bearer" = []))
)]
#[get("/external-learning/{id}/evidence")]
pub async fn get_external_evidence(
    state: web::Data<AppState>,
    caller: Allowed<op::GetExternalEvidence>,
    id: web::Path<ExternalLearningId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let caller = caller.caller;
    let (record, content) = db(&state.pool, move |c| {
        let record = visible(c, &caller, id)?;
        Ok((record, queries::evidence(c, id)?))
    })
    .await?;
    let (Some(name), Some(kind)) = (
        record.row.evidence_filename,
        record.row.evidence_content_type,
    ) else {
        return Err(ApiError::NotFound);
    };
    Ok(HttpResponse::Ok()
        .content_type(kind)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .body(content))
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(list_external_learning)
        .service(create_external_learning)
        .service(get_external_learning)
        .service(update_external_learning)
        .service(delete_external_learning)
        .service(review_external_learning)
        .service(put_external_evidence)
        .service(get_external_evidence)
        .service(list_my_external_learning)
        .service(create_my_external_learning);
}
