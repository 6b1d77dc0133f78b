//! A test identity provider that answers like Microsoft Entra ID: assertion signed by default
//! (RSA-SHA256, exclusive c14n, the signer's certificate in KeyInfo), optionally the response or
//! both. Its keys live in certs/test/. Also used by benches/ through #[path].

#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use samael::crypto::{Crypto, CryptoProvider};

pub const TENANT: &str = "7f3c1a52-0b8e-4d7a-9f41-2c6d8e9a1b03";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

pub fn entity_id(tenant: &str) -> String {
    format!("https://sts.windows.net/{tenant}/")
}

pub struct Key {
    pub der: Vec<u8>,
    pub cert_pem: String,
    /// The certificate as Entra's "Certificate (Base64)" shows it.
    pub cert_base64: String,
}

impl Key {
    fn load(name: &str) -> Key {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/certs/test/");
        let key_pem = std::fs::read(format!("{dir}{name}-key.pem")).expect("test key");
        let cert_pem = std::fs::read_to_string(format!("{dir}{name}-cert.pem")).expect("test cert");
        let der = openssl::pkey::PKey::private_key_from_pem(&key_pem)
            .and_then(|k| k.private_key_to_der())
            .expect("key to DER");
        let cert_base64 = cert_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        Key {
            der,
            cert_pem,
            cert_base64,
        }
    }

    pub fn active() -> Key {
        Key::load("idp")
    }

    pub fn next() -> Key {
        Key::load("idp-next")
    }

    pub fn attacker() -> Key {
        Key::load("attacker")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    Assertion,
    Response,
    Both,
    Unsigned,
}

/// Everything a response says; defaults are a valid IdP-initiated sign-in for `name_id`.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name_id: String,
    pub tenant: String,
    pub issuer: String,
    pub acs_url: String,
    pub audience: String,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub response_id: String,
    pub assertion_id: String,
    pub issued: DateTime<Utc>,
    pub valid_for: Duration,
    pub object_id: Option<String>,
    pub signing: Signing,
    pub signature_method: &'static str,
    pub digest_method: &'static str,
    /// Put the signer's certificate in KeyInfo, as Entra does.
    pub key_info: bool,
}

