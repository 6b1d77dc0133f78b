//! The pages people meet: the start page shows a way in, and every refused sign-in tells the
//! person the one thing they can do, with its code and link (issue 11, item 23); and the small
//! admin-page fixes of item 24 (full-name search, metadata download, released people).

use gatehouse::directory::employees::Profile;
use gatehouse::directory::lifecycle;
use gatehouse::idp::settings::SsoChange;
use reqwest::{StatusCode, Url};

use crate::helpers::admin::console;
use crate::helpers::sso::{Sso, sso_app};
use crate::helpers::{PUBLIC_URL, TestApp, create_account, person, scim, spawn_app};
use crate::test_idp::{self, Key};

/// The page as a browser reads its attributes: Tera escapes `/` and `&` in values.
fn decoded(html: &str) -> String {
    html.replace("&#x2F;", "/").replace("&amp;", "&")
}

async fn page(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (status, decoded(&response.text().await.expect("page")))
}

/// The href of the page's button (`class="button"`), resolved against `base` as a browser does.
fn button(html: &str, base: &str) -> Option<String> {
    let href = html
        .split(r#"<a class="button" href=""#)
        .nth(1)?
        .split('"')
        .next()?
        .to_owned();
    let base = Url::parse(base).expect("base");
    Some(base.join(&href).expect("href").to_string())
}

async fn refused_page(sso: &Sso, xml: &str) -> (StatusCode, String) {
    let response = sso.post_with(&sso.app.new_browser(), xml, None).await;
    let status = response.status();
    (status, decoded(&response.text().await.expect("page")))
}

fn acs(sso: &Sso) -> String {
    sso.app.url("/saml/acme/acs")
}

#[actix_web::test]
async fn the_start_page_offers_a_password_and_where_it_applies_microsoft() {
    let sso = sso_app().await;
    let address = &sso.app.address;
    let client = sso.app.new_browser();
    let (status, start) = page(&client, &format!("{address}/")).await;
    assert_eq!(status, 200);
    assert!(start.contains(r#"href="/login""#), "{start}");
    assert!(start.contains(r#"name="account""#), "a company field");

    let (_, acme) = page(&client, &format!("{address}/?account=acme")).await;
    assert_eq!(
        button(&acme, address).as_deref(),
        Some(format!("{address}/saml/acme/login").as_str()),
        "{acme}"
    );
    assert!(acme.contains(r#"href="/a/acme/login""#), "{acme}");
    let go = client
        .get(format!("{address}/saml/acme/login"))
        .send()
        .await
        .expect("login");
    assert_eq!(go.status(), 302, "the Microsoft button starts a sign-in");

    let (_, unknown) = page(&client, &format!("{address}/?account=nope")).await;
    assert!(unknown.contains("There is no company"), "{unknown}");

    sso.app.sso(
        &sso.account.id,
        SsoChange {
            enabled: Some(false),
            ..SsoChange::default()
        },
    );
    let (_, off) = page(&client, &format!("{address}/?account=acme")).await;
    assert!(
        !off.contains("/saml/acme/login"),
        "no Microsoft while SSO is off"
    );
    assert!(off.contains(r#"href="/a/acme/login""#));
}

#[actix_web::test]
async fn idp_initiated_off_sends_the_person_to_the_applications_sign_in_link() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            idp_initiated: Some(false),
            ..SsoChange::default()
        },
    );
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let (status, html) = refused_page(&sso, &xml).await;
    assert_eq!(status, 403);
    assert!(
        html.contains("<code>idp_initiated_disabled</code>"),
        "{html}"
    );
    assert!(html.contains("start from the application"), "{html}");
    assert!(!html.contains("is not available"), "{html}");
    let link = button(&html, &acs(&sso)).expect("a link");
    assert_eq!(link, sso.app.url("/saml/acme/login"));
    let go = sso.app.new_browser().get(&link).send().await.expect("go");
    assert_eq!(go.status(), 302, "which starts an SP-initiated sign-in");
    assert!(html.contains(r#"href="/""#), "and the start page");
}

#[actix_web::test]
async fn a_person_removed_from_the_federation_is_sent_to_the_password_sign_in() {
    let sso = sso_app().await;
    let admin = gatehouse::directory::history::Actor::admin("a");
    sso.app
        .write(|c| lifecycle::remove_from_federation(c, &sso.account.id, &sso.ann.id, &admin))
        .expect("defederate");
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let (status, html) = refused_page(&sso, &xml).await;
    assert_eq!(status, 403);
    assert!(html.contains("<code>defederated</code>"), "{html}");
    assert!(html.contains("sign in with your password"), "{html}");
    assert!(!html.contains("no access"), "{html}");
    assert_eq!(button(&html, &acs(&sso)), Some(sso.app.url("/login")));
}

#[actix_web::test]
async fn a_used_response_asks_to_sign_in_again() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    assert_eq!(sso.post(&xml).await.status(), 303);
    let (status, html) = refused_page(&sso, &xml).await;
    assert_eq!(status, 403);
    assert!(html.contains("<code>replay</code>"), "{html}");
    assert_eq!(
        button(&html, &acs(&sso)),
        Some(sso.app.url("/saml/acme/login"))
    );
}

#[actix_web::test]
async fn with_sso_off_the_sign_in_start_shows_a_code_and_the_password_way() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            enabled: Some(false),
            ..SsoChange::default()
        },
    );
    let start = sso.app.url("/saml/acme/login");
    let (status, html) = page(&sso.app.new_browser(), &start).await;
    assert_eq!(status, 403);
    assert!(html.contains("<code>sso_disabled</code>"), "{html}");
    assert!(html.contains("sign in with your password"), "{html}");
    assert_eq!(button(&html, &start), Some(sso.app.url("/login")));
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let (_, posted) = refused_page(&sso, &xml).await;
    assert!(posted.contains("<code>sso_disabled</code>"), "{posted}");
    assert_eq!(button(&posted, &acs(&sso)), Some(sso.app.url("/login")));
}

#[actix_web::test]
async fn refusals_nobody_but_the_admin_can_fix_say_so_with_the_code_and_the_way_back() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("nobody@acme.com"), &Key::active());
    let (_, html) = refused_page(&sso, &xml).await;
    assert!(html.contains("<code>unknown_person</code>"), "{html}");
    assert!(html.contains("administrator"), "{html}");
    assert!(html.contains(r#"href="/""#), "{html}");
}

fn bob_boss(app: &TestApp, account_id: &str) {
    let profile = Profile {
        given_name: "Bob".into(),
        family_name: "Boss".into(),
        ..person("b.b@acme.com")
    };
    app.write(|c| lifecycle::create(c, account_id, profile, &crate::helpers::csv()))
        .expect("bob");
}

#[actix_web::test]
async fn a_full_name_finds_the_person_in_either_order() {
    let c = console().await;
    bob_boss(&c.app, &c.account.id);
    c.add("bobby.other@acme.com");
    for q in ["Bob+Boss", "bob++boss", "Boss+Bob", "Boss%2C+Bob", "b+boss"] {
        let (_, html) = c.get(&format!("/admin/employees?q={q}")).await;
        assert!(html.contains("1 person"), "{q}: {html}");
        assert!(html.contains("b.b@acme.com"), "{q}");
    }
    let (_, none) = c.get("/admin/employees?q=Bob+Other").await;
    assert!(none.contains("0 people"));
}

#[actix_web::test]
async fn the_metadata_download_link_saves_a_file_and_the_public_address_shows_it() {
    let c = console().await;
    let integration = decoded(&c.get("/admin/integration").await.1);
    let link = integration
        .split("Download our SAML metadata")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("the download link")
        .replace(PUBLIC_URL, &c.app.address);
    assert!(link.contains("/saml/acme/metadata"), "{link}");
    let download = c.browser.get(&link).send().await.expect("download");
    assert_eq!(download.status(), 200, "{link}");
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .expect("header")
        .to_owned();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("gatehouse-acme-metadata.xml"),
        "{disposition}"
    );
    let public = c.app.get_in(&c.browser, "/saml/acme/metadata").await;
    assert!(
        public.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("inline;")
    );
}

#[actix_web::test]
async fn a_released_person_is_no_longer_shown_as_managed_by_entra() {
    let c = console().await;
    let kept = c.app.provision(&c.account.id, "kept@acme.com");
    let gone = c.app.provision(&c.account.id, "gone@acme.com");
    c.app
        .write(|conn| lifecycle::release(conn, &c.account.id, &gone.id, &scim()))
        .expect("SCIM DELETE");
    let list = decoded(&c.get("/admin/employees?inactive=on").await.1);
    let row = |name: &str| {
        list.split("<tr>")
            .find(|r| r.contains(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("kept@acme.com").contains("Entra ID"));
    assert!(
        !row("gone@acme.com").contains("Entra ID"),
        "{}",
        row("gone@acme.com")
    );
    assert!(row("gone@acme.com").contains("released"));
    let (_, page) = c.get(&format!("/admin/employees/{}", gone.id)).await;
    assert!(!page.contains("managed by Entra ID"), "{page}");
    assert!(!page.contains("Entra ID manages this person"), "{page}");
    let (_, kept_page) = c.get(&format!("/admin/employees/{}", kept.id)).await;
    assert!(kept_page.contains("managed by Entra ID"));
}

#[actix_web::test]
async fn the_start_page_of_a_bare_installation_still_has_a_way_in() {
    let app = spawn_app().await;
    create_account(&app.db, "acme");
    let (status, html) = page(&app.client, &app.url("/")).await;
    assert_eq!(status, 200);
    assert_eq!(button(&html, &app.address), Some(app.url("/login")));
}
