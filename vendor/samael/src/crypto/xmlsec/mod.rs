use super::{CertificateDer, CryptoError, ReduceMode, Reduced};
use std::collections::{HashMap, HashSet};
use thiserror::Error;

use crate::schema::CipherValue;
use libxml::parser::Parser as XmlParser;
use libxml::parser::XmlParseError;
use libxml::tree::NodeType;
use openssl::error::ErrorStack;
use openssl::pkey::{PKey, Private};
use openssl::symm::{Cipher, Crypter, Mode};
use std::ffi::{CStr, CString};
use std::ptr::NonNull;

mod assertion;
mod raw;
mod wrapper;

use raw::NodePtr;
use wrapper::{VerifiedReference, XmlSecKey, XmlSecKeyFormat, XmlSecSignatureContext};

const XMLNS_XML_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

#[derive(Debug, Error)]
pub enum XmlSecProviderError {
    #[error("Encountered an invalid signature")]
    InvalidSignature,

    #[error("base64 decoding Error: {}", error)]
    Base64Error {
        #[from]
        error: base64::DecodeError,
    },

    #[error("The given XML is missing a root element")]
    XmlMissingRootElement,

    #[error("xml sec Error: {}", error)]
    XmlParseError {
        #[from]
        error: XmlParseError,
    },

    #[error("xml sec Error: {}", error)]
    XmlSecError {
        #[from]
        error: wrapper::XmlSecError,
    },

    #[error("failed to remove attribute: {}", error)]
    XmlAttributeRemovalError {
        #[source]
        error: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("failed to preserve namespace declaration: {}", error)]
    XmlNamespaceDeclarationError {
        #[source]
        error: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("encountered malformed XML ID attribute value: {id}")]
    XmlInvalidIdAttribute { id: String },

    #[error("encountered duplicate XML ID attribute value: {id}")]
    XmlDuplicateIdAttribute { id: String },

    #[error("failed to register XML ID attribute value: {id}")]
    XmlIdRegistrationError { id: String },

    #[error("failed to resolve verified reference URI: {uri}")]
    XmlReferenceResolutionError { uri: String },

    #[error("verified pre-digest fragment could not be matched back to the source document")]
    XmlPredigestFragmentInvalid,

    #[error("OpenSSL error stack: {}", error)]
    OpenSSLError {
        #[from]
        error: ErrorStack,
    },
}

impl From<wrapper::XmlSecError> for CryptoError {
    fn from(value: wrapper::XmlSecError) -> Self {
        CryptoError::CryptoProviderError(Box::new(value))
    }
}

impl From<XmlSecProviderError> for CryptoError {
    fn from(value: XmlSecProviderError) -> Self {
        CryptoError::CryptoProviderError(Box::new(value))
    }
}

impl From<ErrorStack> for CryptoError {
    fn from(value: ErrorStack) -> Self {
        CryptoError::CryptoProviderError(Box::new(value))
    }
}

