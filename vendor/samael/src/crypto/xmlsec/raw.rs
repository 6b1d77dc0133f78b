//! Read-only views of libxml2 nodes by pointer (Gatehouse patch 6). The `libxml` crate's
//! `Node` registers every node it hands out in a per-document hash map and copies every name
//! and text into a new `String`; the fragment matching below only compares, so it reads the
//! tree in place. Every function takes a node of a document that the caller keeps alive and does
//! not change while the pointer is used.

use libxml::bindings::{_xmlAttr, _xmlNode};
use libxml::tree::NodeType;
use std::ffi::CStr;

pub(super) type NodePtr = *mut _xmlNode;

/// The bytes of a libxml2 string; a NULL string reads as empty, as the `libxml` crate reads it.
fn bytes<'a>(text: *const u8) -> &'a [u8] {
    if text.is_null() {
        return b"";
    }
    unsafe { CStr::from_ptr(text as *const std::ffi::c_char) }.to_bytes()
}

pub(super) fn node_type(node: NodePtr) -> Option<NodeType> {
    NodeType::from_int(unsafe { (*node).type_ })
}

pub(super) fn is_element(node: NodePtr) -> bool {
    node_type(node) == Some(NodeType::ElementNode)
}

/// The node's name as stored (an element's local name when it has a namespace).
pub(super) fn name<'a>(node: NodePtr) -> &'a [u8] {
    bytes(unsafe { (*node).name })
}

/// What `xmlNodeGetContent` returns for a text, CDATA, comment or PI node: its own content.
pub(super) fn own_content<'a>(node: NodePtr) -> &'a [u8] {
    bytes(unsafe { (*node).content })
}

/// The href of the node's namespace, if it has one.
pub(super) fn namespace_href<'a>(node: NodePtr) -> Option<&'a [u8]> {
    let ns = unsafe { (*node).ns };
    (!ns.is_null()).then(|| bytes(unsafe { (*ns).href }))
}

/// The prefix of the node's namespace, if it has a namespace with a prefix.
pub(super) fn namespace_prefix<'a>(node: NodePtr) -> Option<&'a [u8]> {
    let ns = unsafe { (*node).ns };
    (!ns.is_null() && !unsafe { (*ns).prefix }.is_null()).then(|| bytes(unsafe { (*ns).prefix }))
}

/// Child nodes in document order.
pub(super) fn children(node: NodePtr) -> impl Iterator<Item = NodePtr> {
    let mut child = unsafe { (*node).children };
    std::iter::from_fn(move || {
        let current = child;
        if current.is_null() {
            return None;
        }
        child = unsafe { (*current).next };
        Some(current)
    })
}

/// The value of the attribute `name`, whatever its namespace, as `Node::get_attribute` reads it.
pub(super) fn property(node: NodePtr, name: &CStr) -> Option<String> {
    unsafe {
        let value = libxml::bindings::xmlGetProp(node, name.as_ptr() as *const u8);
        if value.is_null() {
            return None;
        }
        let owned = String::from_utf8_lossy(bytes(value)).into_owned();
        libc::free(value as *mut libc::c_void);
        Some(owned)
    }
}

/// Attributes in document order.
pub(super) fn attributes(node: NodePtr) -> impl Iterator<Item = *mut _xmlAttr> {
    let mut attribute = if node.is_null() {
        std::ptr::null_mut()
    } else {
        unsafe { (*node).properties }
    };
    std::iter::from_fn(move || {
        let current = attribute;
        if current.is_null() {
            return None;
        }
        attribute = unsafe { (*current).next };
        Some(current)
    })
}

pub(super) fn attribute_local_name<'a>(attribute: *mut _xmlAttr) -> &'a [u8] {
    bytes(unsafe { (*attribute).name })
}

pub(super) fn attribute_namespace<'a>(attribute: *mut _xmlAttr) -> Option<&'a [u8]> {
    let ns = unsafe { (*attribute).ns };
    if ns.is_null() {
        return None;
    }
    let href = unsafe { (*ns).href };
    (!href.is_null()).then(|| bytes(href))
}

/// The first attribute of `node` with this local name and namespace.
pub(super) fn find_attribute(
    node: NodePtr,
    local_name: &[u8],
    namespace: Option<&[u8]>,
) -> Option<*mut _xmlAttr> {
    attributes(node)
        .find(|&a| attribute_local_name(a) == local_name && attribute_namespace(a) == namespace)
}

/// Whether two attributes have the same value, as `xmlNodeGetContent` gives it.
pub(super) fn same_attribute_value(left: *mut _xmlAttr, right: *mut _xmlAttr) -> bool {
    match (single_text_value(left), single_text_value(right)) {
        (Some(l), Some(r)) => l == r,
        _ => owned_value(left) == owned_value(right),
    }
}

/// The value of an attribute whose only child is one text node (as parsed attributes are).
pub(super) fn single_text_value<'a>(attribute: *mut _xmlAttr) -> Option<&'a [u8]> {
    let child = unsafe { (*attribute).children };
    if child.is_null() {
        return Some(b"");
    }
    let alone = unsafe { (*child).next.is_null() };
    (alone && node_type(child) == Some(NodeType::TextNode)).then(|| own_content(child))
}

fn owned_value(attribute: *mut _xmlAttr) -> Vec<u8> {
    unsafe {
        let value = libxml::bindings::xmlNodeGetContent(attribute as *mut _xmlNode);
        if value.is_null() {
            return Vec::new();
        }
        let owned = bytes(value).to_vec();
        libc::free(value as *mut libc::c_void);
        owned
    }
}
