//! A whole installation as one file, to move it between stores (SQLite to PostgreSQL and back)
//! or keep it as a backup: JSON lines, a header with the schema version, then every row of
//! every table in foreign-key order, except the bodies of mail (they may hold one-time links),
//! the OpenID Connect signing keys and codes, the change feed's events (their numbering is
//! kept), short-lived API tokens and webhook subscriptions (their signing secrets) with their
//! deliveries. Import writes into an empty store in one transaction, so a file that does not
//! fit leaves the target as it was.

use std::io::{BufRead, Write};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{self, employees};
use super::{DbConnection, DbError};

const FORMAT: &str = "gatehouse-export";

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("writing the export failed: {0}")]
    Write(String),
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error(
        "the file is from schema {found}, this gatehouse has {ours}: use the gatehouse that wrote it, or one of the same version"
    )]
    Schema { found: String, ours: String },
    #[error("the target store already holds {0} account(s): import only into an empty store")]
    NotEmpty(i64),
}

impl From<diesel::result::Error> for TransferError {
    fn from(error: diesel::result::Error) -> Self {
        TransferError::Db(DbError::Query(error))
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    schema: String,
}

#[derive(Serialize)]
struct LineOut<'a, T> {
    table: &'a str,
    row: T,
}

#[derive(Deserialize)]
struct LineIn {
    table: String,
    row: serde_json::Value,
}

/// Rows per table, in the file's order.
pub type Counts = Vec<(&'static str, usize)>;

macro_rules! tables {
    ($($table:ident => $row:ident { $($field:ident: $ty:ty,)* })*) => {
        $(
            #[derive(Queryable, Selectable, Insertable, Serialize, Deserialize)]
            #[diesel(table_name = schema::$table)]
            struct $row { $($field: $ty,)* }
        )*

        fn export_tables(conn: &mut DbConnection, out: &mut impl Write) -> Result<Counts, TransferError> {
            let mut counts = Vec::new();
            $(
                let mut rows: Vec<$row> = schema::$table::table
                    .order_by(schema::$table::table.primary_key())
                    .select($row::as_select())
                    .load(conn)?;
                for row in &mut rows {
                    redact_for_export(stringify!($table), row);
                    write_line(out, &LineOut { table: stringify!($table), row: &*row })?;
                }
                counts.push((stringify!($table), rows.len()));
            )*
            Ok(counts)
        }

        /// Inserts one row; an employee's approver is set once everyone is in (it may point
        /// at someone later in the file).
        fn insert_row(
            conn: &mut DbConnection,
            table: &str,
            row: serde_json::Value,
            approvers: &mut Vec<(String, String)>,
        ) -> Result<&'static str, String> {
            match table {
                $(
                    stringify!($table) => {
                        #[allow(unused_mut)]
                        let mut row: $row = serde_json::from_value(row).map_err(|e| e.to_string())?;
                        defer_approver(stringify!($table), &mut row, approvers);
                        diesel::insert_into(schema::$table::table)
                            .values(&row)
                            .execute(conn)
                            .map_err(|e| e.to_string())?;
                        Ok(stringify!($table))
                    }
                )*
                other => Err(format!("unknown table {other:?}")),
            }
        }
    };
}

