//! The admin harness: a setup admin of account "acme" signed in in a browser of their own.

use std::sync::Arc;

use gatehouse::auth::sessions;
use gatehouse::directory::accounts::Account;
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::employees::{self, Employee};
use gatehouse::directory::lifecycle;
use reqwest::StatusCode;

use super::app::{TestApp, browser_builder, spawn_app};
use super::people::{cli, person};
use super::store::create_account;

pub struct Console {
    pub app: TestApp,
    pub account: Account,
    pub admin: Employee,
    pub browser: reqwest::Client,
}

/// A running server with account "acme" and a signed-in setup admin's browser.
pub async fn console() -> Console {
    let app = spawn_app().await;
    let account = create_account(&app.db, "acme");
    let admin = setup_admin(&app, &account);
    let browser = signed_in(&app, &account, &admin);
    Console {
        app,
        account,
        admin,
        browser,
    }
}

/// it@acme.com, created with the setup admin role as `gatehouse admin create` does.
pub fn setup_admin(app: &TestApp, account: &Account) -> Employee {
    app.write(|c| {
        let admin = lifecycle::create(c, &account.id, person("it@acme.com"), &cli())?;
        let roles = Roles {
            setup_admin: true,
            ..Roles::default()
        };
        approvers::set_roles(c, &account.id, &admin.id, roles, &cli())
    })
    .expect("admin")
}

/// A browser holding a fresh session of `who`.
pub fn signed_in(app: &TestApp, account: &Account, who: &Employee) -> reqwest::Client {
    let secret = app
        .write(|c| sessions::create(c, &account.id, &who.id))
        .expect("session");
    let jar = reqwest::cookie::Jar::default();
    let url = app.address.parse::<reqwest::Url>().expect("url");
    jar.add_cookie_str(&format!("gatehouse_session={secret}; Path=/"), &url);
    browser_builder(&app.public_url)
        .cookie_provider(Arc::new(jar))
        .build()
        .expect("client")
}

impl Console {
    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// The admin's GET of `path`: status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.app.get_in(&self.browser, path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// Posts a form the way the page does: with the token from `page`.
    pub async fn post(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.app
            .submit_in(&self.browser, page, action, fields)
            .await
    }

    pub fn employee(&self, id: &str) -> Employee {
        self.app
            .write(|c| employees::get(c, &self.account.id, id))
            .expect("employee")
    }

    pub fn add(&self, user_name: &str) -> Employee {
        self.app
            .write(|c| lifecycle::create(c, &self.account.id, person(user_name), &cli()))
            .expect("person")
    }
}
