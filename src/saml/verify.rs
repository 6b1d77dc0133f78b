//! Signature and condition checks: samael (xmlsec) against the account's trusted certificates
//! only, then what samael does not require (GUIDE section 2), and a precise reason on failure.

use chrono::{Duration, Utc};
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider};
use samael::key_info::{KeyInfo, X509Data};
use samael::metadata::{EntityDescriptor, IdpSsoDescriptor, KeyDescriptor};
use samael::schema::Assertion;
use samael::service_provider::{Error as SamlError, ServiceProviderBuilder};

use super::failure::Failure;
use super::guards::Shape;
use super::sp::SpUrls;

/// What the account trusts, ready for verification.
pub struct Trust {
    pub idp_entity_id: String,
    /// DER of every certificate valid now.
    pub valid: Vec<Vec<u8>>,
    /// DER and SHA-1 thumbprint of trusted certificates that have expired, to name that case.
    pub expired: Vec<(Vec<u8>, String)>,
    pub skew: Duration,
}

/// Verifies the response and returns the signed assertion, with its conditions checked.
pub fn verify(xml: &str, shape: &Shape, sp: &SpUrls, trust: &Trust) -> Result<Assertion, Failure> {
    if trust.valid.is_empty() {
        return match trust.expired.first() {
            Some((_, sha1)) => Err(Failure::CertificateExpired(sha1.clone())),
            None => Err(Failure::NotConfigured),
        };
    }
    if let Some(destination) = &shape.destination
        && destination != &sp.acs_url
    {
        return Err(Failure::WrongDestination(destination.clone()));
    }
    let provider = ServiceProviderBuilder::default()
        .entity_id(Some(sp.entity_id.clone()))
        .acs_url(Some(sp.acs_url.clone()))
        .idp_metadata(idp_metadata(trust))
        // InResponseTo is ours to check (one-time, per account, also when IdP-initiated is on).
        .allow_idp_initiated(true)
        .max_clock_skew(trust.skew)
        .max_issue_delay(max_issue_delay(trust))
        .allowed_signature_algorithms(Some(vec![AllowedSignatureAlgorithm::RsaSha256]))
        .build()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let assertion = provider
        .parse_xml_response(xml, None)
        .map_err(|error| explain(error, xml, trust))?;
    if assertion.id != shape.assertion_id {
        return Err(Failure::SignedAssertionMismatch);
    }
    let audiences: Vec<&String> = assertion
        .conditions
        .iter()
        .flat_map(|c| c.audience_restrictions.iter().flatten())
        .flat_map(|r| r.audience.iter())
        .collect();
    if audiences.is_empty() {
        return Err(Failure::AudienceMissing);
    }
    if !audiences.contains(&&sp.entity_id) {
        return Err(Failure::WrongAudience(audiences[0].clone()));
    }
    if let Some(issued) = future_issue(&assertion, trust.skew) {
        return Err(Failure::NotYetValid(issued));
    }
    Ok(assertion)
}

/// How long after its IssueInstant a response is still taken (beyond the clock skew).
pub fn max_issue_delay(trust: &Trust) -> Duration {
    trust.skew + Duration::seconds(120)
}

/// The bearer confirmation's InResponseTo, from the signed assertion.
pub fn in_response_to(assertion: &Assertion) -> Option<String> {
    assertion
        .subject
        .iter()
        .flat_map(|s| s.subject_confirmations.iter().flatten())
        .filter_map(|c| c.subject_confirmation_data.as_ref())
        .find_map(|d| d.in_response_to.clone())
}

/// When the assertion stops being usable (for the replay cache): its NotOnOrAfter.
pub fn not_on_or_after(assertion: &Assertion) -> Option<chrono::DateTime<Utc>> {
    let confirmation = assertion
        .subject
        .iter()
        .flat_map(|s| s.subject_confirmations.iter().flatten())
        .filter_map(|c| c.subject_confirmation_data.as_ref())
        .filter_map(|d| d.not_on_or_after)
        .max();
    let conditions = assertion
        .conditions
        .as_ref()
        .and_then(|c| c.not_on_or_after);
    confirmation.max(conditions)
}

/// samael does not look at an IssueInstant in the future.
fn future_issue(assertion: &Assertion, skew: Duration) -> Option<String> {
    (assertion.issue_instant > Utc::now() + skew).then(|| assertion.issue_instant.to_rfc3339())
}

