//! Several `gatehouse serve` processes on one store, as behind a load balancer: nothing that
//! spans requests may live in one process. Runs on SQLite (one file) and PostgreSQL (one
//! database) alike.

use std::process::Command;

use gatehouse::auth::{journal, scim_tokens};
use gatehouse::db::{self, Db};
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{accounts, employees, lifecycle};
use gatehouse::idp::certificates;
use gatehouse::idp::settings::{self, SsoChange};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::processes::{Server, health};
use crate::helpers::sso::authn_request_of;
use crate::helpers::{TestStore, gatehouse_bin, person};
use crate::test_idp::{self, Key, Spec};

/// Two instances started together on one fresh store.
fn two_instances(store: &TestStore) -> (Server, Server) {
    std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&store.url));
        let b = s.spawn(|| Server::start(&store.url));
        (a.join().expect("A"), b.join().expect("B"))
    })
}

struct Tenant {
    account_id: String,
    scim_token: String,
}

/// Account "acme" trusting the test IdP with SSO on, Ann provisioned, a SCIM token.
fn tenant(db: &Db) -> Tenant {
    let mut conn = db.conn().expect("connection");
    db::write(&mut conn, |c| -> gatehouse::directory::Result<Tenant> {
        let account = accounts::create(c, "acme", "Acme")?;
        let cert = certificates::parse(&Key::active().cert_pem).expect("cert");
        settings::replace_trust(
            c,
            &account.id,
            &test_idp::entity_id(test_idp::TENANT),
            "https://login.microsoftonline.com/t/saml2",
            &[cert],
            &crate::helpers::system(),
        )?;
        let on = SsoChange {
            enabled: Some(true),
            ..SsoChange::default()
        };
        settings::change_sso(c, &account.id, &on, &crate::helpers::system())?;
        lifecycle::provision(
            c,
            &account.id,
            person("ann@acme.com"),
            true,
            &Actor::new(Source::Scim),
        )?;
        Ok(Tenant {
            scim_token: scim_tokens::issue(c, &account.id, &crate::helpers::system())?,
            account_id: account.id,
        })
    })
    .expect("tenant")
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

async fn post_acs(client: &reqwest::Client, server: &Server, xml: &str) -> reqwest::Response {
    client
        .post(server.url("/saml/acme/acs"))
        .form(&[("SAMLResponse", test_idp::encode(xml))])
        .send()
        .await
        .expect("ACS")
}

async fn me(client: &reqwest::Client, server: &Server) -> StatusCode {
    client
        .get(server.url("/api/me"))
        .send()
        .await
        .expect("me")
        .status()
}

fn sp_spec(name_id: &str) -> Spec {
    Spec::new(
        &format!("{}/saml/acme", crate::helpers::PUBLIC_URL),
        name_id,
    )
}

#[actix_web::test]
async fn two_instances_share_sessions_requests_replay_cache_and_uniqueness() {
    let store = TestStore::new();
    let (a, b) = two_instances(&store);
    assert_eq!(health(&a).await, 200, "{}", a.log());
    assert_eq!(health(&b).await, 200, "{}", b.log());
    let migrated = [a.log(), b.log()]
        .iter()
        .filter(|log| log.contains(" migration(s): "))
        .count();
    assert_eq!(
        migrated, 1,
        "one instance migrates, the other waits and finds it done"
    );
    let db = store.open();
    let tenant = tenant(&db);

    // A session made on A works on B (the cookie jar is per host, as a browser's is).
    let alice = browser();
    let xml = test_idp::response(&sp_spec("ann@acme.com"), &Key::active());
    let accepted = post_acs(&alice, &a, &xml).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER, "{}", a.log());
    assert_eq!(me(&alice, &b).await, StatusCode::OK);

    // The same response posted to B is a replay.
    let replayed = post_acs(&browser(), &b, &xml).await;
    assert_eq!(replayed.status(), StatusCode::FORBIDDEN);
    let last = journal::recent(&mut db.conn().expect("conn"), &tenant.account_id, 1)
        .expect("journal")
        .remove(0);
    assert_eq!(last.reason, "replay");

    // An AuthnRequest issued by A is answered on B, once.
    let bob = browser();
    let login = bob
        .get(a.url("/saml/acme/login"))
        .send()
        .await
        .expect("login");
    let location = login.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let request = authn_request_of(&location);
    let request_id = request
        .split("ID=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("ID")
        .to_owned();
    let mut spec = sp_spec("ann@acme.com");
    spec.in_response_to = Some(request_id);
    let answered = post_acs(&bob, &b, &test_idp::response(&spec, &Key::active())).await;
    assert_eq!(answered.status(), StatusCode::SEE_OTHER, "{}", b.log());
    assert_eq!(me(&bob, &a).await, StatusCode::OK);
    spec.assertion_id = format!("_{}", uuid::Uuid::new_v4());
    let again = post_acs(&browser(), &a, &test_idp::response(&spec, &Key::active())).await;
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "the request id is used up everywhere"
    );

    // Parallel SCIM creates of one userName across A and B make exactly one person.
    let client = reqwest::Client::new();
    let creates = (0..8).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        client
            .post(server.url("/scim/v2/Users"))
            .bearer_auth(&tenant.scim_token)
            .json(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "new.hire@acme.com",
                "active": true,
                "name": {"givenName": "New", "familyName": "Hire"},
                "emails": [{"type": "work", "value": "new.hire@acme.com", "primary": true}]
            }))
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(creates)
        .await
        .into_iter()
        .map(|r| r.expect("create").status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let held = employees::find_by_user_name(
        &mut db.conn().expect("conn"),
        &tenant.account_id,
        "new.hire@acme.com",
    )
    .expect("lookup");
    assert!(held.is_some());
}

