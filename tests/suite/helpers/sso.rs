//! The SSO harness: an account trusting the test IdP with SSO on, Ann provisioned, and the
//! requests a browser makes to sign in (Entra's POST to the ACS, the SP-initiated start).

use std::io::Read;

use gatehouse::auth::journal;
use gatehouse::directory::accounts::{self, Account};
use gatehouse::directory::employees::Employee;
use gatehouse::directory::lifecycle;
use gatehouse::idp::settings::{self, SsoChange};
use gatehouse::idp::{Certificate, certificates};
use serde_json::Value;

use super::app::{PUBLIC_URL, TestApp, spawn_app_with};
use super::people::{person, scim};
use crate::test_idp::{self, Key, Spec};

pub struct Sso {
    pub app: TestApp,
    pub account: Account,
    pub ann: Employee,
}

pub fn sp_base(slug: &str) -> String {
    format!("{PUBLIC_URL}/saml/{slug}")
}

pub fn cert(key: &Key) -> Certificate {
    certificates::parse(&key.cert_pem).expect("test certificate")
}

/// Account "acme" trusting the test IdP, SSO on; Ann (login ann@acme.com, email
/// ann.lee@acme.com) provisioned by SCIM.
pub async fn sso_app() -> Sso {
    sso_app_with(|_| {}).await
}

/// The same, on a server with the test settings adjusted by `adjust`.
pub async fn sso_app_with(adjust: impl FnOnce(&mut gatehouse::config::Settings)) -> Sso {
    let app = spawn_app_with(adjust).await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    sso_on(&app, &account);
    let mut profile = person("ann@acme.com");
    profile.email = "ann.lee@acme.com".into();
    let ann = app
        .write(|c| lifecycle::provision(c, &account.id, profile, true, &scim()))
        .expect("ann")
        .employee;
    Sso { app, account, ann }
}

pub fn trust(app: &TestApp, account: &Account, certs: &[Certificate]) {
    let entity = test_idp::entity_id(test_idp::TENANT);
    app.write(|c| {
        settings::replace_trust(
            c,
            &account.id,
            &entity,
            "https://login.microsoftonline.com/t/saml2",
            certs,
            &crate::helpers::system(),
        )
    })
    .expect("trust");
}

impl Sso {
    pub fn spec(&self, name_id: &str) -> Spec {
        Spec::new(&sp_base(&self.account.slug), name_id)
    }

    pub async fn post(&self, xml: &str) -> reqwest::Response {
        self.post_with(&self.app.client, xml, None).await
    }

    pub async fn post_with(
        &self,
        client: &reqwest::Client,
        xml: &str,
        relay: Option<&str>,
    ) -> reqwest::Response {
        let encoded = test_idp::encode(xml);
        let mut form = vec![("SAMLResponse", encoded.as_str())];
        if let Some(relay) = relay {
            form.push(("RelayState", relay));
        }
        client
            .post(format!(
                "{}/saml/{}/acs",
                self.app.address, self.account.slug
            ))
            .form(&form)
            .send()
            .await
            .expect("post to ACS")
    }

    pub async fn me(&self, client: &reqwest::Client) -> Option<Value> {
        self.app.me(client).await
    }

    pub fn last_journal(&self) -> journal::JournalEntry {
        let mut conn = self.app.db.conn().expect("conn");
        journal::recent(&mut conn, &self.account.id, 1)
            .expect("journal")
            .remove(0)
    }

    /// Starts an SP-initiated sign-in and returns the AuthnRequest id we sent to Entra.
    pub async fn start_login(&self, client: &reqwest::Client, relay: Option<&str>) -> String {
        let mut url = format!("{}/saml/{}/login", self.app.address, self.account.slug);
        if let Some(relay) = relay {
            url = format!("{url}?RelayState={}", relay.replace('/', "%2F"));
        }
        let response = client.get(url).send().await.expect("login");
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert!(
            location.starts_with("https://login.microsoftonline.com/t/saml2?SAMLRequest="),
            "{location}"
        );
        let request = authn_request_of(&location);
        let id = request
            .split("ID=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("ID")
            .to_owned();
        assert!(!id.starts_with(|c: char| c.is_ascii_digit()));
        id
    }
}

/// Inflates the SAMLRequest of a redirect URL.
pub fn authn_request_of(location: &str) -> String {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("query");
    let encoded = &pairs
        .iter()
        .find(|(k, _)| k == "SAMLRequest")
        .expect("SAMLRequest")
        .1;
    use base64::Engine;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .read_to_string(&mut xml)
        .expect("inflate");
    xml
}

/// The test IdP trusted and SSO turned on, as an admin would.
pub fn sso_on(app: &TestApp, account: &Account) {
    trust(app, account, &[cert(&Key::active())]);
    app.sso(
        &account.id,
        SsoChange {
            enabled: Some(true),
            ..SsoChange::default()
        },
    );
}
