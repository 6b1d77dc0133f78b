//! SP-initiated sign-in: an AuthnRequest over the HTTP-Redirect binding.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::DeflateEncoder;

use super::sp::{NAMEID_EMAIL, SpUrls, escape};

/// A fresh request id. XML IDs may not start with a digit (Entra refuses those), hence the prefix.
pub fn new_id() -> Result<String, openssl::error::ErrorStack> {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("_gh{hex}"))
}

/// The request itself. No RequestedAuthnContext: Entra refuses what it cannot satisfy (AADSTS75011).
pub fn xml(id: &str, sp: &SpUrls, destination: &str) -> String {
    let instant = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{instant}" Destination="{destination}" AssertionConsumerServiceURL="{acs}" "#,
            r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy Format="{format}" AllowCreate="true"/>"#,
            r#"</samlp:AuthnRequest>"#
        ),
        id = escape(id),
        instant = instant,
        destination = escape(destination),
        acs = escape(&sp.acs_url),
        issuer = escape(&sp.entity_id),
        format = NAMEID_EMAIL,
    )
}

/// The IdP URL carrying the deflated, Base64 request and the relay state.
pub fn redirect_url(idp_sso_url: &str, request_xml: &str, relay_state: Option<&str>) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(request_xml.as_bytes());
    let deflated = encoder.finish().unwrap_or_default();
    let mut query = vec![("SAMLRequest", STANDARD.encode(deflated))];
    if let Some(relay) = relay_state {
        query.push(("RelayState", relay.to_owned()));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    let separator = if idp_sso_url.contains('?') { '&' } else { '?' };
    format!("{idp_sso_url}{separator}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_never_start_with_a_digit_and_do_not_repeat() {
        let (a, b) = (new_id().expect("random"), new_id().expect("random"));
        assert_ne!(a, b);
        assert!(a.starts_with("_gh") && a.len() == 35);
    }

    #[test]
    fn the_request_has_no_authn_context_and_names_our_acs() {
        let sp = SpUrls::new("https://gh.example.com", "acme");
        let xml = xml("_gh1", &sp, "https://login.microsoftonline.com/t/saml2");
        assert!(!xml.contains("RequestedAuthnContext"));
        assert!(
            xml.contains(r#"AssertionConsumerServiceURL="https://gh.example.com/saml/acme/acs""#)
        );
        assert!(xml.contains("<saml:Issuer>https://gh.example.com/saml/acme</saml:Issuer>"));
    }
}
