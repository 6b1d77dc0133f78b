//! The employee CSV (GUIDE section 7): import all-or-nothing, export in the same shape.
//! A header row with any subset of the columns, in any order; `user_name` and `email` required.
//! Columns left out of the header leave those fields as they are; an empty cell clears one.
//! A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is written
//! with a leading `'`, and the import takes exactly that quote off again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::NaiveDate;
use serde::Serialize;

use chrono_tz::Tz;

use super::approvers;
use super::employees::{self, Employee, Profile};
use super::history::Actor;
use super::{DirectoryError, accounts, lifecycle, zones};
use crate::db::DbConnection;

pub const COLUMNS: [&str; 14] = [
    "user_name",
    "email",
    "given_name",
    "family_name",
    "job_title",
    "department",
    "mobile_phone",
    "work_phone",
    "country",
    "employment_date",
    "payroll_number",
    "employee_number",
    "subsidiary",
    "manager",
];

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: not valid CSV: {message}")]
    Malformed { line: u64, message: String },
    #[error("the file is empty: it needs a header row naming the columns")]
    Empty,
    #[error("header: unknown column {0:?}; the columns are: {list}", list = COLUMNS.join(","))]
    UnknownColumn(String),
    #[error("header: column {0:?} appears twice")]
    DuplicateColumn(String),
    #[error("header: the required column {0:?} is missing")]
    MissingColumn(&'static str),
    #[error("row {row} (line {line}), field {field}: {message}")]
    Row {
        row: usize,
        line: u64,
        field: String,
        message: String,
    },
    #[error("cannot write the CSV: {0}")]
    Write(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

impl From<crate::db::DbError> for CsvError {
    fn from(error: crate::db::DbError) -> Self {
        CsvError::Directory(error.into())
    }
}

impl From<diesel::result::Error> for CsvError {
    fn from(error: diesel::result::Error) -> Self {
        CsvError::Directory(error.into())
    }
}

/// What a spreadsheet would run as a formula when a cell starts with it (OWASP "CSV injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when a spreadsheet could read `value` as a formula, or when it looks like such a value
/// already guarded by a quote (so the quote the import strips is always one the export added).
fn needs_guard(value: &str) -> bool {
    let mut rest = value;
    while let Some(after) = rest.strip_prefix('\'') {
        rest = after;
    }
    rest.starts_with(FORMULA_STARTS)
}

/// The cell the export writes: a value a spreadsheet would run gets a leading single quote,
/// which spreadsheets show as text.
pub fn guard_cell(value: &str) -> Cow<'_, str> {
    match needs_guard(value) {
        true => Cow::Owned(format!("'{value}")),
        false => Cow::Borrowed(value),
    }
}

/// The value an imported cell stands for: exactly the quote `guard_cell` added comes off.
pub fn unguard_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// One data row, checked for shape: cells by column, with its place in the file for messages.
#[derive(Debug, Clone)]
pub struct Row {
    pub row: usize,
    pub line: u64,
    cells: HashMap<&'static str, String>,
}

impl Row {
    fn cell(&self, column: &str) -> Option<&str> {
        self.cells.get(column).map(String::as_str)
    }

    fn error(&self, field: &str, message: impl Into<String>) -> CsvError {
        CsvError::Row {
            row: self.row,
            line: self.line,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The person's profile after this row: `base` with every column of the file laid over it.
    /// A date is a day in the account's `zone`; the stored instant stays when it is on that day.
    fn overlay(&self, mut base: Profile, zone: Tz) -> Result<Profile, CsvError> {
        let text = |value: &str| Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        for (&column, value) in &self.cells {
            match column {
                "user_name" => base.user_name = value.clone(),
                "email" => base.email = value.clone(),
                "given_name" => base.given_name = value.clone(),
                "family_name" => base.family_name = value.clone(),
                "job_title" => base.job_title = text(value),
                "department" => base.department = text(value),
                "mobile_phone" => base.mobile_phone = text(value),
                "work_phone" => base.work_phone = text(value),
                "country" => base.country = text(value),
                "employment_date" => {
                    base.employment_date =
                        zones::instant_for(parse_date(self, value)?, base.employment_date, zone)
                }
                "payroll_number" => base.payroll_number = text(value),
                "employee_number" => base.employee_number = text(value),
                "subsidiary" => base.subsidiary = text(value),
                _ => {} // manager is applied once everyone exists
            }
        }
        Ok(base)
    }
}

fn parse_date(row: &Row, value: &str) -> Result<Option<NaiveDate>, CsvError> {
    match value.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                row.error(
                    "employment_date",
                    format!("{text:?} is not a date as YYYY-MM-DD"),
                )
            }),
    }
}

