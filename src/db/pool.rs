use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

use super::{DbConnection, DbError, SqliteOpenError, Store, StoreKind, run_migrations};

pub type PooledConn = PooledConnection<ConnectionManager<DbConnection>>;

/// How long a writer waits for SQLite's lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// Handle to the store: a connection pool plus the knowledge of which backend it is.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<DbConnection>>,
    store: Store,
}

impl Db {
    /// Opens the store, brings its schema up to date and builds the pool. Fails fast with a
    /// message naming the store when it cannot be reached or created.
    pub fn open(store: &Store, pool_size: u32) -> Result<Db, DbError> {
        let mut first = establish(store)?;
        let applied = run_migrations(&mut first)?;
        if !applied.is_empty() {
            log::info!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            );
        }
        drop(first);
        let url = match store {
            Store::Sqlite(path) => path.to_string_lossy().into_owned(),
            Store::Postgres(url) => url.clone(),
        };
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(Pragmas))
            .build(ConnectionManager::<DbConnection>::new(url))?;
        Ok(Db {
            pool,
            store: store.clone(),
        })
    }

    pub fn kind(&self) -> StoreKind {
        self.store.kind()
    }

    /// Whether the store serves reads within `timeout`. For SQLite also whether the file is
    /// still where we opened it: open connections keep writing to a deleted or replaced file,
    /// and everything written then would be lost.
    pub fn check_health(&self, timeout: Duration) -> Result<(), DbError> {
        let mut conn = self.conn_within(timeout)?;
        super::ping(&mut conn)?;
        if let Store::Sqlite(path) = &self.store {
            let same_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
            if !same_file {
                return Err(DbError::SqliteOpen {
                    path: path.display().to_string(),
                    source: SqliteOpenError::Gone,
                });
            }
        }
        Ok(())
    }

    pub fn conn(&self) -> Result<PooledConn, DbError> {
        Ok(self.pool.get()?)
    }

    /// A connection, but giving up after `timeout`: for health checks that must answer quickly.
    pub fn conn_within(&self, timeout: Duration) -> Result<PooledConn, DbError> {
        Ok(self.pool.get_timeout(timeout)?)
    }

    /// Runs blocking database work off the async executor, one closure per unit of work.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.work(move |db| f(&mut *db.conn()?)).await
    }

    /// Runs blocking work off the async executor that takes connections as it needs them: for
    /// work with a long stretch that needs none, such as a sign-in's signature check.
    pub async fn work<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::rt::task::spawn_blocking(move || f(&db))
            .await
            .unwrap_or_else(|join| Err(E::from(DbError::Worker(join))))
    }
}

/// Opens one connection directly (not pooled), creating the SQLite file and its folder if needed.
pub(crate) fn establish(store: &Store) -> Result<DbConnection, DbError> {
    match store {
        Store::Sqlite(path) => {
            let fail = |source: SqliteOpenError| DbError::SqliteOpen {
                path: path.display().to_string(),
                source,
            };
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| {
                    fail(SqliteOpenError::Folder {
                        folder: parent.display().to_string(),
                        source,
                    })
                })?;
            }
            let text = path
                .to_str()
                .ok_or_else(|| fail(SqliteOpenError::NotUtf8))?;
            // Switching a new file to WAL takes an exclusive lock for which SQLite does not
            // always wait on the busy handler; instances starting together retry here instead.
            let deadline = Instant::now() + Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS.into());
            loop {
                match open_sqlite(text) {
                    Err(e) if is_locked(&e) && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(25));
                    }
                    other => return other.map_err(fail),
                }
            }
        }
        Store::Postgres(url) => {
            PgConnection::establish(url)
                .map(DbConnection::Pg)
                .map_err(|source| DbError::PostgresConnect {
                    url: store.display(),
                    source,
                })
        }
    }
}

fn open_sqlite(path: &str) -> Result<DbConnection, SqliteOpenError> {
    let mut conn = SqliteConnection::establish(path)?;
    super::stable_plans::check(&mut conn);
    let mut conn = DbConnection::Sqlite(conn);
    apply_sqlite_pragmas(&mut conn)?;
    // WAL is a property of the file: set here, before the pool opens more connections.
    diesel::sql_query("PRAGMA journal_mode = WAL").execute(&mut conn)?;
    Ok(conn)
}

fn is_locked(error: &SqliteOpenError) -> bool {
    let message = error.to_string();
    message.contains("database is locked") || message.contains("database is busy")
}

/// Per-connection SQLite settings. `synchronous = NORMAL` under WAL keeps every committed
/// transaction across a process crash; see ARCHITECTURE.md for the trade-off. `temp_store =
/// MEMORY` keeps statement journals (a savepoint's undo pages) in memory: on disk, a write
/// transaction with a savepoint created, wrote and deleted a temporary file. A checkpoint every
/// 4,000 WAL pages (16 MB; SQLite's default is 1,000) instead of after every hundred or so
/// sign-ins: it copies each page once however often it was written meanwhile, and syncs twice.
fn apply_sqlite_pragmas(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute(&format!(
            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
             PRAGMA foreign_keys = ON; \
             PRAGMA synchronous = NORMAL; \
             PRAGMA temp_store = MEMORY; \
             PRAGMA wal_autocheckpoint = 4000;"
        ))?;
    }
    Ok(())
}

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        apply_sqlite_pragmas(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Integer;

    use super::*;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Integer)]
        value: i32,
    }

    #[derive(QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = Integer)]
        wal_autocheckpoint: i32,
    }

    fn setting(conn: &mut DbConnection, pragma: &str) -> i32 {
        diesel::sql_query(format!("SELECT (SELECT * FROM pragma_{pragma}()) AS value"))
            .get_result::<Setting>(conn)
            .expect(pragma)
            .value
    }

    #[test]
    fn every_pooled_sqlite_connection_gets_the_settings() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let store =
            Store::parse(&format!("sqlite://{}/g.db", dir.path().display())).expect("a SQLite URL");
        let db = Db::open(&store, 2).expect("store opens");
        let (mut first, mut second) = (
            db.conn().expect("a connection"),
            db.conn().expect("a second connection"),
        );
        for conn in [&mut *first, &mut *second] {
            assert_eq!(setting(conn, "busy_timeout"), SQLITE_BUSY_TIMEOUT_MS as i32);
            assert_eq!(setting(conn, "foreign_keys"), 1);
            assert_eq!(setting(conn, "synchronous"), 1, "NORMAL");
            assert_eq!(setting(conn, "temp_store"), 2, "MEMORY");
            // No table-valued form: this pragma has a side effect when given a value.
            let checkpoint: Checkpoint = diesel::sql_query("PRAGMA wal_autocheckpoint")
                .get_result(conn)
                .expect("wal_autocheckpoint");
            assert_eq!(checkpoint.wal_autocheckpoint, 4000);
        }
    }
}
