//! `POST /employees/import`: a CSV of employees, all-or-nothing, matched on NIP.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{post, web, HttpRequest};
use diesel::prelude::*;

use super::model::{
    default_appointment, AsnType, Employee, EmployeeInput, ImportParams, ImportResult,
};
use super::queries;
use crate::aggregates::{self, Change};
use crate::audit::{Action, Entity};
use crate::auth::op;
use crate::db::schema::{positions, units};
use crate::db::write::Tx;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult, ImportFileErrors, ImportProblem, RowError};
use crate::rules::phone_number;
use crate::types::{PositionId, UnitId};
use crate::web::{db, ValidQuery, Write};
use crate::AppState;

pub const COLUMNS: [&str; 8] = [
    "nip",
    "name",
    "asn_type",
    "rank_grade",
    "unit_code",
    "position_name",
    "email",
    "phone",
];
/// Columns a file may add; a file that has one owns it for the employees it names.
pub const OPTIONAL_COLUMNS: [&str; 2] = ["siasn_id", "appointed_on"];
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Enough to fix a file by; a file with more problems is answered with the first ones.
const MAX_REPORTED: usize = 1000;

fn all_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().chain(OPTIONAL_COLUMNS.iter()).copied()
}

/// One data row as written in the file, with its 1-based row number (the header is row 1):
/// a cell per column of [`all_columns`], empty for an optional column the file lacks.
struct Row {
    number: usize,
    cells: Vec<String>,
}

impl Row {
    fn cell(&self, column: &str) -> &str {
        all_columns()
            .position(|c| c == column)
            .map(|i| self.cells[i].as_str())
            .unwrap_or("")
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.cell(column).to_string()).filter(|s| !s.is_empty())
    }
}

/// The rows of a file, and which optional columns it has.
struct Parsed {
    rows: Vec<Row>,
    owns: Vec<&'static str>,
}

struct Errors(Vec<RowError>);

impl Errors {
    fn add(&mut self, row: usize, field: &str, message: impl Into<String>) {
        if self.0.len() < MAX_REPORTED {
            self.0.push(RowError {
                row,
                field: field.into(),
                message: message.into(),
            });
        }
    }
}

fn parse(bytes: &[u8], errors: &mut Errors) -> Parsed {
    let mut parsed = Parsed {
        rows: Vec::new(),
        owns: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect(),
        Err(e) => {
            errors.add(1, "header", format!("cannot read the header: {e}"));
            return parsed;
        }
    };
    let mut index: Vec<Option<usize>> = Vec::new();
    for column in all_columns() {
        let at = header.iter().position(|h| h == column);
        match at {
            None if COLUMNS.contains(&column) => {
                errors.add(1, column, "column missing from the header")
            }
            Some(_) if OPTIONAL_COLUMNS.contains(&column) => parsed.owns.push(column),
            _ => {}
        }
        index.push(at);
    }
    for extra in header
        .iter()
        .filter(|h| !all_columns().any(|c| c == h.as_str()))
    {
        errors.add(1, extra, "unknown column");
    }
    if !errors.0.is_empty() {
        return parsed;
    }
    for (i, record) in reader.records().enumerate() {
        let number = i + 2;
        match record {
            Ok(record) => {
                let cells: Vec<String> = index
                    .iter()
                    .map(|at| at.and_then(|at| record.get(at)).unwrap_or("").to_string())
                    .collect();
                if cells.iter().any(|c| c.contains('\0')) {
                    errors.add(number, "row", "must not contain NUL bytes");
                }
                parsed.rows.push(Row { number, cells });
            }
            Err(e) => errors.add(number, "row", format!("unreadable row: {e}")),
        }
    }
    if parsed.rows.is_empty() && errors.0.is_empty() {
        errors.add(1, "body", "the file holds no rows");
    }
    parsed
}

/// Reference data the rows name: unit codes and position names.
struct Lookup {
    units: HashMap<String, UnitId>,
    positions: HashMap<String, Vec<(PositionId, Option<UnitId>)>>,
}

impl Lookup {
    fn load(conn: &mut AnyConnection) -> QueryResult<Self> {
        let unit_rows: Vec<(String, UnitId)> =
            units::table.select((units::code, units::id)).load(conn)?;
        let position_rows: Vec<(String, PositionId, Option<UnitId>)> = positions::table
            .select((positions::name, positions::id, positions::unit_id))
            .load(conn)?;
        let mut positions: HashMap<String, Vec<(PositionId, Option<UnitId>)>> = HashMap::new();
        for (name, id, unit) in position_rows {
            positions
                .entry(name.to_lowercase())
                .or_default()
                .push((id, unit));
        }
        Ok(Lookup {
            units: unit_rows
                .into_iter()
                .map(|(code, id)| (code.to_lowercase(), id))
                .collect(),
            positions,
        })
    }