#[actix_web::test]
async fn housekeeping_runs_on_every_instance_at_once_and_purges_what_expired() {
    use diesel::prelude::*;
    use gatehouse::db::schema::{saml_replay, saml_requests, sessions};
    let store = TestStore::new();
    let (a, b) = two_instances(&store);
    let db = store.open();
    let tenant = tenant(&db);
    // Expired state of every kind, plus a live session that must stay.
    let client = browser();
    let xml = test_idp::response(&sp_spec("ann@acme.com"), &Key::active());
    assert_eq!(
        post_acs(&client, &a, &xml).await.status(),
        StatusCode::SEE_OTHER
    );
    let _ = client
        .get(b.url("/saml/acme/login"))
        .send()
        .await
        .expect("login");
    let past = gatehouse::directory::clock::now() - chrono::Duration::hours(1);
    let mut conn = db.conn().expect("conn");
    db::write(&mut conn, |c| -> gatehouse::directory::Result<()> {
        diesel::update(saml_requests::table)
            .set(saml_requests::expires_at.eq(past))
            .execute(c)?;
        diesel::update(saml_replay::table)
            .set(saml_replay::expires_at.eq(past))
            .execute(c)?;
        let ann =
            employees::find_by_user_name(c, &tenant.account_id, "ann@acme.com")?.expect("ann");
        let stale = gatehouse::auth::sessions::create(c, &tenant.account_id, &ann.id)?;
        diesel::update(
            sessions::table.filter(sessions::id_hash.eq(gatehouse::auth::tokens::digest(&stale))),
        )
        .set(sessions::expires_at.eq(past))
        .execute(c)?;
        Ok(())
    })
    .expect("age rows");
    let runs: Vec<_> = (0..4)
        .map(|_| {
            Command::new(gatehouse_bin())
                .arg("housekeeping")
                .env("GATEHOUSE_DATABASE_URL", &store.url)
                .spawn()
                .expect("housekeeping")
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().expect("wait").success());
    }
    let count = |c: &mut gatehouse::db::DbConnection| -> (i64, i64, i64) {
        (
            saml_requests::table.count().get_result(c).expect("count"),
            saml_replay::table.count().get_result(c).expect("count"),
            sessions::table.count().get_result(c).expect("count"),
        )
    };
    assert_eq!(count(&mut conn), (0, 0, 1), "only the live session is left");
    assert_eq!(me(&client, &b).await, StatusCode::OK);
    assert_eq!(health(&a).await, 200);
}

/// What the load got acknowledged: people created (201), and per person the last title a
/// PATCH was answered 200 for, and the last one sent.
#[derive(Default)]
struct Acknowledged {
    people: Vec<(String, u32, u32)>,
}

