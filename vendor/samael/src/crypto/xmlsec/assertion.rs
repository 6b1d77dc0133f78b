//! The verified assertion read straight from the reduced libxml2 tree (Gatehouse patch 7),
//! instead of writing the tree out and parsing the text again with quick-xml's serde
//! deserializer (together about a tenth of a sign-in's instructions).
//!
//! This reader takes only what it can read exactly as quick-xml does: unprefixed elements in the
//! SAML assertion namespace, each where the schema types expect it, no attribute they do not
//! name, text values that are one or more text nodes with no surrounding whitespace, and
//! repeated elements next to each other. Anything else (a prefix, a comment, CDATA, an unknown
//! element or attribute, pretty-printing whitespace, an empty value, a value that does not parse)
//! makes it answer `None`, and the caller goes the old way, so such documents get exactly the
//! result (or the error) they got before. `tests::reads_as_quick_xml_does` holds the two ways
//! side by side.

use super::raw::{self, NodePtr};
use crate::attribute::{Attribute, AttributeValue};
use crate::schema::{
    Assertion, AttributeStatement, AudienceRestriction, AuthnContext, AuthnContextClassRef,
    AuthnStatement, Conditions, Issuer, OneTimeUse, Subject, SubjectConfirmation,
    SubjectConfirmationData, SubjectLocality, SubjectNameID,
};
use chrono::{DateTime, Utc};
use libxml::tree::NodeType;

const SAML_ASSERTION_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:assertion";

/// The assertion rooted at `root`, or `None` when it is not in the shape this reader takes.
pub(super) fn read(root: NodePtr) -> Option<Assertion> {
    let element = Element::of(root)?;
    if element.name() != b"Assertion" {
        return None;
    }
    let [id, issue_instant, version] = element.attributes([b"ID", b"IssueInstant", b"Version"])?;
    let mut assertion = Assertion {
        id: id?,
        issue_instant: instant(issue_instant)??,
        version: version?,
        issuer: Issuer {
            name_qualifier: None,
            sp_name_qualifier: None,
            format: None,
            sp_provided_id: None,
            value: None,
        },
        signature: None,
        subject: None,
        conditions: None,
        authn_statements: None,
        attribute_statements: None,
    };
    let mut issuer = None;
    for (name, child) in element.children()? {
        match name {
            b"Issuer" => once(&mut issuer, read_issuer(child)?)?,
            b"Subject" => once(&mut assertion.subject, read_subject(child)?)?,
            b"Conditions" => once(&mut assertion.conditions, read_conditions(child)?)?,
            b"AuthnStatement" => assertion
                .authn_statements
                .get_or_insert_with(Vec::new)
                .push(read_authn_statement(child)?),
            b"AttributeStatement" => assertion
                .attribute_statements
                .get_or_insert_with(Vec::new)
                .push(read_attribute_statement(child)?),
            _ => return None,
        }
    }
    assertion.issuer = issuer?;
    Some(assertion)
}

fn read_issuer(element: Element) -> Option<Issuer> {
    let [name_qualifier, sp_name_qualifier, format, sp_provided_id] = element.attributes([
        b"NameQualifier",
        b"SPNameQualifier",
        b"Format",
        b"SPProvidedID",
    ])?;
    Some(Issuer {
        name_qualifier,
        sp_name_qualifier,
        format,
        sp_provided_id,
        value: Some(element.text()?),
    })
}

fn read_subject(element: Element) -> Option<Subject> {
    element.attributes([])?;
    let mut subject = Subject {
        name_id: None,
        subject_confirmations: None,
    };
    for (name, child) in element.children()? {
        match name {
            b"NameID" => once(&mut subject.name_id, read_name_id(child)?)?,
            b"SubjectConfirmation" => subject
                .subject_confirmations
                .get_or_insert_with(Vec::new)
                .push(read_subject_confirmation(child)?),
            _ => return None,
        }
    }
    Some(subject)
}

fn read_name_id(element: Element) -> Option<SubjectNameID> {
    let [format] = element.attributes([b"Format"])?;
    Some(SubjectNameID {
        format,
        value: element.text()?,
    })
}

fn read_subject_confirmation(element: Element) -> Option<SubjectConfirmation> {
    let [method] = element.attributes([b"Method"])?;
    let mut confirmation = SubjectConfirmation {
        method,
        name_id: None,
        subject_confirmation_data: None,
    };
    for (name, child) in element.children()? {
        match name {
            b"NameID" => once(&mut confirmation.name_id, read_name_id(child)?)?,
            b"SubjectConfirmationData" => once(
                &mut confirmation.subject_confirmation_data,
                read_subject_confirmation_data(child)?,
            )?,
            _ => return None,
        }
    }
    Some(confirmation)
}