    /// A position name resolves to the position of the employee's unit, else to the one
    /// position of that name without a unit, else to the only position of that name.
    fn position(&self, name: &str, unit: UnitId) -> Result<PositionId, &'static str> {
        let candidates = self
            .positions
            .get(&name.to_lowercase())
            .ok_or("no position has this name")?;
        if let Some((id, _)) = candidates.iter().find(|(_, u)| *u == Some(unit)) {
            return Ok(*id);
        }
        let general: Vec<_> = candidates.iter().filter(|(_, u)| u.is_none()).collect();
        match (general.as_slice(), candidates.as_slice()) {
            ([(id, _)], _) | ([], [(id, _)]) => Ok(*id),
            _ => Err("several positions have this name; none belongs to the row's unit"),
        }
    }
}

/// Checks one row and, when it is sound, gives the fields it sets.
fn check_row(row: &Row, lookup: &Lookup, errors: &mut Errors) -> Option<EmployeeInput> {
    let before = errors.0.len();
    let n = row.number;
    let asn = row.cell("asn_type").to_lowercase().parse::<AsnType>().ok();
    if asn.is_none() {
        errors.add(n, "asn_type", "must be `pns` or `pppk`");
    }
    // With an unknown type, only what holds for both (PPPK's rules are the PNS rules' start).
    let asn_or_common = asn.unwrap_or(AsnType::Pppk);
    if let Some(problem) =
        super::nip::problem(row.cell("nip"), asn_or_common, crate::types::today())
    {
        errors.add(n, "nip", problem);
    }
    let name_len = row.cell("name").chars().count();
    if !(1..=200).contains(&name_len) {
        errors.add(n, "name", "must be between 1 and 200 characters long");
    }
    let rank = row.optional("rank_grade");
    if let (Some(grade), Some(asn)) = (rank.as_deref(), asn) {
        if let Some(problem) = super::nip::grade_problem(grade, asn) {
            errors.add(n, "rank_grade", problem);
        }
    }
    let email = row.optional("email");
    if email
        .as_deref()
        .is_some_and(|e| !validator::ValidateEmail::validate_email(&e) || e.len() > 254)
    {
        errors.add(n, "email", "must be a valid email address");
    }
    let phone = row.optional("phone");
    if let Some(Err(e)) = phone.as_deref().map(phone_number) {
        errors.add(
            n,
            "phone",
            e.message.map(|m| m.to_string()).unwrap_or_default(),
        );
    }
    let unit = lookup
        .units
        .get(&row.cell("unit_code").to_lowercase())
        .copied();
    if unit.is_none() {
        errors.add(
            n,
            "unit_code",
            format!("no unit has the code `{}`", row.cell("unit_code")),
        );
    }
    let position = match (row.optional("position_name"), unit) {
        (Some(name), Some(unit)) => match lookup.position(&name, unit) {
            Ok(id) => Some(id),
            Err(msg) => {
                errors.add(n, "position_name", msg);
                None
            }
        },
        _ => None,
    };
    let siasn_id = row.optional("siasn_id");
    if siasn_id
        .as_deref()
        .is_some_and(|id| id.chars().count() > 64)
    {
        errors.add(n, "siasn_id", "must be at most 64 characters long");
    }
    let appointed_on = match row.optional("appointed_on") {
        None => None,
        Some(day) => match day.parse::<chrono::NaiveDate>() {
            Ok(day) if crate::types::date_in_range(&day).is_ok() => Some(day),
            _ => {
                errors.add(
                    n,
                    "appointed_on",
                    "must be a date (YYYY-MM-DD) in the years 1900 to 2999",
                );
                None
            }
        },
    };
    if errors.0.len() > before {
        return None;
    }
    Some(EmployeeInput {
        nip: row.cell("nip").to_string(),
        name: row.cell("name").to_string(),
        front_title: None,
        back_title: None,
        asn_type: asn?,
        rank_grade: rank,
        position_id: position,
        unit_id: unit?,
        email,
        phone,
        siasn_id,
        appointed_on,
        active: true,
    })
}

/// What an import does: new employees, changed ones (whole, as they will be), and how many
/// are already as the file says.
struct Plan {
    new: Vec<EmployeeInput>,
    changed: Vec<Employee>,
    unchanged: usize,
}

impl Plan {
    fn result(&self, dry_run: bool) -> ImportResult {
        ImportResult {
            created: self.new.len(),
            updated: self.changed.len(),
            unchanged: self.unchanged,
            dry_run,
        }
    }
}

