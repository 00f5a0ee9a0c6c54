use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::ActorKind;
use crate::db::schema::audit_log;
use crate::types::UtcTime;

crate::text_enum! {
    pub enum Action {
        Create = "create",
        Update = "update",
        Delete = "delete",
        StatusChange = "status_change",
        Import = "import",
        Login = "login",
        Logout = "logout",
        Refresh = "refresh",
        Export = "export",
        SettingsChange = "settings_change",
    }
}

crate::text_enum! {
    pub enum Outcome {
        Success = "success",
        Denied = "denied",
        Failed = "failed",
    }
}

crate::text_enum! {
    /// What an audit row is about: the singular snake_case resource name.
    pub enum Entity {
        Unit = "unit",
        Competency = "competency",
        Position = "position",
        Employee = "employee",
        Assessment = "assessment",
        Exemption = "exemption",
        ExternalLearning = "external_learning",
        Partner = "partner",
        Trainer = "trainer",
        Training = "training",
        Enrolment = "enrolment",
        Feedback = "feedback",
        Programme = "programme",
        ImprovementAction = "improvement_action",
        ActionPlan = "action_plan",
        DevelopmentNeed = "development_need",
        Plan = "plan",
        PlanItem = "plan_item",
        Session = "session",
        Policy = "policy",
        Webhook = "webhook",
        User = "user",
        ApiClient = "api_client",
        Settings = "settings",
        CourseRecord = "course_record",
        /// The report aggregates (a rebuild).
        Aggregate = "aggregate",
    }
}

impl Entity {
    /// The table of the resource (the write pipeline locks and versions its rows).
    pub fn table(self) -> &'static str {
        match self {
            Entity::Unit => "units",
            Entity::Competency => "competencies",
            Entity::Position => "positions",
            Entity::Employee => "employees",
            Entity::Assessment => "assessments",
            Entity::Exemption => "exemptions",
            Entity::ExternalLearning => "external_learning",
            Entity::Partner => "partners",
            Entity::Trainer => "trainers",
            Entity::Training => "trainings",
            Entity::Enrolment => "enrolments",
            Entity::Feedback => "feedback",
            Entity::Programme => "programmes",
            Entity::ImprovementAction => "improvement_actions",
            Entity::ActionPlan => "action_plans",
            Entity::DevelopmentNeed => "development_needs",
            Entity::Plan => "plans",
            Entity::PlanItem => "plan_items",
            Entity::Session => "training_sessions",
            Entity::Policy => "policies",
            Entity::Webhook => "webhooks",
            Entity::User => "users",
            Entity::ApiClient => "api_clients",
            Entity::Settings => "settings",
            Entity::CourseRecord => "enrolments",
            // Never locked or versioned: the writes that feed them are.
            Entity::Aggregate => "feedback_totals",
        }
    }
}

/// One audit record.
#[derive(Debug, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: UtcTime,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub action: Action,
    pub entity: Entity,
    pub entity_id: Option<i64>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: Outcome,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub action: Action,
    pub entity: Entity,
    pub entity_id: Option<i64>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub outcome: Outcome,
}

fn audit_period(f: &AuditFilter) -> Result<(), validator::ValidationError> {
    crate::rules::in_order(f.from, f.to, "from", "to")
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[validate(schema(function = "audit_period", skip_on_field_errors = false))]
pub struct AuditFilter {
    pub entity: Option<Entity>,
    pub entity_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub action: Option<Action>,
    pub outcome: Option<Outcome>,
    /// First day, inclusive (YYYY-MM-DD).
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (YYYY-MM-DD); not before `from`.
    #[param(pattern = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    #[validate(custom(function = "crate::types::date_in_range"))]
    pub to: Option<NaiveDate>,
}

crate::page_type!(AuditEntryPage = AuditEntry);
