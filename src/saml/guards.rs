//! Checks on the raw response before any signature work, closing what samael leaves open
//! (GUIDE section 2): no DOCTYPE or entities, no comments (NameID comment injection), exactly one
//! assertion where it belongs, unique IDs, and signatures shaped the way Entra makes them
//! (enveloped, exclusive c14n, RSA-SHA256, one reference to their own parent).

use roxmltree::{Document, Node, ParsingOptions};

use super::failure::Failure;

pub const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// What the unverified document says about itself; trusted only where a signature later covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub in_response_to: Option<String>,
    pub destination: Option<String>,
    pub assertion_id: String,
    pub issuer: Option<String>,
    pub response_signed: bool,
    pub assertion_signed: bool,
    /// The Response's IssueInstant as written (unsigned until samael says otherwise).
    pub issued: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn inspect(xml: &str) -> Result<Shape, Failure> {
    declared_utf8(xml)?;
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err(Failure::Doctype);
    }
    if xml.contains("<!--") {
        return Err(Failure::Comment);
    }
    let body = xml.trim_start_matches('\u{feff}').trim_start();
    let body = match body.strip_prefix("<?xml ") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, after)| after),
        None => body,
    };
    if body.contains("<?") {
        return Err(Failure::ProcessingInstruction);
    }
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let document = Document::parse_with_options(xml, options)
        .map_err(|e| Failure::Malformed(e.to_string()))?;
    let response = document.root_element();
    if !response.has_tag_name((SAMLP, "Response")) {
        return Err(Failure::NotAResponse);
    }
    // Entra's refusals (user not assigned...) carry no assertion: report them as such.
    status_success(response)?;
    check_unique_ids(&document)?;
    if response
        .descendants()
        .any(|n| n.has_tag_name((SAML, "EncryptedAssertion")))
    {
        return Err(Failure::EncryptedAssertion);
    }
    let assertions: Vec<Node> = response
        .descendants()
        .filter(|n| n.has_tag_name((SAML, "Assertion")))
        .collect();
    let assertion = match assertions.as_slice() {
        [] => return Err(Failure::NoAssertion),
        [one] => *one,
        many => return Err(Failure::MultipleAssertions(many.len())),
    };
    if assertion.parent_element() != Some(response) {
        return Err(Failure::AssertionMisplaced);
    }
    let mut response_signed = false;
    let mut assertion_signed = false;
    for signature in response
        .descendants()
        .filter(|n| n.has_tag_name((DS, "Signature")))
    {
        let parent = signature
            .parent_element()
            .ok_or(Failure::SignatureShape("no parent".into()))?;
        if parent == response && !response_signed {
            response_signed = true;
        } else if parent == assertion && !assertion_signed {
            assertion_signed = true;
        } else {
            return Err(Failure::SignatureShape(
                "a signature outside the Response or Assertion, or two on one element".into(),
            ));
        }
        check_signature(signature, parent)?;
    }
    if !response_signed && !assertion_signed {
        return Err(Failure::Unsigned);
    }
    Ok(Shape {
        in_response_to: response.attribute("InResponseTo").map(str::to_owned),
        destination: response.attribute("Destination").map(str::to_owned),
        assertion_id: assertion.attribute("ID").unwrap_or_default().to_owned(),
        issuer: child(response, SAML, "Issuer")
            .and_then(|n| n.text())
            .map(|t| t.trim().to_owned()),
        response_signed,
        assertion_signed,
        issued: response
            .attribute("IssueInstant")
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
    })
}

/// roxmltree reads every document as UTF-8 while libxml2 (inside samael) honours a declared
/// encoding, so anything else would let the two parsers see different documents. A NUL can only
/// come from UTF-16 or UCS-4 text that happens to be valid UTF-8, which libxml2 would sniff.
fn declared_utf8(xml: &str) -> Result<(), Failure> {
    if xml.contains('\0') {
        return Err(Failure::Encoding(
            "a NUL character (UTF-16 or UCS-4 text)".into(),
        ));
    }
    let body = xml.trim_start_matches('\u{feff}');
    let Some(rest) = body.strip_prefix("<?xml") else {
        return Ok(());
    };
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return Ok(());
    }
    let Some((declaration, _)) = rest.split_once("?>") else {
        return Err(Failure::Malformed(
            "the XML declaration is not closed".into(),
        ));
    };
    let Some(at) = declaration.find("encoding") else {
        return Ok(());
    };
    let value = declaration[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')
        .map(str::trim_start)
        .and_then(|v| {
            let quote = v.chars().next().filter(|q| *q == '"' || *q == '\'')?;
            v[1..].split_once(quote).map(|(inner, _)| inner)
        })
        .ok_or_else(|| Failure::Encoding("an unreadable encoding declaration".into()))?;
    match value.eq_ignore_ascii_case("UTF-8") {
        true => Ok(()),
        false => Err(Failure::Encoding(value.chars().take(40).collect())),
    }
}

