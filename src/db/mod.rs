//! Storage: one Diesel model set over SQLite (embedded default) or PostgreSQL, chosen by URL.
//! This is the only module that names a backend.

pub mod schema;

mod migrate;
mod pool;
mod sequence;
#[cfg(test)]
mod sql_rendering;
mod stable_plans;
mod store;
pub mod transfer;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

pub use migrate::{run_migrations, schema_version};
pub use pool::{Db, PooledConn};

/// One unpooled connection, for commands that only migrate.
pub fn establish_for_cli(store: &Store) -> Result<DbConnection, DbError> {
    pool::establish(store)
}
pub use store::{Store, StoreKind};

/// A connection to whichever store the installation uses.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unsupported database URL scheme in {0:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )]
    UnknownScheme(String),
    #[error("cannot open the SQLite database at {path}: {source}")]
    SqliteOpen {
        path: String,
        #[source]
        source: SqliteOpenError,
    },
    #[error("cannot connect to PostgreSQL at {url}: {source}")]
    PostgresConnect {
        url: String,
        #[source]
        source: diesel::ConnectionError,
    },
    #[error("database migration failed: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error(
        "the database has schema version {0} that this gatehouse does not know: run a newer gatehouse"
    )]
    SchemaTooNew(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("the database worker thread failed: {0}")]
    Worker(#[from] actix_web::rt::task::JoinError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Why a SQLite file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SqliteOpenError {
    #[error("the URL names no file (sqlite://PATH)")]
    NoPath,
    #[error("the path is not UTF-8")]
    NotUtf8,
    #[error("cannot create the folder {folder}: {source}")]
    Folder {
        folder: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Settings(#[from] diesel::result::Error),
    #[error("the database file is no longer there")]
    Gone,
}

/// SQLite has one writer at a time. Writers of this process queue here, in order, instead of in
/// SQLite's busy handler, which sleeps with backoff (up to 100 ms a turn) and makes tail latency
/// under load. Other processes (the CLI, a second server) still meet the busy timeout.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` inside the current write transaction as a savepoint: if it fails, what it wrote
/// is undone and the transaction goes on (to record why, say).
pub fn savepoint<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// Runs `f` in one write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so two writers
/// queue instead of failing on a read-to-write lock upgrade. Events `f` recorded take their
/// numbers in the account's change feed just before the commit (see `sequence`).
pub fn write<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let _turn = match conn {
        // A writer that panicked leaves nothing half-done here (its transaction rolled back).
        DbConnection::Sqlite(_) => Some(
            SQLITE_WRITER
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        ),
        DbConnection::Pg(_) => None,
    };
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?
        }
    }
    match f(conn).and_then(|value| {
        sequence::assign(conn)?;
        Ok(value)
    }) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The caller's error is the one worth reporting; a failed rollback leaves the
            // connection marked broken and the pool discards it.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Runs `f` on one consistent snapshot of the store (a read transaction; on PostgreSQL
/// repeatable read), so a long read such as an export sees no half-made change.
pub fn snapshot<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?,
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    let result = f(conn);
    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
    result
}

/// Runs `f` as `write` does and then rolls everything back: a preview of a change that goes
/// through exactly the code that would make it.
pub fn dry_run<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    enum Outcome<T, E> {
        Kept(T),
        Failed(E),
    }
    impl<T, E: From<diesel::result::Error>> From<diesel::result::Error> for Outcome<T, E> {
        fn from(error: diesel::result::Error) -> Self {
            Outcome::Failed(E::from(error))
        }
    }
    let rolled_back: Result<std::convert::Infallible, Outcome<T, E>> =
        write(conn, |c| match f(c) {
            Ok(value) => Err(Outcome::Kept(value)),
            Err(error) => Err(Outcome::Failed(error)),
        });
    match rolled_back {
        Err(Outcome::Kept(value)) => Ok(value),
        Err(Outcome::Failed(error)) => Err(error),
        Ok(never) => match never {},
    }
}

/// Answers whether the store serves reads of our own tables (not just `SELECT 1`).
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    schema::accounts::table
        .select(schema::accounts::id)
        .first::<String>(conn)
        .optional()
        .map(|_| ())
}

/// True when `error` is a unique-index violation, the store's last word on a race between two
/// writers claiming the same login name or email.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs one insert inside a savepoint and answers whether it inserted: a unique violation
/// (the row is already there, or a parallel writer just committed it) rolls back only the
/// savepoint, so the surrounding transaction goes on. Both stores, no backend-specific upsert.
pub fn insert_unless_present(
    conn: &mut DbConnection,
    insert: impl FnOnce(&mut DbConnection) -> QueryResult<usize>,
) -> QueryResult<bool> {
    match conn.transaction(|c| insert(c)) {
        Ok(inserted) => Ok(inserted > 0),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