impl From<XmlParseError> for CryptoError {
    fn from(value: XmlParseError) -> Self {
        CryptoError::CryptoProviderError(Box::new(value))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerifiedSelectionKind {
    WholeNode,
    ChildSequence,
}

struct VerifiedSelection {
    anchor: libxml::tree::Node,
    kind: VerifiedSelectionKind,
    uri: String,
    /// The verified pre-digest fragment, parsed once (gatehouse patch: it was parsed twice).
    parsed: ParsedSelection,
}

impl VerifiedSelection {
    fn new(
        anchor: libxml::tree::Node,
        uri: String,
        predigest_xml: &str,
    ) -> Result<VerifiedSelection, CryptoError> {
        let parsed = parse_selection(&anchor, predigest_xml)?;
        let kind = if parsed.shell_source.is_some() {
            VerifiedSelectionKind::WholeNode
        } else {
            VerifiedSelectionKind::ChildSequence
        };
        Ok(VerifiedSelection {
            anchor,
            kind,
            uri,
            parsed,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AttributeName {
    local_name: String,
    namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct NamespaceDeclaration {
    prefix: String,
    href: String,
}

struct ParsedSelection {
    _document: libxml::tree::Document,
    /// Nodes of `_document`, which lives as long as they are used.
    shell_source: Option<NodePtr>,
    sequence_nodes: Vec<NodePtr>,
}

fn signature_uses_allowed_algorithm(
    sig_node: &libxml::tree::Node,
    allowed: &[super::AllowedSignatureAlgorithm],
) -> bool {
    let Some(signed_info) = signed_info_node(sig_node) else {
        return false;
    };
    let Some(signature_algorithm) = signature_method_algorithm(&signed_info) else {
        return false;
    };
    if !allowed
        .iter()
        .any(|allowed_algorithm| allowed_algorithm.signature_uri() == signature_algorithm)
    {
        return false;
    }

    let allowed_digest_algorithms = allowed
        .iter()
        .map(super::AllowedSignatureAlgorithm::digest_uri)
        .collect::<HashSet<_>>();
    let Some(digest_algorithms) = reference_digest_algorithms(&signed_info) else {
        return false;
    };

    digest_algorithms
        .iter()
        .all(|algorithm| allowed_digest_algorithms.contains(algorithm.as_str()))
}

fn signed_info_node(sig_node: &libxml::tree::Node) -> Option<libxml::tree::Node> {
    sig_node
        .get_child_elements()
        .into_iter()
        .find(|child| is_xml_dsig_element(child, "SignedInfo"))
}

fn signature_method_algorithm(signed_info: &libxml::tree::Node) -> Option<String> {
    signed_info
        .get_child_elements()
        .into_iter()
        .find(|child| is_xml_dsig_element(child, "SignatureMethod"))?
        .get_attribute("Algorithm")
}

fn reference_digest_algorithms(signed_info: &libxml::tree::Node) -> Option<Vec<String>> {
    let references = signed_info
        .get_child_elements()
        .into_iter()
        .filter(|child| is_xml_dsig_element(child, "Reference"))
        .collect::<Vec<_>>();
    if references.is_empty() {
        return None;
    }

    references.iter().map(reference_digest_algorithm).collect()
}

fn reference_digest_algorithm(reference: &libxml::tree::Node) -> Option<String> {
    reference
        .get_child_elements()
        .into_iter()
        .find(|child| is_xml_dsig_element(child, "DigestMethod"))?
        .get_attribute("Algorithm")
}

fn is_xml_dsig_element(node: &libxml::tree::Node, expected_name: &str) -> bool {
    node.get_name() == expected_name
        && node
            .get_namespace()
            .map(|namespace| namespace.get_href() == XMLNS_XML_DSIG)
            .unwrap_or(false)
}

pub struct XmlSec;

impl super::CryptoProvider for XmlSec {
    type PrivateKey = PKey<Private>;
    fn verify_signed_xml<Bytes: AsRef<[u8]>>(
        xml: Bytes,
        x509_cert_der: &CertificateDer,
        id_attribute: Option<&str>,
    ) -> Result<(), CryptoError> {
        let parser = XmlParser::default();
        let document = parser.parse_string(xml)?;

        let key = XmlSecKey::from_memory(x509_cert_der.der_data(), XmlSecKeyFormat::CertDer)?;
        let mut context = XmlSecSignatureContext::new()?;
        context.insert_key(key);

        let valid = context.verify_document(&document, id_attribute)?;

        if !valid {
            return Err(CryptoError::InvalidSignature);
        }

        Ok(())
    }

    /// Takes an XML document, parses it, verifies all XML digital signatures against the given
    /// certificates, and returns a derived version of the document where all elements that are not
    /// covered by a digital signature have been removed.
    ///
    /// If `allowed_algorithms` is provided, only those signature algorithms will be accepted.
    /// This provides protection against algorithm substitution attacks.
    fn reduce_xml_to_signed_with_allowed_algorithms(
        xml_str: &str,
        certs_der: &[CertificateDer],
        reduce_mode: ReduceMode,
        allowed_algorithms: Option<&[super::AllowedSignatureAlgorithm]>,
    ) -> Result<String, CryptoError> {
        match reduce(xml_str, certs_der, reduce_mode, allowed_algorithms, false)? {
            Reduced::Xml(xml) => Ok(xml),
            Reduced::Assertion(_) => unreachable!("no assertion is read when text is asked for"),
        }
    }

    fn reduce_xml_to_signed_assertion(
        xml_str: &str,
        certs_der: &[CertificateDer],
        reduce_mode: ReduceMode,
        allowed_algorithms: Option<&[super::AllowedSignatureAlgorithm]>,
    ) -> Result<Reduced, CryptoError> {
        reduce(xml_str, certs_der, reduce_mode, allowed_algorithms, true)
    }

    fn decrypt_assertion_key_info(
        cipher_value: &CipherValue,
        method: &str,
        decryption_key: &openssl::pkey::PKey<openssl::pkey::Private>,
    ) -> Result<Vec<u8>, CryptoError> {
        use openssl::rsa::Padding;

        let padding = match method {
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" => Padding::PKCS1_OAEP,
            "http://www.w3.org/2001/04/xmlenc#rsa-1_5" => Padding::PKCS1,
            _ => {
                return Err(CryptoError::EncryptedAssertionKeyMethodUnsupported {
                    method: method.to_string(),
                });
            }
        };

        let encrypted_key =
            openssl::base64::decode_block(&cipher_value.value.lines().collect::<String>())?;
        let pkey_size = decryption_key.size();
        let mut decrypted_key = vec![0u8; pkey_size];
        let rsa = decryption_key.rsa()?;
        let i = rsa.private_decrypt(&encrypted_key, &mut decrypted_key, padding)?;
        Ok(decrypted_key[0..i].to_vec())
    }

    fn decrypt_assertion_value_info(
        cipher_value: &CipherValue,
        method: &str,
        decryption_key: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        use openssl::symm::Cipher;

        let encoded_value =
            openssl::base64::decode_block(&cipher_value.value.lines().collect::<String>())?;

        let plaintext = match method {
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => {
                let cipher = Cipher::aes_128_cbc();
                let iv_len = cipher.iv_len().unwrap();
                decrypt(
                    cipher,
                    decryption_key,
                    Some(&encoded_value[0..iv_len]),
                    &encoded_value[iv_len..],
                )?
            }
            "http://www.w3.org/2009/xmlenc11#aes128-gcm" => {
                let cipher = Cipher::aes_128_gcm();
                let iv_len = cipher.iv_len().unwrap();
                let tag_len = 16usize;
                let data_end = encoded_value.len() - tag_len;
                decrypt_aead(
                    cipher,
                    decryption_key,
                    Some(&encoded_value[0..iv_len]),
                    &[],
                    &encoded_value[iv_len..data_end],
                    &encoded_value[data_end..],
                )?
            }
            _ => {
                return Err(CryptoError::EncryptedAssertionValueMethodUnsupported {
                    method: method.to_string(),
                });
            }
        };

        Ok(plaintext)
    }

    fn sign_xml<Bytes: AsRef<[u8]>>(
        xml: Bytes,
        private_key_der: &[u8],
    ) -> Result<String, CryptoError> {
        let parser = XmlParser::default();
        let document = parser.parse_string(xml)?;

        let key = XmlSecKey::from_memory(private_key_der, XmlSecKeyFormat::Der)?;
        let mut context = XmlSecSignatureContext::new()?;
        context.insert_key(key);

        context.sign_document(&document, Some("ID"))?;

        Ok(document.to_string())
    }
}

thread_local! {
    /// Verification keys by certificate DER (Gatehouse patch). Loading a certificate through
    /// OpenSSL costs about as much as the rest of a verification; the key is the certificate's
    /// exact bytes, so the trust list still comes from the caller on every call and a rotated
    /// certificate is simply another entry. Verifying only reads a key.
    static VERIFICATION_KEYS: std::cell::RefCell<HashMap<Vec<u8>, XmlSecKey>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Certificates kept per thread; more are dropped all at once (a trust list is one to three).
const MAX_VERIFICATION_KEYS: usize = 16;

fn verification_key(der: &[u8]) -> Result<XmlSecKey, CryptoError> {
    if let Some(key) = VERIFICATION_KEYS.with(|keys| keys.borrow_mut().remove(der)) {
        return Ok(key);
    }
    Ok(XmlSecKey::from_memory(der, XmlSecKeyFormat::CertDer)?)
}

fn keep_verification_key(der: &[u8], key: XmlSecKey) {
    VERIFICATION_KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= MAX_VERIFICATION_KEYS {
            keys.clear();
        }
        keys.insert(der.to_vec(), key);
    });
}

fn predigest_result(mut predigest_results: Vec<String>) -> Result<String, CryptoError> {
    if predigest_results.len() == 1 {
        return Ok(predigest_results.remove(0));
    }

    let mut response_predigests = predigest_results
        .into_iter()
        .filter(|predigest| predigest_root_is_response(predigest))
        .collect::<Vec<_>>();
    if response_predigests.len() == 1 {
        Ok(response_predigests.remove(0))
    } else {
        Err(CryptoError::InvalidSignature)
    }
}

fn predigest_root_is_response(predigest: &str) -> bool {
    crate::service_provider::root_element_is_saml_protocol_response(predigest)
}

/// Searches the document for all attributes named `ID` and stores them and their values in the XML
/// document's internal ID table.
///
/// This is necessary for signature verification to successfully follow the references from a
/// `<dsig:Signature>` element to the element it has signed.
fn collect_id_attributes(doc: &mut libxml::tree::Document) -> Result<(), XmlSecProviderError> {
    const ID_STR: &str = "ID";
    let id_attr_name = CString::new(ID_STR).unwrap();
    let mut seen_ids = HashSet::new();

    let mut nodes_to_visit = Vec::new();
    if let Some(root_elem) = doc.get_root_element() {
        nodes_to_visit.push(root_elem.node_ptr());
    }
    while let Some(node_ptr) = nodes_to_visit.pop() {
        if let Some(id_value) = raw::property(node_ptr, &id_attr_name) {
            let id_value_cstr = CString::new(id_value.clone()).map_err(|_| {
                XmlSecProviderError::XmlInvalidIdAttribute {
                    id: id_value.clone(),
                }
            })?;
            if !xml_id_value_is_valid(&id_value_cstr) {
                return Err(XmlSecProviderError::XmlInvalidIdAttribute { id: id_value });
            }
            if !seen_ids.insert(id_value.clone()) {
                return Err(XmlSecProviderError::XmlDuplicateIdAttribute { id: id_value });
            }

            unsafe {
                let attr =
                    libxml::bindings::xmlHasProp(node_ptr, id_attr_name.as_ptr() as *const u8);
                if attr.is_null()
                    || libxml::bindings::xmlAddID(
                        std::ptr::null_mut(),
                        doc.doc_ptr(),
                        id_value_cstr.as_ptr() as *const u8,
                        attr,
                    )
                    .is_null()
                {
                    return Err(XmlSecProviderError::XmlIdRegistrationError { id: id_value });
                }
            }
        }

        nodes_to_visit.extend(raw::children(node_ptr).filter(|&child| raw::is_element(child)));
    }

    Ok(())
}

/// Finds and returns all `<dsig:Signature>` elements in the subtree rooted at the given node,
/// in document order. The tree is walked in place; only the signatures are wrapped.
fn find_signature_nodes(node: &libxml::tree::Node) -> Vec<libxml::tree::Node> {
    let mut found = Vec::new();
    collect_signature_ptrs(node.node_ptr(), &mut found);
    found
        .into_iter()
        .filter_map(|signature| wrap_descendant(node, signature))
        .collect()
}

fn collect_signature_ptrs(node: NodePtr, found: &mut Vec<NodePtr>) {
    if raw::namespace_href(node) == Some(XMLNS_XML_DSIG.as_bytes())
        && raw::name(node) == b"Signature"
    {
        found.push(node);
    }
    for child in raw::children(node) {
        if raw::is_element(child) {
            collect_signature_ptrs(child, found);
        }
    }
}

/// The `libxml` node for `target` if it is in `root`'s subtree, reached along its ancestors (samael
/// 0.0.22 searched the whole tree for it, wrapping every node on the way). Attribute and
/// namespace nodes (an XPath result may hold them) are no child of anything, as before.
fn wrap_descendant(root: &libxml::tree::Node, target: NodePtr) -> Option<libxml::tree::Node> {
    // `type_` sits at the same offset in xmlNs, so it is safe to read before the rest.
    if matches!(
        raw::node_type(target),
        Some(NodeType::AttributeNode | NodeType::NamespaceDecl) | None
    ) {
        return None;
    }
    let mut path = vec![target];
    while *path.last()? != root.node_ptr() {
        let parent = unsafe { (**path.last()?).parent };
        if parent.is_null() {
            return None;
        }
        path.push(parent);
    }
    let mut node = root.clone();
    for &step in path.iter().rev().skip(1) {
        let mut child = node.get_first_child();
        while let Some(candidate) = &child {
            if candidate.node_ptr() == step {
                break;
            }
            child = candidate.get_next_sibling();
        }
        node = child?;
    }
    Some(node)
}

struct XPathContext {
    pointer: NonNull<libxml::bindings::xmlXPathContext>,
}

impl XPathContext {
    fn new(doc: &libxml::tree::Document, signature_node: &libxml::tree::Node) -> Option<Self> {
        let pointer = unsafe {
            libxml::bindings::xmlXPtrNewContext(
                doc.doc_ptr(),
                signature_node.node_ptr(),
                std::ptr::null_mut(),
            )
        };
        NonNull::new(pointer).map(|pointer| Self { pointer })
    }
}

impl Drop for XPathContext {
    fn drop(&mut self) {
        unsafe { libxml::bindings::xmlXPathFreeContext(self.pointer.as_ptr()) }
    }
}

struct XPathObject {
    pointer: NonNull<libxml::bindings::xmlXPathObject>,
}

impl XPathObject {
    fn evaluate(context: &XPathContext, xpointer: &CString) -> Option<Self> {
        let pointer = unsafe {
            libxml::bindings::xmlXPtrEval(
                xpointer.as_ptr() as *const libxml::bindings::xmlChar,
                context.pointer.as_ptr(),
            )
        };
        NonNull::new(pointer).map(|pointer| Self { pointer })
    }
}

impl Drop for XPathObject {
    fn drop(&mut self) {
        unsafe { libxml::bindings::xmlXPathFreeObject(self.pointer.as_ptr()) }
    }
}

fn xml_id_value_is_valid(id_value: &CStr) -> bool {
    unsafe { libxml::bindings::xmlValidateNCName(id_value.as_ptr() as *const u8, 0) == 0 }
}

fn build_verified_selection(
    doc: &libxml::tree::Document,
    signature_node: &libxml::tree::Node,
    verified_reference: VerifiedReference,
) -> Result<VerifiedSelection, CryptoError> {
    let reference_uri = verified_reference.uri.clone().unwrap_or_default();
    let (anchor, _kind) =
        resolve_reference_anchor(verified_reference.uri.as_deref(), doc, signature_node).ok_or(
            XmlSecProviderError::XmlReferenceResolutionError {
                uri: reference_uri.clone(),
            },
        )?;
    VerifiedSelection::new(anchor, reference_uri, &verified_reference.predigest_xml)
}

fn parse_selection(
    anchor: &libxml::tree::Node,
    predigest_xml: &str,
) -> Result<ParsedSelection, CryptoError> {
    let wrapped_fragment = format!("<samael-fragment>{predigest_xml}</samael-fragment>");
    let fragment_doc = XmlParser::default().parse_string(&wrapped_fragment)?;
    let fragment_root = fragment_doc
        .get_root_element()
        .ok_or(XmlSecProviderError::XmlMissingRootElement)?;
    let fragment_children = supported_fragment_children(fragment_root.node_ptr());

    if fragment_children.is_empty() {
        return Err(XmlSecProviderError::XmlPredigestFragmentInvalid.into());
    }

    let shell_source = if fragment_children.len() == 1
        && raw::is_element(fragment_children[0])
        && anchor.is_element_node()
        && element_identity_matches(anchor.node_ptr(), fragment_children[0])
    {
        Some(fragment_children[0])
    } else {
        None
    };
    let sequence_nodes = if let Some(shell_source) = shell_source {
        supported_fragment_children(shell_source)
    } else {
        fragment_children
    };

    Ok(ParsedSelection {
        _document: fragment_doc,
        shell_source,
        sequence_nodes,
    })
}

fn build_keep_state(
    doc: &libxml::tree::Document,
    selections: &[VerifiedSelection],
    reduce_mode: ReduceMode,
) -> Result<
    (
        HashSet<usize>,
        HashMap<usize, HashSet<AttributeName>>,
        usize,
    ),
    CryptoError,
> {
    if selections.is_empty() {
        return Err(CryptoError::InvalidSignature);
    }

    let mut nodes_to_keep = HashSet::new();
    let mut allowed_attributes = HashMap::new();

    for selection in selections {
        let parsed_selection = &selection.parsed;
        let mut kept = Kept::default();
        let matched = match selection.kind {
            VerifiedSelectionKind::WholeNode => {
                let shell_source = parsed_selection
                    .shell_source
                    .ok_or(XmlSecProviderError::XmlPredigestFragmentInvalid)?;
                collect_matching_node(selection.anchor.node_ptr(), shell_source, &mut kept)
            }
            VerifiedSelectionKind::ChildSequence => collect_matching_sequence(
                &supported_fragment_children(selection.anchor.node_ptr()),
                &parsed_selection.sequence_nodes,
                &mut kept,
            ),
        };

        if !matched {
            return Err(XmlSecProviderError::XmlReferenceResolutionError {
                uri: selection.uri.clone(),
            }
            .into());
        }
        kept.merge_into(&mut nodes_to_keep, &mut allowed_attributes);

        if selection.kind == VerifiedSelectionKind::ChildSequence {
            let anchor_ptr = selection.anchor.node_ptr() as usize;
            nodes_to_keep.insert(anchor_ptr);
            // The anchor shell is retained only to keep the verified child sequence rooted.
            allowed_attributes.entry(anchor_ptr).or_default();
        }
    }

    if nodes_to_keep.is_empty() {
        return Err(XmlSecProviderError::XmlPredigestFragmentInvalid.into());
    }

    let root = doc
        .get_root_element()
        .ok_or(XmlSecProviderError::XmlMissingRootElement)?;
    if reduce_mode == ReduceMode::ValidateAndMark {
        let matched_nodes = nodes_to_keep.clone();
        add_required_ancestors(
            &root,
            &matched_nodes,
            &mut nodes_to_keep,
            &mut allowed_attributes,
        )?;
    }
    let output_root_ptr = determine_output_root_ptr(&root, &nodes_to_keep)?;
    Ok((nodes_to_keep, allowed_attributes, output_root_ptr))
}

fn supported_fragment_children(node: NodePtr) -> Vec<NodePtr> {
    raw::children(node)
        .filter(|&child| is_supported_fragment_node(child))
        .collect()
}

fn is_supported_fragment_node(node: NodePtr) -> bool {
    matches!(
        raw::node_type(node),
        Some(
            NodeType::ElementNode
                | NodeType::TextNode
                | NodeType::CDataSectionNode
                | NodeType::CommentNode
                | NodeType::PiNode
        )
    ) && !is_ignorable_text_node(node)
}

/// Whitespace-only text. (Text that is not UTF-8 would have read as U+FFFD, not whitespace.)
fn is_ignorable_text_node(node: NodePtr) -> bool {
    raw::node_type(node) == Some(NodeType::TextNode)
        && std::str::from_utf8(raw::own_content(node)).is_ok_and(|text| text.trim().is_empty())
}

/// What a match keeps, in the order found (Gatehouse patch). A failed alternative is undone by
/// truncating to a mark, where samael 0.0.22 cloned both sets for every alternative it tried
/// (quadratic in the document). The sets merged at the end are the same.
#[derive(Default)]
struct Kept {
    nodes: Vec<usize>,
    /// `None` records that the element's attribute entry exists, with or without names.
    attributes: Vec<(usize, Option<AttributeName>)>,
}

impl Kept {
    fn mark(&self) -> (usize, usize) {
        (self.nodes.len(), self.attributes.len())
    }

    fn undo(&mut self, (nodes, attributes): (usize, usize)) {
        self.nodes.truncate(nodes);
        self.attributes.truncate(attributes);
    }

    fn merge_into(
        self,
        nodes_to_keep: &mut HashSet<usize>,
        allowed_attributes: &mut HashMap<usize, HashSet<AttributeName>>,
    ) {
        nodes_to_keep.extend(self.nodes);
        for (node, name) in self.attributes {
            allowed_attributes.entry(node).or_default().extend(name);
        }
    }
}

fn collect_matching_sequence(
    original_children: &[NodePtr],
    fragment_children: &[NodePtr],
    kept: &mut Kept,
) -> bool {
    collect_matching_sequence_from(original_children, fragment_children, 0, 0, kept)
}

fn collect_matching_sequence_from(
    original_children: &[NodePtr],
    fragment_children: &[NodePtr],
    original_index: usize,
    fragment_index: usize,
    kept: &mut Kept,
) -> bool {
    if fragment_index == fragment_children.len() {
        return true;
    }

    for index in original_index..original_children.len() {
        let mark = kept.mark();
        if collect_matching_node_inner(
            original_children[index],
            fragment_children[fragment_index],
            kept,
        ) && collect_matching_sequence_from(
            original_children,
            fragment_children,
            index + 1,
            fragment_index + 1,
            kept,
        ) {
            return true;
        }
        kept.undo(mark);
    }

    false
}

fn collect_matching_node(original_node: NodePtr, fragment_node: NodePtr, kept: &mut Kept) -> bool {
    let mark = kept.mark();
    if collect_matching_node_inner(original_node, fragment_node, kept) {
        true
    } else {
        kept.undo(mark);
        false
    }
}

fn collect_matching_node_inner(
    original_node: NodePtr,
    fragment_node: NodePtr,
    kept: &mut Kept,
) -> bool {
    let original_type = raw::node_type(original_node);
    match raw::node_type(fragment_node) {
        Some(NodeType::ElementNode) => {
            if original_type != Some(NodeType::ElementNode)
                || !fragment_node_matches_original(fragment_node, original_node)
            {
                return false;
            }

            let node = original_node as usize;
            kept.attributes.push((node, None));
            kept.attributes.extend(
                raw::attributes(fragment_node).map(|a| (node, Some(attribute_name_from_ptr(a)))),
            );
            kept.nodes.push(node);

            let fragment_children = supported_fragment_children(fragment_node);
            collect_matching_sequence(
                &supported_fragment_children(original_node),
                &fragment_children,
                kept,
            )
        }
        Some(NodeType::TextNode | NodeType::CDataSectionNode) => {
            if !matches!(
                original_type,
                Some(NodeType::TextNode | NodeType::CDataSectionNode)
            ) || raw::own_content(fragment_node) != raw::own_content(original_node)
            {
                return false;
            }

            kept.nodes.push(original_node as usize);
            true
        }
        Some(NodeType::CommentNode) => {
            if original_type != Some(NodeType::CommentNode)
                || raw::own_content(fragment_node) != raw::own_content(original_node)
            {
                return false;
            }

            kept.nodes.push(original_node as usize);
            true
        }
        Some(NodeType::PiNode) => {
            if original_type != Some(NodeType::PiNode)
                || raw::name(fragment_node) != raw::name(original_node)
                || raw::own_content(fragment_node) != raw::own_content(original_node)
            {
                return false;
            }

            kept.nodes.push(original_node as usize);
            true
        }
        _ => false,
    }
}

fn add_required_ancestors(
    root: &libxml::tree::Node,
    matched_nodes: &HashSet<usize>,
    nodes_to_keep: &mut HashSet<usize>,
    allowed_attributes: &mut HashMap<usize, HashSet<AttributeName>>,
) -> Result<(), CryptoError> {
    for node_ptr in matched_nodes.iter().copied().collect::<Vec<_>>() {
        let node = wrap_descendant(root, node_ptr as NodePtr)
            .ok_or(XmlSecProviderError::XmlPredigestFragmentInvalid)?;
        mark_all_element_ancestors(&node, nodes_to_keep, allowed_attributes);
    }

    Ok(())
}

fn mark_all_element_ancestors(
    node: &libxml::tree::Node,
    nodes_to_keep: &mut HashSet<usize>,
    allowed_attributes: &mut HashMap<usize, HashSet<AttributeName>>,
) {
    let mut current = node.get_parent();
    while let Some(parent) = current {
        if parent.is_element_node() {
            let parent_ptr = parent.node_ptr() as usize;
            nodes_to_keep.insert(parent_ptr);
            allowed_attributes.entry(parent_ptr).or_default();
        }
        current = parent.get_parent();
    }
}

fn determine_output_root_ptr(
    root: &libxml::tree::Node,
    nodes_to_keep: &HashSet<usize>,
) -> Result<usize, CryptoError> {
    let mut candidates = Vec::new();
    collect_top_level_kept_elements(root.node_ptr(), nodes_to_keep, false, &mut candidates);

    if candidates.len() == 1 {
        Ok(candidates[0])
    } else {
        Err(XmlSecProviderError::XmlPredigestFragmentInvalid.into())
    }
}

fn collect_top_level_kept_elements(
    node: NodePtr,
    nodes_to_keep: &HashSet<usize>,
    has_kept_element_ancestor: bool,
    candidates: &mut Vec<usize>,
) {
    if !raw::is_element(node) {
        return;
    }

    let is_kept = nodes_to_keep.contains(&(node as usize));
    if is_kept && !has_kept_element_ancestor {
        candidates.push(node as usize);
        return;
    }

    for child in raw::children(node) {
        collect_top_level_kept_elements(
            child,
            nodes_to_keep,
            has_kept_element_ancestor || is_kept,
            candidates,
        );
    }
}

/// Verifies every signature of the document and reduces it to what they cover. With
/// `read_assertion`, a reduced document that is an assertion is read from the tree
/// (`assertion::read`) instead of being written out, where that reader takes it.
fn reduce(
    xml_str: &str,
    certs_der: &[CertificateDer],
    reduce_mode: ReduceMode,
    allowed_algorithms: Option<&[super::AllowedSignatureAlgorithm]>,
    read_assertion: bool,
) -> Result<Reduced, CryptoError> {
    let mut xml = XmlParser::default().parse_string(xml_str)?;

    // collect ID attribute values and tell libxml about them
    collect_id_attributes(&mut xml)?;

    let signature_nodes = {
        let root_elem = xml
            .get_root_element()
            .ok_or(XmlSecProviderError::XmlMissingRootElement)?;
        find_signature_nodes(&root_elem)
    };
    if signature_nodes.is_empty() {
        return Err(CryptoError::InvalidSignature);
    }

    let mut predigest_results = Vec::new();
    let mut selections = Vec::new();

    for sig_node in &signature_nodes {
        if let Some(allowed) = allowed_algorithms {
            if !signature_uses_allowed_algorithm(sig_node, allowed) {
                return Err(CryptoError::InvalidSignature);
            }
        }

        let mut verified = false;
        let mut verified_references = Vec::new();

        for key_data in certs_der {
            let mut sig_ctx = XmlSecSignatureContext::new_with_flags(
                wrapper::XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES,
            )?;

            sig_ctx.insert_key(verification_key(key_data.der_data())?);
            verified = sig_ctx.verify_node(sig_node)?;
            if let Some(key) = sig_ctx.release_key() {
                keep_verification_key(key_data.der_data(), key);
            }
            if verified {
                verified_references = sig_ctx.get_verified_references()?;
                break;
            }
        }

        if !verified {
            return Err(CryptoError::InvalidSignature);
        }

        for verified_reference in verified_references {
            if reduce_mode == ReduceMode::PreDigest {
                predigest_results.push(verified_reference.predigest_xml);
                continue;
            }

            selections.push(build_verified_selection(
                &xml,
                sig_node,
                verified_reference,
            )?);
        }
    }

    if reduce_mode == ReduceMode::PreDigest {
        return predigest_result(predigest_results).map(Reduced::Xml);
    }

    if selections.is_empty() {
        return Err(CryptoError::InvalidSignature);
    }

    let (nodes_to_keep, allowed_attributes, output_root_ptr) =
        build_keep_state(&xml, &selections, reduce_mode)?;

    drop(selections);
    drop(signature_nodes);

    // Freed once the reduced document is written out: the kept nodes may still point to
    // namespace declarations of their old ancestors.
    let _detached = move_output_root_to_document_root(&mut xml, output_root_ptr)?;

    let mut root_elem = xml
        .get_root_element()
        .ok_or(XmlSecProviderError::XmlMissingRootElement)?;
    prune_unverified_nodes(&mut root_elem, &nodes_to_keep, &allowed_attributes)?;

    if read_assertion {
        if let Some(assertion) = assertion::read(root_elem.node_ptr()) {
            return Ok(Reduced::Assertion(Box::new(assertion)));
        }
    }
    Ok(Reduced::Xml(xml.to_string()))
}

fn move_output_root_to_document_root(
    doc: &mut libxml::tree::Document,
    output_root_ptr: usize,
) -> Result<Option<libxml::tree::Node>, CryptoError> {
    let current_root = doc
        .get_root_element()
        .ok_or(XmlSecProviderError::XmlMissingRootElement)?;
    if current_root.node_ptr() as usize == output_root_ptr {
        return Ok(None);
    }

    let mut new_root = wrap_descendant(&current_root, output_root_ptr as NodePtr)
        .ok_or(XmlSecProviderError::XmlPredigestFragmentInvalid)?;
    let namespaces = in_scope_namespace_declarations(&new_root);
    new_root.unlink();
    preserve_namespace_declarations(&mut new_root, namespaces)?;
    // Gatehouse patch: the old root is unlinked first and handed back, so dropping it frees the
    // rest of the original tree (xmlDocSetRootElement only detaches it: about 2 KiB lost per
    // response).
    let mut old_root = current_root;
    old_root.unlink();
    doc.set_root_element(&new_root);
    Ok(Some(old_root))
}

/// The namespaces in scope at `node`, nearest declaration first, as xmlGetNsList lists them
/// (Gatehouse patch: libxml's `get_namespaces` never frees that list).
fn in_scope_namespace_declarations(node: &libxml::tree::Node) -> Vec<NamespaceDeclaration> {
    let mut seen = HashSet::new();
    let mut declarations = Vec::new();
    let mut current = Some(node.clone());
    while let Some(element) = current {
        for namespace in element.get_namespace_declarations() {
            let declaration = NamespaceDeclaration {
                prefix: namespace.get_prefix(),
                href: namespace.get_href(),
            };
            if seen.insert(declaration.prefix.clone()) {
                declarations.push(declaration);
            }
        }
        current = element.get_parent();
    }
    declarations
        .into_iter()
        .filter(namespace_declaration_should_be_preserved)
        .collect()
}

fn preserve_namespace_declarations(
    node: &mut libxml::tree::Node,
    namespaces: Vec<NamespaceDeclaration>,
) -> Result<(), CryptoError> {
    let mut declared_prefixes = node
        .get_namespace_declarations()
        .into_iter()
        .map(|namespace| namespace.get_prefix())
        .collect::<HashSet<_>>();

    for namespace in namespaces {
        if !declared_prefixes.insert(namespace.prefix.clone()) {
            continue;
        }

        libxml::tree::Namespace::new(&namespace.prefix, &namespace.href, node)
            .map_err(|error| XmlSecProviderError::XmlNamespaceDeclarationError { error })?;
    }

    Ok(())
}

fn namespace_declaration_should_be_preserved(namespace: &NamespaceDeclaration) -> bool {
    !namespace.href.is_empty() && namespace.prefix != "xml" && namespace.prefix != "xmlns"
}

fn element_identity_matches(left: NodePtr, right: NodePtr) -> bool {
    element_local_name(left) == element_local_name(right)
        && raw::namespace_href(left) == raw::namespace_href(right)
}

fn element_local_name<'a>(node: NodePtr) -> &'a [u8] {
    raw::name(node)
        .rsplit(|&b| b == b':')
        .next()
        .unwrap_or_default()
}

/// Every attribute of the fragment's element is on the original with the same value.
fn fragment_node_matches_original(fragment_node: NodePtr, original_node: NodePtr) -> bool {
    match (
        raw::is_element(fragment_node),
        raw::is_element(original_node),
    ) {
        (true, true) => {
            element_identity_matches(fragment_node, original_node)
                && raw::attributes(fragment_node).all(|attribute| {
                    let (name, namespace) = (
                        raw::attribute_local_name(attribute),
                        raw::attribute_namespace(attribute),
                    );
                    // The first of that name on each side, as samael 0.0.22 looked them up.
                    let first = raw::find_attribute(fragment_node, name, namespace);
                    match (first, raw::find_attribute(original_node, name, namespace)) {
                        (Some(left), Some(right)) => raw::same_attribute_value(left, right),
                        _ => false,
                    }
                })
        }
        (false, false)
            if raw::node_type(fragment_node) == Some(NodeType::TextNode)
                && raw::node_type(original_node) == Some(NodeType::TextNode) =>
        {
            raw::own_content(fragment_node) == raw::own_content(original_node)
        }
        _ => false,
    }
}

fn attribute_name_from_ptr(attr_ptr: *mut libxml::bindings::xmlAttr) -> AttributeName {
    unsafe {
        let local_name = CStr::from_ptr((*attr_ptr).name as *const std::ffi::c_char)
            .to_string_lossy()
            .into_owned();
        let namespace = if (*attr_ptr).ns.is_null() {
            None
        } else {
            let href = (*(*attr_ptr).ns).href;
            if href.is_null() {
                None
            } else {
                Some(
                    CStr::from_ptr(href as *const std::ffi::c_char)
                        .to_string_lossy()
                        .into_owned(),
                )
            }
        };

        AttributeName {
            local_name,
            namespace,
        }
    }
}

fn resolve_reference_anchor(
    uri: Option<&str>,
    doc: &libxml::tree::Document,
    signature_node: &libxml::tree::Node,
) -> Option<(libxml::tree::Node, VerifiedSelectionKind)> {
    match uri {
        None | Some("") => doc
            .get_root_element()
            .map(|root| (root, VerifiedSelectionKind::WholeNode)),
        Some(uri) => {
            let stripped = uri.strip_prefix('#')?;
            if stripped.starts_with("xpointer(") {
                resolve_xpointer_anchor(stripped, doc, signature_node)
            } else {
                resolve_id_to_node(stripped, doc)
                    .map(|node| (node, VerifiedSelectionKind::WholeNode))
            }
        }
    }
}

fn resolve_id_to_node(id: &str, doc: &libxml::tree::Document) -> Option<libxml::tree::Node> {
    let id_cstring = CString::new(id).ok()?;

    unsafe {
        let target_attr_ptr =
            libxml::bindings::xmlGetID(doc.doc_ptr(), id_cstring.as_ptr() as *const u8);
        if target_attr_ptr.is_null() {
            return None;
        }

        let target_node_ptr = (*target_attr_ptr).parent;
        if target_node_ptr.is_null() {
            return None;
        }
        wrap_descendant(&doc.get_root_element()?, target_node_ptr)
    }
}

fn resolve_xpointer_anchor(
    xpointer: &str,
    doc: &libxml::tree::Document,
    signature_node: &libxml::tree::Node,
) -> Option<(libxml::tree::Node, VerifiedSelectionKind)> {
    let xpointer = CString::new(xpointer).ok()?;
    let document_root = doc.get_root_element()?;
    let context = XPathContext::new(doc, signature_node)?;
    let object = XPathObject::evaluate(&context, &xpointer)?;

    let mut matched_nodes = resolve_xpointer_matched_nodes(&object, &document_root)?;
    if matched_nodes.len() == 1 && matched_nodes[0].is_element_node() {
        return Some((matched_nodes.remove(0), VerifiedSelectionKind::WholeNode));
    }

    lowest_common_ancestor(&matched_nodes)
        .map(|ancestor| (ancestor, VerifiedSelectionKind::ChildSequence))
}

fn resolve_xpointer_matched_nodes(
    object: &XPathObject,
    document_root: &libxml::tree::Node,
) -> Option<Vec<libxml::tree::Node>> {
    let node_ptrs = unsafe {
        let object_ptr = object.pointer.as_ptr();
        if (*object_ptr).type_ != libxml::bindings::xmlXPathObjectType_XPATH_NODESET {
            return None;
        }

        let node_set = (*object_ptr).nodesetval;
        if node_set.is_null() {
            return None;
        }

        let node_count = (*node_set).nodeNr;
        if node_count <= 0 {
            return Some(Vec::new());
        }

        let node_tab = (*node_set).nodeTab;
        if node_tab.is_null() {
            return None;
        }

        std::slice::from_raw_parts(node_tab, usize::try_from(node_count).ok()?).to_vec()
    };

    let mut matched_nodes = Vec::new();
    for node_ptr in node_ptrs {
        if node_ptr.is_null() {
            continue;
        }

        if let Some(node) = wrap_descendant(document_root, node_ptr) {
            if let Some(element) = nearest_element_ancestor(&node) {
                matched_nodes.push(element);
            }
        }
    }

    Some(matched_nodes)
}

fn nearest_element_ancestor(node: &libxml::tree::Node) -> Option<libxml::tree::Node> {
    if node.is_element_node() {
        return Some(node.clone());
    }

    let mut current = node.get_parent();
    while let Some(parent) = current {
        if parent.is_element_node() {
            return Some(parent);
        }
        current = parent.get_parent();
    }

    None
}

fn lowest_common_ancestor(nodes: &[libxml::tree::Node]) -> Option<libxml::tree::Node> {
    let ancestor_paths = nodes
        .iter()
        .map(|node| {
            let mut path = Vec::new();
            let mut current = Some(node.clone());

            while let Some(current_node) = current {
                if current_node.is_element_node() {
                    path.push(current_node.clone());
                }
                current = current_node.get_parent();
            }

            path.reverse();
            path
        })
        .collect::<Vec<_>>();

    let shortest_path_len = ancestor_paths
        .iter()
        .map(Vec::len)
        .min()
        .unwrap_or_default();
    let mut common_ancestor = None;

    for index in 0..shortest_path_len {
        let candidate = &ancestor_paths[0][index];
        if ancestor_paths
            .iter()
            .all(|path| path[index].node_ptr() == candidate.node_ptr())
        {
            common_ancestor = Some(candidate.clone());
        } else {
            break;
        }
    }

    common_ancestor
}

/// Unlinks every node not kept and the unsigned attributes of those kept. A node not kept leaves
/// with its whole subtree, whatever the subtree holds (samael 0.0.22 unlinked its descendants one
/// by one first; the document written out is the same). The tree is read in place; only a node
/// being unlinked is wrapped, so that the `libxml` crate frees it with the document.
fn prune_unverified_nodes(
    root: &mut libxml::tree::Node,
    nodes_to_keep: &HashSet<usize>,
    allowed_attributes: &HashMap<usize, HashSet<AttributeName>>,
) -> Result<(), CryptoError> {
    prune_unverified_subtree(root, root.node_ptr(), nodes_to_keep, allowed_attributes)
}

fn prune_unverified_subtree(
    root: &libxml::tree::Node,
    node: NodePtr,
    nodes_to_keep: &HashSet<usize>,
    allowed_attributes: &HashMap<usize, HashSet<AttributeName>>,
) -> Result<(), CryptoError> {
    if !nodes_to_keep.contains(&(node as usize)) {
        wrap_descendant(root, node)
            .ok_or_else(|| XmlSecProviderError::XmlPredigestFragmentInvalid)?
            .unlink_node();
        return Ok(());
    }

    for child in raw::children(node).collect::<Vec<_>>() {
        prune_unverified_subtree(root, child, nodes_to_keep, allowed_attributes)?;
    }

    if raw::is_element(node) {
        prune_unsigned_attributes(node, allowed_attributes)?;
    }

    Ok(())
}

fn prune_unsigned_attributes(
    node: NodePtr,
    allowed_attributes: &HashMap<usize, HashSet<AttributeName>>,
) -> Result<(), CryptoError> {
    let Some(allowed_attributes) = allowed_attributes.get(&(node as usize)) else {
        return Ok(());
    };

    let unsigned: Vec<_> = raw::attributes(node)
        .filter(|&attribute| !allowed_attributes.contains(&attribute_name_from_ptr(attribute)))
        .collect();
    for attribute in unsigned {
        if unsafe { libxml::bindings::xmlRemoveProp(attribute) } != 0 {
            return Err(XmlSecProviderError::XmlAttributeRemovalError {
                error: "libxml2 failed to remove an unsigned attribute".into(),
            }
            .into());
        }
    }

    Ok(())
}

fn decrypt(
    t: Cipher,
    key: &[u8],
    iv: Option<&[u8]>,
    data: &[u8],
) -> Result<Vec<u8>, XmlSecProviderError> {
    let mut decrypter = Crypter::new(t, Mode::Decrypt, key, iv)?;
    decrypter.pad(false);
    let mut out = vec![0; data.len() + t.block_size()];

    let count = decrypter.update(data, &mut out)?;
    let rest = decrypter.finalize(&mut out[count..])?;

    out.truncate(count + rest);
    Ok(out)
}

fn decrypt_aead(
    t: Cipher,
    key: &[u8],
    iv: Option<&[u8]>,
    aad: &[u8],
    data: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, XmlSecProviderError> {
    let mut decrypter = Crypter::new(t, Mode::Decrypt, key, iv)?;
    decrypter.pad(false);
    let mut out = vec![0; data.len() + t.block_size()];

    decrypter.aad_update(aad)?;
    let count = decrypter.update(data, &mut out)?;
    decrypter.set_tag(tag)?;
    let rest = decrypter.finalize(&mut out[count..])?;

    out.truncate(count + rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce_with_selection<F>(xml: &str, reduce_mode: ReduceMode, make_selection: F) -> String
    where
        F: FnOnce(&libxml::tree::Document) -> VerifiedSelection,
    {
        let mut doc = XmlParser::default().parse_string(xml).unwrap();
        let selections = [make_selection(&doc)];
        let (nodes_to_keep, allowed_attributes, output_root_ptr) =
            build_keep_state(&doc, &selections, reduce_mode).unwrap();
        drop(selections);
        // The old tree owns namespace declarations the new root still points to: freed last.
        let _detached = move_output_root_to_document_root(&mut doc, output_root_ptr).unwrap();
        let mut root = doc.get_root_element().unwrap();
        prune_unverified_nodes(&mut root, &nodes_to_keep, &allowed_attributes).unwrap();
        doc.to_string()
    }

    #[test]
    fn predigest_result_returns_single_result_without_reclassifying_it() {
        let assertion = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>"#;

        assert_eq!(
            predigest_result(vec![assertion.to_string()]).unwrap(),
            assertion
        );
    }

    #[test]
    fn predigest_result_selects_the_only_response_from_multiple_verified_references() {
        let response = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#;
        let assertion = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>"#;

        assert_eq!(
            predigest_result(vec![assertion.to_string(), response.to_string()]).unwrap(),
            response
        );
    }

    #[test]
    fn predigest_result_rejects_multiple_response_predigests() {
        let first_response =
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="first"/>"#;
        let second_response =
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="second"/>"#;

        assert!(matches!(
            predigest_result(vec![
                first_response.to_string(),
                second_response.to_string()
            ]),
            Err(CryptoError::InvalidSignature)
        ));
    }

    #[test]
    fn predigest_result_rejects_wrong_namespace_response_from_multiple_verified_references() {
        let wrong_namespace_response = r#"<evil:Response xmlns:evil="urn:example:evil"/>"#;
        let assertion = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>"#;

        assert!(matches!(
            predigest_result(vec![
                assertion.to_string(),
                wrong_namespace_response.to_string()
            ]),
            Err(CryptoError::InvalidSignature)
        ));
    }

    #[test]
    fn validate_and_mark_keeps_ancestors_for_signed_assertions() {
        let xml = r#"
<Envelope>
  <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="response">
    <Wrapper>
      <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="assertion">
        <saml:Issuer>https://idp.example.com</saml:Issuer>
      </saml:Assertion>
    </Wrapper>
    <Unsigned>remove-me</Unsigned>
  </samlp:Response>
</Envelope>
"#;

        let reduced = reduce_with_selection(xml, ReduceMode::ValidateAndMark, |doc| {
            let assertion = doc.get_root_element().unwrap().get_child_elements()[0]
                .get_child_elements()[0]
                .get_child_elements()[0]
                .clone();

            let selection = VerifiedSelection::new(
                assertion,
                "#assertion".to_string(),
                r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="assertion">
        <saml:Issuer>https://idp.example.com</saml:Issuer>
      </saml:Assertion>"#,
            )
            .unwrap();
            assert_eq!(selection.kind, VerifiedSelectionKind::WholeNode);
            selection
        });

        assert!(reduced.contains("<saml:Assertion"));
        assert!(reduced.contains("<samlp:Response"));
        assert!(reduced.contains("<Wrapper>"));
    }

    #[test]
    fn validate_and_mark_no_ancestors_roots_signed_assertions_at_the_assertion() {
        let xml = r#"
<Envelope>
  <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="response">
    <Wrapper>
      <saml:Assertion ID="assertion">
        <saml:Issuer>https://idp.example.com</saml:Issuer>
      </saml:Assertion>
    </Wrapper>
    <Unsigned>remove-me</Unsigned>
  </samlp:Response>
</Envelope>
"#;

        let reduced = reduce_with_selection(xml, ReduceMode::ValidateAndMarkNoAncestors, |doc| {
            let assertion = doc.get_root_element().unwrap().get_child_elements()[0]
                .get_child_elements()[0]
                .get_child_elements()[0]
                .clone();

            let selection = VerifiedSelection::new(
                assertion,
                "#assertion".to_string(),
                r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="assertion">
        <saml:Issuer>https://idp.example.com</saml:Issuer>
      </saml:Assertion>"#,
            )
            .unwrap();
            assert_eq!(selection.kind, VerifiedSelectionKind::WholeNode);
            selection
        });

        assert!(reduced.contains("<saml:Assertion"));
        assert!(reduced.contains("xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\""));
        assert!(!reduced.contains("<samlp:Response"));
        assert!(!reduced.contains("<Wrapper>"));
    }

    #[test]
    fn child_sequence_roots_on_the_anchor_shell_and_strips_unsigned_attributes() {
        let xml = r#"
<Response ID="response" Destination="https://evil.example.com/acs">
  <Signed attr="keep" unsigned="drop">value</Signed>
  <Unsigned>remove-me</Unsigned>
</Response>
"#;

        let reduced = reduce_with_selection(xml, ReduceMode::ValidateAndMarkNoAncestors, |doc| {
            let selection = VerifiedSelection::new(
                doc.get_root_element().unwrap(),
                "".to_string(),
                r#"<Signed attr="keep">value</Signed>"#,
            )
            .unwrap();
            assert_eq!(selection.kind, VerifiedSelectionKind::ChildSequence);
            selection
        });

        assert!(reduced.contains("<Response"));
        assert!(!reduced.contains(r#"Destination="https://evil.example.com/acs""#));
        assert!(reduced.contains(r#"<Signed attr="keep">value</Signed>"#));
        assert!(!reduced.contains("unsigned=\"drop\""));
        assert!(!reduced.contains("<Unsigned>"));
    }

    #[test]
    fn child_sequence_supports_comments_pi_and_cdata() {
        let xml = r#"<Root><Parent ID="signed"><!--keep--><?keep instruction?><![CDATA[cdata-value]]><Child attr="signed" unsigned="drop">value</Child>tail<Drop>remove-me</Drop></Parent><Unsigned>remove-me</Unsigned></Root>"#;

        let doc = XmlParser::default().parse_string(xml).unwrap();
        let root = doc.get_root_element().unwrap();
        let parent = root.get_child_elements()[0].clone();
        let parsed = parse_selection(
            &parent,
            "<!--keep--><?keep instruction?>cdata-value<Child attr=\"signed\">value</Child>tail",
        )
        .unwrap();

        let original_children = supported_fragment_children(parent.node_ptr());
        let mut nodes_to_keep = HashSet::new();
        let mut allowed_attributes = HashMap::new();
        let mut kept = Kept::default();

        assert!(collect_matching_sequence(
            &original_children,
            &parsed.sequence_nodes,
            &mut kept,
        ));
        kept.merge_into(&mut nodes_to_keep, &mut allowed_attributes);

        assert_eq!(parsed.sequence_nodes.len(), 5);
        assert!(nodes_to_keep.len() >= 5);
        let child = parent
            .get_child_elements()
            .into_iter()
            .find(|node| node.get_name() == "Child")
            .unwrap();
        let child_attributes = allowed_attributes
            .get(&(child.node_ptr() as usize))
            .expect("matched child should record allowed attributes");

        assert!(child_attributes.contains(&AttributeName {
            local_name: "attr".to_string(),
            namespace: None,
        }));
        assert!(!child_attributes.contains(&AttributeName {
            local_name: "unsigned".to_string(),
            namespace: None,
        }));
    }

    #[test]
    fn attribute_matching_is_namespace_aware() {
        let xml = r#"
<Root xmlns:a="urn:test:a" xmlns:b="urn:test:b">
  <Parent a:id="keep" b:id="drop" plain="keep">value</Parent>
</Root>
"#;

        let doc = XmlParser::default().parse_string(xml).unwrap();
        let parent = doc.get_root_element().unwrap().get_child_elements()[0].clone();
        let fragment_doc = XmlParser::default()
            .parse_string(r#"<Root><Parent xmlns:a="urn:test:a" a:id="keep" plain="keep">value</Parent></Root>"#)
            .unwrap();
        let fragment_parent = fragment_doc
            .get_root_element()
            .unwrap()
            .get_child_elements()[0]
            .clone();

        assert!(fragment_node_matches_original(
            fragment_parent.node_ptr(),
            parent.node_ptr()
        ));

        let allowed_attributes = HashMap::from([(
            parent.node_ptr() as usize,
            raw::attributes(fragment_parent.node_ptr())
                .map(attribute_name_from_ptr)
                .collect(),
        )]);
        prune_unsigned_attributes(parent.node_ptr(), &allowed_attributes).unwrap();
        let reduced = doc.to_string();

        assert!(reduced.contains(r#"a:id="keep""#));
        assert!(reduced.contains(r#"plain="keep""#));
        assert!(!reduced.contains(r#"b:id="drop""#));
    }

    #[test]
    fn collect_id_attributes_rejects_non_ncname_values() {
        let mut doc = XmlParser::default()
            .parse_string(r#"<Response><Assertion ID="element(/1/2)"/></Response>"#)
            .unwrap();

        let error = collect_id_attributes(&mut doc).expect_err(
            "non-NCName ID values should be rejected before entering libxml's ID table",
        );

        assert!(matches!(
            error,
            XmlSecProviderError::XmlInvalidIdAttribute { .. }
        ));
    }

    #[test]
    fn collect_id_attributes_rejects_duplicate_values() {
        let mut doc = XmlParser::default()
            .parse_string(r#"<Response><A ID="dup"/><B ID="dup"/></Response>"#)
            .unwrap();

        let error = collect_id_attributes(&mut doc).expect_err("duplicate IDs should fail closed");

        assert!(matches!(
            error,
            XmlSecProviderError::XmlDuplicateIdAttribute { .. }
        ));
    }

    #[test]
    fn resolve_reference_anchor_supports_explicit_xpointer_fragments() {
        let mut doc = XmlParser::default()
            .parse_string(
                r#"<Response ID="response"><Signature/><A ID="a"/><B ID="b"/></Response>"#,
            )
            .unwrap();
        collect_id_attributes(&mut doc).unwrap();

        let root = doc.get_root_element().unwrap();
        let signature_node = root.get_child_elements()[0].clone();
        let (target, kind) =
            resolve_reference_anchor(Some("#xpointer(id('b'))"), &doc, &signature_node).expect(
                "explicit XPointer fragments should resolve through the XPointer evaluator",
            );

        assert_eq!(target.get_name(), "B");
        assert_eq!(kind, VerifiedSelectionKind::WholeNode);
    }

    #[test]
    fn resolve_reference_anchor_rejects_barename_xpointer_lookalikes() {
        let mut doc = XmlParser::default()
            .parse_string(
                r#"<Response ID="response"><Signature/><A ID="a"/><B ID="b"/></Response>"#,
            )
            .unwrap();
        collect_id_attributes(&mut doc).unwrap();

        let root = doc.get_root_element().unwrap();
        let signature_node = root.get_child_elements()[0].clone();
        let target = resolve_reference_anchor(Some("#element(/1/3)"), &doc, &signature_node);
        assert!(
            target.is_none(),
            "barename URI fragments must not be interpreted as XPointer expressions"
        );
    }
}