/// Duplicate IDs let a signature's reference resolve to a different element than the one read.
fn check_unique_ids(document: &Document) -> Result<(), Failure> {
    let mut seen = std::collections::HashSet::new();
    for node in document.descendants().filter(Node::is_element) {
        if let Some(id) = node.attribute("ID")
            && !seen.insert(id)
        {
            return Err(Failure::DuplicateId(id.to_owned()));
        }
    }
    Ok(())
}

fn check_signature(signature: Node, parent: Node) -> Result<(), Failure> {
    let shape = |m: &str| Failure::SignatureShape(m.to_owned());
    let signed_info = child(signature, DS, "SignedInfo").ok_or_else(|| shape("no SignedInfo"))?;
    let c14n =
        child(signed_info, DS, "CanonicalizationMethod").and_then(|n| n.attribute("Algorithm"));
    if c14n != Some(EXC_C14N) {
        return Err(Failure::WeakAlgorithm(format!(
            "canonicalization {}",
            c14n.unwrap_or("(none)")
        )));
    }
    let method = child(signed_info, DS, "SignatureMethod").and_then(|n| n.attribute("Algorithm"));
    if method != Some(RSA_SHA256) {
        return Err(Failure::WeakAlgorithm(format!(
            "signature {}",
            method.unwrap_or("(none)")
        )));
    }
    let references: Vec<Node> = signed_info
        .children()
        .filter(|n| n.has_tag_name((DS, "Reference")))
        .collect();
    let [reference] = references.as_slice() else {
        return Err(shape("a signature must have exactly one reference"));
    };
    let target = parent.attribute("ID").unwrap_or_default();
    if target.is_empty() || reference.attribute("URI") != Some(&format!("#{target}")) {
        return Err(shape(
            "the signature does not reference the element that holds it",
        ));
    }
    if let Some(transforms) = child(*reference, DS, "Transforms") {
        for transform in transforms.children().filter(Node::is_element) {
            let algorithm = transform.attribute("Algorithm").unwrap_or_default();
            if !transform.has_tag_name((DS, "Transform"))
                || (algorithm != ENVELOPED && algorithm != EXC_C14N)
            {
                return Err(shape(&format!("transform {algorithm:?} is not accepted")));
            }
        }
    }
    let digest = child(*reference, DS, "DigestMethod").and_then(|n| n.attribute("Algorithm"));
    if digest != Some(SHA256) {
        return Err(Failure::WeakAlgorithm(format!(
            "digest {}",
            digest.unwrap_or("(none)")
        )));
    }
    Ok(())
}

/// Entra reports refusals (user not assigned, for example) as a non-Success status.
fn status_success(response: Node) -> Result<(), Failure> {
    let status = child(response, SAMLP, "Status");
    let code = status
        .and_then(|s| child(s, SAMLP, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        .unwrap_or_default();
    if code == SUCCESS {
        return Ok(());
    }
    let sub_code = status
        .and_then(|s| child(s, SAMLP, "StatusCode"))
        .and_then(|c| child(c, SAMLP, "StatusCode"))
        .and_then(|c| c.attribute("Value"));
    let message = status
        .and_then(|s| child(s, SAMLP, "StatusMessage"))
        .and_then(|m| m.text())
        .unwrap_or_default();
    Err(Failure::StatusNotSuccess {
        code: [Some(code), sub_code]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
        message: message.chars().take(300).collect(),
    })
}

fn child<'a, 'i>(node: Node<'a, 'i>, namespace: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name((namespace, name)))
}
