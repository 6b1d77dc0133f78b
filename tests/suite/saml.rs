//! SAML sign-in against the real server with real signed responses: success in every Entra
//! shape, sessions, the identity rules, the journal, and certificate rollover.

use gatehouse::directory::accounts::{self};
use gatehouse::directory::employees::{self as people};
use gatehouse::directory::lifecycle;
use gatehouse::idp::settings::{self, NameIdMode, SsoChange};
use serde_json::Value;

use crate::helpers::sso::{Sso, authn_request_of, cert, sso_app, sso_app_with, sso_on};
use crate::helpers::{csv, location, person, scim, system};
use crate::test_idp::{self, Key, Signing, Spec};

#[actix_web::test]
async fn sp_initiated_sign_in_with_upn_lands_on_the_relay_path_with_a_session() {
    let sso = sso_app().await;
    let client = &sso.app.client;
    let request_id = sso.start_login(client, Some("/reports/week")).await;
    let mut spec = sso.spec("ANN@acme.com");
    spec.in_response_to = Some(request_id.clone());
    let response = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/reports/week");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let me = sso.me(client).await.expect("signed in");
    assert_eq!(me["user_name"], "ann@acme.com");
    assert_eq!(me["email"], "ann.lee@acme.com");
    assert_eq!(me["account"], "acme");
    assert_eq!(me["user_id"], sso.ann.id.as_str());
    let entry = sso.last_journal();
    assert_eq!(
        (entry.outcome.as_str(), entry.flow.as_str()),
        ("success", "sp")
    );
    assert_eq!(entry.request_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(entry.name_id.as_deref(), Some("ANN@acme.com"));
}

#[actix_web::test]
async fn idp_initiated_sign_in_with_mail_mode_goes_to_a_local_relay_only() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            nameid_mode: Some(NameIdMode::Mail),
            ..SsoChange::default()
        },
    );
    let spec = sso.spec("Ann.Lee@acme.com");
    let response = sso
        .post_with(
            &sso.app.client,
            &test_idp::response(&spec, &Key::active()),
            Some("/inbox"),
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/inbox");
    assert_eq!(
        sso.me(&sso.app.client).await.expect("signed in")["user_name"],
        "ann@acme.com"
    );
    assert_eq!(sso.last_journal().flow, "idp");

    let browser = sso.app.new_browser();
    let spec = sso.spec("ann.lee@acme.com");
    let outside = sso
        .post_with(
            &browser,
            &test_idp::response(&spec, &Key::active()),
            Some("https://evil.example/"),
        )
        .await;
    assert_eq!(outside.status(), 303);
    assert_eq!(
        location(&outside),
        "/",
        "a foreign relay state is never followed"
    );
}

#[actix_web::test]
async fn the_acs_form_is_read_as_browsers_encode_it_and_a_field_given_twice_is_refused() {
    let sso = sso_app().await;
    let acs = format!("{}/saml/{}/acs", sso.app.address, sso.account.slug);
    let escape = |text: &str| {
        text.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    };
    let raw_post = |body: String| {
        sso.app
            .client
            .post(&acs)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let first = test_idp::encode(&test_idp::response(
        &sso.spec("ann@acme.com"),
        &Key::active(),
    ));
    let twice = raw_post(format!(
        "SAMLResponse={}&SAMLResponse={}",
        escape(&first),
        escape(&first)
    ))
    .await
    .expect("post");
    assert_eq!(twice.status(), 400);
    assert!(
        twice
            .text()
            .await
            .expect("page")
            .contains("SAMLResponse twice")
    );
    assert!(sso.me(&sso.app.client).await.is_none(), "nobody signed in");

    // Other fields are ignored; the relay state's escapes and '+' (a space) are decoded.
    let second = test_idp::encode(&test_idp::response(
        &sso.spec("ann@acme.com"),
        &Key::active(),
    ));
    let signed_in = raw_post(format!(
        "Extra=1&&SAMLResponse={}&RelayState=%2Freports%2Fweek%3Fname%3Dann+lee",
        escape(&second)
    ))
    .await
    .expect("post");
    assert_eq!(signed_in.status(), 303);
    assert_eq!(location(&signed_in), "/reports/week?name=ann lee");
}

/// A sign-in gives its connection back for the signature check and takes one again to write or
/// to journal a refusal: with a pool of one connection it never waits for a second.
#[actix_web::test]
async fn a_sign_in_and_its_refusals_need_one_connection_at_a_time() {
    let sso = sso_app_with(|s| s.db_pool_size = 1).await;
    let spec = sso.spec("ann@acme.com");
    let signed_in = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(sso.last_journal().outcome, "success");

    let forged = sso
        .post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::attacker(),
        ))
        .await;
    assert_eq!(forged.status(), 403);
    let refused = sso.last_journal();
    assert_eq!(refused.outcome, "failure");
    assert_eq!(refused.reason, "unknown_certificate");

    let replayed = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(replayed.status(), 403);
    assert_eq!(sso.last_journal().reason, "replay");
}