tables! {
    accounts => AccountsRow {
        id: String,
        slug: String,
        name: String,
        sso_enabled: bool,
        nameid_mode: String,
        idp_initiated: bool,
        idp_entity_id: Option<String>,
        idp_sso_url: Option<String>,
        clock_skew_secs: i32,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        time_zone: String,
    }
    account_domains => AccountDomainsRow {
        domain: String,
        account_id: String,
        created_at: NaiveDateTime,
    }
    employees => EmployeesRow {
        id: String,
        account_id: String,
        external_id: Option<String>,
        entra_object_id: Option<String>,
        user_name: String,
        user_name_key: Option<String>,
        email: String,
        email_key: Option<String>,
        given_name: String,
        family_name: String,
        job_title: Option<String>,
        department: Option<String>,
        mobile_phone: Option<String>,
        work_phone: Option<String>,
        country: Option<String>,
        employment_date: Option<NaiveDateTime>,
        payroll_number: Option<String>,
        employee_number: Option<String>,
        subsidiary: Option<String>,
        manager_ref: Option<String>,
        approver_id: Option<String>,
        active: bool,
        termination_date: Option<NaiveDate>,
        federated: bool,
        defederated: bool,
        released_at: Option<NaiveDateTime>,
        is_setup_admin: bool,
        is_approver: bool,
        approves_self: bool,
        only_selected_approver: bool,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        display_name: Option<String>,
    }
    credentials => CredentialsRow {
        employee_id: String,
        password_hash: String,
        updated_at: NaiveDateTime,
    }
    department_approvers => DepartmentApproversRow {
        employee_id: String,
        department: String,
    }
    employee_history => EmployeeHistoryRow {
        id: String,
        account_id: String,
        employee_id: String,
        at: NaiveDateTime,
        source: String,
        actor: Option<String>,
        action: String,
        changes: String,
    }
    sessions => SessionsRow {
        id_hash: String,
        account_id: String,
        employee_id: String,
        created_at: NaiveDateTime,
        expires_at: NaiveDateTime,
        last_seen_at: Option<NaiveDateTime>,
        browser_hash: Option<String>,
        sid: Option<String>,
        method: Option<String>,
    }
    idp_certificates => IdpCertificatesRow {
        id: String,
        account_id: String,
        role: String,
        der_base64: String,
        subject: String,
        sha1_thumbprint: String,
        sha256_thumbprint: String,
        not_before: NaiveDateTime,
        not_after: NaiveDateTime,
        created_at: NaiveDateTime,
    }
    saml_requests => SamlRequestsRow {
        id: String,
        account_id: String,
        relay_state: Option<String>,
        created_at: NaiveDateTime,
        expires_at: NaiveDateTime,
        browser_hash: Option<String>,
    }
    saml_replay => SamlReplayRow {
        account_id: String,
        assertion_id: String,
        expires_at: NaiveDateTime,
    }
    entra_pins => EntraPinsRow {
        employee_id: String,
        idp_entity_id: String,
        object_id: String,
        pinned_at: NaiveDateTime,
    }
    login_journal => LoginJournalRow {
        id: String,
        account_id: String,
        at: NaiveDateTime,
        method: String,
        flow: String,
        outcome: String,
        reason: String,
        detail: String,
        hint: String,
        name_id: Option<String>,
        assertion_id: Option<String>,
        request_id: Option<String>,
        employee_id: Option<String>,
        repeats: i32,
        collapse_key: Option<String>,
    }
    scim_tokens => ScimTokensRow {
        account_id: String,
        token_hash: String,
        created_at: NaiveDateTime,
        previous_hash: Option<String>,
        previous_until: Option<NaiveDateTime>,
    }
    scim_groups => ScimGroupsRow {
        id: String,
        account_id: String,
        display_name: String,
        display_name_key: String,
        external_id: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    scim_group_members => ScimGroupMembersRow {
        group_id: String,
        employee_id: String,
    }
    provisioning_log => ProvisioningLogRow {
        id: String,
        account_id: String,
        at: NaiveDateTime,
        method: String,
        path: String,
        employee_id: Option<String>,
        outcome: String,
        status: i32,
        detail: String,
    }
    password_links => PasswordLinksRow {
        id_hash: String,
        account_id: String,
        employee_id: String,
        purpose: String,
        created_at: NaiveDateTime,
        expires_at: NaiveDateTime,
    }
    login_failures => LoginFailuresRow {
        account_id: String,
        login_key: String,
        failures: i32,
        lockouts: i32,
        locked_until: Option<NaiveDateTime>,
        last_failure_at: NaiveDateTime,
    }
    mail_outbox => MailOutboxRow {
        id: String,
        account_id: String,
        recipient: String,
        subject: String,
        body: String,
        created_at: NaiveDateTime,
        sent_at: Option<NaiveDateTime>,
        redacted: bool,
    }
    account_audit => AccountAuditRow {
        id: String,
        account_id: String,
        at: NaiveDateTime,
        actor_id: Option<String>,
        actor_name: String,
        action: String,
        detail: String,
    }
    // OpenID Connect: the applications and what they hold. The signing keys stay behind (a
    // key is a secret, and the new store makes its own; ID tokens are short-lived) and so do
    // authorization codes (60 s).
    oidc_clients => OidcClientsRow {
        id: String,
        name: String,
        public: bool,
        redirect_uris: String,
        post_logout_uris: String,
        backchannel_logout_uri: Option<String>,
        accounts: Option<String>,
        secret_hash: Option<String>,
        previous_secret_hash: Option<String>,
        previous_secret_until: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
    }
    oidc_client_use => OidcClientUseRow {
        client_id: String,
        account_id: String,
        last_used_at: NaiveDateTime,
    }
    oidc_grants => OidcGrantsRow {
        id: String,
        client_id: String,
        account_id: String,
        employee_id: String,
        sid: String,
        scope: String,
        nonce: Option<String>,
        auth_time: NaiveDateTime,
        method: String,
        created_at: NaiveDateTime,
        revoked_at: Option<NaiveDateTime>,
    }
    oidc_tokens => OidcTokensRow {
        token_hash: String,
        grant_id: String,
        kind: String,
        expires_at: NaiveDateTime,
        used_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
    }
    oidc_logout_deliveries => OidcLogoutDeliveriesRow {
        id: String,
        client_id: String,
        account_id: String,
        employee_id: String,
        sid: String,
        url: String,
        status: String,
        attempts: i32,
        next_attempt_at: NaiveDateTime,
        claimed_until: Option<NaiveDateTime>,
        last_error: Option<String>,
        created_at: NaiveDateTime,
        delivered_at: Option<NaiveDateTime>,
    }
    event_sequences => EventSequencesRow {
        account_id: String,
        last_seq: i64,
        purged_through: i64,
    }
    account_alerts => AccountAlertsRow {
        account_id: String,
        alert_key: String,
        raised_at: NaiveDateTime,
    }
}

/// What an exported mail says instead of its body.
pub const MAIL_NOT_EXPORTED: &str = "(not exported: it may have held a one-time link)";

/// A file must not carry a usable one-time link: every mail leaves without its body and
/// arrives redacted, so the importing store never delivers it (the person asks for a new link).
/// The change feed's events stay behind too (the feed is for catching up, not an archive): each
/// account's numbering goes on where it was, so a reader that had caught up continues, and an
/// older cursor is told to read the directory again instead of silently missing events.
fn redact_for_export<T: std::any::Any>(table: &str, row: &mut T) {
    let row = row as &mut dyn std::any::Any;
    if table == "mail_outbox"
        && let Some(mail) = row.downcast_mut::<MailOutboxRow>()
    {
        MAIL_NOT_EXPORTED.clone_into(&mut mail.body);
        mail.redacted = true;
    }
    if table == "event_sequences"
        && let Some(sequence) = row.downcast_mut::<EventSequencesRow>()
    {
        sequence.purged_through = sequence.last_seq;
    }
}

fn defer_approver<T: std::any::Any>(
    table: &str,
    row: &mut T,
    approvers: &mut Vec<(String, String)>,
) {
    if table != "employees" {
        return;
    }
    if let Some(employee) = (row as &mut dyn std::any::Any).downcast_mut::<EmployeesRow>()
        && let Some(approver) = employee.approver_id.take()
    {
        approvers.push((employee.id.clone(), approver));
    }
}

fn write_line<T: Serialize>(out: &mut impl Write, value: &T) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, value).map_err(|e| TransferError::Write(e.to_string()))?;
    out.write_all(b"\n")
        .map_err(|e| TransferError::Write(e.to_string()))
}

