//! The directory API's access rule and its change feed: a client_credentials token of scope
//! `directory.read`, only for the accounts the client serves; every change to a person, an
//! approval relation or a group as a typed event with its source, in commit order.

use std::time::Instant;

use gatehouse::auth::{scim_tokens, sessions};
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{accounts, approvers, lifecycle};
use serde_json::{Value, json};

use crate::helpers::api::{api_client, api_client_at, client_credentials, register_hr_client};
use crate::helpers::processes::Server;
use crate::helpers::scim::{entra_user, ops, scim_app};
use crate::helpers::{TestStore, cli, create_account, csv, person, spawn_app};

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

/// What one writer did: how many events its successful writes must have published, and per
/// person the values it wrote, in the order it wrote them.
#[derive(Default)]
struct Written {
    events: usize,
    values: std::collections::BTreeMap<String, Vec<String>>,
}

/// A SCIM writer: creates people and renames each three times, one request after another.
async fn scim_writer(base: String, token: String, tag: &'static str, until: Instant) -> Written {
    let http = reqwest::Client::new();
    let mut written = Written::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let user = entra_user(&format!("{tag}{n}@acme.com"), &format!("{tag}-{n}"));
        let response = http
            .post(format!("{base}/scim/v2/Users"))
            .bearer_auth(&token)
            .json(&user)
            .send()
            .await
            .expect("SCIM POST");
        assert_eq!(response.status().as_u16(), 201, "{tag}{n}");
        let id = response.json::<Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        written.events += 1;
        for round in 1..=3 {
            let value = format!("{tag}{n}-v{round}");
            let rename =
                ops(json!([{ "op": "replace", "path": "name.familyName", "value": value }]));
            let response = http
                .patch(format!("{base}/scim/v2/Users/{id}"))
                .bearer_auth(&token)
                .json(&rename)
                .send()
                .await
                .expect("SCIM PATCH");
            assert_eq!(response.status().as_u16(), 200, "{tag}{n} round {round}");
            written.events += 1;
            written.values.entry(id.clone()).or_default().push(value);
        }
    }
    written
}

