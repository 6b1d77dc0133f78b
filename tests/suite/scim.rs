//! SCIM against the real server as Entra's provisioning service drives it.

use gatehouse::auth::scim_tokens;
use gatehouse::directory::accounts::{self};
use gatehouse::directory::{employees as people, lifecycle, provisioning_log};
use serde_json::{Value, json};

use crate::helpers::scim::{ENTERPRISE, OURS, entra_user, filter_path, ops, scim_app};
use crate::helpers::{csv, person};

#[actix_web::test]
async fn entras_documented_sequence_end_to_end() {
    let s = scim_app().await;
    // Test Connection: a random id must give an empty list, not 404.
    let (status, body) = s
        .call(
            "GET",
            &filter_path(r#"userName eq "0b1e6c1c-8a3b-4b6e-9b63-3c8f9b9c0d1e""#),
            None,
        )
        .await;
    assert_eq!((status, body["totalResults"].as_u64()), (200, Some(0)));
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );

    // Matching, then create.
    let (status, body) = s
        .call("GET", &filter_path(r#"userName eq "ann@acme.com""#), None)
        .await;
    assert_eq!((status, body["totalResults"].as_u64()), (200, Some(0)));
    let (status, created) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("ann@acme.com", "ann-ext")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created[OURS]["dateOfEmployment"], "2021-04-01T00:00:00Z");
    assert_eq!(created[ENTERPRISE]["department"], "Sales");

    // Read back, and match case-insensitively and by the emails form.
    let (status, got) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(
        (status, got["userName"].as_str()),
        (200, Some("ann@acme.com"))
    );
    let (_, by_name) = s
        .call("GET", &filter_path(r#"userName eq "ANN@Acme.com""#), None)
        .await;
    assert_eq!(by_name["Resources"][0]["id"], id.as_str());
    let (_, by_mail) = s
        .call(
            "GET",
            &filter_path(r#"emails[type eq "work"].value eq "ann@acme.com""#),
            None,
        )
        .await;
    assert_eq!(by_mail["totalResults"], 1);
    let (_, by_ext) = s
        .call("GET", &filter_path(r#"externalId eq "ann-ext""#), None)
        .await;
    assert_eq!(by_ext["totalResults"], 1);

    // Update in the default dialect, then in the aadOptscim062020 dialect.
    let (status, patched) = s
        .call("PATCH", &format!("/Users/{id}"), Some(ops(json!([
            {"op": "Replace", "path": "title", "value": "Head of Buying"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+46 70 123"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "SE"},
        ]))))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["title"], "Head of Buying");
    assert_eq!(patched["addresses"][0]["country"], "SE");
    let (status, patched) = s
        .call("PATCH", &format!("/Users/{id}?aadOptscim062020"), Some(ops(json!([
            {"op": "replace", "value": {"name.givenName": "Annie", "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:payrollNumber": "P-99"}}
        ]))))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"]["givenName"], "Annie");
    assert_eq!(patched[OURS]["payrollNumber"], "P-99");

    // Manager set, change, clear.
    let (_, boss) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("boss@acme.com", "boss-ext")),
        )
        .await;
    let (_, chief) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("chief@acme.com", "chief-ext")),
        )
        .await;
    let manager_path = format!("{ENTERPRISE}:manager");
    for (value, expected) in [
        (json!(boss["id"]), boss["id"].clone()),
        (json!(chief["id"]), chief["id"].clone()),
    ] {
        let (status, body) = s
            .call(
                "PATCH",
                &format!("/Users/{id}"),
                Some(ops(
                    json!([{"op": "Replace", "path": manager_path, "value": value}]),
                )),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body[ENTERPRISE]["manager"],
            json!({"value": expected}),
            "manager as an object"
        );
    }
    let person = people::get(&mut s.app.db.conn().expect("conn"), &s.account.id, &id).expect("ann");
    assert_eq!(person.approver_id.as_deref(), chief["id"].as_str());
    let (_, cleared) = s
        .call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(ops(
                json!([{"op": "Replace", "path": manager_path, "value": ""}]),
            )),
        )
        .await;
    assert!(cleared[ENTERPRISE].get("manager").is_none(), "{cleared}");

    // Disable with "False": still found by the filter, reserved; re-enable with "True".
    let (status, off) = s
        .call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(ops(
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            )),
        )
        .await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)));
    let (_, still) = s
        .call("GET", &filter_path(r#"userName eq "ann@acme.com""#), None)
        .await;
    assert_eq!(
        (
            still["totalResults"].as_u64(),
            still["Resources"][0]["active"].as_bool()
        ),
        (Some(1), Some(false))
    );
    let (status, again) = s
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "other")))
        .await;
    assert_eq!(
        (status, again["scimType"].as_str(), again["status"].as_str()),
        (409, Some("uniqueness"), Some("409"))
    );
    let (_, on) = s
        .call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(ops(
                json!([{"op": "Replace", "path": "active", "value": "True"}]),
            )),
        )
        .await;
    assert_eq!(on["active"], true);

    // Delete: 204, then 404; the same address makes a new person.
    let (status, _) = s.call("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, gone) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!((status, gone["status"].as_str()), (404, Some("404")));
    let (_, empty) = s
        .call("GET", &filter_path(r#"userName eq "ann@acme.com""#), None)
        .await;
    assert_eq!(empty["totalResults"], 0);
    let (status, new) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("ann@acme.com", "ann-ext")),
        )
        .await;
    assert_eq!(status, 201);
    assert_ne!(new["id"].as_str(), Some(id.as_str()));
}

