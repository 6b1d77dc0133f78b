//! The ACS input path up to and through samael: Base64, the structural guards, the issuer check
//! and signature verification against a trusted certificate. Input is the response XML (encoded
//! here, so the fuzzer spends its time in the XML) and, after a 0xFF byte, a raw posted value.
#![no_main]

use std::sync::LazyLock;

use base64::Engine;
use gatehouse::auth::journal::SignInAttempt;
use gatehouse::idp::certificates;
use gatehouse::saml::acs;
use gatehouse::saml::sp::SpUrls;
use gatehouse::saml::verify::Trust;
use libfuzzer_sys::fuzz_target;

static TRUST: LazyLock<(SpUrls, Trust)> = LazyLock::new(|| {
    let pem = include_str!("../../certs/test/idp-cert.pem");
    let cert = certificates::parse(pem).expect("test certificate");
    let trust = Trust {
        idp_entity_id: "https://sts.windows.net/7f3c1a52-0b8e-4d7a-9f41-2c6d8e9a1b03/".into(),
        valid: vec![cert.der],
        expired: Vec::new(),
        skew: chrono::Duration::seconds(180),
    };
    (SpUrls::new("http://127.0.0.1", "acme"), trust)
});

fuzz_target!(|data: &[u8]| {
    let (sp, trust) = &*TRUST;
    let posted = match data.iter().position(|b| *b == 0xFF) {
        Some(split) => String::from_utf8_lossy(&data[split + 1..]).into_owned(),
        None => base64::engine::general_purpose::STANDARD.encode(data),
    };
    let mut attempt = SignInAttempt::default();
    let _ = acs::check(&posted, sp, trust, &mut attempt);
});
