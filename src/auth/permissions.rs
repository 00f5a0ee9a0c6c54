//! The permission table: every operation of the API, who may call it (roles, or an API client
//! holding a scope) and which visibility rule limits what it shows. A handler names its
//! operation in its signature (`Allowed<op::GetPartner>`, or `Write<op::UpdatePartner>`), so it
//! cannot run without this gate, and the gate runs before the body is read or validated. The
//! security-matrix test walks this table against the served OpenAPI document, so the two cannot
//! drift.

use std::marker::PhantomData;

use actix_web::{FromRequest, HttpRequest};

use super::{Caller, Role, Scope};
use crate::error::{ApiError, ApiResult};

/// Which callers an operation admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admits {
    /// No token needed: the operation authenticates by its body, or not at all.
    Public,
    /// Users with one of these roles, and API clients holding the scope, if any.
    Roles(&'static [Role], Option<Scope>),
}

/// What limits the objects an admitted caller sees (the rule itself lives in the area's
/// `access` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sees {
    /// Nothing beyond the role check.
    Everything,
    /// People and their records: all for staff and clients, a unit manager's unit and its
    /// sub-units, an employee themself (`employees::access`, `enrolments::access`).
    People,
    /// The training catalogue: drafts only for the training staff (`trainings::access`).
    Catalogue,
    /// Report figures: a unit manager's unit and its sub-units (`auth::Reach`).
    Figures,
    /// The signed-in caller's own records.
    Own,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    /// The route as the OpenAPI document names it.
    pub path: &'static str,
    pub admits: Admits,
    pub sees: Sees,
}

