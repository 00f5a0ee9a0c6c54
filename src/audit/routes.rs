use actix_web::{get, web, HttpRequest, HttpResponse};

use super::model::{AuditEntry, AuditFilter};
use super::queries;
use crate::auth::Caller;
use crate::error::{ApiResult, ReadErrors};
use crate::web::{db, paginated, PageParams, Paginated, ValidQuery};
use crate::AppState;

/// The audit log, newest first (admin).
#[utoipa::path(
    tag = "audit",
    params(PageParams, AuditFilter),
    responses(
        (status = 200, description = "One page of audit records", body = Paginated<AuditEntry>),
        ReadErrors,




    ),
    security(("bearer" = []))
)]
#[get("/audit-log")]
pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<AuditFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    page.sort_fields(&[])?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        Ok(queries::list(c, &filter, offset, limit)?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(AuditEntry::from).collect(),
    ))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}