/// Writes everything under `schema` (from `db::schema_version`, read before the snapshot:
/// diesel's migration table may not be read inside a read-only transaction); returns the rows
/// per table. Run it in `db::snapshot` for a consistent picture while servers keep working.
pub fn export(
    conn: &mut DbConnection,
    schema: &str,
    out: &mut impl Write,
) -> Result<Counts, TransferError> {
    let header = Header {
        format: FORMAT.into(),
        schema: schema.to_owned(),
    };
    write_line(out, &header)?;
    export_tables(conn, out)
}

/// Reads a file written by `export` into an empty store, all or nothing (call it inside one
/// transaction). Returns the rows per table.
pub fn import(conn: &mut DbConnection, input: impl BufRead) -> Result<Counts, TransferError> {
    let accounts: i64 = schema::accounts::table.count().get_result(conn)?;
    if accounts > 0 {
        return Err(TransferError::NotEmpty(accounts));
    }
    let mut lines = input.lines().enumerate();
    let bad = |line: usize, message: String| TransferError::Line { line, message };
    let header: Header = match lines.next() {
        Some((_, Ok(text))) => serde_json::from_str(&text)
            .map_err(|e| bad(1, format!("not a gatehouse export header: {e}")))?,
        Some((_, Err(e))) => return Err(bad(1, e.to_string())),
        None => return Err(bad(1, "the file is empty".into())),
    };
    if header.format != FORMAT {
        return Err(bad(
            1,
            format!("format {:?} is not {FORMAT}", header.format),
        ));
    }
    let ours = super::migrate::schema_version(conn)?;
    if header.schema != ours {
        return Err(TransferError::Schema {
            found: header.schema,
            ours,
        });
    }
    let mut counts: Counts = Vec::new();
    let mut approvers = Vec::new();
    for (index, text) in lines {
        let number = index + 1;
        let text = text.map_err(|e| bad(number, e.to_string()))?;
        if text.trim().is_empty() {
            continue;
        }
        let line: LineIn = serde_json::from_str(&text).map_err(|e| bad(number, e.to_string()))?;
        let table = insert_row(conn, &line.table, line.row, &mut approvers)
            .map_err(|message| bad(number, format!("{}: {message}", line.table)))?;
        match counts.last_mut() {
            Some((last, n)) if *last == table => *n += 1,
            _ => counts.push((table, 1)),
        }
    }
    for (id, approver) in approvers {
        diesel::update(employees::table.find(&id))
            .set(employees::approver_id.eq(Some(approver)))
            .execute(conn)?;
    }
    Ok(counts)
}
