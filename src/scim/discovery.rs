//! /ServiceProviderConfig, /Schemas and /ResourceTypes (RFC 7643 sections 5 to 7).

use serde_json::{Value, json};

use super::resource::{ENTERPRISE, GATEHOUSE, GROUP, USER};

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/gatehouse/gatehouse#scim",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": super::operations::MAX_PAGE },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The account's SCIM token: gatehouse account scim-token SLUG",
            "primary": true,
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    })
}

fn attr(name: &str, kind: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "required": false, "caseExact": false,
        "mutability": "readWrite", "returned": "default", "uniqueness": "none", "description": name,
    })
}

fn with(mut value: Value, changes: Value) -> Value {
    if let (Value::Object(target), Value::Object(changes)) = (&mut value, changes) {
        target.extend(changes);
    }
    value
}

fn multi(name: &str, subs: Vec<Value>) -> Value {
    with(
        attr(name, "complex"),
        json!({ "multiValued": true, "subAttributes": subs }),
    )
}

/// Computed by us: the one work address we keep is the primary one.
fn read_only(name: &str, kind: &str) -> Value {
    with(
        attr(name, kind),
        json!({ "mutability": "readOnly", "returned": "never" }),
    )
}

/// The `type` sub-attribute with the kinds we keep.
fn kinds(values: &[&str]) -> Value {
    with(attr("type", "string"), json!({ "canonicalValues": values }))
}

fn schema(id: &str, name: &str, attributes: Vec<Value>, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id, "name": name, "description": name, "attributes": attributes,
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{id}") },
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    let user = vec![
        with(
            attr("userName", "string"),
            json!({ "required": true, "uniqueness": "server" }),
        ),
        // Mandatory for the directory (GUIDE section 1): name, active and the work email.
        with(
            attr("name", "complex"),
            json!({ "required": true, "subAttributes": [
                with(attr("givenName", "string"), json!({ "required": true })),
                with(attr("familyName", "string"), json!({ "required": true })),
            ] }),
        ),
        with(
            attr("displayName", "string"),
            json!({ "mutability": "readOnly" }),
        ),
        attr("title", "string"),
        with(attr("active", "boolean"), json!({ "required": true })),
        // The directory needs a work email (Entra sends user.mail; without one, the UPN serves).
        with(
            multi(
                "emails",
                vec![
                    with(attr("value", "string"), json!({ "required": true })),
                    kinds(&["work"]),
                    read_only("primary", "boolean"),
                ],
            ),
            json!({ "required": true }),
        ),
        multi(
            "phoneNumbers",
            vec![attr("value", "string"), kinds(&["mobile", "work"])],
        ),
        multi(
            "addresses",
            vec![
                attr("country", "string"),
                kinds(&["work"]),
                read_only("primary", "boolean"),
            ],
        ),
        with(attr("externalId", "string"), json!({ "caseExact": true })),
    ];
    let group = vec![
        with(
            attr("displayName", "string"),
            json!({ "required": true, "uniqueness": "server" }),
        ),
        multi(
            "members",
            vec![
                with(
                    attr("value", "string"),
                    json!({ "mutability": "immutable" }),
                ),
                with(
                    attr("$ref", "reference"),
                    json!({ "mutability": "immutable", "referenceTypes": ["User"] }),
                ),
                kinds(&["User"]),
            ],
        ),
        with(attr("externalId", "string"), json!({ "caseExact": true })),
    ];
    let enterprise = vec![
        attr("department", "string"),
        attr("employeeNumber", "string"),
        with(
            attr("manager", "complex"),
            json!({ "subAttributes": [with(attr("value", "string"), json!({ "caseExact": true }))] }),
        ),
    ];
    let ours = vec![
        // A suggested value (RFC 7643 section 7 allows canonicalValues on any attribute). Entra
        // ignores it; scim2-tester can only produce dateTime values from it (it fills dateTime
        // attributes with random UUID strings otherwise, and its own model then rejects them).
        with(
            attr("dateOfEmployment", "dateTime"),
            json!({ "canonicalValues": ["2024-01-01T00:00:00Z"] }),
        ),
        attr("payrollNumber", "string"),
        attr("employeeNumber", "string"),
        attr("groupCompanyName", "string"),
    ];
    vec![
        schema(USER, "User", user, base),
        schema(GROUP, "Group", group, base),
        schema(ENTERPRISE, "EnterpriseUser", enterprise, base),
        schema(GATEHOUSE, "GatehouseUser", ours, base),
    ]
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users", "description": "Employees", "schema": USER,
            "schemaExtensions": [
                { "schema": ENTERPRISE, "required": false },
                { "schema": GATEHOUSE, "required": false },
            ],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Groups", "schema": GROUP,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
        }),
    ]
}

pub fn list(resources: Vec<Value>) -> Value {
    super::resource::list_response(resources.len(), 1, resources)
}