#[actix_web::test]
async fn a_csv_person_is_invisible_to_matching_and_adopted_on_create() {
    let s = scim_app().await;
    let imported = s
        .app
        .write(|c| lifecycle::create(c, &s.account.id, person("ann@acme.com"), &csv()))
        .expect("csv");
    let (_, found) = s
        .call("GET", &filter_path(r#"userName eq "ann@acme.com""#), None)
        .await;
    assert_eq!(found["totalResults"], 0, "not federated yet");
    let (status, created) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("ann@acme.com", "ann-ext")),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["id"], imported.id.as_str(), "adopted, same id");
}

#[actix_web::test]
async fn tokens_are_per_account_and_regenerating_retires_the_old_one() {
    let s = scim_app().await;
    let other = s
        .app
        .write(|c| accounts::create(c, "globex", "Globex"))
        .expect("other");
    let other_token = s
        .app
        .write(|c| scim_tokens::issue(c, &other.id, &crate::helpers::system()))
        .expect("token");
    let (_, ann) = s
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "a")))
        .await;
    let ann_id = ann["id"].as_str().expect("id");
    for (method, body) in [
        ("GET", None),
        (
            "PATCH",
            Some(ops(
                json!([{"op": "replace", "path": "title", "value": "x"}]),
            )),
        ),
        ("DELETE", None),
    ] {
        let (status, _) = s
            .call_as(&other_token, method, &format!("/Users/{ann_id}"), body)
            .await;
        assert_eq!(status, 404, "{method} across accounts");
    }
    let (_, list) = s.call_as(&other_token, "GET", "/Users", None).await;
    assert_eq!(list["totalResults"], 0);
    for bad in [
        "",
        "nonsense",
        &format!("{}x", s.token),
        &other_token.replace("ghs_", "ghs_0"),
    ] {
        let (status, body) = s.call_as(bad, "GET", "/Users", None).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (401, Some("401")),
            "{bad:?}"
        );
    }
    let fresh = s
        .app
        .write(|c| scim_tokens::issue(c, &s.account.id, &crate::helpers::system()))
        .expect("regenerate");
    assert_eq!(s.call_as(&fresh, "GET", "/Users", None).await.0, 200);
    assert_eq!(
        s.call_as(&s.token, "GET", "/Users", None).await.0,
        401,
        "old token dead once the new one is used"
    );
}