/// An admin writer: saves the job title of its people on the person page, round after round.
async fn admin_writer(
    base: String,
    session: String,
    people: Vec<(String, String)>,
    tag: &'static str,
    until: Instant,
) -> Written {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let url = base.parse::<reqwest::Url>().expect("url");
    jar.add_cookie_str(&format!("gatehouse_session={session}; Path=/"), &url);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar)
        .build()
        .expect("client");
    let page = http
        .get(format!("{base}/admin/employees/{}", people[0].0))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = page
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf")
        .to_owned();
    let mut written = Written::default();
    let mut round = 0;
    while Instant::now() < until {
        round += 1;
        for (id, user_name) in &people {
            let value = format!("{tag}-{round}");
            let response = http
                .post(format!("{base}/admin/employees/{id}"))
                .header(reqwest::header::ORIGIN, crate::helpers::PUBLIC_URL)
                .form(&[
                    ("user_name", user_name.as_str()),
                    ("email", user_name.as_str()),
                    ("given_name", "Given"),
                    ("family_name", "Family"),
                    ("job_title", value.as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .expect("admin POST");
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert_eq!(response.status().as_u16(), 303, "{user_name} round {round}");
            assert!(location.contains("done=saved"), "{location}");
            written.events += 1;
            written.values.entry(id.clone()).or_default().push(value);
        }
    }
    written
}

/// What an update says the written field became.
fn new_value(event: &Value) -> Option<String> {
    if event["type"] != "employee.updated" {
        return None;
    }
    // Admins write job titles (their first save also fills in the name), SCIM family names.
    let changes = event["data"]["changes"].as_array()?;
    let written = |field: &str| changes.iter().find(|c| c["field"] == field);
    written("job_title")
        .or_else(|| written("family_name"))
        .and_then(|c| c["new"].as_str())
        .map(str::to_owned)
}

/// The SCIM token, an admin's session secret, and the (id, login) of people admins edit.
type Tenant = (String, String, Vec<(String, String)>);

#[actix_web::test]
async fn four_writers_on_two_instances_and_a_paging_reader_see_every_change_once_in_commit_order() {
    let store = TestStore::new();
    let db = store.open();
    let mut conn = db.conn().expect("connection");
    let (token, session, people) =
        gatehouse::db::write(&mut conn, |c| -> gatehouse::directory::Result<Tenant> {
            let account = accounts::create(c, "acme", "Acme")?;
            let token = scim_tokens::issue(c, &account.id, &crate::helpers::system())?;
            let admin = lifecycle::create(c, &account.id, person("it@acme.com"), &cli())?;
            let roles = approvers::Roles {
                setup_admin: true,
                approver: false,
                approves_self: false,
                only_selected_approver: false,
                departments: vec![],
            };
            approvers::set_roles(c, &account.id, &admin.id, roles, &cli())?;
            let session = sessions::create(c, &account.id, &admin.id)?;
            let mut people = Vec::new();
            for n in 0..6 {
                let user_name = format!("staff{n}@acme.com");
                let person = lifecycle::create(c, &account.id, person(&user_name), &csv())?;
                people.push((person.id, user_name));
            }
            Ok((token, session, people))
        })
        .expect("tenant");
    drop(conn);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&store.url));
        let b = s.spawn(|| Server::start(&store.url));
        (a.join().expect("A"), b.join().expect("B"))
    });
    let reader = api_client_at(&db, &a.url(""), &[]).await;
    let (_, _, newest) = reader.get("/api/v1/accounts/acme/events/cursor").await;
    let start = newest["cursor"].as_str().expect("cursor").to_owned();

    let until = Instant::now() + std::time::Duration::from_secs(4);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (first, second) = people.split_at(3);
    let writers = futures_util::future::join4(
        scim_writer(a.url(""), token.clone(), "a", until),
        scim_writer(b.url(""), token.clone(), "b", until),
        admin_writer(a.url(""), session.clone(), first.to_vec(), "x", until),
        admin_writer(b.url(""), session.clone(), second.to_vec(), "y", until),
    );
    // The reader pages through both instances in turn while the writers write.
    let reading = {
        let done = done.clone();
        let other = reader.at(&b.url(""));
        let reader = reader.at(&a.url(""));
        let start = start.clone();
        async move {
            let mut seen = Vec::new();
            let mut cursor = start;
            let mut turn = 0usize;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                turn += 1;
                let api = if turn.is_multiple_of(2) {
                    &reader
                } else {
                    &other
                };
                let (page, next) = api.events_after("acme", Some(&cursor), 7).await;
                seen.extend(page);
                cursor = next;
                if finished {
                    return (seen, cursor);
                }
                actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    let ((w1, w2, w3, w4), (seen, _)) = futures_util::future::join(
        async {
            let written = writers.await;
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            written
        },
        reading,
    )
    .await;

    let expected: usize = [&w1, &w2, &w3, &w4].iter().map(|w| w.events).sum();
    assert!(
        expected > 40,
        "the writers wrote too little to prove anything: {expected}"
    );
    // Exactly once: as many as written, no id twice, and the same list a later full read gives.
    assert_eq!(seen.len(), expected, "{:?}", types(&seen));
    let ids: std::collections::BTreeSet<&str> =
        seen.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), seen.len(), "an event delivered twice");
    let (again, _) = reader.events_after("acme", Some(&start), 1000).await;
    let id_list = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(id_list(&seen), id_list(&again));
    // Commit order: each person's values in the order their writer committed them.
    for written in [&w1, &w2, &w3, &w4] {
        for (id, values) in &written.values {
            let in_feed: Vec<String> = seen
                .iter()
                .filter(|e| e["subject"]["id"] == id.as_str())
                .filter_map(new_value)
                .collect();
            assert_eq!(&in_feed, values, "{id}");
        }
    }
    let sources: std::collections::BTreeSet<&str> =
        seen.iter().filter_map(|e| e["source"].as_str()).collect();
    assert_eq!(sources, ["admin", "scim"].into_iter().collect());
}

