//! The OpenID Connect provider over real HTTP: what a careless or hostile client, a stale code
//! or token, or a change in the directory must not get past. (The happy paths are judged from
//! outside by `openid-client`: `scripts/oidc-judge.sh`.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use diesel::prelude::*;
use gatehouse::db::schema::{oidc_codes, oidc_keys};
use gatehouse::directory::accounts::Account;
use gatehouse::directory::employees::Employee;
use gatehouse::directory::{clock, lifecycle};
use gatehouse::oidc::clients::{self, NewClient, SECRET_GRACE};
use gatehouse::oidc::keys;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::helpers::admin::signed_in;
use crate::helpers::{
    PUBLIC_URL, TestApp, cli, create_account, location, person, query_param, spawn_app,
};

const REDIRECT: &str = "https://hr.example.test/callback";
const LOOPBACK: &str = "http://127.0.0.1/cb";
/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A registered client: its id and, unless public, its secret.
struct Rp {
    id: String,
    secret: Option<String>,
}

/// Account "acme", Ann in it with a browser signed in, and a confidential client for all accounts.
struct Provider {
    app: TestApp,
    account: Account,
    ann: Employee,
    browser: reqwest::Client,
    rp: Rp,
}

async fn provider() -> Provider {
    let app = spawn_app().await;
    let account = create_account(&app.db, "acme");
    let ann = app
        .write(|c| lifecycle::create(c, &account.id, person("ann@acme.com"), &cli()))
        .expect("Ann");
    let browser = signed_in(&app, &account, &ann);
    let rp = register(&app, false, &[]);
    Provider {
        app,
        account,
        ann,
        browser,
        rp,
    }
}

/// Registers a client as `gatehouse client create` does: confidential on `REDIRECT`, or public
/// on the loopback `LOOPBACK`; limited to the account slugs in `accounts` (none: all).
fn register(app: &TestApp, public: bool, accounts: &[&str]) -> Rp {
    let new = NewClient {
        name: "HR".into(),
        public,
        redirect_uris: vec![if public { LOOPBACK } else { REDIRECT }.into()],
        post_logout_uris: vec![],
        backchannel_logout_uri: None,
        accounts: accounts.iter().map(|s| (*s).to_owned()).collect(),
    };
    let (client, secret) = app.write(|c| clients::create(c, &new)).expect("client");
    Rp {
        id: client.id,
        secret,
    }
}

/// The query of an authorization request for `rp`: code flow, PKCE S256, state and nonce,
/// with `extra` parameters added (and any of these replaced).
fn authorize_path(rp_id: &str, redirect_uri: &str, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", rp_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid profile email offline_access"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    format!(
        "/oauth/authorize?{}",
        serde_urlencoded::to_string(&params).expect("query")
    )
}

fn param(location: &str, name: &str) -> Option<String> {
    query_param(location, name)
}

/// What the token endpoint answered.
struct Answer {
    status: u16,
    body: Value,
    challenge: Option<String>,
}

impl Answer {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    fn field(&self, name: &str) -> String {
        self.body[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            .to_owned()
    }
}

impl Provider {
    /// A code for `rp` from Ann's browser.
    async fn code(&self, rp_id: &str, redirect_uri: &str) -> String {
        let response = self
            .app
            .get_in(&self.browser, &authorize_path(rp_id, redirect_uri, &[]))
            .await;
        assert_eq!(response.status(), 303);
        let back = location(&response);
        assert!(back.starts_with(redirect_uri), "{back}");
        param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"))
    }

    /// POST /oauth/token, the client authenticating with HTTP Basic when it has a secret.
    async fn token(&self, rp_id: &str, secret: Option<&str>, fields: &[(&str, &str)]) -> Answer {
        let mut request = reqwest::Client::new().post(self.app.url("/oauth/token"));
        let mut form = fields.to_vec();
        match secret {
            Some(secret) => request = request.basic_auth(rp_id, Some(secret)),
            None => form.push(("client_id", rp_id)),
        }
        let response = request.form(&form).send().await.expect("token request");
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            body,
            challenge,
        }
    }

