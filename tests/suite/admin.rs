//! The admin pages over HTTP, on both stores: who may see them, what each form changes, and
//! what it refuses. The browser tests (tests/browser) walk the same pages in chromium.

use chrono::Duration;
use diesel::prelude::*;
use gatehouse::auth::scim_tokens;
use gatehouse::db::schema;
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::employees::{self};
use gatehouse::directory::history::{self};
use gatehouse::directory::{audit, clock, lifecycle};
use gatehouse::idp::certificates;
use gatehouse::idp::settings::{self, Role, SsoChange};
use reqwest::StatusCode;

use crate::helpers::admin::{Console, console, signed_in};
use crate::helpers::{cli, create_account, location, person, spawn_app};
use crate::test_idp::Key;

#[actix_web::test]
async fn without_a_session_the_admin_pages_send_to_sign_in_and_come_back() {
    let app = spawn_app().await;
    let response = app.get("/admin/employees?q=ann").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        "/login?next=%2Fadmin%2Femployees%3Fq%3Dann"
    );
}

#[actix_web::test]
async fn people_without_the_setup_admin_role_are_refused() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    let browser = signed_in(&c.app, &c.account, &ann);
    let response = browser.get(c.url("/admin")).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("administrators")
    );
}

#[actix_web::test]
async fn an_idle_admin_session_ends_after_the_timeout() {
    let c = console().await;
    assert_eq!(c.get("/admin").await.0, StatusCode::OK);
    let idle_since = clock::now() - gatehouse::admin::IDLE_TIMEOUT - Duration::minutes(1);
    c.app
        .write(|conn| {
            diesel::update(schema::sessions::table)
                .set(schema::sessions::last_seen_at.eq(Some(idle_since)))
                .execute(conn)?;
            Ok(())
        })
        .expect("age the session");
    let response = c.app.get_in(&c.browser, "/admin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
    let left: i64 = c
        .app
        .write(|conn| Ok(schema::sessions::table.count().get_result(conn)?))
        .expect("count");
    assert_eq!(left, 0, "the idle session was ended in the store");
}

#[actix_web::test]
async fn an_admin_of_one_account_reaches_nothing_of_another() {
    let c = console().await;
    let globex = create_account(&c.app.db, "globex");
    let gina = c
        .app
        .write(|conn| lifecycle::create(conn, &globex.id, person("gina@globex.com"), &cli()))
        .expect("gina");
    let (status, _) = c.get(&format!("/admin/employees/{}", gina.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/release", gina.id),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        c.app
            .write(|conn| employees::get(conn, &globex.id, &gina.id))
            .expect("gina")
            .active
    );
    let (_, list) = c.get("/admin/employees?q=gina").await;
    assert!(!list.contains("gina@globex.com"));
}

#[actix_web::test]
async fn forms_without_the_token_or_from_another_site_change_nothing() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    let action = c.url(&format!("/admin/employees/{}/release", ann.id));
    let bare = c
        .browser
        .post(&action)
        .form(&[("x", "1")])
        .send()
        .await
        .expect("post");
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    let token = c.app.form_token_in(&c.browser, "/admin/employees").await;
    let foreign = c
        .browser
        .post(&action)
        .header("Origin", "https://evil.example")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(c.employee(&ann.id).active);
    assert!(!c.employee(&ann.id).is_released());
}

#[actix_web::test]
async fn sso_switches_are_saved_and_audited_and_sso_needs_a_valid_certificate() {
    let c = console().await;
    let refused = c
        .post(
            "/admin/integration",
            "/admin/integration/sso",
            &[("sso", "on"), ("nameid", "upn")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("before the IdP is set")
    );
    let key = Key::active();
    c.app
        .write(|conn| {
            let cert = certificates::parse(&key.cert_pem).expect("cert");
            settings::replace_trust(
                conn,
                &c.account.id,
                "https://sts.windows.net/t/",
                "https://login.microsoftonline.com/t/saml2",
                &[cert],
                &crate::helpers::system(),
            )
        })
        .expect("trust");
    let saved = c
        .post(
            "/admin/integration",
            "/admin/integration/sso",
            &[("sso", "on"), ("nameid", "mail")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let account = c
        .app
        .write(|conn| gatehouse::directory::accounts::by_id(conn, &c.account.id))
        .expect("account");
    assert!(account.sso_enabled);
    assert_eq!(account.nameid_mode, "mail");
    assert!(!account.idp_initiated, "an unticked box is off");
    let trail = c
        .app
        .write(|conn| audit::recent(conn, &c.account.id, 10))
        .expect("trail");
    assert_eq!(trail[0].action, "sso_settings");
    assert_eq!(trail[0].actor_name, c.admin.display_name());
    assert!(trail[0].detail.contains("SSO on"));
}

#[actix_web::test]
async fn a_pasted_certificate_is_only_previewed_until_confirmed_then_rolls_over_without_a_gap() {
    let c = console().await;
    let preview = c
        .post(
            "/admin/integration",
            "/admin/integration/certificate/preview",
            &[("certificate", &Key::active().cert_base64)],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let html = preview.text().await.expect("body");
    assert!(html.contains("Gatehouse test IdP"));
    let count = |c: &Console| {
        c.app
            .write(|conn| settings::certificates(conn, &c.account.id))
            .expect("certs")
    };
    assert!(count(&c).is_empty(), "a preview trusts nothing");
    let der = certificates::parse(&Key::active().cert_pem)
        .expect("cert")
        .der_base64();
    let added = c
        .post(
            "/admin/integration",
            "/admin/integration/certificate/add",
            &[("der", &der), ("role", "active")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let next_der = certificates::parse(&Key::next().cert_pem)
        .expect("cert")
        .der_base64();
    c.post(
        "/admin/integration",
        "/admin/integration/certificate/add",
        &[("der", &next_der), ("role", "next")],
    )
    .await;
    let trusted = count(&c);
    assert_eq!(trusted.len(), 2);
    c.app
        .write(|conn| {
            settings::set_idp(
                conn,
                &c.account.id,
                "https://sts.windows.net/t/",
                "https://login.microsoftonline.com/t/saml2",
                &crate::helpers::system(),
            )
        })
        .expect("idp");
    c.sso(&c.account.id, true);
    let next = trusted
        .iter()
        .find(|t| t.role == "next")
        .expect("next")
        .clone();
    let old = trusted
        .iter()
        .find(|t| t.role == "active")
        .expect("active")
        .clone();
    c.post(
        "/admin/integration",
        &format!("/admin/integration/certificate/{}/promote", next.id),
        &[],
    )
    .await;
    let roles: Vec<(String, String)> = count(&c).into_iter().map(|t| (t.id, t.role)).collect();
    assert!(roles.contains(&(next.id.clone(), "active".into())));
    assert!(
        roles.contains(&(old.id.clone(), "next".into())),
        "the old one stays trusted"
    );
    c.post(
        "/admin/integration",
        &format!("/admin/integration/certificate/{}/remove", old.id),
        &[],
    )
    .await;
    let left = count(&c);
    assert_eq!(left.len(), 1);
    let last = c
        .post(
            "/admin/integration",
            &format!("/admin/integration/certificate/{}/remove", next.id),
            &[],
        )
        .await;
    assert_eq!(
        last.status(),
        StatusCode::CONFLICT,
        "the last valid certificate stays while SSO is on"
    );
    assert!(
        last.text()
            .await
            .expect("body")
            .contains("last valid certificate")
    );
    assert_eq!(count(&c).len(), 1);
}

impl Console {
    fn sso(&self, account_id: &str, on: bool) {
        self.app.sso(
            account_id,
            SsoChange {
                enabled: Some(on),
                ..SsoChange::default()
            },
        );
    }
}

#[actix_web::test]
async fn a_pasted_private_key_or_expired_certificate_is_refused_in_plain_words() {
    let c = console().await;
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/test/idp-key.pem"
    ))
    .expect("key");
    let expired = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/test/expired-cert.pem"
    ))
    .expect("expired");
    for (text, expected) in [
        (key.as_str(), "this is a private key, not a certificate"),
        (expired.as_str(), "the certificate expired on 2021-01-01"),
        ("<html>", "this is not a certificate"),
    ] {
        let response = c
            .post(
                "/admin/integration",
                "/admin/integration/certificate/preview",
                &[("certificate", text)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(
            response.text().await.expect("body").contains(expected),
            "{expected}"
        );
    }
}

/// A self-signed RSA certificate ending `days` from now.
fn certificate_ending_in(days: u32) -> String {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "Ending soon").expect("cn");
    let name = name.build();
    let mut builder = X509::builder().expect("builder");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(&key).expect("pubkey");
    builder
        .set_not_before(&Asn1Time::days_from_now(0).expect("t"))
        .expect("nb");
    builder
        .set_not_after(&Asn1Time::days_from_now(days).expect("t"))
        .expect("na");
    builder.sign(&key, MessageDigest::sha256()).expect("sign");
    String::from_utf8(builder.build().to_pem().expect("pem")).expect("utf8")
}

#[actix_web::test]
async fn a_certificate_ending_within_30_days_puts_a_banner_on_every_admin_page() {
    let c = console().await;
    let far = certificates::parse(&certificate_ending_in(45)).expect("cert");
    c.app
        .write(|conn| {
            settings::add_certificate(
                conn,
                &c.account.id,
                &far,
                Role::Active,
                &crate::helpers::system(),
            )
        })
        .expect("add");
    let (_, overview) = c.get("/admin").await;
    assert!(
        !overview.contains("role=\"alert\""),
        "45 days: no banner yet"
    );
    let (_, integration) = c.get("/admin/integration").await;
    assert!(
        integration.contains("Expires in 44 days") || integration.contains("Expires in 45 days")
    );
    assert!(
        integration.contains("Plan the rollover"),
        "the 60-day warning"
    );
    let soon = certificates::parse(&certificate_ending_in(20)).expect("cert");
    c.app
        .write(|conn| {
            settings::add_certificate(
                conn,
                &c.account.id,
                &soon,
                Role::Next,
                &crate::helpers::system(),
            )
        })
        .expect("add");
    for page in [
        "/admin",
        "/admin/employees",
        "/admin/logs",
        "/admin/import",
        "/admin/tenant-move",
    ] {
        let (_, html) = c.get(page).await;
        assert!(html.contains("role=\"alert\""), "{page} has the banner");
        assert!(html.contains("expires in"), "{page}");
    }
}

#[actix_web::test]
async fn a_new_scim_token_is_shown_once_and_ends_the_old_one() {
    let c = console().await;
    let first = c
        .app
        .write(|conn| scim_tokens::issue(conn, &c.account.id, &crate::helpers::system()))
        .expect("token");
    let response = c
        .post("/admin/integration", "/admin/integration/scim-token", &[])
        .await;
    let html = response.text().await.expect("body");
    let shown = html
        .split("id=\"v-token\" class=\"wrap\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the token is on the page")
        .to_owned();
    let account_of = |token: &str| {
        c.app
            .write(|conn| scim_tokens::account_of(conn, token))
            .expect("lookup")
    };
    assert_eq!(account_of(&shown), Some(c.account.id.clone()));
    assert_eq!(account_of(&first), None);
    let (_, again) = c.get("/admin/integration").await;
    assert!(!again.contains(&shown), "shown only once");
}

#[actix_web::test]
async fn deactivation_by_an_admin_follows_the_hard_delete_rules_and_names_the_admin() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    let (_, confirm) = c.get(&format!("/admin/employees/{}/release", ann.id)).await;
    assert!(confirm.contains("released"));
    let response = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/release", ann.id),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = c.employee(&ann.id);
    assert!(!after.active);
    assert!(after.is_released());
    assert_eq!(after.user_name_key, None, "the login name is free again");
    assert_eq!(after.termination_date, Some(clock::today()));
    let entries = c
        .app
        .write(|conn| history::of_employee(conn, &c.account.id, &ann.id))
        .expect("history");
    let last = entries.last().expect("entry");
    assert_eq!(last.action, "released");
    assert_eq!(last.actor.as_deref(), Some(c.admin.id.as_str()));
    let own = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/release", c.admin.id),
            &[],
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert!(c.employee(&c.admin.id).active);
    let activate = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/activate", ann.id),
            &[],
        )
        .await;
    assert_eq!(activate.status(), StatusCode::SEE_OTHER);
    assert!(c.employee(&ann.id).active);
}

#[actix_web::test]
async fn entra_owned_fields_are_refused_until_the_person_leaves_the_federation() {
    let c = console().await;
    let fed = c.app.provision(&c.account.id, "fed@acme.com");
    let edit = |title: &'static str| {
        let id = fed.id.clone();
        let c = &c;
        async move {
            c.post(
                &format!("/admin/employees/{id}"),
                &format!("/admin/employees/{id}"),
                &[
                    ("user_name", "fed@acme.com"),
                    ("email", "fed@acme.com"),
                    ("given_name", "fed"),
                    ("family_name", "Tester"),
                    ("job_title", title),
                ],
            )
            .await
        }
    };
    let refused = edit("Boss").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("managed by Entra ID, which owns job_title")
    );
    assert_eq!(c.employee(&fed.id).job_title, None);
    let (_, page) = c.get(&format!("/admin/employees/{}", fed.id)).await;
    assert!(page.contains("come from Entra ID"));
    let out = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/defederate", fed.id),
            &[],
        )
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = c.employee(&fed.id);
    assert!(!after.federated && after.defederated);
    assert_eq!(edit("Boss").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(c.employee(&fed.id).job_title.as_deref(), Some("Boss"));
    let link = c
        .post(
            "/admin/employees",
            &format!("/admin/employees/{}/password-link", fed.id),
            &[],
        )
        .await;
    assert!(link.text().await.expect("body").contains("set?token="));
}