fn read_subject_confirmation_data(element: Element) -> Option<SubjectConfirmationData> {
    let [not_before, not_on_or_after, recipient, in_response_to, address] =
        element.attributes([
            b"NotBefore",
            b"NotOnOrAfter",
            b"Recipient",
            b"InResponseTo",
            b"Address",
        ])?;
    element.empty()?;
    Some(SubjectConfirmationData {
        not_before: instant(not_before)?,
        not_on_or_after: instant(not_on_or_after)?,
        recipient,
        in_response_to,
        address,
        content: None,
    })
}

fn read_conditions(element: Element) -> Option<Conditions> {
    let [not_before, not_on_or_after] = element.attributes([b"NotBefore", b"NotOnOrAfter"])?;
    let mut conditions = Conditions {
        not_before: instant(not_before)?,
        not_on_or_after: instant(not_on_or_after)?,
        audience_restrictions: None,
        one_time_use: None,
        proxy_restriction: None,
    };
    for (name, child) in element.children()? {
        match name {
            b"AudienceRestriction" => conditions
                .audience_restrictions
                .get_or_insert_with(Vec::new)
                .push(read_audience_restriction(child)?),
            b"OneTimeUse" => {
                child.attributes([])?;
                child.empty()?;
                once(&mut conditions.one_time_use, OneTimeUse {})?;
            }
            _ => return None,
        }
    }
    Some(conditions)
}

fn read_audience_restriction(element: Element) -> Option<AudienceRestriction> {
    element.attributes([])?;
    let mut audience = Vec::new();
    for (name, child) in element.children()? {
        match name {
            b"Audience" => {
                child.attributes([])?;
                audience.push(child.text()?);
            }
            _ => return None,
        }
    }
    (!audience.is_empty()).then_some(AudienceRestriction { audience })
}

fn read_authn_statement(element: Element) -> Option<AuthnStatement> {
    let [authn_instant, session_index, session_not_on_or_after] =
        element.attributes([b"AuthnInstant", b"SessionIndex", b"SessionNotOnOrAfter"])?;
    let mut statement = AuthnStatement {
        authn_instant: instant(authn_instant)?,
        session_index,
        session_not_on_or_after: instant(session_not_on_or_after)?,
        subject_locality: None,
        authn_context: None,
    };
    for (name, child) in element.children()? {
        match name {
            b"SubjectLocality" => {
                let [address, dns_name] = child.attributes([b"Address", b"DNSName"])?;
                child.empty()?;
                once(
                    &mut statement.subject_locality,
                    SubjectLocality { address, dns_name },
                )?;
            }
            b"AuthnContext" => once(&mut statement.authn_context, read_authn_context(child)?)?,
            _ => return None,
        }
    }
    Some(statement)
}

fn read_authn_context(element: Element) -> Option<AuthnContext> {
    element.attributes([])?;
    let mut context = AuthnContext { value: None };
    for (name, child) in element.children()? {
        match name {
            b"AuthnContextClassRef" => {
                child.attributes([])?;
                let value = Some(child.text()?);
                once(&mut context.value, AuthnContextClassRef { value })?;
            }
            _ => return None,
        }
    }
    Some(context)
}

fn read_attribute_statement(element: Element) -> Option<AttributeStatement> {
    element.attributes([])?;
    let mut attributes = Vec::new();
    for (name, child) in element.children()? {
        match name {
            b"Attribute" => attributes.push(read_attribute(child)?),
            _ => return None,
        }
    }
    Some(AttributeStatement { attributes })
}

fn read_attribute(element: Element) -> Option<Attribute> {
    let [friendly_name, name, name_format] =
        element.attributes([b"FriendlyName", b"Name", b"NameFormat"])?;
    let mut values = Vec::new();
    for (child_name, child) in element.children()? {
        match child_name {
            b"AttributeValue" => {
                child.attributes([])?;
                values.push(AttributeValue {
                    attribute_type: None,
                    value: Some(child.text()?),
                });
            }
            _ => return None,
        }
    }
    Some(Attribute {
        friendly_name,
        name,
        name_format,
        values,
    })
}

/// Sets a field that may appear once; a second one is quick-xml's "duplicate field" error.
fn once<T>(field: &mut Option<T>, value: T) -> Option<()> {
    field.replace(value).is_none().then_some(())
}

/// An optional date-time attribute as chrono's serde reads it: `Some(None)` when absent, `None`
/// when it does not parse.
fn instant(value: Option<String>) -> Option<Option<DateTime<Utc>>> {
    match value {
        None => Some(None),
        Some(text) => text.parse::<DateTime<Utc>>().ok().map(Some),
    }
}