    /// The confidential client's code exchange.
    async fn exchange(&self, code: &str) -> Answer {
        self.token(
            &self.rp.id,
            self.rp.secret.as_deref(),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> Answer {
        self.token(
            &self.rp.id,
            self.rp.secret.as_deref(),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Tokens for Ann at the confidential client.
    async fn tokens(&self) -> Answer {
        let code = self.code(&self.rp.id, REDIRECT).await;
        let answer = self.exchange(&code).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer
    }

    /// The status of GET /oauth/userinfo with this access token.
    async fn userinfo(&self, access_token: &str) -> u16 {
        reqwest::Client::new()
            .get(self.app.url("/oauth/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo")
            .status()
            .as_u16()
    }

    async fn jwks(&self) -> JwkSet {
        reqwest::get(self.app.url("/oauth/jwks"))
            .await
            .expect("jwks")
            .json()
            .await
            .expect("a JWK set")
    }
}

fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()))
}

/// The ID token's claims when its signature verifies against a key of `jwks` by its `kid`.
fn verify(id_token: &str, jwks: &JwkSet, audience: &str) -> Option<Value> {
    let kid = jsonwebtoken::decode_header(id_token).ok()?.kid?;
    let jwk = jwks.find(&kid)?;
    let key = DecodingKey::from_jwk(jwk).ok()?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[PUBLIC_URL]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

#[actix_web::test]
async fn an_unknown_redirect_uri_or_client_gets_an_error_page_never_a_redirect() {
    let p = provider().await;
    for path in [
        authorize_path(&p.rp.id, "https://evil.example.test/callback", &[]),
        authorize_path(&p.rp.id, "https://hr.example.test/callback/", &[]),
        authorize_path(&p.rp.id, "https://hr.example.test/callback?x=1", &[]),
        authorize_path(&p.rp.id, REDIRECT, &[("redirect_uri", "")]),
        authorize_path("gh_nobody", REDIRECT, &[]),
        authorize_path(&p.rp.id, REDIRECT, &[("client_id", "")]),
    ] {
        let response = p.app.get_in(&p.browser, &path).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(location(&response), "", "{path} must not redirect");
        let page = response.text().await.expect("page");
        assert!(page.contains("<html"), "an error page for {path}");
    }
}

#[actix_web::test]
async fn a_public_client_without_pkce_is_sent_back_with_invalid_request() {
    let p = provider().await;
    let public = register(&p.app, true, &[]);
    let redirect = "http://127.0.0.1:49152/cb";
    let path = authorize_path(
        &public.id,
        redirect,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let response = p.app.get_in(&p.browser, &path).await;
    assert_eq!(response.status(), 303);
    let back = location(&response);
    assert!(back.starts_with(redirect), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&back, "code"), None);
    // plain is no PKCE either.
    let plain = authorize_path(&public.id, redirect, &[("code_challenge_method", "plain")]);
    let back = location(&p.app.get_in(&p.browser, &plain).await);
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
}

#[actix_web::test]
async fn a_wrong_or_missing_verifier_at_the_token_endpoint_is_invalid_grant() {
    let p = provider().await;
    let public = register(&p.app, true, &[]);
    let redirect = "http://127.0.0.1:49152/cb";
    let exchange = |code: String, verifier: Option<&'static str>| {
        let p = &p;
        let id = public.id.clone();
        async move {
            let mut fields = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
            ];
            if let Some(verifier) = verifier {
                fields.push(("code_verifier", verifier));
            }
            p.token(&id, None, &fields).await
        }
    };
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx";
    assert_ne!(pkce_challenge(wrong), CHALLENGE);
    let refused = exchange(p.code(&public.id, redirect).await, Some(wrong)).await;
    assert_eq!((refused.status, refused.error()), (400, "invalid_grant"));
    let refused = exchange(p.code(&public.id, redirect).await, None).await;
    assert_eq!((refused.status, refused.error()), (400, "invalid_grant"));
    // The right verifier, from another port of the loopback: the port may change, the path not.
    let code = p.code(&public.id, "http://127.0.0.1:50000/cb").await;
    let mismatched = p
        .token(
            &public.id,
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        mismatched.error(),
        "invalid_grant",
        "bound to its redirect URI"
    );
    let good = exchange(p.code(&public.id, redirect).await, Some(VERIFIER)).await;
    assert_eq!(good.status, 200, "{}", good.body);
    // And a public client cannot present a secret it does not have.
    let code = p.code(&public.id, redirect).await;
    let with_secret = p
        .token(
            &public.id,
            Some("made-up"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        (with_secret.status, with_secret.error()),
        (401, "invalid_client")
    );
}

#[actix_web::test]
async fn a_code_used_twice_is_refused_and_ends_what_its_first_use_gave() {
    let p = provider().await;
    let code = p.code(&p.rp.id, REDIRECT).await;
    let first = p.exchange(&code).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let access = first.field("access_token");
    assert_eq!(p.userinfo(&access).await, 200);
    let second = p.exchange(&code).await;
    assert_eq!((second.status, second.error()), (400, "invalid_grant"));
    assert_eq!(p.userinfo(&access).await, 401, "the first use's tokens end");
    let refresh = p.refresh(&first.field("refresh_token")).await;
    assert_eq!(refresh.error(), "invalid_grant");
}

#[actix_web::test]
async fn a_code_redeemed_in_parallel_gives_tokens_once() {
    let p = provider().await;
    let code = p.code(&p.rp.id, REDIRECT).await;
    let answers = futures_util::future::join_all((0..6).map(|_| p.exchange(&code))).await;
    let granted: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert!(
        granted.len() <= 1,
        "{} parallel redemptions got tokens",
        granted.len()
    );
    for answer in answers.iter().filter(|a| a.status != 200) {
        assert_eq!(answer.error(), "invalid_grant", "{}", answer.body);
    }
    for answer in granted {
        assert_eq!(
            p.userinfo(&answer.field("access_token")).await,
            401,
            "a code used twice ends its grant"
        );
    }
}

#[actix_web::test]
async fn an_expired_code_is_invalid_grant() {
    let p = provider().await;
    let code = p.code(&p.rp.id, REDIRECT).await;
    p.app
        .write(|c| {
            diesel::update(oidc_codes::table)
                .set(oidc_codes::expires_at.eq(clock::now() - Duration::seconds(1)))
                .execute(c)?;
            Ok(())
        })
        .expect("age the code");
    let answer = p.exchange(&code).await;
    assert_eq!((answer.status, answer.error()), (400, "invalid_grant"));
}

#[actix_web::test]
async fn a_wrong_client_secret_is_401_invalid_client_with_a_basic_challenge() {
    let p = provider().await;
    let code = p.code(&p.rp.id, REDIRECT).await;
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let answer = p.token(&p.rp.id, Some("ghs_wrong"), &fields).await;
    assert_eq!((answer.status, answer.error()), (401, "invalid_client"));
    let challenge = answer.challenge.expect("WWW-Authenticate");
    assert!(challenge.starts_with("Basic "), "{challenge}");
    // Another client's id with this client's secret is no better.
    let other = register(&p.app, false, &[]);
    let answer = p.token(&other.id, p.rp.secret.as_deref(), &fields).await;
    assert_eq!((answer.status, answer.error()), (401, "invalid_client"));
    // The code was not spent by the refusals.
    assert_eq!(p.exchange(&code).await.status, 200);
}

#[actix_web::test]
async fn a_refresh_token_replayed_after_rotation_ends_the_grant() {
    let p = provider().await;
    let first = p.tokens().await;
    let old = first.field("refresh_token");
    let rotated = p.refresh(&old).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.field("refresh_token");
    assert_ne!(new, old);
    let replay = p.refresh(&old).await;
    assert_eq!((replay.status, replay.error()), (400, "invalid_grant"));
    assert_eq!(
        p.refresh(&new).await.error(),
        "invalid_grant",
        "the grant ended"
    );
    assert_eq!(p.userinfo(&rotated.field("access_token")).await, 401);
}

#[actix_web::test]
async fn prompt_none_without_a_session_answers_login_required_with_state_and_iss() {
    let p = provider().await;
    let stranger = p.app.new_browser();
    let path = authorize_path(&p.rp.id, REDIRECT, &[("prompt", "none")]);
    let response = p.app.get_in(&stranger, &path).await;
    assert_eq!(response.status(), 303);
    let back = location(&response);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&back, "iss").as_deref(), Some(PUBLIC_URL));
    // Without prompt=none the same browser is sent to sign in, and back here afterwards.
    let path = authorize_path(&p.rp.id, REDIRECT, &[]);
    let login = location(&p.app.get_in(&stranger, &path).await);
    assert!(
        login.starts_with("/login?next=%2Foauth%2Fauthorize"),
        "{login}"
    );
}