#[actix_web::test]
async fn search_pages_and_hides_inactive_people_unless_asked() {
    let c = console().await;
    for i in 0..30 {
        c.add(&format!("staff{i:02}@acme.com"));
    }
    let gone = c.add("zoe.gone@acme.com");
    c.app
        .write(|conn| lifecycle::release(conn, &c.account.id, &gone.id, &cli()))
        .expect("release");
    let (_, first) = c.get("/admin/employees").await;
    assert!(first.contains("31 people"), "30 staff and the admin");
    assert!(first.contains("Page 1 of 2"));
    let (_, found) = c.get("/admin/employees?q=STAFF0").await;
    assert!(found.contains("10 people"));
    let (_, hidden) = c.get("/admin/employees?q=zoe").await;
    assert!(!hidden.contains("zoe.gone@acme.com"));
    let (_, shown) = c.get("/admin/employees?q=zoe&inactive=on").await;
    assert!(shown.contains("zoe.gone@acme.com"));
    let (_, literal) = c.get("/admin/employees?q=%25").await;
    assert!(
        literal.contains("0 people"),
        "a % typed by the admin is not a wildcard"
    );
}

fn multipart(csrf: &str, name: &str, text: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .part(
            name.to_owned(),
            reqwest::multipart::Part::text(text.to_owned()).file_name("people.csv"),
        )
}

