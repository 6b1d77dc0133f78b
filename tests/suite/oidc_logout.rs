//! Sessions end where the person ends: a deprovisioned person's tokens stop working at once and
//! every application that registered a back-channel URI receives a signed logout token (OpenID
//! Connect Back-Channel Logout 1.0), retried when it fails, shown on the admin pages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse::directory::lifecycle;
use gatehouse::oidc::clients::{self, NewClient};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::admin::{console, signed_in};
use crate::helpers::{location, person, query_param, scim};

/// An HTTP endpoint on loopback that answers the given statuses in turn (then 200) and hands
/// over each request body.
fn receiver(statuses: Vec<u16>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/backchannel",
        listener.local_addr().expect("addr")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut answers = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let status = answers.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
        }
    });
    (url, rx)
}

fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(uuid::Uuid::new_v4().as_bytes()));
    let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
    (verifier, challenge)
}

#[actix_web::test]
async fn a_deactivated_person_loses_every_token_and_the_application_is_told_on_its_back_channel() {
    let c = console().await;
    let app = &c.app;
    let ann = app
        .write(|conn| {
            lifecycle::provision(conn, &c.account.id, person("ann@acme.com"), true, &scim())
        })
        .expect("ann")
        .employee;
    // The first delivery fails: it is retried, and the log shows both attempts.
    let (backchannel, deliveries) = receiver(vec![500]);
    let (client, secret) = app
        .write(|conn| {
            clients::create(
                conn,
                &NewClient {
                    name: "HR portal".into(),
                    redirect_uris: vec!["https://hr.example.com/cb".into()],
                    backchannel_logout_uri: Some(backchannel),
                    ..NewClient::default()
                },
            )
        })
        .expect("client");
    let secret = secret.expect("a confidential client has a secret");
    let browser = signed_in(app, &c.account, &ann);
    let (verifier, challenge) = pkce();
    let authorize = app
        .get_in(
            &browser,
            &format!(
                "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
                client.id,
                gatehouse::web::urlencode("https://hr.example.com/cb"),
                gatehouse::web::urlencode("openid offline_access"),
            ),
        )
        .await;
    assert_eq!(authorize.status(), StatusCode::SEE_OTHER);
    let back = location(&authorize);
    assert!(back.starts_with("https://hr.example.com/cb?"), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("s1"));
    assert_eq!(
        query_param(&back, "iss").as_deref(),
        Some(app.public_url.as_str())
    );
    let code = query_param(&back, "code").expect("code");

    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(app.url("/oauth/token"))
        .basic_auth(&client.id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://hr.example.com/cb"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let access = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let userinfo = |token: String| {
        let http = http.clone();
        let url = app.url("/oauth/userinfo");
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("userinfo")
        }
    };
    let me: Value = userinfo(access.clone()).await.json().await.expect("json");
    assert_eq!(me["sub"], ann.id.as_str());
    let sid = me["sid"].as_str().expect("sid").to_owned();

    app.write(|conn| lifecycle::deactivate(conn, &c.account.id, &ann.id, &scim()))
        .expect("deactivate");
    let after = userinfo(access).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert!(after.headers().get("www-authenticate").is_some());
    let refreshed = http
        .post(app.url("/oauth/token"))
        .basic_auth(&client.id, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let error: Value = refreshed.json().await.expect("json");
    assert_eq!(error["error"], "invalid_grant");

    // First attempt answered 500, the retry (two seconds later) 200.
    let first = deliveries
        .recv_timeout(Duration::from_secs(15))
        .expect("first delivery");
    let second = deliveries
        .recv_timeout(Duration::from_secs(15))
        .expect("retried delivery");
    assert_eq!(first, second.replace(&token_of(&second), &token_of(&first)));
    let token = token_of(&second);
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let jwks: Value = http
        .get(app.url("/oauth/jwks"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the signing key is published");
    let decoding = DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&client.id]);
    validation.set_issuer(&[&app.public_url]);
    let claims: Value = jsonwebtoken::decode(&token, &decoding, &validation)
        .expect("a valid logout token")
        .claims;
    assert_eq!(claims["sub"], ann.id.as_str());
    assert_eq!(claims["sid"], sid.as_str());
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims.get("nonce").is_none(), "a logout token has no nonce");
    assert!(claims["jti"].is_string());

    // The admin sees the delivery, and which application signs their people in.
    let mut shown = String::new();
    for _ in 0..50 {
        shown = c.get("/admin/logs?log=logouts").await.1;
        if shown.contains("delivered") {
            break;
        }
        tokio_sleep().await;
    }
    assert!(
        shown.contains("HR portal") && shown.contains("delivered"),
        "{shown}"
    );
    assert!(shown.contains("ann@acme.com"));
    let (_, overview) = c.get("/admin").await;
    assert!(overview.contains("HR portal"), "{overview}");
    assert!(!overview.contains(">never<"), "the last use is shown");
}

fn token_of(body: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(body)
        .expect("form body")
        .into_iter()
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v)
        .expect("logout_token")
}

async fn tokio_sleep() {
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
}