impl Rule {
    /// 403 unless the caller may use the operation.
    pub fn check(&self, caller: &Caller) -> ApiResult<()> {
        let allowed = match self.admits {
            Admits::Public => true,
            Admits::Roles(roles, scope) => match caller.role {
                Some(role) => roles.contains(&role),
                None => scope.is_some_and(|s| caller.scopes.contains(&s)),
            },
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// An operation of the table, as a type a handler names.
pub trait Operation {
    const RULE: Rule;
}

/// Every signed-in user.
pub const SIGNED_IN: &[Role] = &[
    Role::Admin,
    Role::Operator,
    Role::UnitManager,
    Role::Employee,
];
/// Those who read people and figures of (their part of) the city.
pub const MANAGERS: &[Role] = &[Role::Admin, Role::Operator, Role::UnitManager];
/// The training staff of the BKPSDM.
pub const STAFF: &[Role] = &[Role::Admin, Role::Operator];
pub const ADMIN: &[Role] = &[Role::Admin];
/// Staff, and employees acting on their own records (the handler limits them to their own).
pub const STAFF_AND_OWNERS: &[Role] = &[Role::Admin, Role::Operator, Role::Employee];

macro_rules! operations {
    ($($op:ident: $method:literal $path:literal => $admits:expr, $sees:ident;)+) => {
        /// One type per operation, named after it.
        pub mod op {
            use super::*;
            $(
                pub struct $op;
                impl Operation for $op {
                    const RULE: Rule = Rule {
                        method: $method,
                        path: $path,
                        admits: $admits,
                        sees: Sees::$sees,
                    };
                }
            )+
        }

        /// The whole table, in the order written.
        pub const TABLE: &[Rule] = &[$(<op::$op as Operation>::RULE),+];
    };
}

use Admits::{Public, Roles};
use Scope::{EmployeesRead, EmployeesWrite, RecordsRead, ReportsRead, TrainingsRead};

operations! {
    Live: "GET" "/health/live" => Public, Everything;
    Ready: "GET" "/health/ready" => Public, Everything;

    Login: "POST" "/api/v1/auth/login" => Public, Everything;
    Refresh: "POST" "/api/v1/auth/refresh" => Public, Everything;
    Logout: "POST" "/api/v1/auth/logout" => Roles(SIGNED_IN, None), Own;
    ClientToken: "POST" "/api/v1/auth/token" => Public, Everything;
    Me: "GET" "/api/v1/auth/me" => Roles(SIGNED_IN, None), Own;
    ChangePassword: "PUT" "/api/v1/auth/password" => Roles(SIGNED_IN, None), Own;

    ListUsers: "GET" "/api/v1/users" => Roles(ADMIN, None), Everything;
    CreateUser: "POST" "/api/v1/users" => Roles(ADMIN, None), Everything;
    GetUser: "GET" "/api/v1/users/{id}" => Roles(ADMIN, None), Everything;
    UpdateUser: "PATCH" "/api/v1/users/{id}" => Roles(ADMIN, None), Everything;
    DeleteUser: "DELETE" "/api/v1/users/{id}" => Roles(ADMIN, None), Everything;

    ListClients: "GET" "/api/v1/api-clients" => Roles(ADMIN, None), Everything;
    CreateClient: "POST" "/api/v1/api-clients" => Roles(ADMIN, None), Everything;
    GetClient: "GET" "/api/v1/api-clients/{id}" => Roles(ADMIN, None), Everything;
    UpdateClient: "PATCH" "/api/v1/api-clients/{id}" => Roles(ADMIN, None), Everything;
    DeleteClient: "DELETE" "/api/v1/api-clients/{id}" => Roles(ADMIN, None), Everything;

    ListWebhooks: "GET" "/api/v1/webhooks" => Roles(ADMIN, None), Everything;
    CreateWebhook: "POST" "/api/v1/webhooks" => Roles(ADMIN, None), Everything;
    GetWebhook: "GET" "/api/v1/webhooks/{id}" => Roles(ADMIN, None), Everything;
    UpdateWebhook: "PATCH" "/api/v1/webhooks/{id}" => Roles(ADMIN, None), Everything;
    DeleteWebhook: "DELETE" "/api/v1/webhooks/{id}" => Roles(ADMIN, None), Everything;
    ListWebhookDeliveries: "GET" "/api/v1/webhooks/{id}/deliveries" => Roles(ADMIN, None), Everything;

    ListAudit: "GET" "/api/v1/audit-log" => Roles(ADMIN, None), Everything;
    GetSettings: "GET" "/api/v1/settings" => Roles(STAFF, None), Everything;
    UpdateSettings: "PATCH" "/api/v1/settings" => Roles(ADMIN, None), Everything;

    ListUnits: "GET" "/api/v1/units" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;
    CreateUnit: "POST" "/api/v1/units" => Roles(STAFF, None), Everything;
    GetUnit: "GET" "/api/v1/units/{id}" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;
    UpdateUnit: "PATCH" "/api/v1/units/{id}" => Roles(STAFF, None), Everything;
    DeleteUnit: "DELETE" "/api/v1/units/{id}" => Roles(STAFF, None), Everything;
    UnitTree: "GET" "/api/v1/units/{id}/tree" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;

    ListCompetencies: "GET" "/api/v1/competencies" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    CreateCompetency: "POST" "/api/v1/competencies" => Roles(STAFF, None), Everything;
    GetCompetency: "GET" "/api/v1/competencies/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    UpdateCompetency: "PATCH" "/api/v1/competencies/{id}" => Roles(STAFF, None), Everything;
    DeleteCompetency: "DELETE" "/api/v1/competencies/{id}" => Roles(STAFF, None), Everything;

    ListPositions: "GET" "/api/v1/positions" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;
    CreatePosition: "POST" "/api/v1/positions" => Roles(STAFF, None), Everything;
    GetPosition: "GET" "/api/v1/positions/{id}" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;
    UpdatePosition: "PATCH" "/api/v1/positions/{id}" => Roles(STAFF, None), Everything;
    DeletePosition: "DELETE" "/api/v1/positions/{id}" => Roles(STAFF, None), Everything;
    GetStandards: "GET" "/api/v1/positions/{id}/standards" => Roles(SIGNED_IN, Some(EmployeesRead)), Everything;
    PutStandards: "PUT" "/api/v1/positions/{id}/standards" => Roles(STAFF, None), Everything;

    ListEmployees: "GET" "/api/v1/employees" => Roles(MANAGERS, Some(EmployeesRead)), People;
    CreateEmployee: "POST" "/api/v1/employees" => Roles(STAFF, Some(EmployeesWrite)), Everything;
    ImportEmployees: "POST" "/api/v1/employees/import" => Roles(STAFF, Some(EmployeesWrite)), Everything;
    GetEmployee: "GET" "/api/v1/employees/{id}" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    UpdateEmployee: "PATCH" "/api/v1/employees/{id}" => Roles(STAFF, Some(EmployeesWrite)), Everything;
    DeleteEmployee: "DELETE" "/api/v1/employees/{id}" => Roles(STAFF, None), Everything;

    ListAssessments: "GET" "/api/v1/employees/{id}/assessments" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    // Unit managers record supervisor assessments only (checked by the handler).
    CreateAssessment: "POST" "/api/v1/employees/{id}/assessments" => Roles(MANAGERS, Some(EmployeesWrite)), People;
    GetAssessment: "GET" "/api/v1/employees/{id}/assessments/{assessment_id}" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    UpdateAssessment: "PATCH" "/api/v1/employees/{id}/assessments/{assessment_id}" => Roles(STAFF, Some(EmployeesWrite)), People;
    DeleteAssessment: "DELETE" "/api/v1/employees/{id}/assessments/{assessment_id}" => Roles(STAFF, None), People;
    CompetencyProfile: "GET" "/api/v1/employees/{id}/competency-profile" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    LearningRecord: "GET" "/api/v1/employees/{id}/learning-record" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    MyCompetencyProfile: "GET" "/api/v1/me/competency-profile" => Roles(SIGNED_IN, None), Own;
    MyEnrolments: "GET" "/api/v1/me/enrolments" => Roles(SIGNED_IN, None), Own;
    MyLearningRecord: "GET" "/api/v1/me/learning-record" => Roles(SIGNED_IN, None), Own;

    ListExemptions: "GET" "/api/v1/employees/{id}/exemptions" => Roles(MANAGERS, Some(RecordsRead)), People;
    CreateExemption: "POST" "/api/v1/employees/{id}/exemptions" => Roles(STAFF, None), Everything;
    GetExemption: "GET" "/api/v1/exemptions/{id}" => Roles(MANAGERS, Some(RecordsRead)), People;
    UpdateExemption: "PATCH" "/api/v1/exemptions/{id}" => Roles(STAFF, None), Everything;
    DeleteExemption: "DELETE" "/api/v1/exemptions/{id}" => Roles(STAFF, None), Everything;

    // Unit managers propose for their units' people, employees for themselves (the handler
    // decides the source and checks the person).
    ListDevelopmentNeeds: "GET" "/api/v1/development-needs" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    CreateDevelopmentNeed: "POST" "/api/v1/development-needs" => Roles(SIGNED_IN, None), People;
    GenerateDevelopmentNeeds: "POST" "/api/v1/development-needs/generate" => Roles(STAFF, None), Everything;
    GetDevelopmentNeed: "GET" "/api/v1/development-needs/{id}" => Roles(SIGNED_IN, Some(EmployeesRead)), People;
    UpdateDevelopmentNeed: "PATCH" "/api/v1/development-needs/{id}" => Roles(MANAGERS, None), People;
    DeleteDevelopmentNeed: "DELETE" "/api/v1/development-needs/{id}" => Roles(STAFF, None), Everything;

    ListPolicies: "GET" "/api/v1/policies" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    CreatePolicy: "POST" "/api/v1/policies" => Roles(STAFF, None), Everything;
    GetPolicy: "GET" "/api/v1/policies/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    UpdatePolicy: "PATCH" "/api/v1/policies/{id}" => Roles(STAFF, None), Everything;
    DeletePolicy: "DELETE" "/api/v1/policies/{id}" => Roles(STAFF, None), Everything;
    OpenPolicyNeeds: "POST" "/api/v1/policies/{id}/needs" => Roles(STAFF, None), Everything;

    ListPlans: "GET" "/api/v1/plans" => Roles(MANAGERS, Some(ReportsRead)), Everything;
    CreatePlan: "POST" "/api/v1/plans" => Roles(STAFF, None), Everything;
    GetPlan: "GET" "/api/v1/plans/{id}" => Roles(MANAGERS, Some(ReportsRead)), Everything;
    UpdatePlan: "PATCH" "/api/v1/plans/{id}" => Roles(STAFF, None), Everything;
    DeletePlan: "DELETE" "/api/v1/plans/{id}" => Roles(STAFF, None), Everything;
    ListPlanItems: "GET" "/api/v1/plans/{id}/items" => Roles(MANAGERS, Some(ReportsRead)), Everything;
    CreatePlanItem: "POST" "/api/v1/plans/{id}/items" => Roles(STAFF, None), Everything;
    GetPlanItem: "GET" "/api/v1/plans/{id}/items/{item_id}" => Roles(MANAGERS, Some(ReportsRead)), Everything;
    UpdatePlanItem: "PATCH" "/api/v1/plans/{id}/items/{item_id}" => Roles(STAFF, None), Everything;
    DeletePlanItem: "DELETE" "/api/v1/plans/{id}/items/{item_id}" => Roles(STAFF, None), Everything;

    ListExternalLearning: "GET" "/api/v1/external-learning" => Roles(MANAGERS, Some(RecordsRead)), People;
    CreateExternalLearning: "POST" "/api/v1/external-learning" => Roles(STAFF, None), Everything;
    GetExternalLearning: "GET" "/api/v1/external-learning/{id}" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    UpdateExternalLearning: "PATCH" "/api/v1/external-learning/{id}" => Roles(STAFF_AND_OWNERS, None), People;
    DeleteExternalLearning: "DELETE" "/api/v1/external-learning/{id}" => Roles(STAFF_AND_OWNERS, None), People;
    ReviewExternalLearning: "POST" "/api/v1/external-learning/{id}/review" => Roles(STAFF, None), Everything;
    PutExternalEvidence: "PUT" "/api/v1/external-learning/{id}/evidence" => Roles(STAFF_AND_OWNERS, None), People;
    GetExternalEvidence: "GET" "/api/v1/external-learning/{id}/evidence" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    MyExternalLearning: "GET" "/api/v1/me/external-learning" => Roles(SIGNED_IN, None), Own;
    CreateMyExternalLearning: "POST" "/api/v1/me/external-learning" => Roles(SIGNED_IN, None), Own;

    ListPartners: "GET" "/api/v1/partners" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    CreatePartner: "POST" "/api/v1/partners" => Roles(STAFF, None), Everything;
    GetPartner: "GET" "/api/v1/partners/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    UpdatePartner: "PATCH" "/api/v1/partners/{id}" => Roles(STAFF, None), Everything;
    DeletePartner: "DELETE" "/api/v1/partners/{id}" => Roles(STAFF, None), Everything;

    ListTrainers: "GET" "/api/v1/trainers" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    CreateTrainer: "POST" "/api/v1/trainers" => Roles(STAFF, None), Everything;
    GetTrainer: "GET" "/api/v1/trainers/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    UpdateTrainer: "PATCH" "/api/v1/trainers/{id}" => Roles(STAFF, None), Everything;
    DeleteTrainer: "DELETE" "/api/v1/trainers/{id}" => Roles(STAFF, None), Everything;

    ListProgrammes: "GET" "/api/v1/programmes" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    CreateProgramme: "POST" "/api/v1/programmes" => Roles(STAFF, None), Everything;
    GetProgramme: "GET" "/api/v1/programmes/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Everything;
    UpdateProgramme: "PATCH" "/api/v1/programmes/{id}" => Roles(STAFF, None), Everything;
    DeleteProgramme: "DELETE" "/api/v1/programmes/{id}" => Roles(STAFF, None), Everything;

    ListTrainings: "GET" "/api/v1/trainings" => Roles(SIGNED_IN, Some(TrainingsRead)), Catalogue;
    CreateTraining: "POST" "/api/v1/trainings" => Roles(STAFF, None), Everything;
    GetTraining: "GET" "/api/v1/trainings/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Catalogue;
    UpdateTraining: "PATCH" "/api/v1/trainings/{id}" => Roles(STAFF, None), Everything;
    DeleteTraining: "DELETE" "/api/v1/trainings/{id}" => Roles(STAFF, None), Everything;
    ChangeTrainingStatus: "POST" "/api/v1/trainings/{id}/status" => Roles(STAFF, None), Everything;

    // Employees enrol themselves only; unit managers their units' people (the handler decides).
    CreateEnrolment: "POST" "/api/v1/trainings/{id}/enrolments" => Roles(SIGNED_IN, None), People;
    ListEnrolments: "GET" "/api/v1/trainings/{id}/enrolments" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    BulkUpdateEnrolments: "POST" "/api/v1/trainings/{id}/enrolments/bulk-update" => Roles(STAFF, None), Everything;
    GetEnrolment: "GET" "/api/v1/enrolments/{id}" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    UpdateEnrolment: "PATCH" "/api/v1/enrolments/{id}" => Roles(STAFF, None), Everything;
    CertificatePdf: "GET" "/api/v1/enrolments/{id}/certificate.pdf" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    GetActionPlan: "GET" "/api/v1/enrolments/{id}/action-plan" => Roles(SIGNED_IN, Some(RecordsRead)), People;
    // The participant (the handler limits an employee to their own), or staff.
    PutActionPlan: "PUT" "/api/v1/enrolments/{id}/action-plan" => Roles(STAFF_AND_OWNERS, None), People;
    // The participant's unit manager (their reach), or staff.
    ReviewActionPlan: "POST" "/api/v1/enrolments/{id}/action-plan/review" => Roles(MANAGERS, None), People;
    GetQuotas: "GET" "/api/v1/trainings/{id}/quotas" => Roles(MANAGERS, Some(TrainingsRead)), Catalogue;
    PutQuotas: "PUT" "/api/v1/trainings/{id}/quotas" => Roles(STAFF, None), Everything;
    DecideEnrolment: "POST" "/api/v1/enrolments/{id}/decision" => Roles(STAFF, None), Everything;
    // The employee their own, their unit manager, staff (the handler checks the reach).
    WithdrawEnrolment: "POST" "/api/v1/enrolments/{id}/withdraw" => Roles(SIGNED_IN, None), People;
    ListSessions: "GET" "/api/v1/trainings/{id}/sessions" => Roles(SIGNED_IN, Some(TrainingsRead)), Catalogue;
    CreateSession: "POST" "/api/v1/trainings/{id}/sessions" => Roles(STAFF, None), Everything;
    GetSession: "GET" "/api/v1/sessions/{id}" => Roles(SIGNED_IN, Some(TrainingsRead)), Catalogue;
    UpdateSession: "PATCH" "/api/v1/sessions/{id}" => Roles(STAFF, None), Everything;
    DeleteSession: "DELETE" "/api/v1/sessions/{id}" => Roles(STAFF, None), Everything;
    GetAttendance: "GET" "/api/v1/sessions/{id}/attendance" => Roles(STAFF, Some(RecordsRead)), Everything;
    PutAttendance: "PUT" "/api/v1/sessions/{id}/attendance" => Roles(STAFF, None), Everything;
    // Anyone holding a certificate's code; rate limited per client address.
    VerifyCertificate: "GET" "/api/v1/verify/{verification_code}" => Public, Everything;

    // Participants of the training only (the handler decides).
    SubmitFeedback: "POST" "/api/v1/trainings/{id}/feedback" => Roles(SIGNED_IN, None), Own;
    EnterPaperFeedback: "POST" "/api/v1/trainings/{id}/feedback/paper" => Roles(STAFF, None), Everything;
    ListFeedback: "GET" "/api/v1/trainings/{id}/feedback" => Roles(STAFF, None), Everything;

    ListImprovementActions: "GET" "/api/v1/improvement-actions" => Roles(STAFF, Some(ReportsRead)), Everything;
    CreateImprovementAction: "POST" "/api/v1/improvement-actions" => Roles(STAFF, None), Everything;
    GetImprovementAction: "GET" "/api/v1/improvement-actions/{id}" => Roles(STAFF, Some(ReportsRead)), Everything;
    UpdateImprovementAction: "PATCH" "/api/v1/improvement-actions/{id}" => Roles(STAFF, None), Everything;
    DeleteImprovementAction: "DELETE" "/api/v1/improvement-actions/{id}" => Roles(STAFF, None), Everything;

    TrainingEvaluation: "GET" "/api/v1/reports/training-evaluation" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainingEvaluationCsv: "GET" "/api/v1/reports/training-evaluation.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerEvaluation: "GET" "/api/v1/reports/trainer-evaluation" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerEvaluationCsv: "GET" "/api/v1/reports/trainer-evaluation.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    ProgrammeTrends: "GET" "/api/v1/reports/programme-trends" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    ProgrammeTrendsCsv: "GET" "/api/v1/reports/programme-trends.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    Transfer: "GET" "/api/v1/reports/transfer" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TransferCsv: "GET" "/api/v1/reports/transfer.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    LearningOutcomes: "GET" "/api/v1/reports/learning-outcomes" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    LearningOutcomesCsv: "GET" "/api/v1/reports/learning-outcomes.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    JpCompliance: "GET" "/api/v1/reports/jp-compliance" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    JpComplianceCsv: "GET" "/api/v1/reports/jp-compliance.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    CompetencyGaps: "GET" "/api/v1/reports/competency-gaps" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    CompetencyGapsCsv: "GET" "/api/v1/reports/competency-gaps.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainingNeeds: "GET" "/api/v1/reports/training-needs" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainingNeedsCsv: "GET" "/api/v1/reports/training-needs.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PartnersReport: "GET" "/api/v1/reports/partners" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PartnersReportCsv: "GET" "/api/v1/reports/partners.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainersReport: "GET" "/api/v1/reports/trainers" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainersReportCsv: "GET" "/api/v1/reports/trainers.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerHours: "GET" "/api/v1/reports/trainer-hours" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerHoursCsv: "GET" "/api/v1/reports/trainer-hours.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PolicyCoverage: "GET" "/api/v1/reports/policy-coverage" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PolicyCoverageCsv: "GET" "/api/v1/reports/policy-coverage.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerShortage: "GET" "/api/v1/reports/trainer-shortage" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    TrainerShortageCsv: "GET" "/api/v1/reports/trainer-shortage.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PlanRealization: "GET" "/api/v1/reports/plan-realization" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    PlanRealizationCsv: "GET" "/api/v1/reports/plan-realization.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    Summary: "GET" "/api/v1/reports/summary" => Roles(MANAGERS, Some(ReportsRead)), Figures;
    SummaryCsv: "GET" "/api/v1/reports/summary.csv" => Roles(MANAGERS, Some(ReportsRead)), Figures;

    SiasnCourseRecords: "GET" "/api/v1/exports/siasn/course-records" => Roles(MANAGERS, Some(RecordsRead)), Figures;
    SiasnCourseRecordsCsv: "GET" "/api/v1/exports/siasn/course-records.csv" => Roles(MANAGERS, Some(RecordsRead)), Figures;
    // Bookkeeping of the export: the SIASN bridge that reads the records marks them sent.
    SiasnSync: "POST" "/api/v1/exports/siasn/course-records/sync" => Roles(STAFF, Some(RecordsRead)), Everything;
    SiasnStructural: "GET" "/api/v1/exports/siasn/diklat-struktural" => Roles(MANAGERS, Some(RecordsRead)), Figures;
    SiasnStructuralCsv: "GET" "/api/v1/exports/siasn/diklat-struktural.csv" => Roles(MANAGERS, Some(RecordsRead)), Figures;
}

/// The caller, admitted to operation `O`. Taking it as a handler argument is the gate: it runs
/// before the body is read, so a caller who may not use the operation learns nothing from
/// validation messages.
pub struct Allowed<O> {
    pub caller: Caller,
    op: PhantomData<O>,
}

impl<O> std::ops::Deref for Allowed<O> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<O: Operation> Allowed<O> {
    pub fn check(req: &HttpRequest) -> ApiResult<Caller> {
        // A handler must name its own operation: tests walk every route, so a handler that
        // names another one's is caught there.
        if cfg!(debug_assertions) {
            let pattern = req.match_pattern();
            assert!(
                (req.method().as_str() == O::RULE.method
                    || (req.method() == actix_web::http::Method::HEAD && O::RULE.method == "GET"))
                    && pattern.as_deref() == Some(O::RULE.path),
                "{} {:?} is gated as {} {}",
                req.method(),
                pattern,
                O::RULE.method,
                O::RULE.path
            );
        }
        let caller = super::caller_from_request(req)?;
        O::RULE.check(&caller)?;
        Ok(caller)
    }
}

impl<O: Operation> FromRequest for Allowed<O> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            Self::check(req)
                .map(|caller| Allowed {
                    caller,
                    op: PhantomData,
                })
                .map_err(Into::into),
        )
    }
}
