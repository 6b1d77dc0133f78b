use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// Someone else already holds this value (a login name, an email, an account slug).
    #[error("{field} {value:?} is already taken")]
    Conflict { field: &'static str, value: String },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request is understood but the person's state forbids it.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for DirectoryError {
    fn from(error: diesel::result::Error) -> Self {
        DirectoryError::Db(DbError::Query(error))
    }
}

impl DirectoryError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DirectoryError::Invalid {
            field,
            message: message.into(),
        }
    }
}