async fn write_until_the_server_dies(
    server_url: String,
    token: String,
    worker: usize,
    acked: std::rc::Rc<std::cell::RefCell<Acknowledged>>,
) {
    let client = reqwest::Client::new();
    for i in 0.. {
        let user = format!("crash{worker}-{i}@acme.com");
        let created = client
            .post(format!("{server_url}/scim/v2/Users"))
            .bearer_auth(&token)
            .json(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user, "active": true,
                "name": {"givenName": "Crash", "familyName": "Test"},
                "emails": [{"type": "work", "value": user, "primary": true}]
            }))
            .send()
            .await;
        let Ok(created) = created else { return };
        if created.status() != 201 {
            return;
        }
        let Ok(body) = created.json::<serde_json::Value>().await else {
            return;
        };
        let id = body["id"].as_str().expect("id").to_owned();
        let slot = {
            let mut acked = acked.borrow_mut();
            acked.people.push((id.clone(), 0, 0));
            acked.people.len() - 1
        };
        for version in 1..=3u32 {
            acked.borrow_mut().people[slot].2 = version;
            let patched = client
                .patch(format!("{server_url}/scim/v2/Users/{id}"))
                .bearer_auth(&token)
                .json(&json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "title", "value": format!("v{version}")}]
                }))
                .send()
                .await;
            match patched {
                Ok(response) if response.status() == 200 => {
                    acked.borrow_mut().people[slot].1 = version;
                }
                _ => return,
            }
        }
    }
}

#[actix_web::test]
async fn sigkill_in_the_middle_of_scim_writes_loses_nothing_that_was_acknowledged() {
    let store = TestStore::new();
    let mut server = Server::start(&store.url);
    let db = store.open();
    let tenant = tenant(&db);
    let acked = std::rc::Rc::new(std::cell::RefCell::new(Acknowledged::default()));
    let load = futures_util::future::join_all((0..6).map(|worker| {
        write_until_the_server_dies(
            server.url(""),
            tenant.scim_token.clone(),
            worker,
            std::rc::Rc::clone(&acked),
        )
    }));
    let kill = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
        server.child.kill().expect("SIGKILL");
    };
    futures_util::future::join(load, kill).await;
    let _ = server.child.wait();
    let acked = std::mem::take(&mut *acked.borrow_mut());
    assert!(
        acked.people.len() >= 20,
        "the load got going: {}",
        acked.people.len()
    );
    let in_flight = acked.people.iter().filter(|(_, a, s)| s > a).count();
    eprintln!(
        "killed after {} acknowledged creates, {} PATCHes in flight",
        acked.people.len(),
        in_flight
    );

    if let Some(file) = store.sqlite_file() {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let mut raw = diesel::SqliteConnection::establish(&file.display().to_string())
            .expect("open the file");
        let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut raw)
            .expect("integrity_check");
        let verdict: Vec<&str> = checks.iter().map(|c| c.integrity_check.as_str()).collect();
        assert_eq!(verdict, ["ok"]);
    }

    let restarted = Server::start(&store.url);
    let client = reqwest::Client::new();
    for (id, answered, sent) in &acked.people {
        let response = client
            .get(restarted.url(&format!("/scim/v2/Users/{id}")))
            .bearer_auth(&tenant.scim_token)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "acknowledged create {id} survived");
        let title = response.json::<serde_json::Value>().await.expect("json")["title"]
            .as_str()
            .map(str::to_owned);
        let expected_answered = (*answered > 0).then(|| format!("v{answered}"));
        let in_flight = (sent > answered).then(|| format!("v{sent}"));
        assert!(
            title == expected_answered || title == in_flight,
            "{id}: title {title:?}, acknowledged {expected_answered:?}, in flight {in_flight:?}"
        );
    }
    let people =
        employees::list_current(&mut db.conn().expect("conn"), &tenant.account_id).expect("list");
    let mut names: Vec<&str> = people.iter().map(|p| p.user_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), people.len(), "no login name twice");
}

