//! Reading a User resource (POST, PUT, and the patched document of a PATCH) into the
//! directory's terms, strictly: wrong types (of every attribute, read or not), bad dates and
//! attributes the core schema does not know are refused with the attribute named; an unknown
//! attribute whose value is null says nothing and is ignored. Custom attributes are accepted
//! under their extension URN, as an object or as `URN:attribute` keys, listed in `schemas` or
//! not.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::error::ScimError;
use super::resource::{ENTERPRISE, GATEHOUSE};
use crate::directory::employees::Profile;
use crate::directory::zones;

/// Core User attributes (RFC 7643 section 4.1) and common ones we accept and ignore.
const CORE: &[&str] = &[
    "schemas",
    "id",
    "externalid",
    "meta",
    "username",
    "name",
    "displayname",
    "nickname",
    "profileurl",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phonenumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509certificates",
];

/// Single-valued core attributes that are strings.
const STRINGS: &[&str] = &[
    "id",
    "externalid",
    "username",
    "displayname",
    "nickname",
    "profileurl",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
];

const ENTERPRISE_STRINGS: &[&str] = &[
    "employeenumber",
    "costcenter",
    "organization",
    "division",
    "department",
];

/// Multi-valued core attributes: arrays of objects.
const LISTS: &[&str] = &[
    "emails",
    "phonenumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509certificates",
];

#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    pub profile: Profile,
    pub active: bool,
    pub manager: Option<String>,
    /// The profile fields (by their `Profile::fields` names) this document gave a value for:
    /// an adoption takes these and keeps the rest.
    pub sent: Vec<&'static str>,
}

/// `schemas` of a POST or PUT: an array that holds the resource's core schema URN (RFC 7643
/// section 3 makes it required; Entra always sends it).
pub fn check_schemas(doc: &Value, core: &str) -> Result<(), ScimError> {
    let object = object(doc)?;
    match field(object, "schemas") {
        None => Err(ScimError::value(format!(
            "schemas is required: an array containing {core}"
        ))),
        Some(Value::Array(urns)) => {
            if !urns.iter().all(Value::is_string) {
                return Err(ScimError::value("schemas must be an array of URN strings"));
            }
            match urns
                .iter()
                .filter_map(Value::as_str)
                .any(|u| u.eq_ignore_ascii_case(core))
            {
                true => Ok(()),
                false => Err(ScimError::value(format!("schemas must contain {core}"))),
            }
        }
        Some(other) => Err(ScimError::value(format!(
            "schemas must be an array containing {core}, not {other}"
        ))),
    }
}

/// Reads a User document; a date given without a time is the start of that day in `zone`.
pub fn parse_user(doc: &Value, zone: Tz) -> Result<UserInput, ScimError> {
    let object = object(doc)?;
    let mut enterprise = Map::new();
    let mut ours = Map::new();
    for (key, value) in object {
        let lower = key.to_ascii_lowercase();
        if let Some(rest) = extension_key(&lower, ENTERPRISE) {
            merge_extension(&mut enterprise, key, rest, value)?;
        } else if let Some(rest) = extension_key(&lower, GATEHOUSE) {
            merge_extension(&mut ours, key, rest, value)?;
        } else if lower.starts_with("urn:") {
            // Another extension: not ours to judge.
        } else if CORE.contains(&lower.as_str()) {
            check_core_type(key, &lower, value)?;
        } else if !value.is_null() {
            // Refused rather than dropped: a mapping to an attribute we do not keep would
            // otherwise look successful in Entra while the value goes nowhere.
            return Err(ScimError::syntax(format!(
                "unknown attribute {key:?} in the core User schema"
            )));
        }
    }
    // The enterprise extension's string attributes (RFC 7643 section 4.3); clients may repeat
    // `schemas` inside the extension object, which says nothing.
    for (key, value) in &enterprise {
        if ENTERPRISE_STRINGS.contains(&key.to_ascii_lowercase().as_str()) {
            string_or_null(value, &format!("{ENTERPRISE}:{key}"))?;
        }
    }
    let get = |name: &str| field(object, name);
    let user_name = text(get("userName"), "userName")?
        .ok_or_else(|| ScimError::value("userName is required"))?;
    let name = match get("name") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(name)) => name.clone(),
        Some(_) => return Err(ScimError::value("name must be an object")),
    };
    let email = typed_value(get("emails"), "emails", "work", "value")?;
    let email = match email {
        Some(email) => email,
        // Entra's UPN is an address; a client that sends no email gets it as the work email.
        None if user_name.contains('@') => user_name.clone(),
        None => return Err(ScimError::value("emails: a work email is required")),
    };
    let active = match get("active") {
        None | Some(Value::Null) => true,
        Some(value) => boolean(value)
            .ok_or_else(|| ScimError::value(format!("active must be a boolean, not {value}")))?,
    };
    let employee_number = match text(field(&ours, "employeeNumber"), "employeeNumber")? {
        Some(number) => Some(number),
        None => text(field(&enterprise, "employeeNumber"), "employeeNumber")?,
    };
    let manager = match field(&enterprise, "manager") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Object(m)) => text(field(m, "value"), "manager.value")?,
        // One manager, sent as a one-element list of references.
        Some(Value::Array(items)) if items.len() <= 1 => match items.first() {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Object(m)) => text(field(m, "value"), "manager.value")?,
            Some(other) => {
                return Err(ScimError::value(format!(
                    "manager must be an object with a value, not {other}"
                )));
            }
        },
        Some(other) => {
            return Err(ScimError::value(format!(
                "manager must be an object with a value, not {other}"
            )));
        }
    };
    let email_sent = typed_value(get("emails"), "emails", "work", "value")?.is_some();
    let given_name = text(field(&name, "givenName"), "name.givenName")?;
    let family_name = text(field(&name, "familyName"), "name.familyName")?;
    let profile = Profile {
        external_id: text(get("externalId"), "externalId")?,
        user_name,
        email,
        given_name: given_name.clone().unwrap_or_default(),
        family_name: family_name.clone().unwrap_or_default(),
        display_name: text(get("displayName"), "displayName")?,
        job_title: text(get("title"), "title")?,
        department: text(field(&enterprise, "department"), "department")?,
        mobile_phone: typed_value(get("phoneNumbers"), "phoneNumbers", "mobile", "value")?,
        work_phone: typed_value(get("phoneNumbers"), "phoneNumbers", "work", "value")?,
        country: typed_value(get("addresses"), "addresses", "work", "country")?,
        employment_date: date(field(&ours, "dateOfEmployment"), zone)?,
        payroll_number: text(field(&ours, "payrollNumber"), "payrollNumber")?,
        employee_number,
        subsidiary: text(field(&ours, "groupCompanyName"), "groupCompanyName")?,
    };
    let sent = profile
        .fields()
        .into_iter()
        .filter(|(name, value)| match *name {
            "user_name" => true,
            "email" => email_sent,
            "given_name" => given_name.is_some(),
            "family_name" => family_name.is_some(),
            _ => value.is_some(),
        })
        .map(|(name, _)| name)
        .collect();
    Ok(UserInput {
        profile,
        active,
        manager: manager.filter(|m| !m.trim().is_empty()),
        sent,
    })
}