#[actix_web::test]
async fn parallel_creates_of_one_user_name_give_exactly_one_201() {
    let s = scim_app().await;
    let attempts = (0..8).map(|i| {
        s.call(
            "POST",
            "/Users",
            Some(entra_user("race@acme.com", &format!("e{i}"))),
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn bad_input_gets_scim_errors_naming_the_attribute_and_changes_nothing() {
    let s = scim_app().await;
    let (_, ann) = s
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "a")))
        .await;
    let id = ann["id"].as_str().expect("id").to_owned();
    let cases: Vec<(&str, String, Value, u16, &str, &str)> = vec![
        (
            "POST",
            "/Users".into(),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 42}),
            400,
            "invalidValue",
            "userName",
        ),
        (
            "POST",
            "/Users".into(),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b@acme.com", "favouriteColour": "red"}),
            400,
            "invalidSyntax",
            "favouriteColour",
        ),
        (
            "POST",
            "/Users".into(),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b@acme.com", OURS: {"dateOfEmployment": "yesterday"}}),
            400,
            "invalidValue",
            "dateOfEmployment",
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            ops(json!([{"op": "Replace", "path": "active", "value": "perhaps"}])),
            400,
            "invalidValue",
            "active",
        ),
        (
            "PATCH",
            format!("/Users/{id}"),
            json!({"Operations": []}),
            400,
            "invalidSyntax",
            "schemas",
        ),
        (
            "GET",
            filter_path(r#"nickName eq "x""#),
            Value::Null,
            400,
            "invalidFilter",
            "nickName",
        ),
    ];
    for (method, path, body, status, scim_type, names) in cases {
        let body = (!body.is_null()).then_some(body);
        let (got, error) = s.call(method, &path, body).await;
        assert_eq!(got, status, "{method} {path}: {error}");
        assert_eq!(error["scimType"], scim_type, "{error}");
        assert_eq!(
            error["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert!(
            error["detail"].as_str().unwrap_or_default().contains(names),
            "{error}"
        );
    }
    let malformed = s
        .app
        .client
        .post(s.app.url("/scim/v2/Users"))
        .header("authorization", format!("Bearer {}", s.token))
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status(), 400);
    let (_, after) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(after["active"], true, "the refused PATCH changed nothing");
    let huge = json!({"userName": "c@acme.com", "title": "x".repeat(600 * 1024)});
    let (status, _) = s.call("POST", "/Users", Some(huge)).await;
    assert_eq!(status, 413);
    let (status, _) = s.call("GET", "/Nowhere", None).await;
    assert_eq!(status, 404);
    let (status, _) = s.call("DELETE", "/Users", None).await;
    assert_eq!(status, 405);
}

#[actix_web::test]
async fn a_manager_not_known_yet_is_linked_when_created() {
    let s = scim_app().await;
    let mut ann = entra_user("ann@acme.com", "ann-ext");
    ann[ENTERPRISE]["manager"] = json!({"value": "boss-ext"});
    let (_, ann) = s.call("POST", "/Users", Some(ann)).await;
    assert_eq!(ann[ENTERPRISE]["manager"]["value"], "boss-ext");
    let (_, boss) = s
        .call(
            "POST",
            "/Users",
            Some(entra_user("boss@acme.com", "boss-ext")),
        )
        .await;
    let person = people::get(
        &mut s.app.db.conn().expect("conn"),
        &s.account.id,
        ann["id"].as_str().expect("id"),
    )
    .expect("ann");
    assert_eq!(person.approver_id.as_deref(), boss["id"].as_str());
}

