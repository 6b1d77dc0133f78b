//! PATCH (RFC 7644 section 3.5.2) as Entra sends it, in both dialects: capitalised or lowercase
//! ops, booleans as strings, the manager as a bare id (cleared with "", null or Remove), filtered
//! paths whose element does not exist yet, and path-less replaces with dotted or URN keys.
//! Operations apply to the resource's JSON; the result is read back by the same parser as PUT.

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, PatchPath, ValFilter};
use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::resource::{ENTERPRISE, GATEHOUSE, PATCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// The operations of a PatchOp request (RFC 7644 section 3.5.2), once its envelope is checked:
/// a JSON object whose `schemas` holds the PatchOp URN and whose `Operations` is an array.
pub fn operations(request: &Value) -> Result<&[Value], ScimError> {
    let body = super::input::object(request)?;
    let schemas_ok = super::input::field(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(PATCH)));
    if !schemas_ok {
        return Err(ScimError::syntax(format!("schemas must contain {PATCH}")));
    }
    super::input::field(body, "Operations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| ScimError::syntax("Operations must be an array"))
}

/// One operation of a PatchOp request, which must be a JSON object.
pub fn operation(operation: &Value) -> Result<&Map<String, Value>, ScimError> {
    operation
        .as_object()
        .ok_or_else(|| ScimError::syntax("each operation must be an object"))
}

/// Checks the PatchOp envelope and applies each operation to `doc` in order.
pub fn apply(doc: &mut Value, request: &Value) -> Result<(), ScimError> {
    for operation in operations(request)? {
        let operation = self::operation(operation)?;
        let op = match super::input::field(operation, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(op) if op == "add" => Op::Add,
            Some(op) if op == "replace" => Op::Replace,
            Some(op) if op == "remove" => Op::Remove,
            other => {
                return Err(ScimError::syntax(format!(
                    "op {other:?} is not add, replace or remove"
                )));
            }
        };
        let value = super::input::field(operation, "value").cloned();
        match super::input::field(operation, "path")
            .and_then(Value::as_str)
            .map(str::trim)
        {
            Some(path) if !path.is_empty() => at_path(doc, op, path, value)?,
            _ if op == Op::Remove => return Err(ScimError::no_target("remove needs a path")),
            _ => without_path(doc, op, value)?,
        }
    }
    Ok(())
}

fn object(doc: &mut Value) -> &mut Map<String, Value> {
    if !doc.is_object() {
        *doc = json!({});
    }
    match doc {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

/// The key in `map` that matches `name` case-insensitively, or `name` itself.
fn key_in(map: &Map<String, Value>, name: &str) -> String {
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn child<'a>(map: &'a mut Map<String, Value>, name: &str) -> &'a mut Value {
    let key = key_in(map, name);
    map.entry(key).or_insert(Value::Null)
}

fn without_path(doc: &mut Value, op: Op, value: Option<Value>) -> Result<(), ScimError> {
    let Some(Value::Object(values)) = value else {
        return Err(ScimError::syntax(
            "an operation without a path needs an object value",
        ));
    };
    for (key, value) in values {
        let lower = key.to_ascii_lowercase();
        let extension = [ENTERPRISE, GATEHOUSE]
            .into_iter()
            .find(|urn| lower == urn.to_ascii_lowercase());
        match (extension, &value) {
            (Some(urn), Value::Object(inner)) => {
                for (sub, v) in inner {
                    set(
                        doc,
                        op,
                        &AttrPath {
                            uri: Some(urn.to_owned()),
                            name: sub.clone(),
                            sub_attr: None,
                        },
                        v.clone(),
                    )?;
                }
            }
            _ => {
                let path: PatchPath = key
                    .parse()
                    .map_err(|_| ScimError::path(format!("{key:?} is not an attribute path")))?;
                match path {
                    PatchPath::Attr(attr) => set(doc, op, &attr, value)?,
                    PatchPath::Value(_) => {
                        return Err(ScimError::path(format!(
                            "{key:?}: use a path for filtered values"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

fn at_path(doc: &mut Value, op: Op, path: &str, value: Option<Value>) -> Result<(), ScimError> {
    // A bare extension URN names the whole extension object.
    if let Some(urn) = [ENTERPRISE, GATEHOUSE]
        .into_iter()
        .find(|u| u.eq_ignore_ascii_case(path))
    {
        let root = object(doc);
        return match op {
            Op::Remove => {
                let key = key_in(root, urn);
                root.remove(&key);
                Ok(())
            }
            _ => {
                let mut wrapped = Map::new();
                wrapped.insert(urn.to_owned(), value.unwrap_or(Value::Null));
                without_path(doc, op, Some(Value::Object(wrapped)))
            }
        };
    }
    let parsed: PatchPath = path
        .parse()
        .map_err(|e| ScimError::path(format!("{path:?} is not a valid path: {e}")))?;
    match (parsed, op) {
        (PatchPath::Attr(attr), Op::Remove) => {
            remove(doc, &resolved(attr));
            Ok(())
        }
        (PatchPath::Attr(attr), _) => set(doc, op, &attr, value.unwrap_or(Value::Null)),
        (PatchPath::Value(vp), _) => filtered(
            doc,
            op,
            &resolved(vp.attr),
            &vp.filter,
            vp.sub_attr.as_deref(),
            value,
        ),
    }
}

/// `manager` without its URN is the enterprise extension's: the core schema has none.
fn resolved(attr: AttrPath) -> AttrPath {
    let core = attr
        .uri
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(super::resource::USER));
    match is_manager(&attr) && core {
        true => AttrPath {
            uri: Some(ENTERPRISE.to_owned()),
            ..attr
        },
        false => attr,
    }
}

/// The object an attribute lives in: the document, or its extension object.
fn container<'a>(doc: &'a mut Value, attr: &AttrPath) -> &'a mut Map<String, Value> {
    let root = object(doc);
    match &attr.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(super::resource::USER) => object(child(root, uri)),
        _ => root,
    }
}

fn is_manager(attr: &AttrPath) -> bool {
    attr.name.eq_ignore_ascii_case("manager")
}

fn set(doc: &mut Value, op: Op, attr: &AttrPath, value: Value) -> Result<(), ScimError> {
    // Entra names the manager by a bare id and clears it with "" or null.
    if is_manager(attr) {
        // One manager, possibly sent as a one-element list of references.
        let single = match &value {
            Value::Array(items) if items.len() <= 1 => items.first().cloned().unwrap_or_default(),
            other => other.clone(),
        };
        let id = match &single {
            Value::String(id) => Some(id.clone()),
            Value::Object(m) => super::input::field(m, "value")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Value::Null => None,
            other => {
                return Err(ScimError::value(format!(
                    "manager must be an id, not {other}"
                )));
            }
        };
        let manager_attr = AttrPath {
            uri: Some(ENTERPRISE.to_owned()),
            name: "manager".into(),
            sub_attr: None,
        };
        let map = container(doc, &manager_attr);
        let key = key_in(map, "manager");
        match id.filter(|id| !id.trim().is_empty()) {
            Some(id) => map.insert(key, json!({ "value": id })),
            None => map.remove(&key),
        };
        return Ok(());
    }
    let map = container(doc, attr);
    match &attr.sub_attr {
        Some(sub) => {
            let parent = object(child(map, &attr.name));
            let key = key_in(parent, sub);
            parent.insert(key, value);
        }
        None => {
            let key = key_in(map, &attr.name);
            match (op, map.get_mut(&key), value) {
                // Add to a multi-valued attribute appends, replacing elements of the same type.
                (Op::Add, Some(Value::Array(existing)), Value::Array(new)) => {
                    for item in new {
                        let kind = item.get("type").cloned();
                        if kind.is_some() {
                            existing.retain(|e| e.get("type") != kind.as_ref());
                        }
                        existing.push(item);
                    }
                }
                // Add or replace of a complex attribute merges its sub-attributes.
                (_, Some(Value::Object(existing)), Value::Object(new)) => {
                    for (k, v) in new {
                        let k = key_in(existing, &k);
                        existing.insert(k, v);
                    }
                }
                (_, _, value) => {
                    map.insert(key, value);
                }
            }
        }
    }
    Ok(())
}

fn remove(doc: &mut Value, attr: &AttrPath) {
    let map = container(doc, attr);
    let key = key_in(map, &attr.name);
    match &attr.sub_attr {
        Some(sub) => {
            if let Some(Value::Object(parent)) = map.get_mut(&key) {
                let sub_key = key_in(parent, sub);
                parent.remove(&sub_key);
            }
        }
        None => {
            map.remove(&key);
        }
    }
}

/// `attr[filter].sub`: sets or removes on the matching elements; an add or replace that matches
/// nothing creates the element from the filter's equalities (Entra's "Add" of a phone number).
fn filtered(
    doc: &mut Value,
    op: Op,
    attr: &AttrPath,
    filter: &ValFilter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let map = container(doc, attr);
    let key = key_in(map, &attr.name);
    // A single-valued complex attribute (the manager) is a list of one for the filter.
    let single = is_manager(attr) || map.get(&key).is_some_and(Value::is_object);
    let mut items = match map.remove(&key) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(one) => vec![one],
    };
    let result = filter_list(&mut items, op, attr, filter, sub, value);
    match (single, items.len()) {
        (true, 0) => {}
        (true, _) => {
            let last = items.pop().unwrap_or_default();
            map.insert(key, last);
        }
        (false, _) => {
            map.insert(key, Value::Array(items));
        }
    }
    result
}

fn filter_list(
    items: &mut Vec<Value>,
    op: Op,
    attr: &AttrPath,
    filter: &ValFilter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if op == Op::Remove {
        match sub {
            Some(sub) => {
                for item in items.iter_mut().filter(|i| matches(i, filter)) {
                    if let Value::Object(m) = item {
                        let key = key_in(m, sub);
                        m.remove(&key);
                    }
                }
            }
            None => items.retain(|i| !matches(i, filter)),
        }
        return Ok(());
    }
    let value = value.unwrap_or(Value::Null);
    let mut found = false;
    for item in items.iter_mut().filter(|i| matches(i, filter)) {
        found = true;
        write_into(item, sub, value.clone());
    }
    if !found {
        let mut created = Map::new();
        equalities(filter, &mut created)
            .then_some(())
            .ok_or_else(|| {
                ScimError::no_target(format!("no {} element matches the filter", attr.name))
            })?;
        let mut item = Value::Object(created);
        write_into(&mut item, sub, value);
        items.push(item);
    }
    Ok(())
}

fn write_into(item: &mut Value, sub: Option<&str>, value: Value) {
    let target = object(item);
    match (sub, value) {
        (Some(sub), value) => {
            let key = key_in(target, sub);
            target.insert(key, value);
        }
        (None, Value::Object(fields)) => {
            for (k, v) in fields {
                let k = key_in(target, &k);
                target.insert(k, v);
            }
        }
        (None, other) => {
            target.insert("value".into(), other);
        }
    }
}

/// Fills `into` with the `attr eq value` terms of a conjunction; false for any other shape.
fn equalities(filter: &ValFilter, into: &mut Map<String, Value>) -> bool {
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, value)) => {
            into.insert(path.name.clone(), compared(value));
            true
        }
        ValFilter::And(operands) => operands.as_slice().iter().all(|f| equalities(f, into)),
        _ => false,
    }
}

fn compared(value: &CompValue) -> Value {
    match value {
        CompValue::Str(s) => json!(s),
        CompValue::True => json!(true),
        CompValue::False => json!(false),
        CompValue::Null => Value::Null,
        CompValue::Number(n) => Value::Number(n.clone()),
    }
}

/// The employee number lives in both the enterprise extension and ours (Entra maps it to
/// either): whichever a PATCH changed, the other follows, so a change or removal is not undone.
pub fn sync_employee_number(before: &Value, after: &mut Value) {
    let number = |doc: &Value, urn: &str| {
        doc.get(urn)
            .and_then(|ext| ext.get("employeeNumber"))
            .cloned()
    };
    let (enterprise_before, ours_before) = (number(before, ENTERPRISE), number(before, GATEHOUSE));
    let (enterprise_after, ours_after) = (number(after, ENTERPRISE), number(after, GATEHOUSE));
    let (value, target) = if enterprise_after != enterprise_before {
        (enterprise_after, GATEHOUSE)
    } else if ours_after != ours_before {
        (ours_after, ENTERPRISE)
    } else {
        return;
    };
    let root = object(after);
    let extension = object(child(root, target));
    match value {
        Some(value) => extension.insert("employeeNumber".into(), value),
        None => extension.remove("employeeNumber"),
    };
}

/// Whether an element of a multi-valued attribute matches a value filter. String comparison
/// ignores case: `type` and `value` of emails, phones and members are not case-exact.
pub fn matches(item: &Value, filter: &ValFilter) -> bool {
    match filter {
        ValFilter::Attr(AttrExp::Present(path)) => {
            field_of(item, path).is_some_and(|v| !v.is_null())
        }
        ValFilter::Attr(AttrExp::Comparison(path, op, expected)) => {
            let actual = field_of(item, path);
            match (actual, expected) {
                (Some(Value::String(a)), CompValue::Str(e)) => {
                    let (a, e) = (a.to_lowercase(), e.to_lowercase());
                    match op {
                        CompareOp::Eq => a == e,
                        CompareOp::Ne => a != e,
                        CompareOp::Co => a.contains(&e),
                        CompareOp::Sw => a.starts_with(&e),
                        CompareOp::Ew => a.ends_with(&e),
                        CompareOp::Gt => a > e,
                        CompareOp::Ge => a >= e,
                        CompareOp::Lt => a < e,
                        CompareOp::Le => a <= e,
                    }
                }
                (Some(actual), expected) => {
                    let same = super::input::boolean(actual)
                        .map(Value::Bool)
                        .unwrap_or_else(|| actual.clone())
                        == compared(expected);
                    match op {
                        CompareOp::Eq => same,
                        CompareOp::Ne => !same,
                        _ => false,
                    }
                }
                (None, CompValue::Null) => *op == CompareOp::Eq,
                (None, _) => *op == CompareOp::Ne,
            }
        }
        ValFilter::Not(inner) => !matches(item, inner),
        ValFilter::And(operands) => operands.as_slice().iter().all(|f| matches(item, f)),
        ValFilter::Or(operands) => operands.as_slice().iter().any(|f| matches(item, f)),
    }
}

fn field_of<'a>(item: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let object = item.as_object()?;
    super::input::field(object, &path.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Value {
        json!({
            "userName": "ann@acme.com", "active": true,
            "emails": [{"type": "work", "value": "ann@acme.com", "primary": true}],
            ENTERPRISE: {"manager": {"value": "m1"}}
        })
    }

    fn ops(operations: Value) -> Value {
        json!({"schemas": [PATCH], "Operations": operations})
    }

    #[test]
    fn entra_default_dialect() {
        let mut doc = user();
        apply(&mut doc, &ops(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+46 70"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ann.lee@acme.com"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m2"},
        ]))).expect("applies");
        assert_eq!(doc["active"], "False");
        assert_eq!(
            doc["phoneNumbers"],
            json!([{"type": "mobile", "value": "+46 70"}])
        );
        assert_eq!(doc["emails"][0]["value"], "ann.lee@acme.com");
        assert_eq!(doc[ENTERPRISE]["manager"], json!({"value": "m2"}));
        apply(&mut doc, &ops(json!([{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": ""}]))).expect("clear");
        assert!(doc[ENTERPRISE].get("manager").is_none());
    }

    #[test]
    fn aad_opt_scim_062020_dialect_with_pathless_dotted_and_urn_keys() {
        let mut doc = user();
        apply(&mut doc, &ops(json!([{"op": "replace", "value": {
            "active": false,
            "name.givenName": "Annie",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
            "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User": {"payrollNumber": "P-1"}
        }}]))).expect("applies");
        assert_eq!(doc["active"], false);
        assert_eq!(doc["name"]["givenName"], "Annie");
        assert_eq!(doc[ENTERPRISE]["department"], "Sales");
        assert_eq!(doc[GATEHOUSE]["payrollNumber"], "P-1");
        apply(&mut doc, &ops(json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]))).expect("remove");
        assert!(doc[ENTERPRISE].get("manager").is_none());
    }

    #[test]
    fn malformed_operations_are_refused() {
        let mut doc = user();
        assert_eq!(
            apply(&mut doc, &json!({"Operations": []}))
                .expect_err("schemas")
                .scim_type,
            Some("invalidSyntax")
        );
        assert_eq!(
            apply(&mut doc, &ops(json!([{"op": "Move", "path": "x"}])))
                .expect_err("op")
                .scim_type,
            Some("invalidSyntax")
        );
        assert_eq!(
            apply(&mut doc, &ops(json!([{"op": "remove"}])))
                .expect_err("target")
                .scim_type,
            Some("noTarget")
        );
        assert_eq!(
            apply(
                &mut doc,
                &ops(json!([{"op": "add", "path": "emails[[", "value": 1}]))
            )
            .expect_err("path")
            .scim_type,
            Some("invalidPath")
        );
    }
}