#[actix_web::test]
async fn responses_signed_on_the_response_or_on_both_are_accepted() {
    let sso = sso_app().await;
    for signing in [Signing::Response, Signing::Both] {
        let browser = sso.app.new_browser();
        let mut spec = sso.spec("ann@acme.com");
        spec.signing = signing;
        let response = sso
            .post_with(&browser, &test_idp::response(&spec, &Key::active()), None)
            .await;
        assert_eq!(
            response.status(),
            303,
            "{signing:?}: {}",
            sso.last_journal().detail
        );
        assert!(sso.me(&browser).await.is_some(), "{signing:?}");
    }
}

#[actix_web::test]
async fn a_pending_request_is_used_once_and_only_by_its_account() {
    let sso = sso_app().await;
    let request_id = sso.start_login(&sso.app.client, None).await;
    let mut spec = sso.spec("ann@acme.com");
    spec.in_response_to = Some(request_id.clone());
    assert_eq!(
        sso.post(&test_idp::response(&spec, &Key::active()))
            .await
            .status(),
        303
    );
    let mut again = sso.spec("ann@acme.com");
    again.in_response_to = Some(request_id.clone());
    let second = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&again, &Key::active()),
            None,
        )
        .await;
    assert_eq!(second.status(), 403);
    assert_eq!(sso.last_journal().reason, "unknown_request");

    let mut unknown = sso.spec("ann@acme.com");
    unknown.in_response_to = Some("_ghnever-sent".into());
    let third = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&unknown, &Key::active()),
            None,
        )
        .await;
    assert_eq!(third.status(), 403);
    assert_eq!(sso.last_journal().reason, "unknown_request");
}

#[actix_web::test]
async fn an_unknown_in_response_to_is_refused_even_with_idp_initiated_on_and_idp_initiated_can_be_turned_off()
 {
    let sso = sso_app().await;
    assert!(
        sso.account.idp_initiated,
        "on by default for Microsoft 365 tiles"
    );
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            idp_initiated: Some(false),
            ..SsoChange::default()
        },
    );
    let response = sso
        .post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::active(),
        ))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(sso.last_journal().reason, "idp_initiated_disabled");
    let request_id = sso.start_login(&sso.app.client, None).await;
    let mut spec = sso.spec("ann@acme.com");
    spec.in_response_to = Some(request_id);
    assert_eq!(
        sso.post(&test_idp::response(&spec, &Key::active()))
            .await
            .status(),
        303,
        "SP-initiated still works"
    );
}

#[actix_web::test]
async fn a_new_sign_in_in_the_same_browser_replaces_the_earlier_session() {
    let sso = sso_app().await;
    let bob = sso.app.provision(&sso.account.id, "bob@acme.com");
    let first = sso
        .post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::active(),
        ))
        .await;
    let old_cookie = first.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let mut spec = sso.spec("bob@acme.com");
    spec.object_id = Some("1d1d1d1d-0000-4000-8000-000000000b0b".into());
    assert_eq!(
        sso.post(&test_idp::response(&spec, &Key::active()))
            .await
            .status(),
        303
    );
    assert_eq!(
        sso.me(&sso.app.client).await.expect("signed in")["user_id"],
        bob.id.as_str()
    );
    let replay_old = reqwest::Client::new()
        .get(sso.app.url("/api/me"))
        .header("cookie", old_cookie)
        .send()
        .await
        .expect("me");
    assert_eq!(replay_old.status(), 401, "the earlier session ended");
}

