//! The `gatehouse` command line (GUIDE section 7): messages on stderr, results alone on stdout,
//! a non-zero exit with a clear message on bad input.

mod account;
mod admin;
mod employee;
mod transfer;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::Db;
use crate::error::Error;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Entra ID sign-in and provisioning for an employee directory"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrates the store first).
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
    /// Mail waiting to be delivered (password links).
    #[command(subcommand)]
    Mail(MailCommand),
    /// Write the whole installation (every account, person, setting and log) to FILE, to move
    /// it to another store or keep it as a backup. Safe while servers run.
    Export { file: PathBuf },
    /// Load a file written by `gatehouse export` into this (empty) store, all or nothing.
    Import { file: PathBuf },
    /// Purge expired one-time state and old provisioning log lines once (every server also
    /// does this hourly); safe while servers run.
    Housekeeping,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make EMAIL a setup admin of the account (creating the person if needed) and print a
    /// one-time link, valid 24 hours, to set their password.
    Create { slug: String, email: String },
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
        Command::Mail(MailCommand::Outbox { mark_sent }) => {
            admin::outbox(&open(settings)?, mark_sent)
        }
        Command::Export { file } => transfer::export(settings, &file),
        Command::Import { file } => transfer::import(settings, &file),
        Command::Housekeeping => {
            let mut conn = open(settings)?.conn()?;
            let retention = settings.retention();
            let purged = crate::db::write(&mut conn, |c| {
                crate::directory::expiry::housekeeping(c, retention)
            })?;
            eprintln!("purged {} row(s): {purged:?}", purged.total());
            Ok(())
        }
    }
}

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