#[actix_web::test]
async fn a_client_that_serves_other_accounts_gets_access_denied() {
    let p = provider().await;
    create_account(&p.app.db, "other");
    create_account(&p.app.db, "third");
    let elsewhere = register(&p.app, false, &["other", "third"]);
    let back = location(
        &p.app
            .get_in(&p.browser, &authorize_path(&elsewhere.id, REDIRECT, &[]))
            .await,
    );
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "code"), None);
    // Limited to one other account: asked for Ann's own, refused; otherwise never a code for Ann.
    let only_other = register(&p.app, false, &["other"]);
    let asked = authorize_path(&only_other.id, REDIRECT, &[("account", "acme")]);
    let back = location(&p.app.get_in(&p.browser, &asked).await);
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    let plain = authorize_path(&only_other.id, REDIRECT, &[]);
    let back = location(&p.app.get_in(&p.browser, &plain).await);
    assert_eq!(param(&back, "code"), None, "{back}");
}

#[actix_web::test]
async fn a_deactivated_persons_tokens_stop_working() {
    let p = provider().await;
    let tokens = p.tokens().await;
    let spare = p.tokens().await;
    let access = tokens.field("access_token");
    assert_eq!(p.userinfo(&access).await, 200);
    p.app
        .write(|c| lifecycle::deactivate(c, &p.account.id, &p.ann.id, &cli()))
        .expect("deactivate");
    let refresh = p.refresh(&tokens.field("refresh_token")).await;
    assert_eq!((refresh.status, refresh.error()), (400, "invalid_grant"));
    assert_eq!(p.userinfo(&access).await, 401);
    // Coming back does not bring back what applications held: those grants ended.
    p.app
        .write(|c| lifecycle::reactivate(c, &p.account.id, &p.ann.id, &cli()))
        .expect("reactivate");
    assert_eq!(p.userinfo(&access).await, 401);
    let unused = p.refresh(&spare.field("refresh_token")).await;
    assert_eq!((unused.status, unused.error()), (400, "invalid_grant"));
}

