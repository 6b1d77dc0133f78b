//! The `gatehouse` command line (GUIDE section 7): messages on stderr, results alone on stdout,
//! a non-zero exit with a clear message on bad input. The CLI is one more channel: every change
//! goes through the same `directory`, `idp` and `auth` functions as the admin pages (and is
//! audited by them, the actor being the command line).

mod account;
mod admin;
mod client;
mod employee;
mod settings;
mod transfer;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::{Db, DbConnection};
use crate::directory::DirectoryError;
use crate::directory::accounts::{self, Account};
use crate::directory::history::{Actor, Source};
use crate::error::Error;
use crate::startup::Application;

pub use settings::SettingsArgs;

/// The exit codes (`error::EXIT_*`) and where settings come from, for `--help`.
macro_rules! exit_status {
    () => {
        "\
Exit status:
  0  done
  1  the command's input was refused (an unknown slug or id, a bad file, a rule such as
     \"the last valid certificate cannot go while SSO is on\"); the message says why
  2  the command line itself is wrong (unknown command or option, missing argument)
  3  configuration or environment: a bad setting, the address in GATEHOUSE_BIND cannot be
     listened on (invalid, or the port is in use), the store cannot be opened or reached

Every setting may instead be read from a file named by NAME_FILE (e.g.
GATEHOUSE_DATABASE_URL_FILE), which is how secrets stay out of the environment; an option given
on the command line wins over both."
    };
}

const EXIT_STATUS: &str = exit_status!();

const SERVE_HELP: &str = concat!(
    "Settings (GATEHOUSE_BIND, GATEHOUSE_PUBLIC_URL, GATEHOUSE_DATABASE_URL, ...) are listed, \
     with their environment variables, by `gatehouse --help`.\n\n",
    exit_status!()
);

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Entra ID sign-in and provisioning for an employee directory",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line (exiting with clap's usage code 2 on a mistake) and keeps what
    /// was given there, so settings can tell an option from an environment variable.
    pub fn parse_with_matches() -> (Cli, clap::ArgMatches) {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        (cli, matches)
    }
}

/// Who the account's audit trail names for a change made here.
pub fn actor() -> Actor {
    Actor::new(Source::Cli)
}

/// The account with this slug, or an error naming the slug.
fn account(conn: &mut DbConnection, slug: &str) -> Result<Account, Error> {
    accounts::by_slug(conn, slug)
        .map_err(|error| not_found(error, || format!("no account with the slug {slug:?}")))
}