/// An unprefixed element in the SAML assertion namespace.
#[derive(Clone, Copy)]
struct Element(NodePtr);

impl Element {
    fn of(node: NodePtr) -> Option<Element> {
        let plain = raw::is_element(node)
            && raw::namespace_href(node) == Some(SAML_ASSERTION_NS)
            && raw::namespace_prefix(node).is_none();
        plain.then_some(Element(node))
    }

    fn name(&self) -> &[u8] {
        raw::name(self.0)
    }

    /// The values of the named attributes, in the order asked; `None` if the element has any
    /// other attribute (a namespaced one among them) or a value that is not plain text.
    fn attributes<const N: usize>(&self, names: [&[u8]; N]) -> Option<[Option<String>; N]> {
        let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
        for attribute in raw::attributes(self.0) {
            if raw::attribute_namespace(attribute).is_some() {
                return None;
            }
            let local_name = raw::attribute_local_name(attribute);
            let at = names.iter().position(|name| *name == local_name)?;
            let value = std::str::from_utf8(raw::single_text_value(attribute)?).ok()?;
            values[at] = Some(value.to_owned());
        }
        Some(values)
    }

    /// The child elements with their names, when there is nothing else (no text, not even
    /// whitespace) and every repeated element follows its previous one directly.
    fn children(&self) -> Option<Vec<(&[u8], Element)>> {
        let mut children: Vec<(&[u8], Element)> = Vec::new();
        for node in raw::children(self.0) {
            let child = Element::of(node)?;
            let name = raw::name(node);
            let follows_its_like = children.last().is_some_and(|(last, _)| *last == name);
            if !follows_its_like && children.iter().any(|(seen, _)| *seen == name) {
                return None;
            }
            children.push((name, child));
        }
        Some(children)
    }

    /// The element's text: only text nodes, not empty and without surrounding whitespace.
    fn text(&self) -> Option<String> {
        let mut text = Vec::new();
        for node in raw::children(self.0) {
            if raw::node_type(node) != Some(NodeType::TextNode) {
                return None;
            }
            text.extend_from_slice(raw::own_content(node));
        }
        let plain = text.first().is_some_and(|b| !b.is_ascii_whitespace())
            && text.last().is_some_and(|b| !b.is_ascii_whitespace());
        plain.then(|| String::from_utf8(text).ok()).flatten()
    }

