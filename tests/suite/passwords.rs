//! Local password sign-in for people outside the federation, over real HTTP.

use std::process::Command;

use diesel::prelude::*;
use gatehouse::auth::{credentials, outbox, passwords};
use gatehouse::db::schema::credentials as stored;
use gatehouse::directory::accounts::{self, Account};
use gatehouse::directory::history::{self, Actor};
use gatehouse::directory::{employees as people, lifecycle};
use gatehouse::idp::settings::SsoChange;

use crate::helpers::mail::{smtp_sink, smtp_to};
use crate::helpers::{TestApp, csv, gatehouse_bin, location, person, spawn_app, spawn_app_with};

const GOOD: &str = "a perfectly long password";

struct Local {
    app: TestApp,
    account: Account,
}

async fn local_app() -> Local {
    let app = spawn_app().await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    Local { app, account }
}

impl Local {
    fn link_for(&self, user_name: &str) -> String {
        let person = people::find_by_user_name(
            &mut self.app.db.conn().expect("conn"),
            &self.account.id,
            user_name,
        )
        .expect("query")
        .expect("person");
        self.app
            .write(|c| credentials::issue_link(c, &person, credentials::LinkPurpose::Setup))
            .expect("link")
    }

    async fn set_password(
        &self,
        client: &reqwest::Client,
        token: &str,
        password: &str,
    ) -> (u16, String) {
        // The token belongs to the browser, not the form: any form page gives it.
        let fields = [
            ("token", token),
            ("password", password),
            ("confirm", password),
        ];
        let response = self
            .app
            .submit_in(client, "/login", "/password/set", &fields)
            .await;
        (
            response.status().as_u16(),
            response.text().await.expect("page"),
        )
    }

    async fn login(
        &self,
        client: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> (u16, String, String) {
        let fields = [
            ("account", "acme"),
            ("login", login),
            ("password", password),
            ("next", "/after"),
        ];
        let response = self
            .app
            .submit_in(client, "/login", "/login", &fields)
            .await;
        let status = response.status().as_u16();
        let location = location(&response);
        (status, location, response.text().await.expect("page"))
    }

    fn add(&self, user_name: &str) -> people::Employee {
        self.app
            .write(|c| lifecycle::create(c, &self.account.id, person(user_name), &csv()))
            .expect("person")
    }
}

#[actix_web::test]
async fn first_admin_setup_through_the_cli_link_then_sign_in() {
    let local = local_app().await;
    let run = Command::new(gatehouse_bin())
        .args(["admin", "create", "acme", "it@acme.com"])
        .env("GATEHOUSE_DATABASE_URL", &local.app.store.url)
        .env("GATEHOUSE_PUBLIC_URL", "https://gh.example.com")
        .output()
        .expect("admin create");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let link = String::from_utf8(run.stdout).expect("utf-8");
    let token = link
        .trim()
        .strip_prefix("https://gh.example.com/password/set?token=")
        .expect("a link")
        .to_owned();
    let form = local.app.get(&format!("/password/set?token={token}")).await;
    assert!(form.text().await.expect("page").contains("it@acme.com"));

    let (status, page) = local.set_password(&local.app.client, &token, "short").await;
    assert_eq!(status, 400);
    assert!(page.contains("at least 12 characters"));
    let (status, page) = local
        .set_password(&local.app.client, &token, "it@acme.com")
        .await;
    assert_eq!(status, 400, "{page}");
    let (status, _) = local.set_password(&local.app.client, &token, GOOD).await;
    assert_eq!(status, 200);
    let (status, _) = local
        .set_password(&local.app.client, &token, "another long password")
        .await;
    assert_eq!(status, 400, "the link works once");

    let (status, location, _) = local.login(&local.app.client, "IT@acme.com", GOOD).await;
    assert_eq!((status, location.as_str()), (303, "/after"));
    let me = local.app.me(&local.app.client).await.expect("signed in");
    assert_eq!(me["user_name"], "it@acme.com");
    let hash: String = stored::table
        .select(stored::password_hash)
        .first(&mut local.app.db.conn().expect("conn"))
        .expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "stored as argon2id: {hash}"
    );
}

