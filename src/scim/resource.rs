//! A person as a SCIM User resource (core, enterprise extension, and ours).

use serde_json::{Map, Value, json};

use crate::directory::employees::Employee;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GATEHOUSE: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub fn time(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The User resource; `base` is the SCIM base URL for `meta.location`.
pub fn user(person: &Employee, base: &str) -> Value {
    let mut doc = Map::new();
    doc.insert("schemas".into(), json!([USER]));
    doc.insert("id".into(), json!(person.id));
    if let Some(external_id) = &person.external_id {
        doc.insert("externalId".into(), json!(external_id));
    }
    doc.insert("userName".into(), json!(person.user_name));
    doc.insert(
        "name".into(),
        json!({ "givenName": person.given_name, "familyName": person.family_name }),
    );
    doc.insert("displayName".into(), json!(person.display_name()));
    if let Some(title) = &person.job_title {
        doc.insert("title".into(), json!(title));
    }
    doc.insert("active".into(), json!(person.active));
    doc.insert(
        "emails".into(),
        json!([{ "value": person.email, "type": "work" }]),
    );
    let phones: Vec<Value> = [
        ("mobile", &person.mobile_phone),
        ("work", &person.work_phone),
    ]
    .into_iter()
    .filter_map(|(kind, number)| number.as_ref().map(|n| json!({ "value": n, "type": kind })))
    .collect();
    if !phones.is_empty() {
        doc.insert("phoneNumbers".into(), Value::Array(phones));
    }
    if let Some(country) = &person.country {
        doc.insert(
            "addresses".into(),
            json!([{ "type": "work", "country": country }]),
        );
    }
    let mut enterprise = Map::new();
    if let Some(department) = &person.department {
        enterprise.insert("department".into(), json!(department));
    }
    if let Some(number) = &person.employee_number {
        enterprise.insert("employeeNumber".into(), json!(number));
    }
    if let Some(manager) = &person.manager_ref {
        // Entra breaks on a bare string here: always {"value": ...}.
        enterprise.insert("manager".into(), json!({ "value": manager }));
    }
    add_extension(&mut doc, ENTERPRISE, enterprise);
    let mut ours = Map::new();
    if let Some(instant) = person.employment_date {
        // The instant Entra sent, in the form it sends: a difference would be re-sent forever.
        ours.insert(
            "dateOfEmployment".into(),
            json!(crate::directory::zones::rfc3339(instant)),
        );
    }
    for (key, value) in [
        ("payrollNumber", &person.payroll_number),
        ("employeeNumber", &person.employee_number),
        ("groupCompanyName", &person.subsidiary),
    ] {
        if let Some(value) = value {
            ours.insert(key.into(), json!(value));
        }
    }
    add_extension(&mut doc, GATEHOUSE, ours);
    doc.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": time(person.created_at),
            "lastModified": time(person.updated_at),
            "location": format!("{base}/Users/{}", person.id),
        }),
    );
    Value::Object(doc)
}

/// A ListResponse: one page of `resources` out of `total`, starting at `start` (1-based).
pub fn list_response(total: usize, start: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// An extension appears (in the body and in `schemas`) only when it holds something.
fn add_extension(doc: &mut Map<String, Value>, urn: &str, values: Map<String, Value>) {
    if values.is_empty() {
        return;
    }
    if let Some(Value::Array(schemas)) = doc.get_mut("schemas") {
        schemas.push(json!(urn));
    }
    doc.insert(urn.into(), Value::Object(values));
}

/// Applies `attributes` / `excludedAttributes` (RFC 7644 section 3.4.2.5). `id` and `schemas`
/// are always returned.
pub fn project(mut doc: Value, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let list = |text: Option<&str>| -> Vec<String> {
        text.unwrap_or_default()
            .split(',')
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect()
    };
    let (wanted, unwanted) = (list(attributes), list(excluded));
    let Value::Object(map) = &mut doc else {
        return doc;
    };
    if !wanted.is_empty() {
        map.retain(|key, value| {
            let key = key.to_ascii_lowercase();
            if key == "id" || key == "schemas" {
                return true;
            }
            let subs: Vec<&str> = wanted
                .iter()
                .filter_map(|w| {
                    w.strip_prefix(&format!("{key}."))
                        .or_else(|| w.strip_prefix(&format!("{key}:")))
                })
                .collect();
            if wanted.contains(&key) {
                return true;
            }
            if subs.is_empty() {
                return false;
            }
            if let Value::Object(inner) = value {
                inner.retain(|k, _| subs.contains(&k.to_ascii_lowercase().as_str()));
            }
            true
        });
    }
    for key in unwanted {
        let found: Vec<String> = map
            .keys()
            .filter(|k| k.to_ascii_lowercase() == key)
            .cloned()
            .collect();
        for k in found {
            map.remove(&k);
        }
    }
    doc
}