/// Reads and checks the whole file before anything is written: syntax, header, required cells,
/// dates, and login names or emails repeated within the file.
pub fn parse(input: impl Read) -> Result<Vec<Row>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let malformed = |e: csv::Error| CsvError::Malformed {
        line: e.position().map_or(1, |p| p.line()),
        message: e.to_string(),
    };
    let header = reader.headers().map_err(malformed)?.clone();
    if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
        return Err(CsvError::Empty);
    }
    let mut columns: Vec<&'static str> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        // Spreadsheet programs like to start UTF-8 files with a byte-order mark.
        let name = if i == 0 {
            name.trim_start_matches('\u{feff}')
        } else {
            name
        };
        let name = name.trim().to_ascii_lowercase();
        let column = COLUMNS
            .iter()
            .find(|c| **c == name)
            .ok_or_else(|| CsvError::UnknownColumn(name.clone()))?;
        if columns.contains(column) {
            return Err(CsvError::DuplicateColumn(name));
        }
        columns.push(column);
    }
    for required in ["user_name", "email"] {
        if !columns.contains(&required) {
            return Err(CsvError::MissingColumn(required));
        }
    }
    let mut rows = Vec::new();
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let mut seen_emails: HashMap<String, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(malformed)?;
        let row = Row {
            row: index + 1,
            line: record.position().map_or(0, |p| p.line()),
            cells: columns
                .iter()
                .zip(record.iter())
                .map(|(c, v)| (*c, unguard_cell(v.trim()).trim().to_owned()))
                .collect(),
        };
        for (field, seen) in [("user_name", &mut seen_names), ("email", &mut seen_emails)] {
            let value = row.cell(field).unwrap_or_default();
            if value.is_empty() {
                return Err(row.error(field, "is required"));
            }
            if let Some(first) = seen.insert(super::keys::normalise(value), row.row) {
                return Err(row.error(field, format!("{value:?} is also in row {first}")));
            }
        }
        // Checked now so a bad date anywhere stops the import before anything is written.
        parse_date(&row, row.cell("employment_date").unwrap_or_default())?;
        rows.push(row);
    }
    Ok(rows)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What one row did (or, in a preview, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowChange {
    pub line: u64,
    pub user_name: String,
    /// "created", "updated" or "unchanged".
    pub outcome: &'static str,
    /// The fields that changed, by their column names.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub summary: ImportSummary,
    pub rows: Vec<RowChange>,
}

/// Applies parsed rows. People match by login name, case-insensitively; new ones are created
/// outside the federation. Call it inside one transaction: any error leaves the store as it was.
pub fn import(
    conn: &mut DbConnection,
    account_id: &str,
    rows: &[Row],
    by: &Actor,
) -> Result<ImportSummary, CsvError> {
    apply(conn, account_id, rows, by).map(|report| report.summary)
}

/// `import`, telling row by row what changed (the admin pages preview this in a transaction
/// that is then rolled back).
pub fn apply(
    conn: &mut DbConnection,
    account_id: &str,
    rows: &[Row],
    by: &Actor,
) -> Result<ImportReport, CsvError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Outcome {
        Created,
        Updated,
        Unchanged,
    }
    let zone = accounts::by_id(conn, account_id)?.zone();
    let mut outcomes = vec![Outcome::Unchanged; rows.len()];
    let mut fields: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
    for (i, row) in rows.iter().enumerate() {
        let user_name = row.cell("user_name").unwrap_or_default();
        match employees::find_by_user_name(conn, account_id, user_name)? {
            Some(person) => {
                let desired = row.overlay(person.profile(), zone)?;
                refuse_entra_owned(row, &person, &desired)?;
                let after = lifecycle::update_profile(conn, account_id, &person.id, desired, by)
                    .map_err(|e| in_row(row, e))?;
                if after != person {
                    outcomes[i] = Outcome::Updated;
                    fields[i] = after
                        .profile()
                        .changes_from(&person.profile())
                        .into_iter()
                        .map(|c| c.field)
                        .collect();
                }
            }
            None => {
                let profile = row.overlay(Profile::default(), zone)?;
                lifecycle::create(conn, account_id, profile, by).map_err(|e| in_row(row, e))?;
                outcomes[i] = Outcome::Created;
            }
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let Some(manager_name) = row.cell("manager") else {
            break; // no manager column
        };
        let user_name = row.cell("user_name").unwrap_or_default();
        let person = employees::find_by_user_name(conn, account_id, user_name)?
            .ok_or(DirectoryError::NotFound { what: "employee" })?;
        let manager = match manager_name {
            "" => None,
            name => Some(
                employees::find_by_user_name(conn, account_id, name)?.ok_or_else(|| {
                    row.error(
                        "manager",
                        format!("no current person has the login name {name:?}"),
                    )
                })?,
            ),
        };
        let manager_id = manager.map(|m| m.id);
        if person.approver_id == manager_id {
            continue;
        }
        if person.federated {
            return Err(row.error("manager", entra_owned_message()));
        }
        approvers::set_manager(conn, account_id, &person.id, manager_id.as_deref(), by)
            .map_err(|e| in_row(row, e))?;
        if outcomes[i] == Outcome::Unchanged {
            outcomes[i] = Outcome::Updated;
        }
        if outcomes[i] == Outcome::Updated {
            fields[i].push("manager".into());
        }
    }
    let count = |wanted: Outcome| outcomes.iter().filter(|o| **o == wanted).count();
    let summary = ImportSummary {
        created: count(Outcome::Created),
        updated: count(Outcome::Updated),
        unchanged: count(Outcome::Unchanged),
    };
    let rows = rows
        .iter()
        .zip(outcomes)
        .zip(fields)
        .map(|((row, outcome), fields)| RowChange {
            line: row.line,
            user_name: row.cell("user_name").unwrap_or_default().to_owned(),
            outcome: match outcome {
                Outcome::Created => "created",
                Outcome::Updated => "updated",
                Outcome::Unchanged => "unchanged",
            },
            fields,
        })
        .collect();
    Ok(ImportReport { summary, rows })
}

/// Entra overwrites what it manages on its next cycle, so a file may not change it.
fn refuse_entra_owned(row: &Row, person: &Employee, desired: &Profile) -> Result<(), CsvError> {
    if !person.federated {
        return Ok(());
    }
    let cleaned = desired.clone().cleaned().map_err(|e| in_row(row, e))?;
    match cleaned.changes_from(&person.profile()).first() {
        Some(change) => Err(row.error(&change.field, entra_owned_message())),
        None => Ok(()),
    }
}

fn entra_owned_message() -> &'static str {
    "this person is managed by Entra ID, which owns this field: change it in Entra"
}

