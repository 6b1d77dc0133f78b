//! A store of its own for every test, and `Domain` for the tests that need no HTTP.

use std::path::PathBuf;

use diesel::prelude::*;
use gatehouse::db::{self, Db, DbConnection, Store};
use gatehouse::directory::accounts::{self, Account};
use tempfile::TempDir;

/// A store of its own for one test. Dropping it removes a SQLite folder; PostgreSQL databases
/// go with the throwaway server the test script started.
pub struct TestStore {
    pub url: String,
    pub dir: TempDir,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => fresh_postgres_database(&base),
            _ => format!("sqlite://{}", dir.path().join("gatehouse.db").display()),
        };
        TestStore { url, dir }
    }

    pub fn store(&self) -> Store {
        Store::parse(&self.url).expect("test URL parses")
    }

    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.store().sqlite_path().map(|p| p.to_path_buf())
    }

    pub fn open(&self) -> Db {
        Db::open(&self.store(), 4).expect("test store opens")
    }
}

fn fresh_postgres_database(base: &str) -> String {
    let name = format!("gh_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(base).expect("TEST_DATABASE_URL must reach PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let (server, _) = base.rsplit_once('/').expect("URL ends with /DATABASE");
    format!("{server}/{name}")
}

/// Drops a PostgreSQL test database while the service uses it (for outage tests).
pub fn drop_postgres_database(url: &str) {
    let (server, name) = url.rsplit_once('/').expect("URL ends with /DATABASE");
    let mut admin =
        PgConnection::establish(&format!("{server}/postgres")).expect("reach PostgreSQL");
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .expect("drop test database");
}

/// A migrated store with one account, for domain tests that need no HTTP.
pub struct Domain {
    pub db: Db,
    pub account: Account,
    _store: TestStore,
}

impl Domain {
    pub fn new() -> Domain {
        let store = TestStore::new();
        let db = store.open();
        let account = create_account(&db, "acme");
        Domain {
            db,
            account,
            _store: store,
        }
    }

    pub fn conn(&self) -> gatehouse::db::PooledConn {
        self.db.conn().expect("connection")
    }

    /// Runs `f` in one write transaction, as handlers do.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> gatehouse::directory::Result<T>,
    ) -> gatehouse::directory::Result<T> {
        db::write(&mut self.conn(), f)
    }
}

pub fn create_account(db: &Db, slug: &str) -> Account {
    let mut conn = db.conn().expect("connection");
    db::write(&mut conn, |c| {
        accounts::create(c, slug, &format!("{slug} Ltd"))
    })
    .expect("account")
}
