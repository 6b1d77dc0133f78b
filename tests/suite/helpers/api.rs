//! The directory API as the HR application calls it: a confidential client registered as
//! `gatehouse client create` does, its `client_credentials` token, and GETs that answer JSON.

use gatehouse::db::Db;
use gatehouse::oidc::clients::{self, NewClient};
use serde_json::Value;

use super::TestApp;

pub struct Api {
    pub client_id: String,
    pub secret: String,
    pub token: String,
    address: String,
    http: reqwest::Client,
}

/// A confidential client limited to the account slugs in `accounts` (none: every account).
pub fn register_hr_client(app: &TestApp, accounts: &[&str]) -> (String, String) {
    register_hr_client_in(&app.db, accounts)
}

/// `register_hr_client` on any store.
pub fn register_hr_client_in(db: &Db, accounts: &[&str]) -> (String, String) {
    let new = NewClient {
        name: "HR application".into(),
        public: false,
        redirect_uris: vec!["https://hr.example.test/callback".into()],
        post_logout_uris: vec![],
        backchannel_logout_uri: None,
        accounts: accounts.iter().map(|s| (*s).to_owned()).collect(),
    };
    let mut conn = db.conn().expect("connection");
    let (client, secret) =
        gatehouse::db::write(&mut conn, |c| clients::create(c, &new)).expect("client");
    (
        client.id,
        secret.expect("a confidential client has a secret"),
    )
}

/// POSTs a `client_credentials` request; answers the status and the JSON body.
pub async fn client_credentials(
    address: &str,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let response = reqwest::Client::new()
        .post(format!("{address}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&form)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A registered client holding a fresh `directory.read` token.
pub async fn api_client(app: &TestApp, accounts: &[&str]) -> Api {
    api_client_at(&app.db, &app.address, accounts).await
}

/// `api_client` against the server at `address` on the store `db`.
pub async fn api_client_at(db: &Db, address: &str, accounts: &[&str]) -> Api {
    let (client_id, secret) = register_hr_client_in(db, accounts);
    let (status, body) =
        client_credentials(address, &client_id, &secret, Some("directory.read")).await;
    assert_eq!(status, 200, "{body}");
    Api {
        client_id,
        secret,
        token: body["access_token"].as_str().expect("token").to_owned(),
        address: address.to_owned(),
        http: reqwest::Client::new(),
    }
}

impl Api {
    /// The same client against another instance (`address`).
    pub fn at(&self, address: &str) -> Api {
        Api {
            client_id: self.client_id.clone(),
            secret: self.secret.clone(),
            token: self.token.clone(),
            address: address.to_owned(),
            http: self.http.clone(),
        }
    }

    /// GET `path` (under the server, e.g. `/api/v1/accounts/acme/events`) with the token:
    /// status, content type and the JSON body (`Null` when there is none).
    pub async fn get(&self, path: &str) -> (u16, String, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.address))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("API request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            content_type,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Every event of the account's feed from the start, paging `limit` at a time until an
    /// empty page: the events and the cursor it ended on.
    pub async fn all_events(&self, slug: &str, limit: u32) -> (Vec<Value>, String) {
        self.events_after(slug, None, limit).await
    }

    /// Every event after `cursor`, paging until caught up.
    pub async fn events_after(
        &self,
        slug: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> (Vec<Value>, String) {
        let mut events = Vec::new();
        let mut cursor = cursor.map(str::to_owned);
        loop {
            let after = cursor
                .as_deref()
                .map(|c| format!("&after={c}"))
                .unwrap_or_default();
            let (status, _, page) = self
                .get(&format!(
                    "/api/v1/accounts/{slug}/events?limit={limit}{after}"
                ))
                .await;
            assert_eq!(status, 200, "{page}");
            let data = page["data"].as_array().expect("data").clone();
            let next = page["next_cursor"]
                .as_str()
                .expect("next_cursor")
                .to_owned();
            if data.is_empty() {
                return (events, next);
            }
            events.extend(data);
            cursor = Some(next);
        }
    }
}