#[actix_web::test]
async fn an_id_token_of_a_rotated_out_key_verifies_against_the_jwks_until_its_tokens_expire() {
    let p = provider().await;
    let before = p.tokens().await.field("id_token");
    let old_kid = jsonwebtoken::decode_header(&before)
        .expect("header")
        .kid
        .expect("kid");
    let claims = verify(&before, &p.jwks().await, &p.rp.id).expect("verifies");
    assert_eq!(claims["sub"], p.ann.id.as_str());
    assert_eq!(claims["nonce"], "n-456");

    let new_kid = p.app.write(keys::rotate).expect("rotate");
    assert_ne!(new_kid, old_kid);
    let jwks = p.jwks().await;
    assert!(
        jwks.find(&old_kid).is_some(),
        "the retired key is still published"
    );
    assert!(jwks.find(&new_kid).is_some());
    assert!(verify(&before, &jwks, &p.rp.id).is_some());
    let after = p.tokens().await.field("id_token");
    let kid = jsonwebtoken::decode_header(&after).expect("header").kid;
    assert_eq!(
        kid.as_deref(),
        Some(new_kid.as_str()),
        "new tokens use the new key"
    );
    assert!(verify(&after, &jwks, &p.rp.id).is_some());

    // Once every token it signed has expired, the retired key leaves the JWKS.
    p.app
        .write(|c| {
            diesel::update(oidc_keys::table.find(&old_kid))
                .set(oidc_keys::retired_at.eq(Some(
                    clock::now() - keys::KEEP_RETIRED - Duration::minutes(1),
                )))
                .execute(c)?;
            Ok(())
        })
        .expect("age the key");
    let jwks = p.jwks().await;
    assert!(jwks.find(&old_kid).is_none());
    assert!(verify(&before, &jwks, &p.rp.id).is_none());
    assert!(verify(&after, &jwks, &p.rp.id).is_some());
}

