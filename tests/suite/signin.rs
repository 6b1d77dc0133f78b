//! Identifier-first sign-in (issue 13, item 4): the person types their work email; the company
//! comes from the request (`/a/{slug}/login`, `?account=`) or from the address's domain; a
//! company with SSO on sends the address to Microsoft as Entra's login hint, any other gets the
//! password step. Nothing tells whether an address or a company exists.

use diesel::prelude::*;
use gatehouse::auth::{credentials, passwords};
use gatehouse::db::schema::mail_outbox;
use gatehouse::directory::account_domains;
use gatehouse::directory::accounts::{self, Account};
use gatehouse::directory::audit;
use gatehouse::directory::employees::Employee;
use gatehouse::directory::lifecycle;
use gatehouse::idp::settings::SsoChange;
use reqwest::StatusCode;

use crate::helpers::admin::console;
use crate::helpers::sso::{authn_request_of, sso_app};
use crate::helpers::{
    PUBLIC_URL, TestApp, csv, location, person, run_cli, spawn_app, stderr_of, system,
};

const GOOD: &str = "a perfectly long password";

fn company(app: &TestApp, slug: &str) -> Account {
    app.write(|c| accounts::create(c, slug, slug))
        .expect("account")
}

fn with_password(app: &TestApp, account: &Account, user_name: &str) -> Employee {
    let hash = passwords::hash(GOOD).expect("hash");
    app.write(|c| {
        let who = lifecycle::create(c, &account.id, person(user_name), &csv())?;
        credentials::set_password(c, &who, &hash, &system(), None)?;
        Ok(who)
    })
    .expect("person with a password")
}

fn list_domain(app: &TestApp, account: &Account, domain: &str) {
    app.write(|c| account_domains::add(c, &account.id, domain, &system()))
        .expect("domain");
}

/// Step 1 from `page`: the address (and the page's hidden fields, given here) posted.
async fn identify(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = app
        .submit_in(browser, page, "/login/identify", fields)
        .await;
    let status = response.status().as_u16();
    let location = location(&response);
    (status, location, response.text().await.expect("page"))
}

/// The value of the input called `name` on `html`, if the page has one.
fn field(html: &str, name: &str) -> Option<String> {
    html.split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|v| v.replace("&#x2F;", "/").replace("&#64;", "@"))
}

