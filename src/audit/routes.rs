//! `GET /audit-log` (admin).

use actix_web::get;

use super::model::{AuditEntryPage, AuditFilter};
use super::queries;
use crate::auth::op;

crate::list_route!(
    /// The audit log, newest first (admin).
    list_audit_log, op::ListAudit, "/audit-log", queries::list, AuditFilter, AuditEntryPage,
    AuditSort = ["id"], "audit", crate::web::cache::Keeping::Computed
);

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(list_audit_log);
}