#[actix_web::test]
async fn csv_import_previews_without_writing_then_applies_all_or_nothing() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    let token = c.app.form_token_in(&c.browser, "/admin/import").await;
    let good = "user_name,email,job_title\nann@acme.com,ann@acme.com,Nurse\nnew@acme.com,new@acme.com,Cook\n";
    let preview = c
        .browser
        .post(c.url("/admin/import/preview"))
        .multipart(multipart(&token, "file", good))
        .send()
        .await
        .expect("preview");
    let html = preview.text().await.expect("body");
    assert!(
        html.contains("<strong>1</strong> to create, <strong>1</strong> to update"),
        "{html}"
    );
    assert!(html.contains("job_title"));
    let find_new = || {
        c.app
            .write(|conn| employees::find_by_user_name(conn, &c.account.id, "new@acme.com"))
            .expect("lookup")
    };
    assert!(find_new().is_none(), "the preview wrote nothing");
    assert_eq!(c.employee(&ann.id).job_title, None);
    let bad = "user_name,email\nok@acme.com,ok@acme.com\nbroken,not-an-email\n";
    let refused = c
        .browser
        .post(c.url("/admin/import/apply"))
        .multipart(multipart(&token, "csv", bad))
        .send()
        .await
        .expect("apply");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("row 2 (line 3), field email")
    );
    assert!(
        c.app
            .write(|conn| employees::find_by_user_name(conn, &c.account.id, "ok@acme.com"))
            .expect("lookup")
            .is_none()
    );
    let applied = c
        .browser
        .post(c.url("/admin/import/apply"))
        .multipart(multipart(&token, "csv", good))
        .send()
        .await
        .expect("apply");
    assert!(
        applied
            .text()
            .await
            .expect("body")
            .contains("1 created, 1 updated")
    );
    assert!(find_new().is_some());
    let export = c.app.get_in(&c.browser, "/admin/export.csv").await;
    assert!(
        export
            .text()
            .await
            .expect("csv")
            .contains("new@acme.com,new@acme.com")
    );
}