#[actix_web::test]
async fn events_past_retention_are_purged_and_a_cursor_from_before_is_told_to_start_over() {
    let app = spawn_app().await;
    let account = create_account(&app.db, "acme");
    for name in ["ann", "bob", "cy"] {
        app.write(|c| {
            lifecycle::create(c, &account.id, person(&format!("{name}@acme.com")), &cli())
        })
        .expect("person");
    }
    let api = api_client(&app, &[]).await;
    let (events, _) = api.all_events("acme", 100).await;
    assert_eq!(events.len(), 3);
    let (_, _, page) = api.get("/api/v1/accounts/acme/events?limit=2").await;
    let after_two = page["next_cursor"].as_str().expect("cursor").to_owned();
    // The first two are older than the feed keeps.
    app.write(|c| {
        use diesel::prelude::*;
        use gatehouse::db::schema::account_events as e;
        let old = gatehouse::directory::clock::now() - chrono::Duration::days(91);
        let first_two: Vec<i64> = e::table.order(e::seq).limit(2).select(e::id).load(c)?;
        diesel::update(e::table.filter(e::id.eq_any(first_two)))
            .set(e::occurred_at.eq(old))
            .execute(c)?;
        Ok(())
    })
    .expect("backdate");
    let purged = app
        .write(|c| {
            gatehouse::directory::expiry::housekeeping(
                c,
                gatehouse::directory::expiry::Retention {
                    provisioning_log_days: 90,
                    login_journal_days: 90,
                },
            )
        })
        .expect("housekeeping");
    assert_eq!(purged.events, 2);

    let (status, kind, problem) = api.get("/api/v1/accounts/acme/events").await;
    assert_eq!(
        (status, kind.as_str()),
        (410, "application/problem+json"),
        "{problem}"
    );
    assert_eq!(problem["code"], "cursor_expired");
    let (status, _, page) = api
        .get(&format!("/api/v1/accounts/acme/events?after={after_two}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        types(page["data"].as_array().expect("data")),
        ["employee.created"]
    );
}

#[actix_web::test]
async fn a_first_sign_in_that_pins_the_entra_object_id_is_an_update_from_sso() {
    let sso = crate::helpers::sso::sso_app().await;
    let api = api_client(&sso.app, &[]).await;
    let (_, start) = api.all_events("acme", 100).await;
    let spec = sso.spec("ann@acme.com");
    let signed_in = sso
        .post(&crate::test_idp::response(
            &spec,
            &crate::test_idp::Key::active(),
        ))
        .await;
    assert_eq!(signed_in.status(), 303);
    let (events, _) = api.events_after("acme", Some(&start), 100).await;
    assert_eq!(types(&events), ["employee.updated"]);
    assert_eq!(events[0]["source"], "sso");
    assert_eq!(events[0]["subject"]["id"], sso.ann.id.as_str());
    assert_eq!(events[0]["data"]["changes"][0]["field"], "entra_object_id");
    // A second sign-in changes nothing, so it publishes nothing.
    let again = sso
        .post(&crate::test_idp::response(
            &sso.spec("ann@acme.com"),
            &crate::test_idp::Key::active(),
        ))
        .await;
    assert_eq!(again.status(), 303);
    let (later, _) = api.events_after("acme", Some(&start), 100).await;
    assert_eq!(later.len(), 1);
}

#[actix_web::test]
async fn group_changes_entra_pushes_are_created_updated_and_deleted_events() {
    let scim = scim_app().await;
    let api = api_client(&scim.app, &[]).await;
    let (_, ann) = scim
        .call("POST", "/Users", Some(entra_user("ann@acme.com", "e-ann")))
        .await;
    let ann_id = ann["id"].as_str().expect("id").to_owned();
    let (_, start) = api.all_events("acme", 100).await;
    let (status, group) = scim
        .call(
            "POST",
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Payroll",
                "externalId": "g-1"
            })),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().expect("id").to_owned();
    let add = ops(json!([{ "op": "add", "path": "members", "value": [{ "value": ann_id }] }]));
    let (status, _) = scim
        .call("PATCH", &format!("/Groups/{group_id}"), Some(add.clone()))
        .await;
    assert_eq!(status, 204);
    // Adding her again changes nothing: no event.
    scim.call("PATCH", &format!("/Groups/{group_id}"), Some(add))
        .await;
    let rename = ops(json!([{ "op": "replace", "path": "displayName", "value": "Payroll DE" }]));
    scim.call("PATCH", &format!("/Groups/{group_id}"), Some(rename))
        .await;
    let (status, _) = scim
        .call("DELETE", &format!("/Groups/{group_id}"), None)
        .await;
    assert_eq!(status, 204);

    let (events, _) = api.events_after("acme", Some(&start), 100).await;
    assert_eq!(
        types(&events),
        [
            "group.created",
            "group.updated",
            "group.updated",
            "group.deleted"
        ]
    );
    assert!(events.iter().all(|e| e["subject"]["type"] == "group"
        && e["subject"]["id"] == group_id.as_str()
        && e["source"] == "scim"));
    assert_eq!(events[0]["data"]["display_name"], "Payroll");
    assert_eq!(events[1]["data"]["members_added"], json!([ann_id]));
    assert_eq!(events[2]["data"]["changes"][0]["new"], "Payroll DE");
    assert_eq!(events[3]["data"]["members"], json!([ann_id]));
}