impl Spec {
    /// `sp_base` is the SP entity id, e.g. http://127.0.0.1/saml/acme
    pub fn new(sp_base: &str, name_id: &str) -> Spec {
        Spec {
            name_id: name_id.into(),
            tenant: TENANT.into(),
            issuer: entity_id(TENANT),
            acs_url: format!("{sp_base}/acs"),
            audience: sp_base.into(),
            destination: Some(format!("{sp_base}/acs")),
            in_response_to: None,
            response_id: format!("_{}", uuid::Uuid::new_v4()),
            assertion_id: format!("_{}", uuid::Uuid::new_v4()),
            issued: Utc::now(),
            valid_for: Duration::minutes(70),
            object_id: Some("0c9d7a3e-5b1f-4e2a-8d6c-1a2b3c4d5e6f".into()),
            signing: Signing::Assertion,
            signature_method: RSA_SHA256,
            digest_method: SHA256,
            key_info: true,
        }
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn signature_template(reference: &str, spec: &Spec, key: &Key) -> String {
    let key_info = match spec.key_info {
        true => format!(
            "<KeyInfo><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>",
            key.cert_base64
        ),
        false => String::new(),
    };
    format!(
        concat!(
            r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>"#,
            r#"<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r##"<SignatureMethod Algorithm="{method}"/><Reference URI="#{reference}"><Transforms>"##,
            r#"<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>"#,
            r#"<DigestMethod Algorithm="{digest}"/><DigestValue/></Reference></SignedInfo>"#,
            r#"<SignatureValue/>{key_info}</Signature>"#
        ),
        method = spec.signature_method,
        reference = reference,
        digest = spec.digest_method,
        key_info = key_info,
    )
}

/// The assertion element, with a signature template when it is to be signed.
pub fn assertion_xml(spec: &Spec, key: &Key, signed: bool) -> String {
    let until = instant(spec.issued + spec.valid_for);
    let irt = spec
        .in_response_to
        .as_ref()
        .map(|id| format!(r#" InResponseTo="{id}""#))
        .unwrap_or_default();
    let object_id = spec
        .object_id
        .as_ref()
        .map(|oid| {
            format!(r#"<Attribute Name="http://schemas.microsoft.com/identity/claims/objectidentifier"><AttributeValue>{oid}</AttributeValue></Attribute>"#)
        })
        .unwrap_or_default();
    let signature = if signed {
        signature_template(&spec.assertion_id, spec, key)
    } else {
        String::new()
    };
    format!(
        concat!(
            r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" IssueInstant="{issued}" Version="2.0">"#,
            r#"<Issuer>{issuer}</Issuer>{signature}<Subject>"#,
            r#"<NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</NameID>"#,
            r#"<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
            r#"<SubjectConfirmationData{irt} NotOnOrAfter="{until}" Recipient="{acs}"/></SubjectConfirmation></Subject>"#,
            r#"<Conditions NotBefore="{not_before}" NotOnOrAfter="{until}"><AudienceRestriction>"#,
            r#"<Audience>{audience}</Audience></AudienceRestriction></Conditions><AttributeStatement>"#,
            r#"<Attribute Name="http://schemas.microsoft.com/identity/claims/tenantid"><AttributeValue>{tenant}</AttributeValue></Attribute>"#,
            r#"{object_id}"#,
            r#"<Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"><AttributeValue>{name_id}</AttributeValue></Attribute>"#,
            r#"<Attribute Name="http://schemas.microsoft.com/identity/claims/identityprovider"><AttributeValue>{issuer}</AttributeValue></Attribute>"#,
            r#"</AttributeStatement><AuthnStatement AuthnInstant="{issued}" SessionIndex="{id}"><AuthnContext>"#,
            r#"<AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef>"#,
            r#"</AuthnContext></AuthnStatement></Assertion>"#
        ),
        id = spec.assertion_id,
        issued = instant(spec.issued),
        issuer = spec.issuer,
        signature = signature,
        name_id = spec.name_id,
        irt = irt,
        until = until,
        acs = spec.acs_url,
        not_before = instant(spec.issued - Duration::minutes(5)),
        audience = spec.audience,
        tenant = spec.tenant,
        object_id = object_id,
    )
}

/// The response around `assertion` (already signed or not); `RESPONSE_SIGNATURE` marks where a
/// response signature template goes.
pub fn response_xml(spec: &Spec, assertion: &str) -> String {
    let irt = spec
        .in_response_to
        .as_ref()
        .map(|id| format!(r#" InResponseTo="{id}""#))
        .unwrap_or_default();
    let destination = spec
        .destination
        .as_ref()
        .map(|d| format!(r#" Destination="{d}""#))
        .unwrap_or_default();
    format!(
        concat!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{id}" Version="2.0" IssueInstant="{issued}"{destination}{irt}>"#,
            r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</Issuer>RESPONSE_SIGNATURE"#,
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#,
            r#"{assertion}</samlp:Response>"#
        ),
        id = spec.response_id,
        issued = instant(spec.issued),
        destination = destination,
        irt = irt,
        issuer = spec.issuer,
        assertion = assertion,
    )
}

/// Signs the first signature template in `xml` with `key`.
pub fn sign(xml: &str, key: &Key) -> String {
    let signed = Crypto::sign_xml(xml, &key.der).expect("xmlsec signs");
    // libxml adds an XML declaration; drop it so responses can be nested in attack tests.
    let body = match signed.trim_start().starts_with("<?xml") {
        true => signed
            .split_once("?>")
            .map_or(signed.as_str(), |(_, rest)| rest),
        false => signed.as_str(),
    };
    body.trim().to_owned()
}

/// A complete response as `spec` says, signed with `key`.
pub fn response(spec: &Spec, key: &Key) -> String {
    let assertion_signed = matches!(spec.signing, Signing::Assertion | Signing::Both);
    let response_signed = matches!(spec.signing, Signing::Response | Signing::Both);
    let mut assertion = assertion_xml(spec, key, assertion_signed);
    if assertion_signed {
        assertion = sign(&assertion, key);
    }
    let template = if response_signed {
        signature_template(&spec.response_id, spec, key)
    } else {
        String::new()
    };
    let xml = response_xml(spec, &assertion).replace("RESPONSE_SIGNATURE", &template);
    if response_signed {
        sign(&xml, key)
    } else {
        xml
    }
}

pub fn encode(xml: &str) -> String {
    STANDARD.encode(xml)
}

/// The test IdP's SAML metadata (its entity id and signing certificate), as bare samael wants it.
pub fn metadata_xml(key: &Key) -> String {
    format!(
        concat!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">"#,
            r#"<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
            r#"<ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
            r#"</md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"#
        ),
        entity = entity_id(TENANT),
        cert = key.cert_base64,
    )
}

pub fn federation_metadata(keys: &[&Key]) -> String {
    let descriptors: String = keys
        .iter()
        .map(|k| {
            format!(
                r#"<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#,
                k.cert_base64
            )
        })
        .collect();
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_m" entityID="{entity}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">"#,
            r#"<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{descriptors}"#,
            r#"<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/{tenant}/saml2"/>"#,
            r#"<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/{tenant}/saml2"/>"#,
            r#"<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://login.microsoftonline.com/{tenant}/saml2"/>"#,
            r#"</IDPSSODescriptor></EntityDescriptor>"#
        ),
        entity = entity_id(TENANT),
        tenant = TENANT,
        descriptors = descriptors,
    )
}
