//! Requests to the test server as a browser (or Entra's provisioning client) makes them.

use serde_json::Value;

use super::app::{TestApp, origin_of};

/// Where a redirect sends the browser (empty when the answer is none).
/// One parameter of a URL's query (a redirect back to a client, a link).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The tests' browser is `app.client` (its cookie jar is the test's session); the `_in` forms
/// take another browser, such as one from `new_browser` or a signed-in admin's.
impl TestApp {
    /// The address of `path` on the running server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GET `path` in the tests' browser.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_in(&self.client, path).await
    }

    /// GET `path` in `browser`.
    pub async fn get_in(&self, browser: &reqwest::Client, path: &str) -> reqwest::Response {
        browser.get(self.url(path)).send().await.expect("GET")
    }

    /// The CSRF token of the form page at `page` in the tests' browser, which keeps the cookie.
    pub async fn form_token(&self, page: &str) -> String {
        self.form_token_in(&self.client, page).await
    }

    /// The CSRF token of the form page at `page` in `browser`, which keeps the matching cookie.
    pub async fn form_token_in(&self, browser: &reqwest::Client, page: &str) -> String {
        let html = self.get_in(browser, page).await.text().await.expect("html");
        html.split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a csrf field")
            .to_owned()
    }

    /// Posts `fields` as a form to `path` from the tests' browser, with the Origin of our
    /// public URL (the CSRF check wants it, or `Sec-Fetch-Site: same-origin`). A form of
    /// ours also needs its token: see `submit`.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_form_in(&self.client, path, fields).await
    }

    /// Posts `fields` as a form to `path` from `browser`, with the Origin of our public URL.
    pub async fn post_form_in(
        &self,
        browser: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        browser
            .post(self.url(path))
            .header(reqwest::header::ORIGIN, origin_of(&self.public_url))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Fills in a form as a browser does: takes the token from the form page `page`, then posts
    /// `fields` and the token to `action`, from the tests' browser.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.submit_in(&self.client, page, action, fields).await
    }

    /// `submit` from `browser`.
    pub async fn submit_in(
        &self,
        browser: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.form_token_in(browser, page).await;
        let mut form = fields.to_vec();
        form.push(("csrf", &token));
        self.post_form_in(browser, action, &form).await
    }

    /// Who `browser` is signed in as (`/api/me`), or None when it is not.
    pub async fn me(&self, browser: &reqwest::Client) -> Option<Value> {
        let response = self.get_in(browser, "/api/me").await;
        match response.status().as_u16() {
            200 => Some(response.json().await.expect("json")),
            401 => None,
            other => panic!("/api/me answered {other}"),
        }
    }

    /// A SCIM request with `token` as the bearer: `path` below `/scim/v2`, the body sent as
    /// `application/scim+json`. Returns the status and the JSON answer (null when there is none).
    pub async fn scim(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}/scim/v2{path}", self.address);
        let mut request = self
            .client
            .request(method.parse().expect("method"), url)
            .header("authorization", format!("Bearer {token}"));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("scim request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}