#[actix_web::test]
async fn after_a_secret_rotation_the_old_secret_works_within_the_grace_and_the_new_one_too() {
    let p = provider().await;
    let old = p.rp.secret.clone().expect("secret");
    let new = p
        .app
        .write(|c| clients::rotate_secret(c, &p.rp.id))
        .expect("rotate");
    assert_ne!(new, old);
    let refresh_with = |secret: String, token: String| {
        let p = &p;
        async move {
            p.token(
                &p.rp.id,
                Some(&secret),
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            )
            .await
        }
    };
    let tokens = p.tokens().await; // with the old secret (p.rp.secret)
    let by_old = refresh_with(old.clone(), tokens.field("refresh_token")).await;
    assert_eq!(by_old.status, 200, "{}", by_old.body);
    let by_new = refresh_with(new.clone(), by_old.field("refresh_token")).await;
    assert_eq!(by_new.status, 200, "{}", by_new.body);

    // Past the grace, only the new secret.
    p.app
        .write(|c| {
            use gatehouse::db::schema::oidc_clients;
            diesel::update(oidc_clients::table.find(&p.rp.id))
                .set(
                    oidc_clients::previous_secret_until
                        .eq(Some(clock::now() - Duration::seconds(1))),
                )
                .execute(c)?;
            Ok(())
        })
        .expect("end the grace");
    assert!(SECRET_GRACE > Duration::zero());
    let late = refresh_with(old, by_new.field("refresh_token")).await;
    assert_eq!((late.status, late.error()), (401, "invalid_client"));
    let still = refresh_with(new, by_new.field("refresh_token")).await;
    assert_eq!(still.status, 200, "{}", still.body);
}