#[actix_web::test]
async fn wrong_unknown_and_locked_all_get_the_same_answer_and_lockouts_reach_the_history() {
    let local = local_app().await;
    let ann = local.add("ann@acme.com");
    let token = local.link_for("ann@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    let (status, _, wrong) = local
        .login(&local.app.client, "ann@acme.com", "not the password!")
        .await;
    let (_, _, unknown) = local
        .login(&local.app.client, "nobody@acme.com", "not the password!")
        .await;
    assert_eq!(status, 401);
    assert!(
        wrong.contains("The address or password is wrong.")
            && unknown.contains("The address or password is wrong.")
    );
    for _ in 0..4 {
        local
            .login(&local.app.client, "ann@acme.com", "not the password!")
            .await;
    }
    let (status, _, locked) = local.login(&local.app.client, "ann@acme.com", GOOD).await;
    assert_eq!(status, 401, "locked: even the right password is refused");
    assert!(locked.contains("The address or password is wrong."));
    let entries = history::of_employee(
        &mut local.app.db.conn().expect("conn"),
        &local.account.id,
        &ann.id,
    )
    .expect("history");
    assert!(
        entries.iter().any(|e| e.action == "locked_out"),
        "{entries:?}"
    );
    let journal = gatehouse::auth::journal::recent(
        &mut local.app.db.conn().expect("conn"),
        &local.account.id,
        1,
    )
    .expect("journal");
    assert_eq!(
        (journal[0].method.as_str(), journal[0].reason.as_str()),
        ("password", "locked")
    );
    diesel::delete(gatehouse::db::schema::login_failures::table)
        .execute(&mut local.app.db.conn().expect("conn"))
        .expect("lift");
    assert_eq!(
        local.login(&local.app.client, "ann@acme.com", GOOD).await.0,
        303,
        "after the lockout ends"
    );
}

#[actix_web::test]
async fn federated_people_are_sent_to_microsoft_while_sso_is_on_but_setup_admins_keep_a_password() {
    let local = local_app().await;
    let ann = local.app.provision(&local.account.id, "ann@acme.com");
    let boss = local.app.provision(&local.account.id, "boss@acme.com");
    for who in [&ann, &boss] {
        let hash = passwords::hash(GOOD).expect("hash");
        local
            .app
            .write(|c| credentials::set_password(c, who, &hash, &Actor::admin("a"), None))
            .expect("password");
    }
    let roles = gatehouse::directory::approvers::Roles {
        setup_admin: true,
        ..Default::default()
    };
    local
        .app
        .write(|c| {
            gatehouse::directory::approvers::set_roles(
                c,
                &local.account.id,
                &boss.id,
                roles,
                &Actor::admin("a"),
            )
        })
        .expect("admin");
    crate::helpers::sso::sso_on(&local.app, &local.account);

    let (status, _, page) = local.login(&local.app.client, "ann@acme.com", GOOD).await;
    assert_eq!(status, 200);
    let page = page.replace("&#x2F;", "/");
    assert!(
        page.contains("Sign in with Microsoft")
            && page.contains(
                r#"href="/saml/acme/login?RelayState=%2Fafter&amp;login_hint=ann%40acme.com""#
            ),
        "{page}"
    );
    assert!(local.app.me(&local.app.client).await.is_none());
    assert_eq!(
        local
            .login(&local.app.client, "boss@acme.com", GOOD)
            .await
            .0,
        303,
        "break-glass admin"
    );

    local.app.sso(
        &local.account.id,
        SsoChange {
            enabled: Some(false),
            ..Default::default()
        },
    );
    let browser = local.app.new_browser();
    assert_eq!(
        local.login(&browser, "ann@acme.com", GOOD).await.0,
        303,
        "everyone falls back to passwords with SSO off"
    );
}

#[actix_web::test]
async fn removed_from_federation_then_signed_in_with_a_new_password() {
    let local = local_app().await;
    let ann = local.app.provision(&local.account.id, "ann@acme.com");
    crate::helpers::sso::sso_on(&local.app, &local.account);
    local
        .app
        .write(|c| {
            lifecycle::remove_from_federation(c, &local.account.id, &ann.id, &Actor::admin("a"))
        })
        .expect("defederate");
    let token = local.link_for("ann@acme.com");
    assert_eq!(
        local.set_password(&local.app.client, &token, GOOD).await.0,
        200
    );
    assert_eq!(
        local.login(&local.app.client, "ann@acme.com", GOOD).await.0,
        303
    );
    assert_eq!(
        local.app.me(&local.app.client).await.expect("in")["user_id"],
        ann.id.as_str()
    );
}

#[actix_web::test]
async fn setting_a_password_ends_other_sessions_and_earlier_links() {
    let local = local_app().await;
    local.add("ann@acme.com");
    let first = local.link_for("ann@acme.com");
    let second = local.link_for("ann@acme.com");
    assert_eq!(
        local.set_password(&local.app.client, &first, GOOD).await.0,
        200
    );
    assert_eq!(
        local
            .set_password(&local.app.client, &second, "some other long one")
            .await
            .0,
        400,
        "earlier links die"
    );
    let laptop = local.app.new_browser();
    assert_eq!(local.login(&laptop, "ann@acme.com", GOOD).await.0, 303);
    let third = local.link_for("ann@acme.com");
    assert_eq!(
        local
            .set_password(&local.app.client, &third, "the newest long password")
            .await
            .0,
        200
    );
    assert!(
        local.app.me(&laptop).await.is_none(),
        "the other browser is signed out"
    );
}

#[actix_web::test]
async fn old_hash_parameters_are_upgraded_at_sign_in() {
    let local = local_app().await;
    let ann = local.add("ann@acme.com");
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8192, 1, 1, None).expect("params"),
    );
    let old = weak
        .hash_password(GOOD.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
    local
        .app
        .write(|c| credentials::set_password(c, &ann, &old, &Actor::admin("a"), None))
        .expect("old hash");
    assert_eq!(
        local.login(&local.app.client, "ann@acme.com", GOOD).await.0,
        303
    );
    let now: String = stored::table
        .select(stored::password_hash)
        .first(&mut local.app.db.conn().expect("conn"))
        .expect("hash");
    assert!(now.contains("m=19456,t=2,p=1"), "{now}");
}

