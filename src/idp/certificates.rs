//! X.509 certificates as admins paste them (PEM, bare Base64) or Entra publishes them, read
//! strictly: a paste that is not exactly one usable certificate is refused with the reason.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDateTime, Utc};
use openssl::hash::{MessageDigest, hash};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// A parsed signing certificate with what Entra shows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    pub subject: String,
    /// Upper-case hex, no separators: the "Thumbprint" Entra ID displays.
    pub sha1_thumbprint: String,
    pub sha256_thumbprint: String,
    pub not_before: NaiveDateTime,
    pub not_after: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("nothing was pasted: paste the certificate (Base64) from Entra ID")]
    Empty,
    #[error(
        "this is a private key, not a certificate: paste the certificate (Base64) that Entra ID \
         shows under SAML Certificates, and never share a private key"
    )]
    PrivateKey,
    #[error("the certificate is cut off ({0}): copy the whole certificate again")]
    Truncated(&'static str),
    #[error("this is not a certificate: {0}")]
    NotACertificate(&'static str),
    #[error("the certificate expired on {0} UTC: download the current one from Entra ID")]
    Expired(NaiveDateTime),
    #[error("the certificate's key is not RSA: Entra ID signs with RSA-SHA256")]
    NotRsa,
}

impl Certificate {
    pub fn der_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    pub fn is_valid_at(&self, now: NaiveDateTime) -> bool {
        self.not_before <= now && now < self.not_after
    }
}

/// Reads a certificate from a file's bytes: PEM or bare Base64 text, or binary DER (what Entra
/// offers as "Certificate (Raw)"). Refuses expired certificates.
pub fn parse_bytes(bytes: &[u8]) -> Result<Certificate, CertificateError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => usable(from_der(bytes)?),
    }
}

/// Reads a pasted certificate (PEM or bare Base64). Refuses expired certificates.
pub fn parse(text: &str) -> Result<Certificate, CertificateError> {
    usable(from_text(text)?)
}

fn usable(certificate: Certificate) -> Result<Certificate, CertificateError> {
    if certificate.not_after <= Utc::now().naive_utc() {
        return Err(CertificateError::Expired(certificate.not_after));
    }
    Ok(certificate)
}

/// Reads PEM or bare Base64 without judging validity dates.
pub fn from_text(text: &str) -> Result<Certificate, CertificateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CertificateError::Empty);
    }
    if text.contains("PRIVATE KEY") {
        return Err(CertificateError::PrivateKey);
    }
    let body = match text.find("-----BEGIN CERTIFICATE-----") {
        Some(start) => {
            let rest = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
            let end = rest
                .find("-----END CERTIFICATE-----")
                .ok_or(CertificateError::Truncated(
                    "the END CERTIFICATE line is missing",
                ))?;
            &rest[..end]
        }
        None if text.starts_with("-----BEGIN") => {
            return Err(CertificateError::NotACertificate(
                "the PEM block is not a CERTIFICATE",
            ));
        }
        None => text,
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let base64_alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    if !compact.chars().all(base64_alphabet) {
        return Err(CertificateError::NotACertificate(
            "it contains characters that cannot appear in Base64",
        ));
    }
    // Every X.509 certificate is a DER SEQUENCE long enough to start with these Base64 letters.
    if !compact.starts_with("MII") {
        return Err(CertificateError::NotACertificate(
            "a certificate in Base64 starts with MII, and this text does not",
        ));
    }
    let der = STANDARD
        .decode(compact.trim_end_matches('=').to_owned() + padding(&compact))
        .map_err(|_| CertificateError::Truncated("the Base64 text ends in the middle"))?;
    if openssl::pkey::PKey::private_key_from_der(&der).is_ok() {
        return Err(CertificateError::PrivateKey);
    }
    from_der(&der)
}

/// Base64 padding for a body whose own padding may have been dropped or cut.
fn padding(compact: &str) -> &'static str {
    match compact.trim_end_matches('=').len() % 4 {
        2 => "==",
        3 => "=",
        _ => "",
    }
}

/// Reads DER without judging validity dates.
pub fn from_der(der: &[u8]) -> Result<Certificate, CertificateError> {
    if declared_length(der).is_some_and(|wanted| wanted > der.len()) {
        return Err(CertificateError::Truncated(
            "fewer bytes than the certificate declares",
        ));
    }
    let (rest, parsed) = X509Certificate::from_der(der)
        .map_err(|_| CertificateError::NotACertificate("the data is not an X.509 certificate"))?;
    if !rest.is_empty() {
        return Err(CertificateError::NotACertificate(
            "there is more than one certificate or extra data after it",
        ));
    }
    if !matches!(parsed.public_key().parsed(), Ok(PublicKey::RSA(_))) {
        return Err(CertificateError::NotRsa);
    }
    let time = |t: i64| {
        DateTime::from_timestamp(t, 0).map(|d| d.naive_utc()).ok_or(
            CertificateError::NotACertificate("its validity dates are out of range"),
        )
    };
    Ok(Certificate {
        der: der.to_vec(),
        subject: parsed.subject().to_string(),
        sha1_thumbprint: thumbprint(MessageDigest::sha1(), der),
        sha256_thumbprint: thumbprint(MessageDigest::sha256(), der),
        not_before: time(parsed.validity().not_before.timestamp())?,
        not_after: time(parsed.validity().not_after.timestamp())?,
    })
}

/// Total length an outer DER SEQUENCE declares (header included), if the header is readable.
fn declared_length(der: &[u8]) -> Option<usize> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 || rest.len() < count {
        return None;
    }
    let length = rest[..count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some(2 + count + length)
}

fn thumbprint(digest: MessageDigest, der: &[u8]) -> String {
    match hash(digest, der) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02X}")).collect(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = include_str!("../../certs/test/idp-cert.pem");
    const KEY: &str = include_str!("../../certs/test/idp-key.pem");

    fn bare(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    #[test]
    fn reads_pem_and_bare_base64_alike() {
        let from_pem = parse(CERT).expect("pem");
        let from_bare = parse(&bare(CERT)).expect("bare base64");
        assert_eq!(from_pem, from_bare);
        assert_eq!(from_pem.subject, "CN=Gatehouse test IdP (idp)");
        assert_eq!(from_pem.sha1_thumbprint.len(), 40);
        assert_eq!(from_pem.sha256_thumbprint.len(), 64);
        assert!(
            from_pem
                .sha1_thumbprint
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
    }

    #[test]
    fn tells_what_is_wrong_with_a_paste() {
        assert_eq!(parse("  "), Err(CertificateError::Empty));
        assert_eq!(parse(KEY), Err(CertificateError::PrivateKey));
        assert_eq!(parse(&bare(KEY)), Err(CertificateError::PrivateKey));
        assert!(matches!(
            parse("hello, this is not it!"),
            Err(CertificateError::NotACertificate(_))
        ));
        assert!(matches!(
            parse("aGVsbG8gd29ybGQ="),
            Err(CertificateError::NotACertificate(_))
        ));
        let body = bare(CERT);
        assert!(matches!(
            parse(&body[..body.len() / 2]),
            Err(CertificateError::Truncated(_))
        ));
        let cut_pem: String = CERT.lines().take(8).collect::<Vec<_>>().join("\n");
        assert!(matches!(
            parse(&cut_pem),
            Err(CertificateError::Truncated(_))
        ));
    }
}
