//! Requests to the test server as a browser (or Entra's provisioning client) makes them.

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
