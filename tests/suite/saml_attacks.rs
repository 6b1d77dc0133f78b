//! Every attack class of GUIDE section 2, each its own test, against the real ACS: each must be
//! refused, leave no session, and be journaled with the reason.

use chrono::{Duration, Utc};

use crate::helpers::sso::{Sso, sso_app};
use crate::test_idp::{
    self, Key, RSA_SHA1, SHA1, Signing, Spec, assertion_xml, response_xml, sign, signature_template,
};

/// Posts `xml` from a fresh browser and checks it was refused with one of `reasons`.
async fn refused(sso: &Sso, xml: &str, reasons: &[&str]) {
    let browser = sso.app.new_browser();
    let response = sso.post_with(&browser, xml, None).await;
    let status = response.status().as_u16();
    let page = response.text().await.expect("page");
    let entry = sso.last_journal();
    assert!(
        reasons.contains(&entry.reason.as_str()),
        "refused for {:?} ({}), wanted {reasons:?}",
        entry.reason,
        entry.detail
    );
    assert!((400..500).contains(&status), "status {status}");
    assert_eq!(entry.outcome, "failure");
    assert!(sso.me(&browser).await.is_none(), "no session");
    assert!(
        !page.contains("Signature") && !page.contains("xmlsec"),
        "no internals on the page: {page}"
    );
}

fn signed_assertion(sso: &Sso, name_id: &str) -> (Spec, String) {
    let spec = sso.spec(name_id);
    let assertion = sign(&assertion_xml(&spec, &Key::active(), true), &Key::active());
    (spec, assertion)
}

fn unsigned_assertion(spec: &Spec) -> String {
    assertion_xml(spec, &Key::active(), false)
}

fn wrap(spec: &Spec, inner: &str) -> String {
    response_xml(spec, inner).replace("RESPONSE_SIGNATURE", "")
}

#[actix_web::test]
async fn unsigned_response_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.signing = Signing::Unsigned;
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["unsigned"],
    )
    .await;
}

#[actix_web::test]
async fn signature_stripping_is_refused() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let start = xml.find("<Signature").expect("signature");
    let end = xml.find("</Signature>").expect("end") + "</Signature>".len();
    let stripped = format!("{}{}", &xml[..start], &xml[end..]);
    refused(&sso, &stripped, &["unsigned"]).await;
}

#[actix_web::test]
async fn a_changed_name_id_breaks_the_signature() {
    let sso = sso_app().await;
    sso.app
        .write(|c| {
            gatehouse::directory::lifecycle::create(
                c,
                &sso.account.id,
                crate::helpers::person("boss@acme.com"),
                &crate::helpers::csv(),
            )
        })
        .expect("boss");
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let tampered = xml.replace(">ann@acme.com</NameID>", ">boss@acme.com</NameID>");
    assert_ne!(xml, tampered);
    refused(&sso, &tampered, &["invalid_signature"]).await;
}

#[actix_web::test]
async fn comment_injection_in_the_name_id_is_refused() {
    let sso = sso_app().await;
    // The attacker owns ann@acme.com.evil.test at the IdP; exclusive c14n ignores comments, so the
    // signature still verifies after the comment goes in, and a naive reader sees ann@acme.com.
    let xml = test_idp::response(&sso.spec("ann@acme.com.evil.test"), &Key::active());
    let injected = xml.replace(
        ">ann@acme.com.evil.test</NameID>",
        ">ann@acme.com<!---->.evil.test</NameID>",
    );
    assert_ne!(xml, injected);
    refused(&sso, &injected, &["xml_comment"]).await;
}

#[actix_web::test]
async fn certificate_faking_through_key_info_is_refused() {
    let sso = sso_app().await;
    // Signed by the attacker's key, with the attacker's certificate in KeyInfo.
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::attacker());
    refused(&sso, &xml, &["unknown_certificate"]).await;
}

