//! Setting up SSO the way an operator does: the CLI with Entra's federation metadata or a
//! certificate file, and the refusals that protect them from a broken setup.

use std::process::Output;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

use crate::helpers::{TestStore, run_cli, stderr_of};
use crate::test_idp::{self, Key};

fn gatehouse(store: &TestStore, args: &[&str]) -> Output {
    run_cli(&store.url, args)
}

fn stderr(output: &Output) -> String {
    stderr_of(output)
}

/// A self-signed certificate whose validity ended yesterday.
fn expired_certificate_pem() -> String {
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "Expired test IdP")
        .expect("cn");
    let name = name.build();
    let mut builder = X509::builder().expect("builder");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(&key).expect("pubkey");
    let day = 86_400;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    builder
        .set_not_before(&Asn1Time::from_unix(now - 400 * day).expect("t"))
        .expect("nb");
    builder
        .set_not_after(&Asn1Time::from_unix(now - day).expect("t"))
        .expect("na");
    builder.sign(&key, MessageDigest::sha256()).expect("sign");
    String::from_utf8(builder.build().to_pem().expect("pem")).expect("utf-8")
}

fn setup(store: &TestStore) {
    assert!(
        gatehouse(store, &["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
}

#[test]
fn idp_from_federation_metadata_trusts_every_signing_certificate_then_sso_goes_on() {
    let store = TestStore::new();
    setup(&store);
    let off = gatehouse(&store, &["account", "sso", "acme", "on"]);
    assert_eq!(off.status.code(), Some(1));
    assert!(
        stderr(&off).contains("SSO cannot be turned on before the IdP is set"),
        "{}",
        stderr(&off)
    );

    let file = store.dir.path().join("federationmetadata.xml");
    std::fs::write(
        &file,
        test_idp::federation_metadata(&[&Key::active(), &Key::next()]),
    )
    .expect("write");
    let run = gatehouse(
        &store,
        &[
            "account",
            "idp",
            "acme",
            "--metadata",
            &file.to_string_lossy(),
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let log = stderr(&run);
    assert_eq!(
        log.matches("trusting CN=Gatehouse test IdP").count(),
        2,
        "{log}"
    );
    assert!(log.contains(&format!(
        "now trusts {}",
        test_idp::entity_id(test_idp::TENANT)
    )));

    let on = gatehouse(
        &store,
        &[
            "account",
            "sso",
            "acme",
            "on",
            "--nameid",
            "mail",
            "--idp-initiated",
            "off",
        ],
    );
    assert!(on.status.success(), "{}", stderr(&on));
    assert!(
        stderr(&on).contains(
            "SSO on, NameID matched on mail, IdP-initiated sign-in refused, clock skew 180 s"
        ),
        "{}",
        stderr(&on)
    );
    let bad_mode = gatehouse(
        &store,
        &["account", "sso", "acme", "on", "--nameid", "objectid"],
    );
    assert_eq!(bad_mode.status.code(), Some(1));
}

#[test]
fn idp_from_entity_id_url_and_certificate_file() {
    let store = TestStore::new();
    setup(&store);
    let cert = store.dir.path().join("entra.cer");
    std::fs::write(&cert, Key::active().cert_base64).expect("write");
    let entity = test_idp::entity_id(test_idp::TENANT);
    let run = gatehouse(
        &store,
        &[
            "account",
            "idp",
            "acme",
            "--entity-id",
            &entity,
            "--sso-url",
            "https://login.microsoftonline.com/t/saml2",
            "--cert",
            &cert.to_string_lossy(),
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        gatehouse(&store, &["account", "sso", "acme", "on"])
            .status
            .success()
    );
    let partial = gatehouse(&store, &["account", "idp", "acme", "--entity-id", &entity]);
    assert_eq!(partial.status.code(), Some(2), "clap refuses a partial set");
}

#[test]
fn unusable_certificates_are_refused_with_the_reason() {
    let store = TestStore::new();
    setup(&store);
    let entity = test_idp::entity_id(test_idp::TENANT);
    let key_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/test/idp-key.pem"
    ))
    .expect("key");
    let half = Key::active().cert_base64[..600].to_owned();
    let cases = [
        (expired_certificate_pem(), "the certificate expired on"),
        (key_pem, "this is a private key, not a certificate"),
        (
            "<html>not a cert</html>".to_owned(),
            "this is not a certificate",
        ),
        (half, "the certificate is cut off"),
    ];
    for (content, expected) in cases {
        let cert = store.dir.path().join("bad.cer");
        std::fs::write(&cert, &content).expect("write");
        let run = gatehouse(
            &store,
            &[
                "account",
                "idp",
                "acme",
                "--entity-id",
                &entity,
                "--sso-url",
                "https://login.microsoftonline.com/t/saml2",
                "--cert",
                &cert.to_string_lossy(),
            ],
        );
        assert_eq!(run.status.code(), Some(1), "{expected}");
        assert!(
            stderr(&run).contains(expected),
            "{expected}: {}",
            stderr(&run)
        );
    }
    let on = gatehouse(&store, &["account", "sso", "acme", "on"]);
    assert_eq!(
        on.status.code(),
        Some(1),
        "nothing was stored, so SSO stays off"
    );
}

#[test]
fn metadata_that_is_not_metadata_is_refused() {
    let store = TestStore::new();
    setup(&store);
    let cases = [
        (
            "<html><body>Sign in</body></html>",
            "not SAML federation metadata",
        ),
        ("<EntityDescriptor", "not readable XML"),
        (
            r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x/>"#,
            "DOCTYPE",
        ),
    ];
    for (content, expected) in cases {
        let file = store.dir.path().join("metadata.xml");
        std::fs::write(&file, content).expect("write");
        let run = gatehouse(
            &store,
            &[
                "account",
                "idp",
                "acme",
                "--metadata",
                &file.to_string_lossy(),
            ],
        );
        assert_eq!(run.status.code(), Some(1));
        assert!(
            stderr(&run).contains(expected),
            "{expected}: {}",
            stderr(&run)
        );
    }
}
