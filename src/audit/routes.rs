//! `GET /audit-log` (admin).

use actix_web::get;

use super::model::{AuditEntry, AuditFilter};
use super::queries;
use crate::auth::op;
use crate::web::Paginated;

crate::list_route!(
    /// The audit log, newest first (admin).
    list_audit, op::ListAudit, "/audit-log", queries::list, AuditFilter, AuditEntry, ["id"],
    "audit records", "audit"
);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}