#[actix_web::test]
async fn xxe_and_billion_laughs_are_refused_before_parsing() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>{xml}"#
    );
    refused(&sso, &xxe, &["doctype"]).await;
    let laughs = format!(
        r#"<!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>{}"#,
        xml.replace(">ann@acme.com</NameID>", ">&c;</NameID>")
    );
    refused(&sso, &laughs, &["doctype"]).await;
}

#[actix_web::test]
async fn a_replayed_response_is_refused() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    assert_eq!(sso.post(&xml).await.status(), 303);
    refused(&sso, &xml, &["replay"]).await;
}

#[actix_web::test]
async fn algorithm_downgrade_to_sha1_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.signature_method = RSA_SHA1;
    spec.digest_method = SHA1;
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["weak_algorithm"],
    )
    .await;
}

#[actix_web::test]
async fn a_wrong_audience_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.audience = "https://other-app.example/saml".into();
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["wrong_audience"],
    )
    .await;
}

#[actix_web::test]
async fn a_missing_audience_is_refused() {
    let sso = sso_app().await;
    let spec = sso.spec("ann@acme.com");
    let assertion = assertion_xml(&spec, &Key::active(), true);
    let without = assertion.replace(
        &format!(
            "<AudienceRestriction><Audience>{}</Audience></AudienceRestriction>",
            spec.audience
        ),
        "",
    );
    assert_ne!(assertion, without);
    let xml = wrap(&spec, &sign(&without, &Key::active()));
    refused(&sso, &xml, &["audience_missing"]).await;
}

#[actix_web::test]
async fn a_wrong_recipient_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.acs_url = "https://other-app.example/acs".into();
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["wrong_recipient"],
    )
    .await;
}

#[actix_web::test]
async fn a_wrong_destination_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.destination = Some("https://other-app.example/acs".into());
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["wrong_destination"],
    )
    .await;
}

#[actix_web::test]
async fn a_wrong_issuer_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.issuer = test_idp::entity_id("00000000-dead-4bad-8bad-000000000000");
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["wrong_issuer"],
    )
    .await;
}

#[actix_web::test]
async fn an_expired_assertion_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.issued = Utc::now() - Duration::hours(3);
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["expired"],
    )
    .await;
    let entry = sso.last_journal();
    assert!(entry.hint.contains("clocks"), "{}", entry.hint);
}

#[actix_web::test]
async fn a_not_yet_valid_assertion_is_refused() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.issued = Utc::now() + Duration::hours(1);
    refused(
        &sso,
        &test_idp::response(&spec, &Key::active()),
        &["not_yet_valid"],
    )
    .await;
}

#[actix_web::test]
async fn a_status_other_than_success_is_refused_with_entras_reason() {
    let sso = sso_app().await;
    let spec = sso.spec("ann@acme.com");
    let xml = wrap(&spec, "").replace(
        r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>"#,
        concat!(
            r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester">"#,
            r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode>"#,
            r#"<samlp:StatusMessage>AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted access.</samlp:StatusMessage>"#
        ),
    );
    refused(&sso, &xml, &["idp_status"]).await;
    let entry = sso.last_journal();
    assert!(
        entry.hint.contains("not assigned to the application"),
        "{}",
        entry.hint
    );
}

#[actix_web::test]
async fn two_assertions_are_refused_even_when_both_are_signed() {
    let sso = sso_app().await;
    let (spec, first) = signed_assertion(&sso, "ann@acme.com");
    let (_, second) = signed_assertion(&sso, "ann@acme.com");
    refused(
        &sso,
        &wrap(&spec, &format!("{first}{second}")),
        &["multiple_assertions"],
    )
    .await;
}

#[actix_web::test]
async fn an_encrypted_assertion_is_refused() {
    let sso = sso_app().await;
    let spec = sso.spec("ann@acme.com");
    let xml = wrap(
        &spec,
        r#"<EncryptedAssertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"/></EncryptedAssertion>"#,
    );
    refused(&sso, &xml, &["encrypted_assertion"]).await;
}

