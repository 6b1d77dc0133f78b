use std::path::PathBuf;

use diesel::prelude::*;
use gatehouse::config::Settings;
use gatehouse::db::{self, Db, DbConnection, Store};
use gatehouse::directory::accounts::{self, Account};
use gatehouse::directory::employees::Profile;
use gatehouse::directory::history::{Actor, Source};
use gatehouse::startup::Application;
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

/// The real server on a loopback port, over a real store.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub store: TestStore,
    pub public_url: String,
}

/// A client that behaves like a browser on our pages: no redirects followed, and the Origin
/// header a browser sends with a form post from a page of `public_url`.
pub fn browser_builder(public_url: &str) -> reqwest::ClientBuilder {
    let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
    let origin = match public_url[after_scheme..].find('/') {
        Some(slash) => &public_url[..after_scheme + slash],
        None => public_url,
    };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        origin.parse().expect("origin header"),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at(PUBLIC_URL).await
}

/// The server believing it is reached at `public_url` (e.g. https behind a proxy).
pub async fn spawn_app_at(public_url: &str) -> TestApp {
    spawn_app_with(|s| s.public_url = public_url.into()).await
}

/// The server with settings adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let store = TestStore::new();
    let mut settings = Settings {
        store: store.store(),
        bind: "127.0.0.1:0".into(),
        public_url: PUBLIC_URL.into(),
        db_pool_size: 4,
        workers: 1,
        provisioning_log_days: 90,
        login_journal_days: 90,
        login_rate_per_minute: 1000,
        password_hashing: 1,
        smtp: None,
        metrics_token: None,
        trusted_proxies: Vec::new(),
    };
    adjust(&mut settings);
    let public_url = settings.public_url.clone();
    let app = Application::build(settings).expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = browser_builder(&public_url)
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp {
        address,
        db,
        client,
        store,
        public_url,
    }
}

impl TestApp {
    /// Runs `f` in one write transaction against the server's store.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> gatehouse::directory::Result<T>,
    ) -> gatehouse::directory::Result<T> {
        db::write(&mut self.db.conn().expect("connection"), f)
    }

    /// Applies SSO switches to an account, as an admin would.
    pub fn sso(&self, account_id: &str, change: gatehouse::idp::settings::SsoChange) {
        let by = Actor::new(Source::System);
        self.write(|c| gatehouse::idp::settings::change_sso(c, account_id, &change, &by))
            .expect("SSO settings");
    }

    /// A person provisioned by Entra (federated, active).
    pub fn provision(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> gatehouse::directory::employees::Employee {
        self.write(|c| {
            gatehouse::directory::lifecycle::provision(
                c,
                account_id,
                person(user_name),
                true,
                &scim(),
            )
        })
        .expect("provision")
        .employee
    }

    /// A second browser: its own cookie jar.
    pub fn new_browser(&self) -> reqwest::Client {
        browser_builder(&self.public_url)
            .cookie_store(true)
            .build()
            .expect("http client")
    }
}

/// The public URL the test server believes it has (URLs handed to Entra are built from it).
pub const PUBLIC_URL: &str = "http://127.0.0.1";

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

pub fn person(user_name: &str) -> Profile {
    let given = user_name.split(['.', '@']).next().unwrap_or("x").to_owned();
    Profile {
        user_name: user_name.into(),
        email: user_name.into(),
        given_name: given,
        family_name: "Tester".into(),
        ..Profile::default()
    }
}

pub fn scim() -> Actor {
    Actor::new(Source::Scim)
}

pub fn csv() -> Actor {
    Actor::new(Source::Csv)
}

pub fn gatehouse_bin() -> &'static str {
    env!("CARGO_BIN_EXE_gatehouse")
}

/// The CSRF token of the form page at `path`; the client keeps the matching cookie.
pub async fn form_token(client: &reqwest::Client, address: &str, path: &str) -> String {
    let html = client
        .get(format!("{address}{path}"))
        .send()
        .await
        .expect("form page")
        .text()
        .await
        .expect("html");
    html.split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf field")
        .to_owned()
}