#[actix_web::test]
async fn forgot_password_answers_alike_and_delivers_through_the_outbox() {
    let local = local_app().await;
    local.add("ann@acme.com");
    let csrf = local.app.form_token("/password/forgot").await;
    let ask = |login: &'static str| {
        let (app, csrf) = (&local.app, csrf.as_str());
        async move {
            let fields = [("account", "acme"), ("login", login), ("csrf", csrf)];
            let response = app.post_form("/password/forgot", &fields).await;
            response.text().await.expect("page")
        }
    };
    let known = ask("ann@acme.com").await;
    let unknown = ask("nobody@acme.com").await;
    assert_eq!(known, unknown);
    let mails = outbox::pending(&mut local.app.db.conn().expect("conn")).expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipient, "ann@acme.com");
    let token = mails[0]
        .body
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("link")
        .to_owned();
    assert_eq!(
        local.set_password(&local.app.client, &token, GOOD).await.0,
        200
    );
    assert_eq!(
        local.login(&local.app.client, "ann@acme.com", GOOD).await.0,
        303
    );
}

#[actix_web::test]
async fn one_address_is_rate_limited_in_memory() {
    let app = spawn_app_with(|s| s.login_rate_per_minute = 3).await;
    app.write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    let csrf = app.form_token("/login").await;
    let fields = [
        ("account", "acme"),
        ("login", "x@acme.com"),
        ("password", "whatever it is"),
        ("csrf", csrf.as_str()),
    ];
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app.post_form("/login", &fields).await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[actix_web::test]
async fn the_sign_in_page_renders() {
    let local = local_app().await;
    let page = local
        .app
        .client
        .get(local.app.url("/login?account=acme&next=//evil.example"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(r#"name="email""#) && html.contains(r#"value="acme""#));
    assert!(
        !html.contains(r#"name="password""#),
        "the password is the second step"
    );
    assert!(!html.contains("evil.example"), "foreign next is dropped");
}

#[actix_web::test]
async fn with_smtp_configured_the_reset_link_is_mailed() {
    let (port, received) = smtp_sink();
    let app = spawn_app_with(|s| s.smtp = Some(smtp_to(port))).await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    app.write(|c| lifecycle::create(c, &account.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    let fields = [("account", "acme"), ("login", "ann@acme.com")];
    app.submit("/password/forgot", "/password/forgot", &fields)
        .await;
    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = received.lock().expect("lock").clone();
        if !delivered.is_empty()
            && outbox::pending(&mut app.db.conn().expect("conn"))
                .expect("outbox")
                .is_empty()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(delivered.len(), 1, "one mail delivered");
    assert!(
        delivered[0].contains("To: ann@acme.com") && delivered[0].contains("password/set?token="),
        "{}",
        delivered[0]
    );
    assert!(
        outbox::pending(&mut app.db.conn().expect("conn"))
            .expect("outbox")
            .is_empty(),
        "marked sent"
    );
}

#[actix_web::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let local = local_app().await;
    local.add("ann@acme.com");
    let token = local.link_for("ann@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    let fields = [
        ("account", "acme"),
        ("login", "ann@acme.com"),
        ("password", GOOD),
    ];
    let bare = local
        .app
        .post_form_in(&local.app.new_browser(), "/login", &fields)
        .await;
    assert_eq!(bare.status(), 403, "no token");
    let browser = local.app.new_browser();
    let csrf = local.app.form_token_in(&browser, "/login").await;
    let mut with_token = fields.to_vec();
    with_token.push(("csrf", &csrf));
    let foreign = browser
        .post(local.app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&with_token)
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status(), 403, "another site's origin");
    let stolen = local
        .app
        .post_form_in(&local.app.new_browser(), "/login", &with_token)
        .await;
    assert_eq!(stolen.status(), 403, "a token without its cookie");
    // post_form_in sends the Origin of our public URL, http://127.0.0.1.
    let own = local
        .app
        .post_form_in(&browser, "/login", &with_token)
        .await;
    assert_eq!(own.status(), 303, "same origin with token and cookie");
    let logout = local
        .app
        .post_form_in(&browser, "/logout", &[("csrf", "nope")])
        .await;
    assert_eq!(logout.status(), 403);
    assert!(
        local.app.me(&browser).await.is_some(),
        "a forged logout changes nothing"
    );
}

fn lockout_of(local: &Local, counter: &str) -> Option<chrono::NaiveDateTime> {
    use gatehouse::db::schema::login_failures as f;
    f::table
        .find((&local.account.id, counter))
        .select(f::locked_until)
        .first::<Option<chrono::NaiveDateTime>>(&mut local.app.db.conn().expect("conn"))
        .optional()
        .expect("query")
        .flatten()
}

/// The login name and the email count against one lockout, and attempts refused during it
/// (20 at once, then 20 one after another) neither end nor shorten it.
#[actix_web::test]
async fn a_lockout_holds_against_parallel_and_serial_attempts_and_is_shared_by_name_and_email() {
    let local = local_app().await;
    let mut profile = person("ann@acme.com");
    profile.email = "ann.lee@acme.com".into();
    let ann = local
        .app
        .write(|c| lifecycle::create(c, &local.account.id, profile, &csv()))
        .expect("ann");
    let token = local.link_for("ann@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    for login in [
        "ann@acme.com",
        "ANN.LEE@acme.com",
        "ann@acme.com",
        "ann.lee@acme.com",
    ] {
        assert_eq!(local.login(&local.app.client, login, "wrong!").await.0, 401);
    }
    let counter = format!("employee:{}", ann.id);
    assert_eq!(
        lockout_of(&local, &counter),
        None,
        "four failures do not lock"
    );
    local
        .login(&local.app.client, "ann.lee@acme.com", "wrong!")
        .await;
    let until = lockout_of(&local, &counter).expect("the fifth failure locks");

    let parallel = (0..20).map(|i| {
        let browser = local.app.new_browser();
        let login = if i % 2 == 0 {
            "ann@acme.com"
        } else {
            "ann.lee@acme.com"
        };
        let local = &local;
        async move { local.login(&browser, login, "wrong!").await.0 }
    });
    let statuses = futures_util::future::join_all(parallel).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    for _ in 0..20 {
        assert_eq!(
            local
                .login(&local.app.client, "ann@acme.com", "wrong!")
                .await
                .0,
            401
        );
    }
    assert_eq!(lockout_of(&local, &counter), Some(until), "unchanged");
    assert_eq!(
        local.login(&local.app.client, "ann@acme.com", GOOD).await.0,
        401,
        "the right password is refused while locked"
    );
    let lockouts = history::of_employee(
        &mut local.app.db.conn().expect("conn"),
        &local.account.id,
        &ann.id,
    )
    .expect("history")
    .into_iter()
    .filter(|e| e.action == "locked_out")
    .count();
    assert_eq!(lockouts, 1);
}

/// Parallel first failures of a new counter are all counted (on PostgreSQL they used to collide
/// on the primary key and vanish as errors).
#[actix_web::test]
async fn parallel_failures_are_all_counted() {
    let local = local_app().await;
    let ann = local.add("ann@acme.com");
    let token = local.link_for("ann@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    let parallel = (0..4).map(|_| {
        let browser = local.app.new_browser();
        let local = &local;
        async move { local.login(&browser, "ann@acme.com", "wrong!").await.0 }
    });
    let statuses = futures_util::future::join_all(parallel).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    use gatehouse::db::schema::login_failures as f;
    let failures: i32 = f::table
        .find((&local.account.id, format!("employee:{}", ann.id)))
        .select(f::failures)
        .first(&mut local.app.db.conn().expect("conn"))
        .expect("counter");
    assert_eq!(failures, 4);
}

/// Until the password is right, a federated name gets exactly the answer an unknown name gets:
/// the sign-in page never confirms to a stranger that a name exists or is federated. The page
/// offers "Sign in with Microsoft" to everyone, because the company (not the person) uses it.
#[actix_web::test]
async fn a_federated_name_is_not_confirmed_to_someone_without_its_password() {
    let local = local_app().await;
    local.app.provision(&local.account.id, "ann@acme.com");
    let bob = local.add("bob@acme.com");
    let token = local.link_for("bob@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    crate::helpers::sso::sso_on(&local.app, &local.account);
    let answer = |login: &'static str| {
        let local = &local;
        async move {
            let browser = local.app.new_browser();
            let (status, _, page) = local.login(&browser, login, "any guess at all").await;
            // The page repeats the login, also as Entra's login hint.
            let page = page
                .replace(login, "LOGIN")
                .replace(&login.replace('@', "%40"), "LOGIN");
            let token_at = page.find("name=\"csrf\" value=\"").expect("csrf field");
            let token_end = page[token_at + 19..].find('"').expect("end") + token_at + 19;
            (
                status,
                format!("{}{}", &page[..token_at], &page[token_end..]),
            )
        }
    };
    let federated = answer("ann@acme.com").await;
    let unknown = answer("nobody@acme.com").await;
    let wrong = answer("bob@acme.com").await;
    assert_eq!(federated.0, 401);
    assert_eq!(federated, unknown, "federated and unknown names look alike");
    assert_eq!(federated, wrong, "and alike a wrong password");
    assert!(
        federated
            .1
            .replace("&#x2F;", "/")
            .contains(r#"href="/saml/acme/login?RelayState=%2Fafter&amp;login_hint=LOGIN""#),
        "the company's Microsoft sign-in is offered to everyone"
    );
    let journal = gatehouse::auth::journal::recent(
        &mut local.app.db.conn().expect("conn"),
        &local.account.id,
        3,
    )
    .expect("journal");
    let reasons: Vec<&str> = journal.iter().map(|e| e.reason.as_str()).collect();
    assert!(
        reasons.contains(&"use_sso"),
        "the admin still learns why: {reasons:?}"
    );
    assert!(!bob.federated);
}

/// Behind a trusted proxy, IPv6 clients are limited per /64: a host cannot rotate through the
/// addresses of its own block to get more attempts.
#[actix_web::test]
async fn ipv6_clients_behind_a_trusted_proxy_are_limited_per_64() {
    let app = spawn_app_with(|s| {
        s.login_rate_per_minute = 2;
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await;
    app.write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    let csrf = app.form_token("/login").await;
    let attempt = |from: &'static str| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            app.client
                .post(app.url("/login"))
                .header("X-Forwarded-For", from)
                .form(&[
                    ("account", "acme"),
                    ("login", "x@acme.com"),
                    ("password", "whatever it is"),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .expect("login")
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for from in [
        "2001:db8:7:1::1",
        "2001:db8:7:1::2",
        "2001:db8:7:1:abcd::3",
        "2001:db8:7:2::1",
    ] {
        statuses.push(attempt(from).await);
    }
    assert_eq!(statuses, [401, 401, 429, 401]);
}

/// A burst of parallel guesses is looked up before any of them is counted: a right one among
/// them that finishes after the fifth wrong one must not sign in (nor lift the lockout).
#[actix_web::test]
async fn a_right_password_checked_after_parallel_guesses_locked_the_person_is_refused() {
    use gatehouse::auth::local_login;
    use gatehouse::auth::sessions::InBrowser;
    let local = local_app().await;
    let ann = local.add("ann@acme.com");
    let token = local.link_for("ann@acme.com");
    local.set_password(&local.app.client, &token, GOOD).await;
    let look_up = || {
        local
            .app
            .write(|c| local_login::look_up(c, "acme", "ann@acme.com"))
            .expect("look up")
    };
    let right_guess = look_up();
    assert!(!right_guess.locked);
    for _ in 0..5 {
        let wrong = look_up();
        local
            .app
            .write(|c| local_login::fail(c, &wrong))
            .expect("fail");
    }
    let session = local
        .app
        .write(|c| local_login::succeed(c, &right_guess, &InBrowser::default(), None))
        .expect("succeed");
    assert_eq!(session, None, "locked in the meantime");
    assert!(
        lockout_of(&local, &format!("employee:{}", ann.id)).is_some(),
        "still locked"
    );
}