#[actix_web::test]
async fn an_unexpected_transform_is_refused() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let xslt = xml.replacen(
        r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
        r#"<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>"#,
        1,
    );
    assert_ne!(xml, xslt);
    refused(&sso, &xslt, &["signature_shape"]).await;
}

#[actix_web::test]
async fn an_oversized_post_is_refused() {
    let sso = sso_app().await;
    let xml = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    let padded = xml.replace(
        "<samlp:Status>",
        &format!(
            "<samlp:Extensions>{}</samlp:Extensions><samlp:Status>",
            "x".repeat(300 * 1024)
        ),
    );
    refused(&sso, &padded, &["too_large"]).await;
}

// Signature wrapping (XSW1-8, after Somorovsky et al.): the signed element stays intact
// somewhere in the document while an evil one sits where a naive reader looks.

fn evil(sso: &Sso) -> Spec {
    let mut spec = sso.spec("boss@acme.com");
    spec.object_id = None;
    spec
}

fn response_signed(sso: &Sso) -> (Spec, String) {
    let mut spec = sso.spec("ann@acme.com");
    spec.signing = Signing::Response;
    let xml = test_idp::response(&spec, &Key::active());
    (spec, xml)
}

#[actix_web::test]
async fn xsw1_signed_response_copied_into_the_signature_of_an_evil_response() {
    let sso = sso_app().await;
    let (_, original) = response_signed(&sso);
    let evil_spec = evil(&sso);
    let mut xml = wrap(&evil_spec, &unsigned_assertion(&evil_spec));
    let copy = format!(
        r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><Object>{original}</Object></Signature>"#
    );
    xml = xml.replacen("<samlp:Status>", &format!("{copy}<samlp:Status>"), 1);
    refused(
        &sso,
        &xml,
        &[
            "multiple_assertions",
            "signature_shape",
            "unsigned",
            "assertion_misplaced",
        ],
    )
    .await;
}

#[actix_web::test]
async fn xsw2_signed_response_as_a_detached_sibling_of_an_evil_response() {
    let sso = sso_app().await;
    let (_, original) = response_signed(&sso);
    let evil_spec = evil(&sso);
    let xml = wrap(
        &evil_spec,
        &format!("{}{original}", unsigned_assertion(&evil_spec)),
    );
    refused(
        &sso,
        &xml,
        &[
            "multiple_assertions",
            "signature_shape",
            "assertion_misplaced",
        ],
    )
    .await;
}

#[actix_web::test]
async fn xsw3_evil_assertion_before_the_signed_one() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let mut evil_spec = evil(&sso);
    evil_spec.assertion_id = spec.assertion_id.clone();
    let xml = wrap(
        &spec,
        &format!("{}{signed}", unsigned_assertion(&evil_spec)),
    );
    refused(&sso, &xml, &["multiple_assertions", "duplicate_id"]).await;
}

#[actix_web::test]
async fn xsw4_signed_assertion_wrapped_inside_the_evil_one() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let evil_spec = evil(&sso);
    let evil_assertion = unsigned_assertion(&evil_spec).replacen(
        "</Assertion>",
        &format!("{signed}</Assertion>"),
        1,
    );
    refused(
        &sso,
        &wrap(&spec, &evil_assertion),
        &["multiple_assertions", "assertion_misplaced"],
    )
    .await;
}

#[actix_web::test]
async fn xsw5_evil_assertion_carrying_the_signature_with_the_original_appended() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let signature = &signed
        [signed.find("<Signature").expect("sig")..signed.find("</Signature>").expect("end") + 12];
    let mut evil_spec = evil(&sso);
    evil_spec.assertion_id = format!("{}-evil", spec.assertion_id);
    let evil_assertion =
        unsigned_assertion(&evil_spec).replacen("<Subject>", &format!("{signature}<Subject>"), 1);
    let original_unsigned = signed.replacen(signature, "", 1);
    let xml = wrap(&spec, &format!("{evil_assertion}{original_unsigned}"));
    refused(&sso, &xml, &["multiple_assertions", "signature_shape"]).await;
}

