//! The real server on a loopback port over a fresh store, and the browsers that talk to it.

use gatehouse::config::Settings;
use gatehouse::db::{self, Db, DbConnection};
use gatehouse::startup::Application;

use super::people::{person, scim};
use super::store::TestStore;

/// The public URL the test server believes it has (URLs handed to Entra are built from it).
pub const PUBLIC_URL: &str = "http://127.0.0.1";

/// The real server on a loopback port, over a real store.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub store: TestStore,
    pub public_url: String,
}

/// The Origin a browser sends with a form post from a page of `public_url`.
pub fn origin_of(public_url: &str) -> &str {
    let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
    match public_url[after_scheme..].find('/') {
        Some(slash) => &public_url[..after_scheme + slash],
        None => public_url,
    }
}

/// A client that behaves like a browser on our pages: no redirects followed, and the Origin
/// header a browser sends with a form post from a page of `public_url`.
pub fn browser_builder(public_url: &str) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        origin_of(public_url).parse().expect("origin header"),
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

/// The settings of every test server: the server's own defaults, read by `Settings::from_lookup`
/// from this environment (never the process's), so a new setting needs no change here unless
/// tests want another value than operators get.
pub fn test_settings(store: &TestStore) -> Settings {
    let env = [
        ("GATEHOUSE_DATABASE_URL", store.url.as_str()),
        ("GATEHOUSE_BIND", "127.0.0.1:0"),
        ("GATEHOUSE_PUBLIC_URL", PUBLIC_URL),
        ("GATEHOUSE_DB_POOL_SIZE", "4"),
        ("GATEHOUSE_WORKERS", "1"),
        // Tests sign in far more often than people do; the limit has tests of its own.
        ("GATEHOUSE_LOGIN_RATE_PER_MINUTE", "1000"),
    ];
    Settings::from_lookup(|name| {
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("test settings")
}

/// The server with the test settings adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let store = TestStore::new();
    let mut settings = test_settings(&store);
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
        self.write(|c| {
            gatehouse::idp::settings::change_sso(c, account_id, &change, &crate::helpers::system())
        })
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