#[actix_web::test]
async fn groups_with_members_in_both_entra_forms() {
    let s = scim_app().await;
    let (_, ann) = s
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "a")))
        .await;
    let (_, bob) = s
        .call("POST", "/Users", Some(entra_user("bob@acme.com", "b")))
        .await;
    let (status, group) = s.call("POST", "/Groups", Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"}))).await;
    assert_eq!(status, 201);
    let gid = group["id"].as_str().expect("id").to_owned();
    let (status, _) = s
        .call(
            "POST",
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "SALES"})),
        )
        .await;
    assert_eq!(status, 409);
    let add = ops(
        json!([{"op": "Add", "path": "members", "value": [{"value": ann["id"]}, {"value": bob["id"]}]}]),
    );
    let (status, _) = s.call("PATCH", &format!("/Groups/{gid}"), Some(add)).await;
    assert_eq!(status, 204);
    let (_, body) = s.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(body["members"].as_array().map(Vec::len), Some(2));
    let remove = ops(
        json!([{"op": "Remove", "path": format!("members[value eq \"{}\"]", ann["id"].as_str().expect("id"))}]),
    );
    s.call("PATCH", &format!("/Groups/{gid}"), Some(remove))
        .await;
    let (_, body) = s.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(body["members"].as_array().map(Vec::len), Some(1));
    let remove_array =
        ops(json!([{"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]}]));
    s.call("PATCH", &format!("/Groups/{gid}"), Some(remove_array))
        .await;
    let (_, body) = s.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(body["members"].as_array().map(Vec::len), Some(0));
    let (_, listed) = s
        .call("GET", "/Groups?excludedAttributes=members", None)
        .await;
    assert!(listed["Resources"][0].get("members").is_none(), "{listed}");
    let (_, by_name) = s
        .call(
            "GET",
            &format!("/Groups?filter={}", "displayName%20eq%20%22sales%22"),
            None,
        )
        .await;
    assert_eq!(by_name["totalResults"], 1);
    assert_eq!(
        s.call("DELETE", &format!("/Groups/{gid}"), None).await.0,
        204
    );
    assert_eq!(s.call("GET", &format!("/Groups/{gid}"), None).await.0, 404);
}

#[actix_web::test]
async fn pagination_and_attribute_selection() {
    let s = scim_app().await;
    for i in 0..5 {
        s.call(
            "POST",
            "/Users",
            Some(entra_user(&format!("u{i}@acme.com"), &format!("e{i}"))),
        )
        .await;
    }
    let (_, page) = s
        .call(
            "GET",
            "/Users?startIndex=2&count=2&attributes=userName",
            None,
        )
        .await;
    assert_eq!(
        (
            page["totalResults"].as_u64(),
            page["startIndex"].as_u64(),
            page["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(2), Some(2))
    );
    let first = &page["Resources"][0];
    assert_eq!(first["userName"], "u1@acme.com");
    assert!(
        first.get("emails").is_none() && first.get("id").is_some(),
        "{first}"
    );
    let (_, discovery) = s.call("GET", "/Schemas", None).await;
    let ids: Vec<&str> = discovery["Resources"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(ids.contains(&OURS) && ids.contains(&ENTERPRISE), "{ids:?}");
}

#[actix_web::test]
async fn every_request_lands_in_the_provisioning_log_without_secrets() {
    let s = scim_app().await;
    let (_, ann) = s
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "a")))
        .await;
    s.call(
        "POST",
        "/Users",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 1})),
    )
    .await;
    let entries = provisioning_log::recent(&mut s.app.db.conn().expect("conn"), &s.account.id, 10)
        .expect("log");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].status, entries[0].outcome.as_str()),
        (400, "failure")
    );
    assert!(entries[0].detail.contains("userName"));
    assert_eq!(
        (entries[1].status, entries[1].employee_id.as_deref()),
        (201, ann["id"].as_str())
    );
    let all = format!("{entries:?}");
    let secret = s
        .token
        .splitn(3, '_')
        .nth(2)
        .expect("ghs_<account>_<secret>");
    assert!(
        secret.len() >= 40 && !all.contains(secret),
        "no token in the log"
    );
}

#[actix_web::test]
async fn the_provisioning_log_forgets_lines_past_retention() {
    let s = scim_app().await;
    s.call("POST", "/Users", Some(entra_user("ann@acme.com", "a")))
        .await;
    s.call("POST", "/Users", Some(entra_user("bob@acme.com", "b")))
        .await;
    let old = gatehouse::directory::clock::now() - chrono::Duration::days(40);
    {
        use diesel::prelude::*;
        use gatehouse::db::schema::provisioning_log as p;
        let oldest: String = p::table
            .order(p::at.asc())
            .select(p::id)
            .first(&mut s.app.db.conn().expect("conn"))
            .expect("a line");
        diesel::update(p::table.find(oldest))
            .set(p::at.eq(old))
            .execute(&mut s.app.db.conn().expect("conn"))
            .expect("age a line");
    }
    let purged = s
        .app
        .write(|c| provisioning_log::purge(c, 30))
        .expect("purge");
    assert_eq!(purged, 1);
    let left = provisioning_log::recent(&mut s.app.db.conn().expect("conn"), &s.account.id, 10)
        .expect("log");
    assert_eq!(left.len(), 1);
}
