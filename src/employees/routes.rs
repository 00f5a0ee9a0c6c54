use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use validator::Validate;

use super::model::{
    Employee, EmployeeChanges, EmployeeFilter, EmployeeInput, EmployeePatch, EmployeeRow,
};
use super::queries;
use crate::audit::{self, Action, Outcome};
use crate::auth::{ActorKind, Caller, Role};
use crate::db::{write_tx, AnyConnection};
use crate::error::{ApiError, ApiResult, FieldErrors, ReadErrors, WriteErrors};
use crate::reports::aggregates;
use crate::web::{
    created, db, ok_versioned, paginated, validation_error, IfMatch, PageParams, Paginated,
    RequestMeta, ValidJson, ValidQuery,
};
use crate::AppState;

const SORTABLE: &[&str] = &["id", "name", "nip"];
const WRITERS: &[Role] = &[Role::Admin, Role::Operator];

/// The employee, when the caller may see them: everyone for admins, operators and clients with
/// `employees:read`; the unit and its sub-units for a unit manager; only themself for an employee.
/// Anyone else is answered 404, exactly as if the employee did not exist.
pub fn visible_employee(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: i64,
) -> ApiResult<EmployeeRow> {
    let row = queries::get(conn, id)?;
    let allowed = match caller.role {
        Some(Role::Admin | Role::Operator) => true,
        Some(Role::UnitManager) => caller
            .unit_scope(conn)?
            .is_some_and(|units| units.contains(&row.unit_id)),
        Some(Role::Employee) => caller.employee_id == Some(id),
        None => caller.kind == ActorKind::ApiClient,
    };
    if allowed {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The unit and position an employee refers to must exist; the NIP must be free.
fn check(conn: &mut AnyConnection, input: &EmployeeInput, id: Option<i64>) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    if crate::units::queries::get(conn, input.unit_id).is_err() {
        errors.insert(
            "unit_id".into(),
            vec![format!("unit {} does not exist", input.unit_id)],
        );
    }
    if let Some(position) = input.position_id {
        if crate::positions::queries::get(conn, position).is_err() {
            errors.insert(
                "position_id".into(),
                vec![format!("position {position} does not exist")],
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    if queries::nip_taken(conn, &input.nip, id)? {
        return Err(ApiError::conflict(format!(
            "an employee with NIP {} already exists",
            input.nip
        )));
    }
    Ok(())
}

/// List employees (admin, operator; unit managers see their unit and its sub-units).
/// Sort by `id`, `name`, `nip`.
#[utoipa::path(
    tag = "employees",
    params(PageParams, EmployeeFilter),
    responses((status = 200, description = "One page of employees", body = Paginated<Employee>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees")]
pub async fn list_employees(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageParams>,
    ValidQuery(filter): ValidQuery<EmployeeFilter>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(
        &[Role::Admin, Role::Operator, Role::UnitManager],
        "employees:read",
    )?;
    let sort = page.sort_fields(SORTABLE)?;
    let (offset, limit) = (page.offset(), page.per_page());
    let (total, rows) = db(&state.pool, move |c| {
        let scope = caller.unit_scope(c)?;
        let units = match filter.unit_id {
            Some(unit) => Some(crate::units::queries::subtree_ids(c, unit)?),
            None => None,
        };
        Ok(queries::list(
            c,
            &filter,
            units.as_deref(),
            scope.as_deref(),
            &sort,
            offset,
            limit,
        )?)
    })
    .await?;
    Ok(paginated(
        &req,
        &page,
        total,
        rows.into_iter().map(Employee::from).collect(),
    ))
}

/// One employee (employees may read themselves).
#[utoipa::path(
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id")),
    responses((status = 200, description = "The employee", body = Employee, headers(("ETag" = String, description = "Current version"))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/employees/{id}")]
pub async fn get_employee(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(
        &[
            Role::Admin,
            Role::Operator,
            Role::UnitManager,
            Role::Employee,
        ],
        "employees:read",
    )?;
    let id = id.into_inner();
    let e = Employee::from(db(&state.pool, move |c| visible_employee(c, &caller, id)).await?);
    Ok(ok_versioned(&e, e.version))
}

/// Add an employee (admin, operator, clients with `employees:write`).
#[utoipa::path(
    tag = "employees",
    request_body = EmployeeInput,
    responses((status = 201, description = "Created", body = Employee, headers(("Location" = String, description = "URL of the new employee"))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/employees")]
pub async fn create_employee(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ValidJson(body): ValidJson<EmployeeInput>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(WRITERS, "employees:write")?;
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            check(c, &body, None)?;
            let id = queries::create(c, &EmployeeChanges::from(&body))?;
            aggregates::employees_changed(c, &[id], &[])?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Create,
                "employee",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let e = Employee::from(row);
    Ok(created(
        format!("/api/v1/employees/{}", e.id),
        &e,
        e.version,
    ))
}

/// Change an employee (admin, operator, clients with `employees:write`).
#[utoipa::path(
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    request_body = EmployeePatch,
    responses((status = 200, description = "Updated", body = Employee, headers(("ETag" = String, description = "New version"))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/employees/{id}")]
pub async fn update_employee(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
    ValidJson(body): ValidJson<EmployeePatch>,
) -> ApiResult<HttpResponse> {
    caller.require_role_or_scope(WRITERS, "employees:write")?;
    let id = id.into_inner();
    let row = db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "employees", id)?;
            let current = Employee::from(queries::get(c, id)?);
            if_match.check(current.version)?;
            let version = current.version;
            let merged = body.apply(current);
            merged.validate().map_err(|e| validation_error(&e))?;
            check(c, &merged, Some(id))?;
            let before = aggregates::group_of(c, id)?;
            if !queries::update(c, id, version, &EmployeeChanges::from(&merged))? {
                return Err(ApiError::PreconditionFailed);
            }
            aggregates::employees_changed(c, &[id], before.as_slice())?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Update,
                "employee",
                Some(id),
                Outcome::Success,
            )?;
            Ok(queries::get(c, id)?)
        })
    })
    .await?;
    let e = Employee::from(row);
    Ok(ok_versioned(&e, e.version))
}

/// Delete an employee (admin, operator). One with an account or assessment history answers 409:
/// deactivate instead.
#[utoipa::path(
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/employees/{id}")]
pub async fn delete_employee(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    caller.require_role(WRITERS)?;
    let id = id.into_inner();
    db(&state.pool, move |c| {
        write_tx(c, |c| {
            crate::db::lock_row(c, "employees", id)?;
            let current = queries::get(c, id)?;
            if_match.check(current.version)?;
            let (accounts, assessed) = queries::dependants(c, id)?;
            if accounts + assessed > 0 {
                return Err(ApiError::conflict(
                    "the employee has an account or a history; deactivate instead",
                ));
            }
            queries::delete(c, id)?;
            aggregates::employees_changed(c, &[id], &[])?;
            audit::record(
                c,
                caller.actor(),
                &meta,
                Action::Delete,
                "employee",
                Some(id),
                Outcome::Success,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_employees)
        .service(super::import::import_employees)
        .service(get_employee)
        .service(create_employee)
        .service(update_employee)
        .service(delete_employee);
}
