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
    Ok(format!("_gh{}", crate::auth::tokens::hex(&bytes)))
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

/// The IdP URL carrying the deflated, Base64 request, the relay state and the login hint.
///
/// The hint is the address the person typed, so Entra need not ask for it again. Microsoft
/// documents it as a `login_hint` parameter on the request to the single sign-on URL, beside
/// `SAMLRequest`, because Entra refuses an AuthnRequest with a `Subject` ("Don't include a
/// Subject element ... A subject can instead be provided by adding a login_hint parameter to the
/// HTTP request to the single sign-on URL, with the subject's NameID as the parameter value":
/// <https://learn.microsoft.com/en-us/entra/identity-platform/single-sign-on-saml-protocol#subject>).
/// So the request itself never names anyone. The hint is not covered by the Redirect binding's
/// signature (we sign none) and changes nothing we check: the answer is verified as always.
pub fn redirect_url(
    idp_sso_url: &str,
    request_xml: &str,
    relay_state: Option<&str>,
    login_hint: Option<&str>,
) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(request_xml.as_bytes());
    let deflated = encoder.finish().unwrap_or_default();
    let mut query = vec![("SAMLRequest", STANDARD.encode(deflated))];
    if let Some(relay) = relay_state {
        query.push(("RelayState", relay.to_owned()));
    }
    if let Some(hint) = login_hint {
        query.push(("login_hint", hint.to_owned()));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    let separator = if idp_sso_url.contains('?') { '&' } else { '?' };
    format!("{idp_sso_url}{separator}{encoded}")
}

/// A login hint worth passing on: a trimmed address of sensible length, without controls.
pub fn login_hint(typed: Option<&str>) -> Option<&str> {
    typed
        .map(str::trim)
        .filter(|h| !h.is_empty() && h.len() <= 256 && !h.chars().any(char::is_control))
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
        assert!(!xml.contains("Subject"), "Entra refuses a Subject");
    }

    #[test]
    fn the_login_hint_rides_beside_the_request() {
        let url = redirect_url(
            "https://login.microsoftonline.com/t/saml2",
            "<x/>",
            Some("/after"),
            login_hint(Some(" ann.lee@acme.com ")),
        );
        assert!(
            url.ends_with("&RelayState=%2Fafter&login_hint=ann.lee%40acme.com"),
            "{url}"
        );
        assert_eq!(login_hint(Some("  ")), None);
        assert_eq!(login_hint(Some("a\nb")), None);
        assert_eq!(login_hint(Some(&"a".repeat(300))), None);
    }
}
