//! The directory API's access rule and its change feed: a client_credentials token of scope
//! `directory.read`, only for the accounts the client serves; every change to a person, an
//! approval relation or a group as a typed event with its source, in commit order.

use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{approvers, lifecycle};
use serde_json::{Value, json};

use crate::helpers::api::{api_client, client_credentials, register_hr_client};
use crate::helpers::scim::{entra_user, ops, scim_app};
use crate::helpers::{cli, create_account, csv, person, spawn_app};

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn only_a_confidential_client_gets_a_directory_token_and_only_for_its_scope() {
    let app = spawn_app().await;
    let (id, secret) = register_hr_client(&app, &[]);

    let (status, body) = client_credentials(&app.address, &id, &secret, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "directory.read");
    assert_eq!(body["expires_in"], 600);
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());

    let (status, body) = client_credentials(&app.address, &id, &secret, Some("openid")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    let (status, body) = client_credentials(&app.address, &id, "wrong", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // A public client has no secret to prove who it is.
    let public = app
        .write(|c| {
            gatehouse::oidc::clients::create(
                c,
                &gatehouse::oidc::clients::NewClient {
                    name: "mobile".into(),
                    public: true,
                    redirect_uris: vec!["http://127.0.0.1/cb".into()],
                    post_logout_uris: vec![],
                    backchannel_logout_uri: None,
                    accounts: vec![],
                },
            )
        })
        .expect("public client")
        .0;
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &public.id),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "unauthorized_client");
}

#[actix_web::test]
async fn a_client_reads_only_the_accounts_it_serves_and_others_do_not_exist_for_it() {
    let app = spawn_app().await;
    create_account(&app.db, "acme");
    create_account(&app.db, "globex");
    let api = api_client(&app, &["acme"]).await;

    let (status, kind, body) = api.get("/api/v1/accounts/acme/events").await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("application/json"), "{kind}");

    for path in [
        "/api/v1/accounts/globex/events",
        "/api/v1/accounts/globex/events/cursor",
        "/api/v1/accounts/nowhere/events",
    ] {
        let (status, kind, body) = api.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(kind, "application/problem+json", "{path}");
        assert_eq!(body["status"], 404);
        assert!(
            body["title"].is_string() && body["detail"].is_string(),
            "{body}"
        );
    }

    // No token, a wrong one: 401 with a Bearer challenge, as problem details.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/accounts/acme/events", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .expect("header")
            .starts_with("Bearer")
    );
    let mut wrong = api.at(&app.address);
    wrong.token = "not-a-token".into();
    let (status, kind, _) = wrong.get("/api/v1/accounts/acme/events").await;
    assert_eq!((status, kind.as_str()), (401, "application/problem+json"));

    // An unknown path under the API is a problem too, not an HTML page.
    let (status, kind, _) = api.get("/api/v1/nothing-here").await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
}

#[actix_web::test]
async fn the_feed_refuses_a_bad_limit_or_cursor_with_the_parameter_named() {
    let app = spawn_app().await;
    create_account(&app.db, "acme");
    let api = api_client(&app, &[]).await;
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("after=garbage", "after"),
    ] {
        let (status, kind, body) = api
            .get(&format!("/api/v1/accounts/acme/events?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(kind, "application/problem+json");
        assert_eq!(body["parameter"], parameter, "{query}");
    }
    let (status, _, body) = api.get("/api/v1/accounts/acme/events?limit=1000").await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn every_change_to_a_person_is_an_event_with_its_source_in_commit_order() {
    let scim = scim_app().await;
    let app = &scim.app;
    let api = api_client(app, &[]).await;
    let (before, start) = api.all_events("acme", 100).await;
    assert!(before.is_empty(), "{before:?}");

    // SCIM: create Ann and her manager Bob, then Bob becomes her manager, then a rename.
    let (_, bob) = scim
        .call("POST", "/Users", Some(entra_user("bob@acme.com", "e-bob")))
        .await;
    let (_, ann) = scim
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "e-ann")))
        .await;
    let (bob_id, ann_id) = (
        bob["id"].as_str().expect("id"),
        ann["id"].as_str().expect("id"),
    );
    let manager = ops(json!([{ "op": "add",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "value": bob_id }]));
    let (status, _) = scim
        .call("PATCH", &format!("/Users/{ann_id}"), Some(manager))
        .await;
    assert_eq!(status, 200);
    let rename = ops(json!([{ "op": "replace", "path": "name.familyName", "value": "Smith" }]));
    scim.call("PATCH", &format!("/Users/{ann_id}"), Some(rename))
        .await;
    // SCIM soft delete and reactivation; the CLI and a CSV import; roles by an admin.
    let off = ops(json!([{ "op": "replace", "path": "active", "value": false }]));
    scim.call("PATCH", &format!("/Users/{ann_id}"), Some(off))
        .await;
    let on = ops(json!([{ "op": "replace", "path": "active", "value": true }]));
    scim.call("PATCH", &format!("/Users/{ann_id}"), Some(on))
        .await;
    let account_id = scim.account.id.clone();
    let carl = app
        .write(|c| lifecycle::create(c, &account_id, person("carl@acme.com"), &csv()))
        .expect("Carl");
    app.write(|c| {
        approvers::set_roles(
            c,
            &account_id,
            &carl.id,
            approvers::Roles {
                setup_admin: false,
                approver: true,
                approves_self: false,
                only_selected_approver: false,
                departments: vec![],
            },
            &cli(),
        )
    })
    .expect("roles");
    app.write(|c| {
        lifecycle::remove_from_federation(c, &account_id, ann_id, &Actor::new(Source::Admin))
    })
    .expect("defederate");
    scim.call("DELETE", &format!("/Users/{bob_id}"), None).await;

    let (events, end) = api.events_after("acme", Some(&start), 2).await;
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["source"].as_str().unwrap_or_default().to_owned(),
                e["subject"]["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("employee.created", "scim", bob_id),
        ("employee.created", "scim", ann_id),
        ("approver.changed", "scim", ann_id),
        // A manager becomes an approver.
        ("roles.changed", "scim", bob_id),
        ("employee.updated", "scim", ann_id),
        ("employee.deactivated", "scim", ann_id),
        ("employee.reactivated", "scim", ann_id),
        ("employee.created", "csv", carl.id.as_str()),
        ("roles.changed", "cli", carl.id.as_str()),
        ("employee.defederated", "admin", ann_id),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(t, s, id)| ((*t).to_owned(), (*s).to_owned(), (*id).to_owned()))
        .collect();
    assert_eq!(
        &seen[..expected.len()],
        &expected[..],
        "{:?}",
        types(&events)
    );
    // Deleting Bob: he is released, and Ann loses him as approver, in one commit.
    let rest: Vec<&str> = seen[expected.len()..]
        .iter()
        .map(|s| s.0.as_str())
        .collect();
    assert!(rest.contains(&"employee.released"), "{rest:?}");

    let updated = &events[4];
    let change = &updated["data"]["changes"][0];
    assert_eq!(change["field"], "family_name", "{updated}");
    assert_eq!(change["new"], "Smith");
    for event in &events {
        assert!(
            event["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("evt_"))
        );
        assert!(
            event["occurred_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert_eq!(event["subject"]["type"], "employee");
    }
    // Caught up: an empty page with the same cursor.
    let (status, _, page) = api
        .get(&format!("/api/v1/accounts/acme/events?after={end}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["next_cursor"], end.as_str());
    let (_, _, newest) = api.get("/api/v1/accounts/acme/events/cursor").await;
    assert_eq!(newest["cursor"], end.as_str());
}
