use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::audit_log;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    StatusChange,
    Import,
    Login,
    Logout,
    Refresh,
    Export,
    SettingsChange,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::StatusChange => "status_change",
            Action::Import => "import",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::Refresh => "refresh",
            Action::Export => "export",
            Action::SettingsChange => "settings_change",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKindName {
    User,
    ApiClient,
    Anonymous,
    System,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
}

/// One audit record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    #[schema(value_type = ActorKindName)]
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    #[schema(value_type = Action)]
    pub action: String,
    /// Singular snake_case resource name: `partner`, `user`, `settings`, …
    pub entity: String,
    pub entity_id: Option<i64>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    #[schema(value_type = Outcome)]
    pub outcome: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at.and_utc(),
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            request_id: r.request_id,
            ip: r.ip,
            outcome: r.outcome,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Resource name, e.g. `partner`.
    #[param(max_length = 64)]
    #[validate(length(max = 64))]
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub action: Option<Action>,
    pub outcome: Option<Outcome>,
    /// First day, inclusive (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
}