#[actix_web::test]
async fn xsw6_original_assertion_hidden_in_the_evil_assertions_signature_object() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let signature = &signed
        [signed.find("<Signature").expect("sig")..signed.find("</Signature>").expect("end") + 12];
    let original_unsigned = signed.replacen(signature, "", 1);
    let hiding = signature.replacen(
        "</Signature>",
        &format!("<Object>{original_unsigned}</Object></Signature>"),
        1,
    );
    let mut evil_spec = evil(&sso);
    evil_spec.assertion_id = spec.assertion_id.clone();
    let evil_assertion =
        unsigned_assertion(&evil_spec).replacen("<Subject>", &format!("{hiding}<Subject>"), 1);
    refused(
        &sso,
        &wrap(&spec, &evil_assertion),
        &["multiple_assertions", "duplicate_id"],
    )
    .await;
}

#[actix_web::test]
async fn xsw7_signed_assertion_moved_into_extensions() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let evil_spec = evil(&sso);
    let xml = wrap(&spec, &unsigned_assertion(&evil_spec)).replacen(
        "<samlp:Status>",
        &format!("<samlp:Extensions>{signed}</samlp:Extensions><samlp:Status>"),
        1,
    );
    refused(&sso, &xml, &["multiple_assertions", "assertion_misplaced"]).await;
}

#[actix_web::test]
async fn xsw8_original_without_signature_inside_the_evil_signatures_object() {
    let sso = sso_app().await;
    let (spec, signed) = signed_assertion(&sso, "ann@acme.com");
    let signature = &signed
        [signed.find("<Signature").expect("sig")..signed.find("</Signature>").expect("end") + 12];
    let original_unsigned = signed.replacen(signature, "", 1);
    let evil_signature = signature.replacen(
        "</Signature>",
        &format!("<Object>{original_unsigned}</Object></Signature>"),
        1,
    );
    let mut evil_spec = evil(&sso);
    evil_spec.assertion_id = format!("{}-x", spec.assertion_id);
    let evil_assertion = unsigned_assertion(&evil_spec).replacen(
        "<Subject>",
        &format!("{evil_signature}<Subject>"),
        1,
    );
    refused(
        &sso,
        &wrap(&spec, &evil_assertion),
        &["multiple_assertions", "signature_shape"],
    )
    .await;
}

#[actix_web::test]
async fn a_signature_referencing_another_element_is_refused() {
    let sso = sso_app().await;
    // One assertion, signed by a Response-level signature whose reference points at the assertion.
    let spec = sso.spec("ann@acme.com");
    let template = signature_template(&spec.assertion_id, &spec, &Key::active());
    let xml =
        response_xml(&spec, &unsigned_assertion(&spec)).replace("RESPONSE_SIGNATURE", &template);
    let signed = sign(&xml, &Key::active());
    refused(&sso, &signed, &["signature_shape"]).await;
}

#[actix_web::test]
async fn an_unsigned_in_response_to_does_not_turn_an_idp_initiated_assertion_into_an_answer() {
    let sso = sso_app().await;
    sso.app.sso(
        &sso.account.id,
        gatehouse::idp::settings::SsoChange {
            idp_initiated: Some(false),
            ..Default::default()
        },
    );
    let browser = sso.app.new_browser();
    let request_id = sso.start_login(&browser, None).await;
    // An IdP-initiated assertion (signed, no InResponseTo inside), with the pending request's
    // id written on the unsigned Response around it.
    let (spec, assertion) = signed_assertion(&sso, "ann@acme.com");
    let mut outer = spec.clone();
    outer.in_response_to = Some(request_id);
    let response = sso
        .post_with(&browser, &wrap(&outer, &assertion), None)
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(sso.last_journal().reason, "idp_initiated_disabled");
    assert!(sso.me(&browser).await.is_none(), "no session");
}