/// The type of a core attribute we may not read, so a wrong one is refused and not dropped.
fn check_core_type(key: &str, lower: &str, value: &Value) -> Result<(), ScimError> {
    if STRINGS.contains(&lower) {
        return string_or_null(value, key);
    }
    if LISTS.contains(&lower) {
        return match value {
            Value::Null => Ok(()),
            Value::Array(items) => items.iter().try_for_each(|item| match item {
                Value::Object(element) => element.iter().try_for_each(|(sub, v)| match v {
                    Value::Null | Value::String(_) | Value::Bool(_) => Ok(()),
                    other => Err(ScimError::value(format!(
                        "{key}.{sub} must be a string or boolean, not {other}"
                    ))),
                }),
                other => Err(ScimError::value(format!(
                    "{key} must hold objects, not {other}"
                ))),
            }),
            other => Err(ScimError::value(format!(
                "{key} must be an array, not {other}"
            ))),
        };
    }
    match lower {
        "name" => match value {
            Value::Null => Ok(()),
            Value::Object(parts) => parts
                .iter()
                .try_for_each(|(sub, v)| string_or_null(v, &format!("name.{sub}"))),
            other => Err(ScimError::value(format!(
                "name must be an object, not {other}"
            ))),
        },
        "meta" => match value {
            Value::Null | Value::Object(_) => Ok(()),
            other => Err(ScimError::value(format!(
                "meta must be an object, not {other}"
            ))),
        },
        // schemas is checked by `check_schemas`, active where it is read.
        _ => Ok(()),
    }
}

fn string_or_null(value: &Value, name: &str) -> Result<(), ScimError> {
    match value {
        Value::Null | Value::String(_) => Ok(()),
        other => Err(ScimError::value(format!(
            "{name} must be a string, not {other}"
        ))),
    }
}

/// `Some("")` for the extension object itself, `Some("attr")` for a flattened `URN:attr` key.
fn extension_key<'a>(lower_key: &'a str, urn: &str) -> Option<&'a str> {
    let urn = urn.to_ascii_lowercase();
    match lower_key.strip_prefix(&urn) {
        Some("") => Some(""),
        Some(rest) => rest.strip_prefix(':'),
        None => None,
    }
}

fn merge_extension(
    into: &mut Map<String, Value>,
    key: &str,
    rest: &str,
    value: &Value,
) -> Result<(), ScimError> {
    if rest.is_empty() {
        match value {
            Value::Object(map) => into.extend(map.clone()),
            Value::Null => {}
            _ => return Err(ScimError::value(format!("{key} must be an object"))),
        }
    } else {
        into.insert(rest.to_owned(), value.clone());
    }
    Ok(())
}