    /// Whether the element has no children at all.
    fn empty(&self) -> Option<()> {
        raw::children(self.0).next().is_none().then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libxml::parser::Parser;

    const ENTRA: &str = r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_4a28c6ed" IssueInstant="2026-12-04T01:41:27.650Z" Version="2.0"><Issuer>https://sts.windows.net/7f3c1a52/</Issuer><Subject><NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">ann@acme.com</NameID><SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><SubjectConfirmationData NotOnOrAfter="2026-12-04T02:51:27.650Z" Recipient="http://127.0.0.1:18411/saml/acme/acs"/></SubjectConfirmation></Subject><Conditions NotBefore="2026-12-04T01:36:27.650Z" NotOnOrAfter="2026-12-04T02:51:27.650Z"><AudienceRestriction><Audience>http://127.0.0.1:18411/saml/acme</Audience></AudienceRestriction></Conditions><AttributeStatement><Attribute Name="http://schemas.microsoft.com/identity/claims/tenantid"><AttributeValue>7f3c1a52-0b8e-4d7a-9f41-2c6d8e9a1b03</AttributeValue></Attribute><Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"><AttributeValue>ann@acme.com</AttributeValue></Attribute></AttributeStatement><AuthnStatement AuthnInstant="2026-12-04T01:41:27.650Z" SessionIndex="_4a28c6ed"><AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef></AuthnContext></AuthnStatement></Assertion>"#;

    /// Both ways of getting the assertion of a reduced document: this reader, and the text the
    /// tree writes out parsed by quick-xml (what `parse_xml_response` did before).
    fn both_ways(xml: &str) -> (Option<Assertion>, Option<Assertion>) {
        let document = Parser::default().parse_string(xml).expect("well-formed");
        let root = document.get_root_element().expect("root");
        let read = read(root.node_ptr());
        (read, document.to_string().parse::<Assertion>().ok())
    }

    fn variant(from: &str, to: &str) -> String {
        assert!(ENTRA.contains(from), "{from}");
        ENTRA.replacen(from, to, 1)
    }

    #[test]
    fn reads_as_quick_xml_does() {
        let name_id = "<NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">ann@acme.com</NameID>";
        let statement = "<AttributeStatement>";
        let value = "<AttributeValue>ann@acme.com</AttributeValue>";
        let audience = "<Audience>http://127.0.0.1:18411/saml/acme</Audience>";
        let data = "<SubjectConfirmationData NotOnOrAfter=\"2026-12-04T02:51:27.650Z\" Recipient=";
        let context = "<AuthnContext>";
        // Read here, and equal to what quick-xml makes of the written-out text.
        let read_here = [
            ENTRA.to_string(),
            variant(name_id, "<NameID>Ann &amp; Bob &lt;x&gt; &#233;t&#xe9; \u{e9}</NameID>"),
            variant(value, "<AttributeValue>a&amp;b</AttributeValue><AttributeValue>second</AttributeValue><AttributeValue>third one</AttributeValue>"),
            variant("Name=\"http://schemas.microsoft.com/identity/claims/tenantid\"", "Name=\"a&amp;b&quot;c\" FriendlyName=\"tenant\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\""),
            variant(audience, "<Audience>first</Audience><Audience>second</Audience></AudienceRestriction><AudienceRestriction><Audience>third</Audience>"),
            variant("</AudienceRestriction></Conditions>", "</AudienceRestriction><OneTimeUse/></Conditions>"),
            variant(data, "<SubjectConfirmationData InResponseTo=\"_req1\" NotBefore=\"2026-12-04T01:00:00+01:00\" Address=\"10.0.0.1\" NotOnOrAfter=\"2026-12-04T02:51:27Z\" Recipient="),
            variant(context, "<SubjectLocality Address=\"10.0.0.2\" DNSName=\"host\"/><AuthnContext>"),
            variant("SessionIndex=\"_4a28c6ed\"", "SessionIndex=\"_4a28c6ed\" SessionNotOnOrAfter=\"2026-12-04T09:00:00.123456Z\""),
            variant("</Subject>", "<SubjectConfirmation/></Subject>"),
            variant("</AuthnStatement>", "</AuthnStatement><AuthnStatement/>"),
            variant(statement, "<AttributeStatement/><AttributeStatement>"),
            variant("Recipient=\"http://127.0.0.1:18411/saml/acme/acs\"/>", "Recipient=\"http://127.0.0.1:18411/saml/acme/acs\"></SubjectConfirmationData>"),
            variant("</AudienceRestriction></Conditions>", "</AudienceRestriction><OneTimeUse></OneTimeUse></Conditions>"),
        ];
        for xml in &read_here {
            let (read, parsed) = both_ways(xml);
            assert!(read.is_some(), "read here: {xml}");
            assert_eq!(read, parsed, "{xml}");
        }
        // Left to quick-xml (or refused by it): whatever quick-xml makes of them stays as it was.
        let left = [
            ENTRA.replace("<", "<saml:").replace("<saml:/", "</saml:").replace("xmlns=", "xmlns:saml="),
            variant("><Subject>", ">\n  <Subject>"),
            variant(name_id, "<NameID> ann@acme.com</NameID>"),
            variant(name_id, "<NameID>ann@acme.com<!-- a comment -->.evil.example</NameID>"),
            variant(name_id, "<NameID><![CDATA[ann@acme.com]]></NameID>"),
            variant(name_id, "<NameID NameQualifier=\"x\">ann@acme.com</NameID>"),
            variant(name_id, "<NameID></NameID>"),
            variant(value, "<AttributeValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">ann@acme.com</AttributeValue>"),
            variant(value, "<AttributeValue/>"),
            variant(statement, "<Advice/><AttributeStatement>"),
            variant("</AuthnStatement>", "</AuthnStatement><AttributeStatement/>"),
            variant("</Subject>", "</Subject><Subject/>"),
            variant("IssueInstant=\"2026-12-04T01:41:27.650Z\"", "IssueInstant=\"yesterday\""),
            variant("<Issuer>https://sts.windows.net/7f3c1a52/</Issuer>", ""),
            variant("<Subject>", "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/><Subject>"),
            variant("<Subject>", "<Subject xmlns=\"urn:example:other\">"),
            variant(data, "<SubjectConfirmationData NotOnOrAfter=\"2026-12-04T02:51:27.650Z\" xml:lang=\"en\" Recipient="),
            variant("<AuthnContextClassRef>", "<AuthnContextDeclRef>x</AuthnContextDeclRef><AuthnContextClassRef>"),
            variant(audience, ""),
        ];
        for xml in &left {
            let (read, _) = both_ways(xml);
            assert!(read.is_none(), "left to quick-xml: {xml}");
        }
    }
}