/// A "not found" that says what was looked for (`no account with the slug "acme"`) instead of
/// the directory's bare "account not found"; any other error as it is.
fn not_found(error: DirectoryError, looked_for: impl FnOnce() -> String) -> Error {
    match error {
        DirectoryError::NotFound { .. } => Error::Input(looked_for()),
        other => other.into(),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrates the store first).
    #[command(after_help = SERVE_HELP)]
    Serve,
    /// Create or update the store's schema, then exit.
    Migrate,
    /// Manage accounts (companies).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Import or export an account's employees.
    #[command(subcommand)]
    Employee(EmployeeCommand),
    /// Setup admins.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Mail waiting to be delivered (password links, account alerts).
    #[command(subcommand)]
    Mail(MailCommand),
    /// Write the whole installation (every account, person, setting and log) to FILE, to move
    /// it to another store or keep it as a backup. Safe while servers run.
    Export { file: PathBuf },
    /// Load a file written by `gatehouse export` into this (empty) store, all or nothing.
    Import { file: PathBuf },
    /// Purge expired one-time state and old provisioning log lines once (every server also
    /// does this hourly), and raise the account alerts that are due; safe while servers run.
    Housekeeping,
    /// Applications that sign people in through Gatehouse (OpenID Connect relying parties).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The OpenID Connect provider's signing keys.
    #[command(subcommand)]
    Oidc(OidcCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register an application; prints `client_id=...` and, unless --public,
    /// `client_secret=...` (shown once; only its hash is stored).
    Create {
        name: String,
        /// Where the application receives the sign-in (exact; for native apps
        /// http://127.0.0.1/path matches any port). Repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A mobile app or single-page app: no secret, PKCE (S256) required. May use a
        /// private-use scheme such as com.example.hr:/callback.
        #[arg(long)]
        public: bool,
        /// Where the application may send people after signing out. Repeat for several.
        #[arg(long = "post-logout-uri")]
        post_logout_uris: Vec<String>,
        /// Receives OpenID Connect Back-Channel Logout tokens when a person's sign-in ends.
        #[arg(long = "backchannel-logout-uri")]
        backchannel_logout_uri: Option<String>,
        /// Only these accounts' people may sign in to it (comma-separated slugs); default all.
        #[arg(long, value_delimiter = ',')]
        accounts: Vec<String>,
    },
    /// One line per application: client_id, name, public|confidential, accounts, redirect URIs.
    List,
    /// A new secret for a confidential application; prints `client_secret=...`. The old secret
    /// keeps working for 24 hours.
    Secret { client_id: String },
    /// Remove an application; every sign-in it holds ends.
    Delete { client_id: String },
    /// Webhooks: an application's endpoints that receive an account's change events, signed
    /// as Standard Webhooks describes.
    #[command(subcommand)]
    Webhook(WebhookCommand),
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Send the account's events from now on to URL (https, a public address), for a
    /// confidential application that serves the account. Prints the signing secret
    /// `whsec_...` (shown once).
    Add {
        client_id: String,
        /// The account whose events are sent.
        #[arg(long)]
        account: String,
        /// The receiving endpoint.
        #[arg(long)]
        url: String,
    },
    /// One line per webhook (of CLIENT_ID, or all): id, client_id, account, URL, created
    /// (UTC), delivered up to, state; separated by tabs.
    List { client_id: Option<String> },
    /// Stop sending to a webhook (its delivery log goes with it).
    Remove { id: String },
}

#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// Add a new ID-token signing key; the previous one stays in the JWKS until every token it
    /// signed has expired. Prints the new key id.
    RotateKey,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make EMAIL a setup admin of the account (creating the person if needed) and print a
    /// one-time link, valid 24 hours, to set their password.
    Create { slug: String, email: String },
    /// Take the setup admin role from the person with this login name or email. An account
    /// keeps its last active setup admin.
    Remove { slug: String, login: String },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Print mail not yet delivered; with --mark-sent, also mark it delivered.
    Outbox {
        #[arg(long)]
        mark_sent: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account; prints its id.
    Create {
        /// URL name of the account: lowercase letters, digits and hyphens.
        slug: String,
        /// Display name of the company.
        #[arg(long)]
        name: String,
    },
    /// List accounts, one "slug<TAB>name" per line.
    List,
    /// Point the account at its Entra ID tenant: from federation metadata XML, or from an entity
    /// id, a sign-on URL and a certificate. Replaces the trusted certificates.
    Idp {
        slug: String,
        /// Entra's Federation Metadata XML file (takes every signing certificate in it).
        #[arg(long, conflicts_with_all = ["entity_id", "sso_url", "cert"])]
        metadata: Option<PathBuf>,
        /// Entra's Microsoft Entra Identifier, e.g. https://sts.windows.net/TENANT-ID/
        #[arg(long, requires_all = ["sso_url", "cert"])]
        entity_id: Option<String>,
        /// Entra's Login URL.
        #[arg(long)]
        sso_url: Option<String>,
        /// The signing certificate: PEM, bare Base64, or DER.
        #[arg(long)]
        cert: Option<PathBuf>,
    },
    /// Make a new SCIM bearer token for Entra's provisioning; prints it once. The old one stops
    /// working.
    ScimToken { slug: String },
    /// List the account's trusted signing certificates, one line each:
    /// id, role (active/next), SHA-1 thumbprint, subject, not after (UTC), and "expired" or
    /// "expires in N days", separated by tabs.
    Certificates { slug: String },
    /// Add, promote or remove one trusted signing certificate (same rules as the admin page).
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// The email domains whose people sign in with the account by typing their address (same
    /// rules as the integration page: a domain belongs to one account).
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Turn SSO on or off and set how NameIDs are matched.
    Sso {
        slug: String,
        state: OnOff,
        /// Match the NameID on the login name (upn, Entra's default) or on the work email (mail).
        #[arg(long)]
        nameid: Option<String>,
        /// Allow sign-in started from Entra (My Apps tiles, the Test button).
        #[arg(long)]
        idp_initiated: Option<OnOff>,
        /// Tolerated clock difference with Entra, in seconds (default 180).
        #[arg(long)]
        clock_skew: Option<i32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Trust the certificate in FILE (PEM, bare Base64 or DER; expired ones are refused),
    /// as "next" beside the active one (ahead of a rollover in Entra) or as the active one
    /// (the former active one stays trusted as next). Prints the new certificate's id.
    Add {
        slug: String,
        file: PathBuf,
        /// Trust it beside the active one, ready for Entra's rollover.
        #[arg(long, conflicts_with = "active", required_unless_present = "active")]
        next: bool,
        /// Make it the active one now.
        #[arg(long)]
        active: bool,
    },
    /// Make a trusted certificate the active one; the former active one stays trusted as next.
    Promote { slug: String, cert_id: String },
    /// Stop trusting a certificate. While SSO is on, the last valid one cannot go.
    Remove { slug: String, cert_id: String },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// List DOMAIN (e.g. contoso.com) for the account; refused when another account lists it.
    Add { slug: String, domain: String },
    /// Take DOMAIN off the account's list.
    Remove { slug: String, domain: String },
    /// The account's domains, one a line.
    List { slug: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl OnOff {
    pub fn is_on(self) -> bool {
        self == OnOff::On
    }
}

#[derive(Debug, Subcommand)]
pub enum EmployeeCommand {
    /// Import employees from a CSV file ("-" for standard input); all rows or none.
    Import { slug: String, file: PathBuf },
    /// Export the account's current employees as CSV to standard output or --output FILE.
    Export {
        slug: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub fn run(command: Command, settings: &Settings) -> Result<(), Error> {
    match command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let applied = {
                let mut conn = crate::db::establish_for_cli(&settings.store)?;
                crate::db::run_migrations(&mut conn)?
            };
            match applied.is_empty() {
                true => eprintln!("the schema of {} is up to date", settings.store.display()),
                false => eprintln!(
                    "applied {} migration(s) to {}",
                    applied.len(),
                    settings.store.display()
                ),
            }
            Ok(())
        }
        Command::Account(command) => account::run(command, &open(settings)?),
        Command::Employee(command) => employee::run(command, &open(settings)?),
        Command::Admin(AdminCommand::Create { slug, email }) => {
            admin::create(&open(settings)?, settings, &slug, &email)
        }
        Command::Admin(AdminCommand::Remove { slug, login }) => {
            admin::remove(&open(settings)?, &slug, &login)
        }
        Command::Mail(MailCommand::Outbox { mark_sent }) => {
            admin::outbox(&open(settings)?, mark_sent)
        }
        Command::Export { file } => transfer::export(settings, &file),
        Command::Import { file } => transfer::import(settings, &file),
        Command::Client(command) => client::run(command, &open(settings)?, settings),
        Command::Oidc(OidcCommand::RotateKey) => client::rotate_key(&open(settings)?),
        Command::Housekeeping => {
            let mut conn = open(settings)?.conn()?;
            let retention = settings.retention();
            let purged = crate::db::write(&mut conn, |c| {
                crate::directory::expiry::housekeeping(c, retention)
            })?;
            eprintln!("{purged}");
            for raised in crate::auth::alert_mail::raise_due(&mut conn)? {
                eprintln!("{raised}");
            }
            Ok(())
        }
    }
}

/// What housekeeping purged, one count per kind.
fn open(settings: &Settings) -> Result<Db, Error> {
    Ok(Db::open(&settings.store, 2)?)
}

fn serve(settings: &Settings) -> Result<(), Error> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings.clone())?;
        log::info!(
            "gatehouse listening on {} (port {}), public URL {}, store {}",
            settings.bind,
            app.port(),
            settings.public_url,
            settings.store.display()
        );
        app.run_until_stopped()
            .await
            .map_err(|e| Error::io("the HTTP server stopped", e))
    })
}
