//! Writes the ACS fuzz target's seeds: validly signed, Entra-shaped responses (assertion signed,
//! response signed, both; IdP- and SP-initiated; with and without an XML declaration, one of them
//! declaring a foreign encoding) signed once (fixed ids and instants, so the corpus is stable), so mutations reach signature
//! verification; samael then refuses them as too old, after the signature.
//! Usage: cargo run --example fuzz_seeds -- fuzz/corpus/acs_input

#[path = "../tests/suite/test_idp.rs"]
mod test_idp;

use chrono::{Duration, TimeZone, Utc};
use test_idp::{Key, Signing, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: fuzz_seeds CORPUS_FOLDER")?;
    std::fs::create_dir_all(&dir)?;
    let key = Key::active();
    let spec = |signing: Signing, in_response_to: Option<&str>| {
        let mut spec = Spec::new("http://127.0.0.1/saml/acme", "ann@acme.com");
        spec.signing = signing;
        spec.in_response_to = in_response_to.map(str::to_owned);
        spec.response_id = "_5d2f3e1a-7b4c-4f0e-9a8d-1c2b3a4d5e6f".into();
        spec.assertion_id = "_9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b".into();
        spec.issued = Utc
            .with_ymd_and_hms(2026, 12, 1, 8, 0, 0)
            .single()
            .unwrap_or_default();
        spec.valid_for = Duration::minutes(70);
        spec
    };
    let seeds = [
        (
            "signed-assertion",
            test_idp::response(&spec(Signing::Assertion, None), &key),
        ),
        (
            "signed-response",
            test_idp::response(&spec(Signing::Response, None), &key),
        ),
        (
            "signed-both",
            test_idp::response(&spec(Signing::Both, None), &key),
        ),
        (
            "signed-sp-initiated",
            test_idp::response(&spec(Signing::Assertion, Some("_a7e1c3d5-request")), &key),
        ),
        (
            "signed-declared-utf8",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>{}"#,
                test_idp::response(&spec(Signing::Assertion, None), &key)
            ),
        ),
        (
            "signed-declared-utf7",
            format!(
                r#"<?xml version="1.0" encoding="UTF-7"?>{}"#,
                test_idp::response(&spec(Signing::Assertion, None), &key)
            ),
        ),
    ];
    for (name, xml) in seeds {
        std::fs::write(format!("{dir}/seed-{name}.xml"), xml)?;
    }
    eprintln!("fuzz_seeds: wrote 6 seeds to {dir}");
    Ok(())
}
