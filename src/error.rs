//! Errors that leave the program: the one place that decides exit codes for the CLI and the
//! HTTP status and body for people (HTML) or machines (JSON).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::config::ConfigError;
use crate::db::DbError;
use crate::directory::DirectoryError;
use crate::directory::csv_io::CsvError;

/// Exit status when the command's input is refused (an unknown slug, a bad file, a rule).
pub const EXIT_INPUT: i32 = 1;
/// Exit status of a wrong command line (clap's own convention).
pub const EXIT_USAGE: i32 = 2;
/// Exit status when the configuration or environment is wrong: a bad setting, an address that
/// cannot be listened on, a store that cannot be opened or reached.
pub const EXIT_CONFIG: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Directory(#[from] DirectoryError),
    #[error("{0}")]
    Csv(#[from] CsvError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The address in `GATEHOUSE_BIND` cannot be listened on (not an address, in use, not ours).
    #[error("GATEHOUSE_BIND: cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    /// A defect of this build: it would answer every page with an error.
    #[error("the built-in templates do not parse: {0}")]
    Templates(String),
    /// A command's input refused for a reason the message states.
    #[error("{0}")]
    Input(String),
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// `EXIT_INPUT` (1): the command's input was refused; `EXIT_CONFIG` (3): the installation
    /// is misconfigured or its store unreachable. (`EXIT_USAGE`, 2, is clap's, for a wrong
    /// command line.)
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Db(_) | Error::Bind { .. } | Error::Templates(_) => {
                EXIT_CONFIG
            }
            Error::Directory(DirectoryError::Db(_) | DirectoryError::Randomness(_))
            | Error::Csv(CsvError::Directory(DirectoryError::Db(_))) => EXIT_CONFIG,
            Error::Io { .. } | Error::Input(_) | Error::Directory(_) | Error::Csv(_) => EXIT_INPUT,
        }
    }
}

/// What a failed HTTP request tells a person: a status and a plain sentence, never internals.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("There is nothing at this address.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("The service cannot reach its database right now. Please try again in a minute.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again in a minute.")]
    Internal,
}

impl From<DirectoryError> for HttpError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound { .. } => HttpError::NotFound,
            DirectoryError::Invalid { .. } => HttpError::BadRequest(error.to_string()),
            DirectoryError::Conflict { .. } => HttpError::Conflict(error.to_string()),
            // Who asks cannot do this to themselves; anything else is the person's state.
            DirectoryError::Refused(refusal) if refusal.is_about_the_actor() => {
                HttpError::Forbidden(refusal.to_string())
            }
            DirectoryError::Refused(refusal) => HttpError::Conflict(refusal.to_string()),
            DirectoryError::Db(db) => db.into(),
            DirectoryError::Randomness(error) => {
                log::error!("no randomness: {error}");
                HttpError::Internal
            }
        }
    }
}

/// The system's random generator failed: nothing a person can do but try again.
impl From<openssl::error::ErrorStack> for HttpError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        log::error!("no randomness: {error}");
        HttpError::Internal
    }
}

impl From<DbError> for HttpError {
    fn from(error: DbError) -> Self {
        log::error!("database error: {error}");
        HttpError::Unavailable
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            HttpError::NotFound => StatusCode::NOT_FOUND,
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        crate::web::pages::error_page(self.status_code(), &self.to_string())
    }
}