fn idp_metadata(trust: &Trust) -> EntityDescriptor {
    use base64::Engine;
    let encode = |der: &Vec<u8>| base64::engine::general_purpose::STANDARD.encode(der);
    EntityDescriptor {
        entity_id: Some(trust.idp_entity_id.clone()),
        idp_sso_descriptors: Some(vec![IdpSsoDescriptor {
            protocol_support_enumeration: Some("urn:oasis:names:tc:SAML:2.0:protocol".into()),
            key_descriptors: trust
                .valid
                .iter()
                .map(|der| KeyDescriptor {
                    key_use: Some("signing".into()),
                    key_info: KeyInfo {
                        id: None,
                        x509_data: Some(X509Data {
                            certificates: vec![encode(der)],
                        }),
                    },
                    encryption_methods: None,
                })
                .collect(),
            id: None,
            valid_until: None,
            cache_duration: None,
            error_url: None,
            signature: None,
            organization: None,
            contact_people: Vec::new(),
            artifact_resolution_service: Vec::new(),
            single_logout_services: Vec::new(),
            manage_name_id_services: Vec::new(),
            name_id_formats: Vec::new(),
            want_authn_requests_signed: None,
            single_sign_on_services: Vec::new(),
            name_id_mapping_services: Vec::new(),
            assertion_id_request_services: Vec::new(),
            attribute_profiles: Vec::new(),
            attributes: Vec::new(),
        }]),
        ..EntityDescriptor::default()
    }
}

/// Turns samael's error into our reason. For a failed signature, finds out whether an expired
/// trusted certificate or the certificate the IdP embedded (never trusted for that) would verify
/// it: the usual story is a certificate renewed in Entra and not yet pasted here.
fn explain(error: SamlError, xml: &str, trust: &Trust) -> Failure {
    match error {
        SamlError::FailedToValidateSignature => {
            let verifies = |der: &[u8]| {
                Crypto::verify_signed_xml(xml, &CertificateDer::from(der.to_vec()), Some("ID"))
                    .is_ok()
            };
            if let Some((_, sha1)) = trust.expired.iter().find(|(der, _)| verifies(der)) {
                return Failure::CertificateExpired(sha1.clone());
            }
            match embedded_certificate(xml) {
                Some(cert) if verifies(&cert.der) => {
                    Failure::UnknownCertificate(cert.sha1_thumbprint)
                }
                _ => Failure::InvalidSignature,
            }
        }
        SamlError::AssertionExpired { time }
        | SamlError::AssertionConditionExpired { time }
        | SamlError::AssertionSubjectConfirmationExpired { time }
        | SamlError::ResponseExpired { time } => Failure::Expired(format!("valid until {time}")),
        SamlError::AssertionConditionExpiredBefore { time }
        | SamlError::AssertionSubjectConfirmationExpiredBefore { time } => {
            Failure::NotYetValid(format!("valid from {time}"))
        }
        SamlError::AssertionIssuerMismatch { issuer, entity_id }
        | SamlError::ResponseIssuerMismatch { issuer, entity_id } => Failure::WrongIssuer {
            got: issuer.unwrap_or_default(),
            expected: entity_id.unwrap_or_default(),
        },
        SamlError::AssertionConditionAudienceRestrictionFailed { requirement } => {
            Failure::WrongAudience(format!("(not {requirement})"))
        }
        SamlError::AssertionRecipientMismatch {
            assertion_recipient,
            ..
        } => Failure::WrongRecipient(assertion_recipient.unwrap_or_default()),
        SamlError::DestinationValidationError {
            response_destination,
            ..
        } => Failure::WrongDestination(response_destination.unwrap_or_default()),
        SamlError::ResponseBadStatusCode { code } => Failure::StatusNotSuccess {
            code,
            message: String::new(),
        },
        SamlError::AssertionBearerSubjectConfirmationMissing
        | SamlError::AssertionSubjectConfirmationMissing => {
            Failure::WrongRecipient("(no bearer subject confirmation)".into())
        }
        other => Failure::Malformed(other.to_string()),
    }
}

/// The first X509Certificate in a KeyInfo of the document, if it parses.
fn embedded_certificate(xml: &str) -> Option<crate::idp::Certificate> {
    let document = roxmltree::Document::parse(xml).ok()?;
    let text = document
        .descendants()
        .find(|n| n.has_tag_name((super::guards::DS, "X509Certificate")))?
        .text()?;
    crate::idp::certificates::from_text(text).ok()
}
