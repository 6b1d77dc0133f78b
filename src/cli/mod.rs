//! The `gatehouse` command line (GUIDE section 7): messages on stderr, results alone on stdout,
//! a non-zero exit with a clear message on bad input.

mod account;
mod employee;

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