#[actix_web::test]
async fn deactivation_and_logout_end_the_session() {
    let sso = sso_app().await;
    assert_eq!(
        sso.post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::active()
        ))
        .await
        .status(),
        303
    );
    assert!(sso.me(&sso.app.client).await.is_some());
    sso.app
        .write(|c| lifecycle::deactivate(c, &sso.account.id, &sso.ann.id, &scim()))
        .expect("soft delete");
    assert!(
        sso.me(&sso.app.client).await.is_none(),
        "deactivation revokes the session"
    );

    sso.app
        .write(|c| lifecycle::reactivate(c, &sso.account.id, &sso.ann.id, &scim()))
        .expect("back");
    let browser = sso.app.new_browser();
    assert_eq!(
        sso.post_with(
            &browser,
            &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
            None
        )
        .await
        .status(),
        303
    );
    let out = sso.app.submit_in(&browser, "/", "/logout", &[]).await;
    assert_eq!(out.status(), 303);
    assert!(sso.me(&browser).await.is_none());
}

#[actix_web::test]
async fn first_sso_sign_in_federates_a_csv_person_and_pins_the_object_id() {
    let sso = sso_app().await;
    let carl = sso
        .app
        .write(|c| lifecycle::create(c, &sso.account.id, person("carl@acme.com"), &csv()))
        .expect("carl");
    assert!(!carl.federated);
    let mut spec = sso.spec("carl@acme.com");
    spec.object_id = Some("AAAAAAAA-1111-4111-8111-CCCCCCCCCCCC".into());
    assert_eq!(
        sso.post(&test_idp::response(&spec, &Key::active()))
            .await
            .status(),
        303
    );
    let carl = people::get(
        &mut sso.app.db.conn().expect("conn"),
        &sso.account.id,
        &carl.id,
    )
    .expect("carl");
    assert!(carl.federated);
    assert_eq!(
        carl.entra_object_id.as_deref(),
        Some("aaaaaaaa-1111-4111-8111-cccccccccccc")
    );

    let mut impostor = sso.spec("carl@acme.com");
    impostor.object_id = Some("bbbbbbbb-2222-4222-8222-dddddddddddd".into());
    let refused = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&impostor, &Key::active()),
            None,
        )
        .await;
    assert_eq!(refused.status(), 403);
    let entry = sso.last_journal();
    assert_eq!(entry.reason, "object_id_mismatch");
    assert!(entry.hint.contains("reassigned"), "{}", entry.hint);
}

#[actix_web::test]
async fn a_new_tenant_re_pins_on_first_sign_in() {
    let sso = sso_app().await;
    assert_eq!(
        sso.post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::active()
        ))
        .await
        .status(),
        303
    );
    let new_tenant = "99999999-8888-4777-8666-555555555555";
    let entity = test_idp::entity_id(new_tenant);
    sso.app
        .write(|c| {
            settings::replace_trust(
                c,
                &sso.account.id,
                &entity,
                "https://login.microsoftonline.com/n/saml2",
                &[cert(&Key::next())],
                &system(),
            )
        })
        .expect("move tenant");
    let mut spec = sso.spec("ann@acme.com");
    spec.tenant = new_tenant.into();
    spec.issuer = entity;
    spec.object_id = Some("12121212-3434-4565-8787-909090909090".into());
    let response = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&spec, &Key::next()),
            None,
        )
        .await;
    assert_eq!(response.status(), 303, "{}", sso.last_journal().detail);
}

#[actix_web::test]
async fn people_who_may_not_sign_in_are_refused_with_a_precise_reason() {
    let sso = sso_app().await;
    let cases: Vec<(&str, &str)> = vec![
        ("nobody@acme.com", "unknown_person"),
        ("ann.lee@acme.com", "nameid_is_mail"),
    ];
    for (name_id, reason) in cases {
        let response = sso
            .post_with(
                &sso.app.new_browser(),
                &test_idp::response(&sso.spec(name_id), &Key::active()),
                None,
            )
            .await;
        assert_eq!(response.status(), 403);
        assert_eq!(sso.last_journal().reason, reason, "{name_id}");
        let page = response.text().await.expect("page");
        assert!(
            page.contains(&format!("<code>{reason}</code>")) && !page.contains("<Assertion"),
            "{page}"
        );
    }
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            nameid_mode: Some(NameIdMode::Mail),
            ..SsoChange::default()
        },
    );
    sso.post_with(
        &sso.app.new_browser(),
        &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
        None,
    )
    .await;
    let entry = sso.last_journal();
    assert_eq!(entry.reason, "nameid_is_upn");
    assert!(
        entry
            .hint
            .contains("switch the NameID claim in Entra ID to user.mail"),
        "{}",
        entry.hint
    );

    sso.app.sso(
        &sso.account.id,
        SsoChange {
            nameid_mode: Some(NameIdMode::Upn),
            ..SsoChange::default()
        },
    );
    let (account, ann) = (sso.account.id.clone(), sso.ann.id.clone());
    let admin = gatehouse::directory::history::Actor::admin("a");
    for reason in ["inactive", "defederated", "released"] {
        sso.app
            .write(|c| match reason {
                "inactive" => lifecycle::deactivate(c, &account, &ann, &scim()),
                "defederated" => lifecycle::remove_from_federation(c, &account, &ann, &admin),
                _ => lifecycle::release(c, &account, &ann, &scim()),
            })
            .expect("change ann");
        let response = sso
            .post_with(
                &sso.app.new_browser(),
                &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
                None,
            )
            .await;
        assert_eq!(response.status(), 403);
        assert_eq!(sso.last_journal().reason, reason);
    }
}

