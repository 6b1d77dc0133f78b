//! Entra ID's federation metadata XML: the IdP's entity id, its sign-on URL and every signing
//! certificate it lists (during a rollover there are two).

use super::certificates::{self, Certificate, CertificateError};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[derive(Debug, Clone)]
pub struct FederationMetadata {
    pub entity_id: String,
    pub sso_url: String,
    /// Signing certificates still valid, in the order listed.
    pub certificates: Vec<Certificate>,
    /// Listed certificates left out because they have expired (their SHA-1 thumbprints).
    pub expired: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("the file is not readable XML: {0}")]
    Xml(String),
    #[error("the file is not SAML federation metadata: {0}")]
    NotMetadata(&'static str),
    #[error("a signing certificate in the metadata is unusable: {0}")]
    Certificate(#[from] CertificateError),
    #[error(
        "every signing certificate in the metadata has expired: download fresh metadata from Entra ID"
    )]
    AllExpired,
}

pub fn parse(xml: &str) -> Result<FederationMetadata, MetadataError> {
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err(MetadataError::NotMetadata(
            "it declares a DOCTYPE, which metadata never needs",
        ));
    }
    let document =
        roxmltree::Document::parse(xml).map_err(|e| MetadataError::Xml(e.to_string()))?;
    let root = document.root_element();
    if !root.has_tag_name((MD, "EntityDescriptor")) {
        return Err(MetadataError::NotMetadata(
            "the root element is not md:EntityDescriptor",
        ));
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|v| !v.trim().is_empty())
        .ok_or(MetadataError::NotMetadata("entityID is missing"))?
        .to_owned();
    let idp = root
        .children()
        .find(|n| n.has_tag_name((MD, "IDPSSODescriptor")))
        .ok_or(MetadataError::NotMetadata("there is no IDPSSODescriptor"))?;
    let sso_url = idp
        .children()
        .filter(|n| n.has_tag_name((MD, "SingleSignOnService")))
        .find(|n| n.attribute("Binding") == Some(REDIRECT))
        .and_then(|n| n.attribute("Location"))
        .ok_or(MetadataError::NotMetadata(
            "there is no HTTP-Redirect SingleSignOnService",
        ))?
        .to_owned();
    let mut found: Vec<Certificate> = Vec::new();
    for key in idp
        .children()
        .filter(|n| n.has_tag_name((MD, "KeyDescriptor")))
    {
        if key.attribute("use").is_some_and(|u| u != "signing") {
            continue;
        }
        for cert in key
            .descendants()
            .filter(|n| n.has_tag_name((DS, "X509Certificate")))
        {
            let parsed = certificates::from_text(cert.text().unwrap_or_default())?;
            if !found
                .iter()
                .any(|c| c.sha256_thumbprint == parsed.sha256_thumbprint)
            {
                found.push(parsed);
            }
        }
    }
    if found.is_empty() {
        return Err(MetadataError::NotMetadata(
            "it lists no signing certificate",
        ));
    }
    let now = chrono::Utc::now().naive_utc();
    let (valid, expired): (Vec<_>, Vec<_>) = found.into_iter().partition(|c| c.not_after > now);
    if valid.is_empty() {
        return Err(MetadataError::AllExpired);
    }
    Ok(FederationMetadata {
        entity_id,
        sso_url,
        certificates: valid,
        expired: expired.into_iter().map(|c| c.sha1_thumbprint).collect(),
    })
}