/// libxml2 honours a declared encoding and roxmltree does not: any declaration but UTF-8 is
/// refused before either parser sees the document.
#[actix_web::test]
async fn an_encoding_other_than_utf8_is_refused_before_parsing() {
    let sso = sso_app().await;
    let (spec, assertion) = signed_assertion(&sso, "ann@acme.com");
    let body = wrap(&spec, &assertion);
    for declaration in [
        r#"<?xml version="1.0" encoding="UTF-7"?>"#,
        r#"<?xml version='1.0' encoding='ISO-8859-1'?>"#,
        "<?xml version=\"1.0\"\n encoding = \"utf-16\" ?>",
    ] {
        refused(&sso, &format!("{declaration}{body}"), &["encoding"]).await;
    }
    // UTF-16 text that is valid UTF-8 (every other byte NUL).
    let utf16: String = body.chars().flat_map(|c| [c, '\0']).collect();
    refused(&sso, &utf16, &["encoding"]).await;
    // The same response declared as UTF-8 signs in.
    let (spec, assertion) = signed_assertion(&sso, "ann@acme.com");
    let fine = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>{}"#,
        wrap(&spec, &assertion)
    );
    assert_eq!(sso.post(&fine).await.status(), 303);
}

/// The ACS fuzz target's seeds are validly signed responses, so its mutations reach samael's
/// signature verification instead of stopping at the first guard. Their issue instant is fixed, so
/// samael's response-age check (after the signature) refuses them as expired, always the same way.
#[test]
fn the_fuzz_seeds_pass_every_check_up_to_and_through_the_signature() {
    use gatehouse::auth::journal::SignInAttempt;
    use gatehouse::saml::failure::Failure;
    use gatehouse::saml::{acs, sp::SpUrls, verify::Trust};
    let trust = Trust {
        idp_entity_id: test_idp::entity_id(test_idp::TENANT),
        valid: vec![crate::helpers::sso::cert(&Key::active()).der],
        expired: Vec::new(),
        skew: Duration::seconds(180),
    };
    let sp = SpUrls::new("http://127.0.0.1", "acme");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/acs_input");
    let check = |xml: &str| {
        acs::check(
            &test_idp::encode(xml),
            &sp,
            &trust,
            &mut SignInAttempt::default(),
        )
    };
    for seed in [
        "assertion",
        "response",
        "both",
        "sp-initiated",
        "declared-utf8",
    ] {
        let xml = std::fs::read_to_string(format!("{dir}/seed-signed-{seed}.xml")).expect("seed");
        let checked = check(&xml);
        assert!(
            matches!(checked, Err(Failure::Expired(_))),
            "{seed}: {checked:?}"
        );
        let tampered = xml.replace(">ann@acme.com<", ">ann@acme.con<");
        assert_ne!(tampered, xml);
        let checked = check(&tampered);
        assert!(
            matches!(checked, Err(Failure::InvalidSignature)),
            "{seed} tampered: {checked:?}"
        );
    }
    let utf7 =
        std::fs::read_to_string(format!("{dir}/seed-signed-declared-utf7.xml")).expect("seed");
    let refused = check(&utf7);
    assert!(matches!(refused, Err(Failure::Encoding(_))), "{refused:?}");
}

/// An old or already used response is refused before samael verifies it (samael leaks memory on
/// every response it verifies, so reposting one must cost nothing). Shown with a broken
/// signature: refused as expired or replayed, not as a bad signature, so no verification ran.
#[actix_web::test]
async fn old_and_used_responses_are_refused_before_any_signature_work() {
    let sso = sso_app().await;
    let mut old = sso.spec("ann@acme.com");
    old.issued = Utc::now() - Duration::minutes(20);
    let tampered = |xml: String| xml.replace(">ann@acme.com<", ">bob@acme.com<");
    refused(
        &sso,
        &tampered(test_idp::response(&old, &Key::active())),
        &["expired"],
    )
    .await;
    let fresh = test_idp::response(&sso.spec("ann@acme.com"), &Key::active());
    assert_eq!(sso.post(&fresh).await.status(), 303);
    refused(&sso, &tampered(fresh), &["replay"]).await;
}