#[actix_web::test]
async fn sso_off_refuses_sign_in_and_the_login_start() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            enabled: Some(false),
            ..SsoChange::default()
        },
    );
    let response = sso
        .post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::active(),
        ))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(sso.last_journal().reason, "sso_disabled");
    let start = sso.app.get("/saml/acme/login").await;
    assert_eq!(start.status(), 403);
    let unknown = sso.app.get("/saml/nope/login").await;
    assert_eq!(unknown.status(), 404);
}

#[actix_web::test]
async fn sp_metadata_names_our_entity_acs_and_wants_signed_assertions() {
    let sso = sso_app().await;
    let response = sso.app.get("/saml/acme/metadata").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/samlmetadata+xml"
    );
    let xml = response.text().await.expect("xml");
    assert!(xml.contains(r#"entityID="http://127.0.0.1/saml/acme""#));
    assert!(xml.contains(r#"Location="http://127.0.0.1/saml/acme/acs""#));
    assert!(xml.contains(r#"WantAssertionsSigned="true""#));
    assert!(xml.contains("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
    let request = {
        let r = sso.app.get("/saml/acme/login").await;
        authn_request_of(r.headers()["location"].to_str().expect("location"))
    };
    assert!(!request.contains("RequestedAuthnContext"));
}

#[actix_web::test]
async fn certificate_rollover_never_breaks_sign_in() {
    let sso = sso_app().await;
    let next = sso
        .app
        .write(|c| {
            settings::add_certificate(
                c,
                &sso.account.id,
                &cert(&Key::next()),
                settings::Role::Next,
                &system(),
            )
        })
        .expect("add next");
    for key in [Key::active(), Key::next()] {
        let response = sso
            .post_with(
                &sso.app.new_browser(),
                &test_idp::response(&sso.spec("ann@acme.com"), &key),
                None,
            )
            .await;
        assert_eq!(
            response.status(),
            303,
            "both trusted: {}",
            sso.last_journal().detail
        );
    }
    sso.app
        .write(|c| settings::promote(c, &sso.account.id, &next.id, &system()))
        .expect("promote");
    let old = settings::certificates(&mut sso.app.db.conn().expect("conn"), &sso.account.id)
        .expect("certs")
        .into_iter()
        .find(|c| c.id != next.id)
        .expect("old cert");
    assert_eq!(old.role, "next");
    sso.app
        .write(|c| settings::remove_certificate(c, &sso.account.id, &old.id, &system()))
        .expect("remove old");
    let with_new = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&sso.spec("ann@acme.com"), &Key::next()),
            None,
        )
        .await;
    assert_eq!(with_new.status(), 303);
    let with_old = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
            None,
        )
        .await;
    assert_eq!(with_old.status(), 403);
    let entry = sso.last_journal();
    assert_eq!(entry.reason, "unknown_certificate");
    assert!(entry.hint.contains("renewed in Entra ID"), "{}", entry.hint);
    let last = sso
        .app
        .write(|c| settings::remove_certificate(c, &sso.account.id, &next.id, &system()));
    assert!(
        last.is_err(),
        "the last valid certificate cannot go while SSO is on"
    );
}

/// A server reached at https://gatehouse.example.com, "acme" trusting the test IdP with SSO on,
/// and Ann provisioned.
async fn https_app_with_ann() -> Sso {
    let app = crate::helpers::spawn_app_at("https://gatehouse.example.com").await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    sso_on(&app, &account);
    let ann = app
        .write(|c| lifecycle::provision(c, &account.id, person("ann@acme.com"), true, &scim()))
        .expect("ann")
        .employee;
    Sso { app, account, ann }
}

#[actix_web::test]
async fn behind_https_the_session_cookie_is_secure() {
    let sso = https_app_with_ann().await;
    let spec = Spec::new("https://gatehouse.example.com/saml/acme", "ann@acme.com");
    let response = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    let hsts = response.headers().get("strict-transport-security");
    assert!(hsts.is_some(), "HSTS behind https");
}

#[actix_web::test]
async fn sp_initiated_sign_in_in_mail_mode() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        SsoChange {
            nameid_mode: Some(NameIdMode::Mail),
            ..SsoChange::default()
        },
    );
    let request_id = sso.start_login(&sso.app.client, None).await;
    let mut spec = sso.spec("ann.lee@ACME.com");
    spec.in_response_to = Some(request_id);
    let response = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(response.status(), 303, "{}", sso.last_journal().detail);
    assert_eq!(location(&response), "/");
    assert_eq!(
        sso.me(&sso.app.client).await.expect("signed in")["user_name"],
        "ann@acme.com"
    );
    assert_eq!(sso.last_journal().flow, "sp");
}

/// The `name=value` of a Set-Cookie header of `response` whose name ends with `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.split('=').next().is_some_and(|n| n.ends_with(name)))
        .map(str::to_owned)
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("pair").to_owned()
}

/// Login CSRF: an SP-initiated request belongs to the browser that started it. A response to it
/// posted from another browser is refused; the browser that started it still signs in.
#[actix_web::test]
async fn an_answer_to_an_sp_initiated_request_signs_in_only_the_browser_that_started_it() {
    let sso = sso_app().await;
    let attacker = sso.app.new_browser();
    let request_id = sso.start_login(&attacker, None).await;
    let mut spec = sso.spec("ann@acme.com");
    spec.in_response_to = Some(request_id);
    let response = test_idp::response(&spec, &Key::active());
    let victim = sso.app.new_browser();
    let refused = sso.post_with(&victim, &response, None).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(sso.last_journal().reason, "other_browser");
    assert!(
        sso.me(&victim).await.is_none(),
        "no session in the victim's browser"
    );
    let page = refused.text().await.expect("page");
    assert!(page.contains("start the sign-in again"), "{page}");
    assert!(
        page.contains(r#"href="login""#),
        "a way to start again: {page}"
    );
    let own = sso.post_with(&attacker, &response, None).await;
    assert_eq!(own.status(), 303, "{}", sso.last_journal().detail);
}

/// Entra's POST is cross-site, so a browser does not send the SameSite=Lax session cookie with
/// it; the browser cookie (SameSite=None over https) tells which sessions to replace. Here the
/// second sign-in carries only that cookie, as Chromium sends it.
#[actix_web::test]
async fn a_sign_in_without_the_session_cookie_still_replaces_the_browsers_earlier_session() {
    let sso = sso_app().await;
    let bob = sso.app.provision(&sso.account.id, "bob@acme.com");
    let first = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
            None,
        )
        .await;
    assert_eq!(first.status(), 303);
    let ann_session = pair(&set_cookie(&first, "gatehouse_session").expect("session"));
    let browser = pair(&set_cookie(&first, "gatehouse_browser").expect("browser cookie"));
    let mut spec = sso.spec("bob@acme.com");
    spec.object_id = Some("1d1d1d1d-0000-4000-8000-000000000b0c".into());
    let second = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(sso.app.url("/saml/acme/acs"))
        .header("cookie", &browser)
        .form(&[(
            "SAMLResponse",
            test_idp::encode(&test_idp::response(&spec, &Key::active())),
        )])
        .send()
        .await
        .expect("post");
    assert_eq!(second.status(), 303);
    assert_eq!(
        pair(&set_cookie(&second, "gatehouse_browser").expect("renewed")),
        browser,
        "the same browser keeps its value"
    );
    let me = |cookie: String| {
        let address = sso.app.address.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{address}/api/me"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("me")
        }
    };
    assert_eq!(me(ann_session).await.status(), 401, "Ann's session ended");
    let bob_session = pair(&set_cookie(&second, "gatehouse_session").expect("session"));
    let signed_in: Value = me(bob_session).await.json().await.expect("json");
    assert_eq!(signed_in["user_id"], bob.id.as_str());
}