/// Checks every row against the reference data and the employees already stored; any bad row
/// fails the whole file.
fn plan(conn: &mut AnyConnection, file: &Parsed) -> ApiResult<Plan> {
    let rows = &file.rows;
    let lookup = Lookup::load(conn)?;
    let mut errors = Errors(Vec::new());
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut checked = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(first) = first_seen.insert(row.cell("nip"), row.number) {
            errors.add(
                row.number,
                "nip",
                format!("the same NIP is already on row {first}"),
            );
        }
        if let Some(fields) = check_row(row, &lookup, &mut errors) {
            checked.push(fields);
        }
    }
    if !errors.0.is_empty() {
        return Err(ApiError::InvalidRows(errors.0));
    }
    let nips: Vec<String> = checked.iter().map(|f| f.nip.clone()).collect();
    let existing = queries::by_nips(conn, &nips)?;
    let mut plan = Plan {
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for fields in checked {
        match existing.get(&fields.nip) {
            None => plan.new.push(fields),
            Some(current) => {
                // The file owns these columns (and the optional ones it has); titles and the
                // active flag stay as they are.
                let mut merged = current.clone();
                merged.name = fields.name;
                merged.asn_type = fields.asn_type;
                merged.rank_grade = fields.rank_grade;
                merged.unit_id = fields.unit_id;
                merged.position_id = fields.position_id;
                merged.email = fields.email;
                merged.phone = fields.phone;
                if file.owns.contains(&"siasn_id") {
                    merged.siasn_id = fields.siasn_id;
                }
                if file.owns.contains(&"appointed_on") {
                    merged.appointed_on = fields.appointed_on;
                }
                merged.appointed_on = merged
                    .appointed_on
                    .or_else(|| default_appointment(merged.asn_type, &merged.nip));
                if merged == *current {
                    plan.unchanged += 1;
                } else {
                    plan.changed.push(merged);
                }
            }
        }
    }
    Ok(plan)
}

/// Plans and writes the import in the write transaction, the matched employees locked first.
fn import(tx: &mut Tx, file: &Parsed) -> ApiResult<ImportResult> {
    let nips: Vec<String> = file
        .rows
        .iter()
        .map(|r| r.cell("nip").to_string())
        .collect();
    let matched: Vec<i64> = queries::by_nips(tx, &nips)?
        .values()
        .map(|e| e.id.0)
        .collect();
    tx.lock(Entity::Employee, &matched)?;
    let plan = plan(tx, file)?;
    let grew = plan.new.len() > 1000;
    queries::create_many(tx, &plan.new)?;
    if grew {
        crate::db::analyze(tx, "employees")?;
    }
    queries::update_many(tx, &plan.changed)?;
    if !plan.new.is_empty() || !plan.changed.is_empty() {
        aggregates::after(tx, Change::People)?;
    }
    tx.record(Action::Import, Entity::Employee, None)?;
    Ok(plan.result(false))
}

/// Import employees from CSV (admin, operator, clients with `employees:write`).
///
/// Header: `nip,name,asn_type,rank_grade,unit_code,position_name,email,phone`, optionally also
/// `siasn_id` and `appointed_on` (YYYY-MM-DD; a PNS without one gets the first day of the CPNS
/// month in the NIP); RFC 4180 quoting; at most 10 MiB. All-or-nothing: any bad row answers 422
/// with `errors: [{row, field, message}]` (row 1 is the header) and nothing is written. Rows
/// are matched on NIP: new ones are created, known ones updated (titles, `active`, and an
/// optional column the file lacks are kept). `dry_run=true` only validates.
#[utoipa::path(
    tag = "employees",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file",
        example = "nip,name,asn_type,rank_grade,unit_code,position_name,email,phone\n198807222015042001,Dewi Lestari,pns,III/b,BKPSDM,,dewi.lestari@pangkalpinangkota.go.id,+62 813 6700 1122\n"),
    responses(
        (status = 200, description = "Imported (or, with dry_run, checked)", body = ImportResult),
        (status = 422, description = "Bad rows: `errors` lists each bad cell, and nothing is written",
         body = ImportProblem, content_type = "application/problem+json",
         example = json!({"type": "about:blank", "title": "Validation failed", "status": 422,
                          "detail": "the request is invalid", "code": "validation_failed",
                          "errors": [{"row": 3, "field": "nip", "message": "must be exactly 18 digits"}]})),
        ImportFileErrors,
    ),
    security(("bearer" = []))
)]
#[post("/employees/import")]
pub async fn import_employees(
    req: HttpRequest,
    state: web::Data<AppState>,
    w: Write<op::ImportEmployees>,
    ValidQuery(params): ValidQuery<ImportParams>,
    payload: web::Payload,
) -> ApiResult<web::Json<ImportResult>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("text/csv")
    {
        return Err(ApiError::UnsupportedMediaType(
            "the body must be text/csv".into(),
        ));
    }
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BYTES)
    {
        return Err(ApiError::PayloadTooLarge(
            "the file is larger than 10 MiB".into(),
        ));
    }
    let bytes = crate::web::read_body(payload, MAX_BYTES, "the file is larger than 10 MiB").await?;
    let mut errors = Errors(Vec::new());
    let file = parse(&bytes, &mut errors);
    if !errors.0.is_empty() {
        return Err(ApiError::InvalidRows(errors.0));
    }
    let result = if params.dry_run {
        db(&state.pool, move |c| Ok(plan(c, &file)?.result(true))).await?
    } else {
        w.run(move |tx| import(tx, &file)).await?
    };
    Ok(web::Json(result))
}