#[actix_web::test]
async fn the_discovery_document_names_the_issuer_endpoints_and_what_is_supported() {
    let p = provider().await;
    let doc: Value = reqwest::get(p.app.url("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["issuer"], PUBLIC_URL);
    for (field, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("jwks_uri", "/oauth/jwks"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("end_session_endpoint", "/oauth/logout"),
    ] {
        assert_eq!(doc[field], format!("{PUBLIC_URL}{path}"), "{field}");
    }
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    let methods = doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .expect("auth methods");
    for method in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(methods.iter().any(|m| m == method), "{method}");
    }
    // The JWKS it points at has the key the tokens are signed with.
    let id_token = p.tokens().await.field("id_token");
    assert!(verify(&id_token, &p.jwks().await, &p.rp.id).is_some());
}

#[actix_web::test]
async fn a_browser_app_on_another_origin_may_call_the_token_endpoints_but_not_authorize() {
    let p = provider().await;
    let http = reqwest::Client::new();
    let origin = "https://spa.example.test";
    for path in [
        "/oauth/token",
        "/oauth/userinfo",
        "/oauth/revoke",
        "/oauth/jwks",
        "/.well-known/openid-configuration",
    ] {
        let preflight = http
            .request(reqwest::Method::OPTIONS, p.app.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .expect("preflight");
        assert_eq!(preflight.status(), 204, "{path}");
        assert_eq!(
            preflight.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
        let allowed = preflight.headers()["access-control-allow-headers"]
            .to_str()
            .expect("text")
            .to_ascii_lowercase();
        assert!(allowed.contains("authorization"), "{path}: {allowed}");
    }
    // Errors carry the header too, so the app can read them.
    let refused = http
        .post(p.app.url("/oauth/token"))
        .header("Origin", origin)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "nobody"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["access-control-allow-origin"], "*");
    // The authorization endpoint is a page for the browser itself, never read cross-origin.
    let authorize = p
        .app
        .get_in(&p.browser, &authorize_path(&p.rp.id, REDIRECT, &[]))
        .await;
    assert!(
        authorize
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_web::test]
async fn prompt_login_max_age_login_hint_and_account_send_the_person_to_sign_in_again() {
    let p = provider().await;
    // prompt=login: even with a session, a fresh sign-in; the return path asks for one made
    // after this request, and no longer carries prompt.
    let fresh = p
        .app
        .get_in(
            &p.browser,
            &authorize_path(&p.rp.id, REDIRECT, &[("prompt", "login")]),
        )
        .await;
    assert_eq!(fresh.status(), 303);
    let to = location(&fresh);
    assert!(to.starts_with("/login?next="), "{to}");
    let next = param(&to, "next").expect("next");
    assert!(
        next.starts_with("/oauth/authorize?") && next.contains("signed_in_after="),
        "{next}"
    );
    assert!(!next.contains("prompt="), "{next}");
    // Coming back with the same old session is not enough.
    let again = p.app.get_in(&p.browser, &next).await;
    assert!(
        location(&again).starts_with("/login?"),
        "the old session does not answer prompt=login"
    );
    // max_age=0: a session a second old is already too old.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let old = p
        .app
        .get_in(
            &p.browser,
            &authorize_path(&p.rp.id, REDIRECT, &[("max_age", "0")]),
        )
        .await;
    assert!(location(&old).starts_with("/login?"), "{}", location(&old));
    let lenient = p
        .app
        .get_in(
            &p.browser,
            &authorize_path(&p.rp.id, REDIRECT, &[("max_age", "3600")]),
        )
        .await;
    assert!(
        param(&location(&lenient), "code").is_some(),
        "a recent enough session answers"
    );
    // login_hint and account go to the sign-in page; nobody is signed in in a new browser.
    let stranger = p.app.new_browser();
    let hinted = p
        .app
        .get_in(
            &stranger,
            &authorize_path(
                &p.rp.id,
                REDIRECT,
                &[("login_hint", "ann@acme.com"), ("account", "acme")],
            ),
        )
        .await;
    let to = location(&hinted);
    assert_eq!(param(&to, "login_hint").as_deref(), Some("ann@acme.com"));
    assert_eq!(param(&to, "account").as_deref(), Some("acme"));
    // A wrong max_age is the client's error, sent back to it.
    let wrong = p
        .app
        .get_in(
            &p.browser,
            &authorize_path(&p.rp.id, REDIRECT, &[("max_age", "soon")]),
        )
        .await;
    assert_eq!(
        param(&location(&wrong), "error").as_deref(),
        Some("invalid_request")
    );
}

#[actix_web::test]
async fn client_secret_post_is_accepted_and_two_methods_at_once_are_not() {
    let p = provider().await;
    let secret = p.rp.secret.clone().expect("secret");
    let code = p.code(&p.rp.id, REDIRECT).await;
    let posted = reqwest::Client::new()
        .post(p.app.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", p.rp.id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(posted.status(), 200);
    let code = p.code(&p.rp.id, REDIRECT).await;
    let both = reqwest::Client::new()
        .post(p.app.url("/oauth/token"))
        .basic_auth(&p.rp.id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(both.status(), 400);
    let body: Value = both.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

#[actix_web::test]
async fn removal_from_the_federation_and_a_new_password_end_the_persons_tokens() {
    let p = provider().await;
    let first = p.tokens().await;
    p.app
        .write(|c| lifecycle::remove_from_federation(c, &p.account.id, &p.ann.id, &cli()))
        .expect("defederate");
    assert_eq!(p.userinfo(&first.field("access_token")).await, 401);
    assert_eq!(
        p.refresh(&first.field("refresh_token")).await.error(),
        "invalid_grant"
    );

    let browser = signed_in(&p.app, &p.account, &p.ann);
    let p = Provider { browser, ..p };
    let second = p.tokens().await;
    assert_eq!(p.userinfo(&second.field("access_token")).await, 200);
    let hash = gatehouse::auth::passwords::hash("a brand new password").expect("hash");
    p.app
        .write(|c| {
            gatehouse::auth::credentials::set_password(
                c,
                &p.ann,
                &hash,
                &gatehouse::directory::history::Actor::new(
                    gatehouse::directory::history::Source::System,
                ),
                None,
            )
        })
        .expect("password");
    assert_eq!(p.userinfo(&second.field("access_token")).await, 401);
    assert_eq!(
        p.refresh(&second.field("refresh_token")).await.error(),
        "invalid_grant"
    );
}