/// `gatehouse client create` as an operator runs it: the client's id and secret.
fn register_client(store: &TestStore, redirect_uri: &str) -> (String, String) {
    let output = crate::helpers::run_cli(
        &store.url,
        &["client", "create", "HR", "--redirect-uri", redirect_uri],
    );
    assert!(
        output.status.success(),
        "{}",
        crate::helpers::stderr_of(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let value = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
            .to_owned()
    };
    (value("client_id"), value("client_secret"))
}

async fn token_on(
    server: &Server,
    client: &(String, String),
    fields: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(server.url("/oauth/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(fields)
        .send()
        .await
        .expect("token");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn userinfo_on(server: &Server, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(server.url("/oauth/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo")
        .status()
        .as_u16()
}

/// A code from `server` for the person signed in in `browser`.
async fn code_on(browser: &reqwest::Client, server: &Server, client_id: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", OIDC_REDIRECT),
        ("scope", "openid email offline_access"),
        ("state", "s"),
        ("nonce", "n"),
        ("code_challenge", OIDC_CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .expect("query");
    let response = browser
        .get(server.url(&format!("/oauth/authorize?{query}")))
        .send()
        .await
        .expect("authorize");
    let back = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    back.split_once('?')
        .and_then(|(_, q)| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|params| params.into_iter().find(|(n, _)| n == "code"))
        .map(|(_, code)| code)
        .unwrap_or_else(|| panic!("no code in {back}: {}", server.log()))
}

const OIDC_REDIRECT: &str = "https://hr.example.test/callback";
/// RFC 7636 appendix B.
const OIDC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const OIDC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[actix_web::test]
async fn an_openid_connect_sign_in_moves_between_instances_at_every_step() {
    let store = TestStore::new();
    let (a, b) = two_instances(&store);
    let db = store.open();
    tenant(&db);
    let client = register_client(&store, OIDC_REDIRECT);

    // Signed in through SAML on A; authorized on A; the code redeemed on B.
    let ann = browser();
    let xml = test_idp::response(&sp_spec("ann@acme.com"), &Key::active());
    assert_eq!(
        post_acs(&ann, &a, &xml).await.status(),
        StatusCode::SEE_OTHER
    );
    let code = code_on(&ann, &a, &client.0).await;
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", OIDC_REDIRECT),
        ("code_verifier", OIDC_VERIFIER),
    ];
    let (status, tokens) = token_on(&b, &client, &redeem).await;
    assert_eq!(status, 200, "{tokens}\n{}", b.log());
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(userinfo_on(&a, access).await, 200);

    // The ID token B signed verifies against A's JWKS.
    let id_token = tokens["id_token"].as_str().expect("id token");
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(a.url("/oauth/jwks"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("JWK set");
    let kid = jsonwebtoken::decode_header(id_token)
        .expect("header")
        .kid
        .expect("kid");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid).expect("A publishes B's key"))
        .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&client.0]);
    validation.set_issuer(&[crate::helpers::PUBLIC_URL]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation)
        .expect("verifies")
        .claims;
    assert_eq!(claims["amr"], json!(["saml"]));

    // Refreshed on A; the rotated-out token replayed on B ends the grant everywhere.
    let old = tokens["refresh_token"].as_str().expect("refresh token");
    let fields = [("grant_type", "refresh_token"), ("refresh_token", old)];
    let (status, refreshed) = token_on(&a, &client, &fields).await;
    assert_eq!(status, 200, "{refreshed}\n{}", a.log());
    let new_access = refreshed["access_token"].as_str().expect("access token");
    assert_eq!(userinfo_on(&b, new_access).await, 200);
    let (status, replay) = token_on(&b, &client, &fields).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(userinfo_on(&a, new_access).await, 401);

    // One code redeemed on both at once: tokens at most once, and those end.
    let code = code_on(&ann, &b, &client.0).await;
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", OIDC_REDIRECT),
        ("code_verifier", OIDC_VERIFIER),
    ];
    let attempts = (0..6).map(|i| token_on(if i % 2 == 0 { &a } else { &b }, &client, &redeem));
    let answers = futures_util::future::join_all(attempts).await;
    let granted: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert!(granted.len() <= 1, "{answers:?}");
    for body in granted {
        let access = body["access_token"].as_str().expect("access token");
        assert_eq!(userinfo_on(&a, access).await, 401);
    }
}