#[actix_web::test]
async fn a_tenant_move_can_carry_everyone_to_a_new_domain_keeping_their_history() {
    let c = console().await;
    let ann = c.app.provision(&c.account.id, "ann@contoso.com");
    let bob = c.add("bob@contoso.com");
    let other = c.add("eve@elsewhere.com");
    let moved = c
        .post(
            "/admin/tenant-move",
            "/admin/tenant-move/domains",
            &[
                ("from_domain", "Contoso.com"),
                ("to_domain", "fabrikam.com"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(c.employee(&ann.id).user_name, "ann@fabrikam.com");
    assert_eq!(c.employee(&bob.id).email, "bob@fabrikam.com");
    assert_eq!(c.employee(&other.id).user_name, "eve@elsewhere.com");
    let ann_history = c
        .app
        .write(|conn| history::of_employee(conn, &c.account.id, &ann.id))
        .expect("history");
    assert_eq!(
        ann_history.first().map(|h| h.action.as_str()),
        Some("created")
    );
    assert_eq!(
        ann_history.last().map(|h| h.action.as_str()),
        Some("updated")
    );
    // A clash stops the whole move.
    c.add("carl@contoso.com");
    c.add("carl@fabrikam.com");
    c.add("dora@contoso.com");
    let clash = c
        .post(
            "/admin/tenant-move",
            "/admin/tenant-move/domains",
            &[
                ("from_domain", "contoso.com"),
                ("to_domain", "fabrikam.com"),
            ],
        )
        .await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    let dora = c
        .app
        .write(|conn| employees::find_by_user_name(conn, &c.account.id, "dora@contoso.com"))
        .expect("lookup");
    assert!(dora.is_some(), "nobody moved");
}

#[actix_web::test]
async fn logs_filter_by_outcome_and_person_and_show_the_hint() {
    let c = console().await;
    let token = c
        .app
        .write(|conn| scim_tokens::issue(conn, &c.account.id, &crate::helpers::system()))
        .expect("token");
    let scim = |path: String| {
        let (app, token) = (&c.app, token.as_str());
        async move { app.scim(token, "GET", &path, None).await.0 }
    };
    let ann = c.app.provision(&c.account.id, "ann@acme.com");
    assert_eq!(scim(format!("/Users/{}", ann.id)).await, 200);
    assert_eq!(
        scim("/Users/00000000-0000-4000-8000-000000000000".into()).await,
        404
    );
    // reads are logged behind, in batches
    let mut html = String::new();
    for _ in 0..50 {
        html = c
            .get("/admin/logs?log=provisioning&outcome=failure")
            .await
            .1;
        if html.contains("404") {
            break;
        }
        tokio_sleep().await;
    }
    assert!(html.contains("not in Gatehouse for Entra"), "the 404 hint");
    assert!(!html.contains(&ann.id), "successes filtered out");
    let (_, person) = c
        .get("/admin/logs?log=provisioning&person=ann%40acme")
        .await;
    assert!(person.contains(&ann.id));
    assert!(!person.contains("00000000-0000-4000"));
    let (status, bad_date) = c.get("/admin/logs?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad_date.contains("is not a date"));
}

async fn tokio_sleep() {
    actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
}

#[actix_web::test]
async fn a_setup_admin_can_also_come_in_through_sso() {
    use crate::helpers::sso::sso_app;
    use crate::test_idp;
    let sso = sso_app().await;
    sso.app
        .write(|conn| {
            let roles = Roles {
                setup_admin: true,
                ..Roles::default()
            };
            approvers::set_roles(conn, &sso.account.id, &sso.ann.id, roles, &cli())
        })
        .expect("make ann an admin");
    let client = &sso.app.client;
    let request_id = sso.start_login(client, Some("/admin/integration")).await;
    let mut spec = sso.spec("ann@acme.com");
    spec.in_response_to = Some(request_id);
    let response = sso
        .post_with(
            client,
            &test_idp::response(&spec, &Key::active()),
            Some("/admin/integration"),
        )
        .await;
    assert_eq!(location(&response), "/admin/integration");
    let page = sso.app.get("/admin/integration").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Signing certificates")
    );
}

#[actix_web::test]
async fn only_the_actions_the_route_table_lists_exist() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    // The old catch-all took any action name; now each action has its own path.
    for action in ["deactivate", "delete", "roles-and-more"] {
        let out = c
            .post(
                "/admin/employees",
                &format!("/admin/employees/{}/{action}", ann.id),
                &[],
            )
            .await;
        assert_eq!(out.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let bogus = c
        .post(
            "/admin/integration",
            "/admin/integration/certificate/some-id/approve",
            &[],
        )
        .await;
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);
    let after = c.employee(&ann.id);
    assert!(after.active && !after.is_released());
}
