use std::path::{Path, PathBuf};

use super::DbError;

/// Where the data lives, parsed from `GATEHOUSE_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// `sqlite://PATH`: relative paths are taken from the working directory.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to libpq as is.
    Postgres(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

impl Store {
    pub fn parse(url: &str) -> Result<Store, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::SqliteOpen {
                    path: String::new(),
                    source: super::SqliteOpenError::NoPath,
                });
            }
            return Ok(Store::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Store::Postgres(url.to_owned()));
        }
        Err(DbError::UnknownScheme(redact(url)))
    }

    pub fn kind(&self) -> StoreKind {
        match self {
            Store::Sqlite(_) => StoreKind::Sqlite,
            Store::Postgres(_) => StoreKind::Postgres,
        }
    }

    /// The URL with any password hidden, for messages and logs.
    pub fn display(&self) -> String {
        match self {
            Store::Sqlite(path) => format!("sqlite://{}", path.display()),
            Store::Postgres(url) => redact(url),
        }
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Store::Sqlite(path) => Some(path),
            Store::Postgres(_) => None,
        }
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_stores_and_refuses_others() {
        assert_eq!(
            Store::parse("sqlite://data/g.db").ok(),
            Some(Store::Sqlite(PathBuf::from("data/g.db")))
        );
        assert_eq!(
            Store::parse("sqlite:///var/lib/g.db").ok(),
            Some(Store::Sqlite(PathBuf::from("/var/lib/g.db")))
        );
        assert_eq!(
            Store::parse("postgresql://u@h/db").ok().map(|s| s.kind()),
            Some(StoreKind::Postgres)
        );
        assert!(matches!(
            Store::parse("mysql://root:pw@h/db"),
            Err(DbError::UnknownScheme(shown)) if shown == "mysql://root:***@h/db"
        ));
        assert!(Store::parse("sqlite://").is_err());
    }

    #[test]
    fn hides_passwords() {
        let store = Store::parse("postgres://gh:s3cret@db:5432/gh").expect("valid url");
        assert_eq!(store.display(), "postgres://gh:***@db:5432/gh");
    }
}