/// Step 2: the password posted with the fields the password step carries.
async fn password_step(
    app: &TestApp,
    browser: &reqwest::Client,
    step: &str,
    password: &str,
) -> (u16, String) {
    let mut fields = vec![("password", password.to_owned())];
    for name in ["account", "login", "next"] {
        if let Some(value) = field(step, name) {
            fields.push((name, value));
        }
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.submit_in(browser, "/login", "/login", &fields).await;
    (response.status().as_u16(), location(&response))
}

#[actix_web::test]
async fn a_named_company_asks_for_the_address_then_the_password() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    with_password(&app, &acme, "ann@acme.com");

    let form = app
        .get("/login?account=acme&login_hint=ann%40acme.com&next=%2Fafter")
        .await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(
        !html.contains(r#"name="password""#),
        "step 1 asks only for the address"
    );
    assert_eq!(field(&html, "account").as_deref(), Some("acme"));
    assert_eq!(field(&html, "email").as_deref(), Some("ann@acme.com"));
    assert_eq!(field(&html, "next").as_deref(), Some("/after"));
    assert!(html.contains("Sign in with a password"));

    let fields = [
        ("account", "acme"),
        ("email", "ann@acme.com"),
        ("next", "/after"),
    ];
    let (status, _, step) = identify(&app, &app.client, "/login", &fields).await;
    assert_eq!(status, 200);
    assert!(step.contains(r#"name="password""#), "{step}");
    assert_eq!(field(&step, "account").as_deref(), Some("acme"));
    assert_eq!(field(&step, "login").as_deref(), Some("ann@acme.com"));
    assert!(
        step.replace("&#x2F;", "/")
            .contains(r#"href="/a/acme/login?next=%2Fafter""#),
        "{step}"
    );
    assert_eq!(
        password_step(&app, &app.client, &step, GOOD).await,
        (303, "/after".to_owned())
    );
    assert_eq!(
        app.me(&app.client).await.expect("signed in")["account"],
        "acme"
    );
}

#[actix_web::test]
async fn the_address_domain_chooses_the_company() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    let globex = company(&app, "globex");
    list_domain(&app, &acme, "Acme.COM");
    with_password(&app, &acme, "ann@acme.com");
    with_password(&app, &globex, "bob@globex.com");

    let (status, _, step) =
        identify(&app, &app.client, "/login", &[("email", "Ann@ACME.com")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        field(&step, "account"),
        None,
        "found again from the address at step 2"
    );
    assert_eq!(password_step(&app, &app.client, &step, GOOD).await.0, 303);
    assert_eq!(app.me(&app.client).await.expect("in")["account"], "acme");

    // globex.com is nobody's domain: the password step, and a refusal like a wrong password.
    let browser = app.new_browser();
    let (_, _, step) = identify(&app, &browser, "/login", &[("email", "bob@globex.com")]).await;
    assert_eq!(password_step(&app, &browser, &step, GOOD).await.0, 401);

    // "Forgot password" finds the company the same way.
    let asked = app
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("login", "ann@acme.com")],
        )
        .await;
    assert_eq!(asked.status(), 200);
    let recipients: Vec<String> = mail_outbox::table
        .select(mail_outbox::recipient)
        .load(&mut app.db.conn().expect("conn"))
        .expect("mail");
    assert_eq!(recipients, ["ann@acme.com"]);
}

#[actix_web::test]
async fn the_company_sign_in_url_fixes_the_company_whatever_the_address() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    let globex = company(&app, "globex");
    list_domain(&app, &globex, "globex.com");
    // A contractor with an address at another company's domain signs in through acme's page.
    with_password(&app, &acme, "temp@globex.com");

    let html = app
        .get("/a/acme/login?next=%2Fadmin")
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(field(&html, "account").as_deref(), Some("acme"));
    assert_eq!(field(&html, "next").as_deref(), Some("/admin"));
    let fields = [
        ("account", "acme"),
        ("email", "temp@globex.com"),
        ("next", "/admin"),
    ];
    let (_, _, step) = identify(&app, &app.client, "/a/acme/login", &fields).await;
    assert_eq!(field(&step, "account").as_deref(), Some("acme"));
    assert_eq!(password_step(&app, &app.client, &step, GOOD).await.0, 303);
    assert_eq!(app.me(&app.client).await.expect("in")["account"], "acme");

    // A company nobody has: the same page, then the same refusal as a wrong password.
    let unknown = app.get("/a/nosuch/login").await;
    assert_eq!(unknown.status(), 200);
    let unknown = unknown.text().await.expect("html");
    let known = app.get("/a/acme/login").await.text().await.expect("html");
    assert_eq!(unknown.replace("nosuch", "acme"), known);
}

#[actix_web::test]
async fn an_sso_company_sends_any_address_at_its_domain_to_microsoft_with_the_hint() {
    let sso = sso_app().await;
    let app = &sso.app;
    list_domain(app, &sso.account, "acme.com");

    let (status, to_ann, _) = identify(
        app,
        &app.client,
        "/login",
        &[("email", "ann@acme.com"), ("next", "/after")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        to_ann,
        "/saml/acme/login?RelayState=%2Fafter&login_hint=ann%40acme.com"
    );
    // An address nobody has at that domain goes the same way: nothing tells them apart.
    let (status, to_nobody, _) = identify(
        app,
        &app.new_browser(),
        "/login",
        &[("email", "nobody@acme.com"), ("next", "/after")],
    )
    .await;
    assert_eq!(
        (status, to_nobody.replace("nobody", "ann")),
        (303, to_ann.clone())
    );

    // Our SP-initiated start hands the hint to Entra beside the request, as Microsoft documents.
    let start = app
        .client
        .get(app.url(&to_ann))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), 302);
    let entra = location(&start);
    assert!(
        entra.starts_with("https://login.microsoftonline.com/t/saml2?SAMLRequest="),
        "{entra}"
    );
    assert!(
        entra.ends_with("&RelayState=%2Fafter&login_hint=ann%40acme.com"),
        "{entra}"
    );
    assert!(!authn_request_of(&entra).contains("Subject"));

    // A company named by the URL decides the same for an address at any domain.
    let (status, named, _) = identify(
        app,
        &app.new_browser(),
        "/a/acme/login",
        &[("account", "acme"), ("email", "ann@gmail.com")],
    )
    .await;
    assert_eq!(
        (status, named.as_str()),
        (
            303,
            "/saml/acme/login?RelayState=%2F&login_hint=ann%40gmail.com"
        )
    );

    // The person may choose the password step instead (break-glass admins, people removed
    // from the federation); it still offers Microsoft.
    let (status, _, step) = identify(
        app,
        &app.client,
        "/login",
        &[("email", "ann@acme.com"), ("method", "password")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(step.contains(r#"name="password""#));
    assert!(
        step.replace("&#x2F;", "/")
            .contains(r#"href="/saml/acme/login?RelayState=%2F&amp;login_hint=ann%40acme.com""#),
        "{step}"
    );
}

#[actix_web::test]
async fn a_company_without_sso_and_an_unknown_domain_show_the_same_password_step() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    list_domain(&app, &acme, "acme.com");
    with_password(&app, &acme, "ann@acme.com");

    let (s1, _, known) = identify(&app, &app.client, "/login", &[("email", "x@acme.com")]).await;
    let (s2, _, unknown) = identify(
        &app,
        &app.client,
        "/login",
        &[("email", "x@nowhere.example")],
    )
    .await;
    assert_eq!((s1, s2), (200, 200));
    assert!(known.contains(r#"name="password""#));
    assert_eq!(
        known,
        unknown.replace("x@nowhere.example", "x@acme.com"),
        "the same page, whether or not a company lists the domain"
    );

    // And the same refusal at step 2: a wrong password at acme, any password nowhere.
    let ann_step = known.replace("x@acme.com", "ann@acme.com");
    let wrong = password_step(&app, &app.client, &ann_step, "not the password at all").await;
    let nowhere = password_step(&app, &app.client, &unknown, GOOD).await;
    assert_eq!((wrong.0, nowhere.0), (401, 401));
    let refused = |login: &'static str| {
        let app = &app;
        async move {
            let fields = [("login", login), ("password", GOOD)];
            let response = app.submit("/login", "/login", &fields).await;
            response.text().await.expect("page")
        }
    };
    let page_nowhere = refused("x@nowhere.example").await;
    let page_acme = refused("x@acme.com").await;
    assert!(page_acme.contains("The address or password is wrong."));
    assert_eq!(
        page_nowhere.replace("x@nowhere.example", "x@acme.com"),
        page_acme
    );
    assert_eq!(
        password_step(&app, &app.client, &ann_step, GOOD).await.0,
        303
    );
}

#[actix_web::test]
async fn federated_people_typing_a_right_password_are_still_sent_to_microsoft_only_then() {
    let sso = sso_app().await;
    let app = &sso.app;
    list_domain(app, &sso.account, "acme.com");
    let hash = passwords::hash(GOOD).expect("hash");
    app.write(|c| credentials::set_password(c, &sso.ann, &hash, &system(), None))
        .expect("old password");
    let (_, _, step) = identify(
        app,
        &app.client,
        "/login",
        &[("email", "ann@acme.com"), ("method", "password")],
    )
    .await;
    let response = app
        .submit(
            "/login",
            "/login",
            &[
                ("login", field(&step, "login").expect("login").as_str()),
                ("password", "not her password"),
            ],
        )
        .await;
    assert_eq!(response.status(), 401, "a wrong one is just wrong");
    let response = app
        .submit(
            "/login",
            "/login",
            &[("login", "ann@acme.com"), ("password", GOOD)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("page").replace("&#x2F;", "/");
    assert!(page.contains("Your company signs you in with your Microsoft account."));
    assert!(app.me(&app.client).await.is_none());

    // SSO off: the same address gets the password step and signs in.
    app.sso(
        &sso.account.id,
        SsoChange {
            enabled: Some(false),
            ..SsoChange::default()
        },
    );
    let (status, _, step) =
        identify(app, &app.client, "/login", &[("email", "ann@acme.com")]).await;
    assert_eq!(status, 200);
    assert_eq!(password_step(app, &app.client, &step, GOOD).await.0, 303);
}

#[actix_web::test]
async fn setup_admins_list_domains_and_a_domain_belongs_to_one_company() {
    let console = console().await;
    let app = &console.app;
    let globex = company(app, "globex");
    list_domain(app, &globex, "globex.com");

    let added = console
        .post(
            "/admin/integration",
            "/admin/integration/domains",
            &[("domain", " Acme.COM ")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let (_, page) = console.get("/admin/integration?done=domain-added").await;
    assert!(page.contains("<code>acme.com</code>"), "{page}");
    assert!(
        page.replace("&#x2F;", "/")
            .contains(&format!("{PUBLIC_URL}/a/acme/login"))
    );

    let taken = console
        .post(
            "/admin/integration",
            "/admin/integration/domains",
            &[("domain", "GLOBEX.com")],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let text = taken.text().await.expect("page");
    assert!(
        text.contains("already taken") && !text.contains("globex</"),
        "{text}"
    );
    let bad = console
        .post(
            "/admin/integration",
            "/admin/integration/domains",
            &[("domain", "not a domain")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let removed = console
        .post(
            "/admin/integration",
            "/admin/integration/domains/remove",
            &[("domain", "acme.com")],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let again = console
        .post(
            "/admin/integration",
            "/admin/integration/domains/remove",
            &[("domain", "acme.com")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let globex_kept = app
        .write(|c| account_domains::list(c, &globex.id))
        .expect("list");
    assert_eq!(
        globex_kept.len(),
        1,
        "another company's domain is not ours to remove"
    );

    let trail = app
        .write(|c| audit::recent(c, &console.account.id, 10))
        .expect("trail");
    let actions: Vec<(&str, &str)> = trail
        .iter()
        .map(|t| (t.action.as_str(), t.actor_name.as_str()))
        .collect();
    let name = console.admin.display_name();
    assert_eq!(
        actions,
        [
            ("domain_removed", name.as_str()),
            ("domain_added", name.as_str())
        ]
    );
    assert!(trail[1].detail.contains("acme.com"));
    let (_, page) = console.get("/admin/integration").await;
    assert!(page.contains("domain added") && page.contains("domain removed"));
}

#[actix_web::test]
async fn the_cli_manages_domains_under_the_same_rule() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    company(&app, "globex");
    let url = &app.store.url;

    let added = run_cli(url, &["account", "domain", "add", "acme", "ACME.com"]);
    assert!(added.status.success(), "{}", stderr_of(&added));
    let again = run_cli(url, &["account", "domain", "add", "acme", "acme.com"]);
    assert!(again.status.success(), "already listed: nothing to do");
    let taken = run_cli(url, &["account", "domain", "add", "globex", "acme.com"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(
        stderr_of(&taken).contains("already taken"),
        "{}",
        stderr_of(&taken)
    );
    let bad = run_cli(url, &["account", "domain", "add", "acme", "acme"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        run_cli(url, &["account", "domain", "add", "acme", "acme.co.uk"])
            .status
            .success()
    );
    let listed = run_cli(url, &["account", "domain", "list", "acme"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "acme.co.uk\nacme.com\n"
    );
    let missing = run_cli(url, &["account", "domain", "remove", "globex", "acme.com"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr_of(&missing).contains("does not list"),
        "{}",
        stderr_of(&missing)
    );
    assert!(
        run_cli(url, &["account", "domain", "remove", "acme", "acme.co.uk"])
            .status
            .success()
    );

    let trail = app
        .write(|c| audit::recent(c, &acme.id, 10))
        .expect("trail");
    let actions: Vec<(&str, &str)> = trail
        .iter()
        .map(|t| (t.action.as_str(), t.actor_name.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("domain_removed", "command line"),
            ("domain_added", "command line"),
            ("domain_added", "command line"),
        ]
    );
}

#[actix_web::test]
async fn mails_and_the_password_set_page_point_to_the_company_sign_in_page() {
    let app = spawn_app().await;
    let acme = company(&app, "acme");
    let ann = app
        .write(|c| lifecycle::create(c, &acme.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    let asked = app
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("account", "acme"), ("login", "ann@acme.com")],
        )
        .await;
    assert_eq!(asked.status(), 200);
    let bodies: Vec<String> = mail_outbox::table
        .select(mail_outbox::body)
        .load(&mut app.db.conn().expect("conn"))
        .expect("mail");
    assert!(
        bodies[0].contains(&format!("sign in at {PUBLIC_URL}/a/acme/login\n")),
        "{}",
        bodies[0]
    );

    let set = |token: String| {
        let app = &app;
        async move {
            let fields = [
                ("token", token.as_str()),
                ("password", GOOD),
                ("confirm", GOOD),
            ];
            let response = app.submit("/login", "/password/set", &fields).await;
            assert_eq!(response.status(), 200);
            response.text().await.expect("page").replace("&#x2F;", "/")
        }
    };
    let token = app
        .write(|c| credentials::issue_link(c, &ann, credentials::LinkPurpose::Setup))
        .expect("link");
    assert!(set(token).await.contains(r#"href="/a/acme/login""#));

    let out = run_cli(&app.store.url, &["admin", "create", "acme", "it@acme.com"]);
    let link = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let page = set(token).await;
    assert!(
        page.contains(r#"href="/a/acme/login?next=%2Fadmin""#),
        "{page}"
    );
    let setup: Vec<String> = mail_outbox::table
        .order(mail_outbox::created_at)
        .select(mail_outbox::body)
        .load(&mut app.db.conn().expect("conn"))
        .expect("mail");
    assert!(
        setup.iter().all(|body| body.contains("/a/acme/login")),
        "{setup:?}"
    );
}