/// A request body, which must be a JSON object.
pub fn object(body: &Value) -> Result<&Map<String, Value>, ScimError> {
    body.as_object()
        .ok_or_else(|| ScimError::syntax("the body must be a JSON object"))
}

/// Attribute names are case-insensitive (RFC 7643 section 2.1).
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text(value: Option<&Value>, name: &str) -> Result<Option<String>, ScimError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.trim().is_empty())),
        Some(other) => Err(ScimError::value(format!(
            "{name} must be a string, not {other}"
        ))),
    }
}

/// Entra sends booleans as JSON booleans or, in PATCH, as "True"/"False".
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `sub` of the element of a multi-valued attribute with the given `type` (or, for the work
/// kind, the primary or only element when none is typed).
fn typed_value(
    list: Option<&Value>,
    name: &str,
    kind: &str,
    sub: &str,
) -> Result<Option<String>, ScimError> {
    let items = match list {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ScimError::value(format!("{name} must be an array"))),
    };
    let mut objects = Vec::new();
    for item in items {
        match item {
            Value::Object(map) => objects.push(map),
            _ => return Err(ScimError::value(format!("{name} must hold objects"))),
        }
    }
    let kind_of = |m: &Map<String, Value>| {
        field(m, "type")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    let chosen = objects
        .iter()
        .find(|m| kind_of(m).as_deref() == Some(kind))
        .or_else(|| match (kind, sub) {
            // One work email and one work country: without a "work" element, the primary one,
            // else the first. Phone numbers keep their type.
            ("work", "value") if name == "emails" => objects
                .iter()
                .find(|m| field(m, "primary").and_then(boolean) == Some(true))
                .or_else(|| objects.first()),
            ("work", "country") => objects
                .iter()
                .find(|m| field(m, "primary").and_then(boolean) == Some(true))
                .or_else(|| objects.first()),
            _ => None,
        });
    match chosen {
        Some(item) => text(
            field(item, sub),
            &format!("{name}[type eq \"{kind}\"].{sub}"),
        ),
        None => Ok(None),
    }
}

/// The instant as sent (kept to the microsecond, as UTC); a bare date is the start of that day
/// in the account's zone.
fn date(value: Option<&Value>, zone: Tz) -> Result<Option<NaiveDateTime>, ScimError> {
    let Some(text) = self::text(value, "dateOfEmployment")? else {
        return Ok(None);
    };
    let parsed = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|d| chrono::SubsecRound::trunc_subsecs(d.naive_utc(), 6))
        .or_else(|_| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map(|d| zones::start_of(d, zone))
        })
        .map_err(|_| {
            ScimError::value(format!(
                "dateOfEmployment {text:?} is not a dateTime (e.g. 2024-03-01T00:00:00Z)"
            ))
        })?;
    Ok(Some(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_an_entra_create_with_custom_attributes_under_their_urn() {
        let doc = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": "ann", "userName": "ann@acme.com", "active": true,
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "emails": [{"primary": true, "type": "work", "value": "ann.lee@acme.com"}],
            "phoneNumbers": [{"type": "mobile", "value": "+46 70"}, {"type": "work", "value": "+46 8"}],
            "title": "Buyer",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "manager": "boss-id"},
            "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:payrollNumber": "P-7",
            "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User": {"dateOfEmployment": "2021-04-01T00:00:00Z"}
        });
        let input = parse_user(&doc, Tz::UTC).expect("valid");
        assert_eq!(input.profile.email, "ann.lee@acme.com");
        assert_eq!(input.profile.mobile_phone.as_deref(), Some("+46 70"));
        assert_eq!(input.profile.department.as_deref(), Some("Sales"));
        assert_eq!(input.profile.payroll_number.as_deref(), Some("P-7"));
        assert_eq!(
            input.profile.employment_date.map(zones::rfc3339).as_deref(),
            Some("2021-04-01T00:00:00Z")
        );
        assert_eq!(input.manager.as_deref(), Some("boss-id"));
    }

    #[test]
    fn refusals_name_the_attribute() {
        let cases = [
            (json!({"userName": 5}), "userName must be a string"),
            (
                json!({"userName": "a@x.com", "shoeSize": 9}),
                "unknown attribute \"shoeSize\"",
            ),
            (
                json!({"userName": "a@x.com", "active": "maybe"}),
                "active must be a boolean",
            ),
            (
                json!({"userName": "a@x.com", "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User": {"dateOfEmployment": "31/12/2020"}}),
                "dateOfEmployment",
            ),
            (json!({"emails": []}), "userName is required"),
        ];
        for (doc, expected) in cases {
            let error = parse_user(&doc, Tz::UTC).expect_err("refused");
            assert!(error.detail.contains(expected), "{doc}: {}", error.detail);
            assert_eq!(error.status, actix_web::http::StatusCode::BAD_REQUEST);
        }
    }
}