/// Over https every cookie is `__Host-` prefixed and the ones Entra's POST must bring back are
/// SameSite=None; an unprefixed cookie (which a sibling subdomain could plant) is not ours.
#[actix_web::test]
async fn over_https_cookies_are_host_prefixed_and_planted_ones_are_ignored() {
    let sso = https_app_with_ann().await;
    let app = &sso.app;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = plain
        .get(app.url("/saml/acme/login"))
        .send()
        .await
        .expect("login");
    let signin = set_cookie(&login, "gatehouse_signin").expect("sign-in cookie");
    assert!(signin.starts_with("__Host-gatehouse_signin="), "{signin}");
    for attribute in ["Secure", "HttpOnly", "SameSite=None", "Path=/"] {
        assert!(signin.contains(attribute), "{attribute}: {signin}");
    }
    let spec = Spec::new("https://gatehouse.example.com/saml/acme", "ann@acme.com");
    let acs = sso
        .post_with(&plain, &test_idp::response(&spec, &Key::active()), None)
        .await;
    assert_eq!(acs.status(), 303);
    let session = set_cookie(&acs, "gatehouse_session").expect("session");
    assert!(
        session.starts_with("__Host-gatehouse_session="),
        "{session}"
    );
    assert!(
        session.contains("Secure") && session.contains("SameSite=Lax"),
        "{session}"
    );
    let browser = set_cookie(&acs, "gatehouse_browser").expect("browser");
    assert!(
        browser.starts_with("__Host-") && browser.contains("SameSite=None"),
        "{browser}"
    );

    let value = pair(&session).split_once('=').expect("=").1.to_owned();
    let me = |cookie: String| {
        let address = app.address.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{address}/api/me"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("me")
                .status()
        }
    };
    assert_eq!(me(format!("__Host-gatehouse_session={value}")).await, 200);
    assert_eq!(
        me(format!("gatehouse_session={value}")).await,
        401,
        "unprefixed"
    );

    let form = plain.get(app.url("/login")).send().await.expect("form");
    let csrf = set_cookie(&form, "gatehouse_csrf").expect("csrf cookie");
    assert!(csrf.starts_with("__Host-gatehouse_csrf=") && csrf.contains("SameSite=Strict"));
    let token = pair(&csrf).split_once('=').expect("=").1.to_owned();
    let post = |cookie: String, headers: Vec<(&'static str, &'static str)>| {
        let (address, token, plain) = (app.address.clone(), token.clone(), plain.clone());
        async move {
            let mut request = plain
                .post(format!("{address}/login"))
                .header("cookie", cookie)
                .form(&[
                    ("account", "acme"),
                    ("login", "nobody@acme.com"),
                    ("password", "anything at all"),
                    ("csrf", token.as_str()),
                ]);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send().await.expect("post").status().as_u16()
        }
    };
    let prefixed = format!("__Host-gatehouse_csrf={token}");
    let origin = ("origin", "https://gatehouse.example.com");
    assert_eq!(
        post(prefixed.clone(), vec![origin]).await,
        401,
        "checked, then wrong"
    );
    assert_eq!(
        post(prefixed.clone(), vec![("sec-fetch-site", "same-origin")]).await,
        401,
        "Sec-Fetch-Site proves the origin too"
    );
    assert_eq!(
        post(prefixed.clone(), vec![]).await,
        403,
        "neither: refused"
    );
    assert_eq!(
        post(prefixed, vec![("sec-fetch-site", "cross-site")]).await,
        403
    );
    assert_eq!(
        post(format!("gatehouse_csrf={token}"), vec![origin]).await,
        403,
        "a planted unprefixed token is not ours"
    );
}

#[actix_web::test]
async fn an_assertion_refused_after_verification_is_used_up_with_one_journal_line() {
    let sso = sso_app().await;
    let (account, ann) = (sso.account.id.clone(), sso.ann.id.clone());
    sso.app
        .write(|c| lifecycle::deactivate(c, &account, &ann, &scim()))
        .expect("deactivate ann");
    let response = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let first = sso.post_with(&sso.app.new_browser(), &response, None).await;
    assert_eq!(first.status(), 403);
    let lines = {
        let mut conn = sso.app.db.conn().expect("conn");
        gatehouse::auth::journal::recent(&mut conn, &account, 10).expect("journal")
    };
    let reasons: Vec<&str> = lines.iter().map(|l| l.reason.as_str()).collect();
    assert_eq!(reasons, ["inactive"], "one line for the refusal");
    // The refusal rolled back to the savepoint, not past the one-time state.
    let again = sso.post_with(&sso.app.new_browser(), &response, None).await;
    assert_eq!(again.status(), 403);
    assert_eq!(sso.last_journal().reason, "replay");
}