fn in_row(row: &Row, error: DirectoryError) -> CsvError {
    match error {
        DirectoryError::Invalid { field, message } => row.error(field, message),
        DirectoryError::Conflict { field, value } => row.error(
            field,
            format!("{value:?} is already used by another person in this account"),
        ),
        DirectoryError::Refused(refusal) => {
            let field = match &refusal {
                super::Refusal::OwnedByEntra { field, .. } => field.clone(),
                _ => "user_name".to_owned(),
            };
            row.error(&field, refusal.to_string())
        }
        other => CsvError::Directory(other),
    }
}

/// Writes every current (not released) person in the import format; returns how many.
pub fn export(
    conn: &mut DbConnection,
    account_id: &str,
    output: impl Write,
) -> Result<usize, CsvError> {
    let zone = accounts::by_id(conn, account_id)?.zone();
    let people = employees::list_current(conn, account_id)?;
    let names: HashMap<&str, &str> = people
        .iter()
        .map(|p| (p.id.as_str(), p.user_name.as_str()))
        .collect();
    let mut writer = csv::Writer::from_writer(output);
    let failed = |e: csv::Error| CsvError::Write(e.to_string());
    writer.write_record(COLUMNS).map_err(failed)?;
    for p in &people {
        let manager = p
            .approver_id
            .as_deref()
            .and_then(|id| names.get(id).copied())
            .unwrap_or_default();
        let fields = p.profile().fields();
        let record = COLUMNS.iter().map(|column| {
            let value = match *column {
                "manager" => manager.to_owned(),
                // GUIDE section 7: a day (YYYY-MM-DD) in the account's zone.
                "employment_date" => p
                    .employment_date
                    .map(|d| zones::day_in(d, zone).to_string())
                    .unwrap_or_default(),
                column => fields
                    .iter()
                    .find(|(name, _)| *name == column)
                    .and_then(|(_, value)| value.clone())
                    .unwrap_or_default(),
            };
            guard_cell(&value).into_owned()
        });
        writer.write_record(record).map_err(failed)?;
    }
    writer.flush().map_err(|e| CsvError::Write(e.to_string()))?;
    Ok(people.len())
}

#[cfg(test)]
mod tests {
    use super::{guard_cell, unguard_cell};

    #[test]
    fn formula_cells_are_quoted_and_read_back_exactly() {
        for value in [
            "=HYPERLINK(\"http://evil\",\"x\")",
            "+49 30 1234",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=quoted already",
            "''+two",
            "'t Hooft",
            "plain",
            "",
            "a=b",
        ] {
            let cell = guard_cell(value);
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{value:?} -> {cell:?}"
            );
            assert_eq!(unguard_cell(&cell), value, "round trip of {value:?}");
        }
        assert_eq!(guard_cell("+49 30 1234"), "'+49 30 1234");
        assert_eq!(guard_cell("'t Hooft"), "'t Hooft");
        assert_eq!(unguard_cell("'t Hooft"), "'t Hooft");
    }
}
