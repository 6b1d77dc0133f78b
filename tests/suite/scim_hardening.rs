//! SCIM as Entra really sends it (issue 11, items 11 to 20 and the SCIM parts of 24), against
//! the real server on both stores.

use diesel::prelude::*;
use gatehouse::auth::scim_tokens;
use gatehouse::db::schema;
use gatehouse::directory::accounts;
use gatehouse::directory::approvers::{self};
use gatehouse::directory::employees::{self as people, Employee};
use gatehouse::directory::history::{self};
use gatehouse::directory::{csv_io, lifecycle, provisioning_log};
use serde_json::{Value, json};

use crate::helpers::admin::{setup_admin, signed_in};
use crate::helpers::scim::{ENTERPRISE, OURS, Scim, USER, entra_user, filter_path, ops, scim_app};
use crate::helpers::{csv, person};

impl Scim {
    async fn create(&self, user_name: &str, external_id: &str) -> Value {
        let (status, body) = self
            .call("POST", "/Users", Some(entra_user(user_name, external_id)))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    fn person(&self, id: &str) -> Employee {
        people::get(&mut self.app.db.conn().expect("conn"), &self.account.id, id).expect("person")
    }

    async fn patch_user(&self, id: &str, operations: Value) -> (u16, Value) {
        self.call("PATCH", &format!("/Users/{id}"), Some(ops(operations)))
            .await
    }

    /// A browser signed in as a setup admin of the account.
    fn admin_browser(&self) -> reqwest::Client {
        let admin = setup_admin(&self.app, &self.account);
        signed_in(&self.app, &self.account, &admin)
    }

    fn log(&self) -> Vec<provisioning_log::ProvisioningEntry> {
        provisioning_log::recent(&mut self.app.db.conn().expect("conn"), &self.account.id, 50)
            .expect("log")
    }
}

async fn page(browser: &reqwest::Client, url: String) -> String {
    let response = browser.get(url).send().await.expect("page");
    assert_eq!(response.status(), 200);
    response.text().await.expect("html")
}

// Item 11.

#[actix_web::test]
async fn a_filtered_manager_remove_does_not_take_the_offboarding_with_it() {
    let s = scim_app().await;
    let boss = s.create("boss@acme.com", "boss-ext").await;
    let boss_id = boss["id"].as_str().expect("id").to_owned();
    let ann = s.create("ann@acme.com", "ann-ext").await;
    let ann_id = ann["id"].as_str().expect("id").to_owned();
    let manager_path = format!("{ENTERPRISE}:manager");
    let (status, _) = s
        .patch_user(
            &ann_id,
            json!([{"op": "Add", "path": manager_path, "value": boss_id}]),
        )
        .await;
    assert_eq!(status, 200);

    // Entra's offboarding: disable and remove the manager, in one atomic PATCH.
    let (status, body) = s
        .patch_user(
            &ann_id,
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "remove", "path": format!("{manager_path}[value eq \"{boss_id}\"]")},
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    assert!(body[ENTERPRISE].get("manager").is_none(), "{body}");
    let person = s.person(&ann_id);
    assert!(!person.active, "the offboarding was applied");
    assert_eq!((person.manager_ref, person.approver_id), (None, None));

    // The same on the bare attribute name, as a filter and as a plain remove.
    let bob = s.create("bob@acme.com", "bob-ext").await;
    let bob_id = bob["id"].as_str().expect("id").to_owned();
    for remove in [
        json!({"op": "remove", "path": format!("manager[value eq \"{boss_id}\"]")}),
        json!({"op": "Remove", "path": "manager"}),
    ] {
        // Set with "path": "manager" and a one-element list of references.
        let (status, body) = s
            .patch_user(
                &bob_id,
                json!([{"op": "replace", "path": "manager", "value": [
                    {"$ref": format!("../Users/{boss_id}"), "value": boss_id}
                ]}]),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body[ENTERPRISE]["manager"]["value"], boss_id.as_str());
        assert_eq!(
            s.person(&bob_id).approver_id.as_deref(),
            Some(boss_id.as_str())
        );
        let (status, body) = s.patch_user(&bob_id, json!([remove.clone()])).await;
        assert_eq!(status, 200, "{remove}: {body}");
        assert!(
            body[ENTERPRISE].get("manager").is_none(),
            "{remove}: {body}"
        );
        assert_eq!(s.person(&bob_id).manager_ref, None, "{remove}");
    }

    // A filter that matches another manager removes nothing.
    s.patch_user(
        &bob_id,
        json!([{"op": "add", "path": "manager", "value": boss_id}]),
    )
    .await;
    let (status, body) = s
        .patch_user(
            &bob_id,
            json!([{"op": "remove", "path": "manager[value eq \"someone-else\"]"}]),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[ENTERPRISE]["manager"]["value"], boss_id.as_str());
}

// Item 12.

#[actix_web::test]
async fn unknown_attributes_that_are_null_are_ignored_and_others_refused() {
    let s = scim_app().await;
    let mut body = entra_user("ann@acme.com", "ann-ext");
    body["department"] = Value::Null;
    body["manager"] = Value::Null;
    let (status, created) = s.call("POST", "/Users", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created[ENTERPRISE]["department"], "Sales");
    let mut body = entra_user("bob@acme.com", "bob-ext");
    body["department"] = json!("Sales");
    let (status, error) = s.call("POST", "/Users", Some(body)).await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidSyntax"))
    );
    assert!(
        error["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("department")
    );
}

// Item 13.

#[actix_web::test]
async fn schemas_must_name_the_core_schema_and_every_attribute_type_is_checked() {
    let s = scim_app().await;
    for schemas in [
        json!(USER),
        json!(["urn:example:unknown"]),
        json!([ENTERPRISE]),
        json!([42]),
        Value::Null, // left out
    ] {
        let mut body = entra_user("ann@acme.com", "ann-ext");
        match schemas.is_null() {
            true => drop(body.as_object_mut().and_then(|o| o.remove("schemas"))),
            false => body["schemas"] = schemas.clone(),
        }
        let (status, error) = s.call("POST", "/Users", Some(body)).await;
        assert_eq!(
            (status, error["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{schemas}: {error}"
        );
        assert!(
            error["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("schemas")
        );
    }
    let (_, listed) = s.call("GET", "/Users", None).await;
    assert_eq!(listed["totalResults"], 0, "nobody was created");
    let (status, _) = s
        .call(
            "POST",
            "/Groups",
            Some(json!({"schemas": "urn:ietf:params:scim:schemas:core:2.0:Group", "displayName": "Sales"})),
        )
        .await;
    assert_eq!(status, 400);

    for (attribute, value) in [
        ("nickName", json!(5)),
        ("displayName", json!({"x": 1})),
        ("name", json!({"formatted": 7})),
        ("ims", json!("not a list")),
        ("locale", json!(["sv-SE"])),
    ] {
        let mut body = entra_user("ann@acme.com", "ann-ext");
        body[attribute] = value;
        let (status, error) = s.call("POST", "/Users", Some(body)).await;
        assert_eq!(
            (status, error["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{attribute}: {error}"
        );
        assert!(
            error["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(attribute),
            "{error}"
        );
    }
    let mut enterprise = entra_user("ann@acme.com", "ann-ext");
    enterprise[ENTERPRISE]["costCenter"] = json!(17);
    assert_eq!(s.call("POST", "/Users", Some(enterprise)).await.0, 400);

    // `schemas` repeated inside an extension object (as SCIM libraries write it) is no error.
    let mut with_schemas = entra_user("ann@acme.com", "ann-ext");
    with_schemas[ENTERPRISE]["schemas"] = json!([ENTERPRISE]);
    let (status, ann) = s.call("POST", "/Users", Some(with_schemas)).await;
    assert_eq!(status, 201, "{ann}");
    let id = ann["id"].as_str().expect("id");
    let (status, error) = s
        .patch_user(
            id,
            json!([{"op": "replace", "path": "displayName", "value": {"nested": "object"}}]),
        )
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{error}"
    );
    let (status, error) = s
        .patch_user(id, json!([{"op": "replace", "value": {"nickName": true}}]))
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    let (_, after) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(
        after["displayName"], "Ann Lee",
        "the refused PATCH changed nothing"
    );
}

// Item 14.

#[actix_web::test]
async fn display_name_is_what_entra_sends_and_composed_only_when_none_is() {
    let s = scim_app().await;
    let mut body = entra_user("ann@acme.com", "ann-ext");
    body["displayName"] = json!("Ann-Marie Lee (Sales, Stockholm office)");
    let (status, created) = s.call("POST", "/Users", Some(body)).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created["displayName"],
        "Ann-Marie Lee (Sales, Stockholm office)"
    );
    let (_, got) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(
        got["displayName"],
        "Ann-Marie Lee (Sales, Stockholm office)"
    );
    let (_, found) = s
        .call(
            "GET",
            &filter_path(r#"displayName eq "Ann-Marie Lee (Sales, Stockholm office)""#),
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    let (_, patched) = s
        .patch_user(
            &id,
            json!([{"op": "replace", "path": "name.givenName", "value": "Annie"}]),
        )
        .await;
    assert_eq!(
        patched["displayName"],
        "Ann-Marie Lee (Sales, Stockholm office)"
    );
    let (_, patched) = s
        .patch_user(
            &id,
            json!([{"op": "replace", "path": "displayName", "value": "A. M. Lee"}]),
        )
        .await;
    assert_eq!(patched["displayName"], "A. M. Lee");
    assert_eq!(s.person(&id).display_name.as_deref(), Some("A. M. Lee"));

    // Shown on the admin pages.
    let browser = s.admin_browser();
    let html = page(&browser, s.app.url(&format!("/admin/employees/{id}"))).await;
    assert!(
        html.contains("A. M. Lee"),
        "the admin page shows the sent name"
    );

    // Without a displayName the name is composed, and follows the given name.
    let mut body = entra_user("bob@acme.com", "bob-ext");
    body.as_object_mut().expect("object").remove("displayName");
    let (_, bob) = s.call("POST", "/Users", Some(body)).await;
    assert_eq!(bob["displayName"], "Ann Lee");
    let bob_id = bob["id"].as_str().expect("id");
    let (_, patched) = s
        .patch_user(
            bob_id,
            json!([{"op": "replace", "path": "name.givenName", "value": "Bob"}]),
        )
        .await;
    assert_eq!(patched["displayName"], "Bob Lee", "composed, not frozen");
    assert_eq!(s.person(bob_id).display_name, None);
}

// Item 15.

#[actix_web::test]
async fn group_patches_answer_204_skip_deleted_members_and_survive_parallel_adds() {
    let s = scim_app().await;
    let ann = s.create("ann@acme.com", "a").await;
    let bob = s.create("bob@acme.com", "b").await;
    let (status, group) = s
        .call(
            "POST",
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"})),
        )
        .await;
    assert_eq!(status, 201);
    let gid = group["id"].as_str().expect("id").to_owned();
    let bob_id = bob["id"].as_str().expect("id");
    assert_eq!(
        s.call("DELETE", &format!("/Users/{bob_id}"), None).await.0,
        204
    );

    let add = ops(
        json!([{"op": "Add", "path": "members", "value": [{"value": ann["id"]}, {"value": bob_id}]}]),
    );
    let response = s
        .app
        .client
        .patch(s.app.url(&format!("/scim/v2/Groups/{gid}")))
        .bearer_auth(&s.token)
        .header("content-type", "application/scim+json")
        .body(add.to_string())
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.expect("body").is_empty(), "no body");
    let (_, got) = s.call("GET", &format!("/Groups/{gid}"), None).await;
    let members: Vec<&str> = got["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert_eq!(members, vec![ann["id"].as_str().expect("id")]);
    let line = s
        .log()
        .into_iter()
        .find(|e| e.method == "PATCH")
        .expect("a PATCH line");
    assert_eq!(line.status, 204);
    assert!(
        line.detail.contains(bob_id),
        "the skip is logged: {}",
        line.detail
    );

    // Entra's batches may add the same member at once.
    let carl = s.create("carl@acme.com", "c").await;
    let add = ops(json!([{"op": "Add", "path": "members", "value": [{"value": carl["id"]}]}]));
    let group_path = format!("/Groups/{gid}");
    let attempts = (0..8).map(|_| s.call("PATCH", &group_path, Some(add.clone())));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    let (_, got) = s.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(got["members"].as_array().map(Vec::len), Some(2));
}

// Item 16.

#[actix_web::test]
async fn malformed_or_over_long_queries_get_scim_errors() {
    let s = scim_app().await;
    s.create("ann@acme.com", "a").await;
    s.create("bob@acme.com", "b").await;
    for path in [
        format!("{}&count=abc", filter_path(r#"userName eq "ann@acme.com""#)),
        "/Users?startIndex=first".to_owned(),
        "/Users?count=1.5".to_owned(),
    ] {
        let (status, error) = s.call("GET", &path, None).await;
        assert_eq!(
            (status, error["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{path}: {error}"
        );
        assert_eq!(
            error["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
    // Unknown parameters (Entra's feature flag) are no error.
    let (status, body) = s
        .call(
            "GET",
            &format!(
                "{}&aadOptscim062020",
                filter_path(r#"userName eq "ann@acme.com""#)
            ),
            None,
        )
        .await;
    assert_eq!((status, body["totalResults"].as_u64()), (200, Some(1)));

    let long = format!("userName eq \"{}@acme.com\"", "a".repeat(20 * 1024));
    let response = s
        .app
        .client
        .get(format!("{}/scim/v2{}", s.app.address, filter_path(&long)))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 414);
    let error: Value = serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(error["status"], "414");
}

// Item 17.

#[actix_web::test]
async fn the_employment_instant_round_trips_and_shows_as_a_day_in_the_accounts_zone() {
    let s = scim_app().await;
    let mut body = entra_user("ann@acme.com", "ann-ext");
    body[OURS]["dateOfEmployment"] = json!("2021-03-31T22:00:00Z");
    let (_, created) = s.call("POST", "/Users", Some(body)).await;
    assert_eq!(created[OURS]["dateOfEmployment"], "2021-03-31T22:00:00Z");
    let id = created["id"].as_str().expect("id").to_owned();
    let (_, got) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(got[OURS]["dateOfEmployment"], "2021-03-31T22:00:00Z");
    let (_, patched) = s
        .patch_user(
            &id,
            json!([{"op": "replace", "path": "title", "value": "Buyer II"}]),
        )
        .await;
    assert_eq!(patched[OURS]["dateOfEmployment"], "2021-03-31T22:00:00Z");

    // UTC by default: the 31st. An admin sets the account's zone; the page then shows the 1st.
    let browser = s.admin_browser();
    let employee_page = s.app.url(&format!("/admin/employees/{id}"));
    let html = page(&browser, employee_page.clone()).await;
    assert!(html.contains(r#"value="2021-03-31""#), "UTC day");
    let set_zone = |zone: &'static str| {
        let (app, browser) = (&s.app, &browser);
        async move {
            let (page, action) = ("/admin/integration", "/admin/integration/time-zone");
            app.submit_in(browser, page, action, &[("time_zone", zone)])
                .await
                .status()
        }
    };
    assert_eq!(
        set_zone("Mars/Olympus_Mons").await,
        400,
        "an unknown zone is refused"
    );
    assert_eq!(set_zone("Europe/Berlin").await, 303);
    let account = s
        .app
        .write(|c| accounts::by_id(c, &s.account.id))
        .expect("account");
    assert_eq!(account.time_zone, "Europe/Berlin");
    let html = page(&browser, employee_page).await;
    assert!(html.contains(r#"value="2021-04-01""#), "the Berlin day");

    // The CSV has the day in the account's zone; importing it back changes nothing.
    let mut exported = Vec::new();
    let mut conn = s.app.db.conn().expect("conn");
    csv_io::export(&mut conn, &s.account.id, &mut exported).expect("export");
    let text = String::from_utf8(exported).expect("utf-8");
    assert!(text.contains(",2021-04-01,"), "{text}");
    // A date-only value is the start of the day in the account's zone.
    let rows = csv_io::parse(
        "user_name,email,employment_date\ncsv@acme.com,csv@acme.com,2022-06-01\n".as_bytes(),
    )
    .expect("rows");
    gatehouse::db::write(&mut conn, |c| {
        csv_io::import(c, &s.account.id, &rows, &csv())
    })
    .expect("import");
    let imported = people::find_by_user_name(&mut conn, &s.account.id, "csv@acme.com")
        .expect("q")
        .expect("imported");
    assert_eq!(
        imported.employment_date.map(|d| d.to_string()).as_deref(),
        Some("2022-05-31 22:00:00")
    );
    drop(conn);
    let (_, again) = s.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(again[OURS]["dateOfEmployment"], "2021-03-31T22:00:00Z");
}

// Item 18.

#[actix_web::test]
async fn the_previous_scim_token_works_for_a_grace_period_and_revoke_ends_all() {
    let s = scim_app().await;
    let old = s.token.clone();
    let s = &s;
    let status_with =
        |token: String| async move { s.call_as(&token, "GET", "/Users", None).await.0 };

    // Until the new token is first used.
    let new = s
        .app
        .write(|c| scim_tokens::issue(c, &s.account.id, &crate::helpers::system()))
        .expect("regenerate");
    assert_eq!(
        status_with(old.clone()).await,
        200,
        "old token in its grace period"
    );
    assert_eq!(status_with(old.clone()).await, 200);
    assert_eq!(status_with(new.clone()).await, 200);
    assert_eq!(status_with(old.clone()).await, 401, "the new one was used");
    assert_eq!(status_with(new.clone()).await, 200);

    // Or until the grace period ends.
    let newer = s
        .app
        .write(|c| scim_tokens::issue(c, &s.account.id, &crate::helpers::system()))
        .expect("regenerate");
    assert_eq!(status_with(new.clone()).await, 200);
    let until = s
        .app
        .write(|c| scim_tokens::previous_until(c, &s.account.id))
        .expect("until")
        .expect("in grace");
    let left = until - gatehouse::directory::clock::now();
    assert!(
        left > chrono::Duration::minutes(59) && left <= chrono::Duration::hours(1),
        "{left}"
    );
    {
        use schema::scim_tokens as t;
        diesel::update(t::table.find(&s.account.id))
            .set(t::previous_until.eq(Some(
                gatehouse::directory::clock::now() - chrono::Duration::seconds(1),
            )))
            .execute(&mut s.app.db.conn().expect("conn"))
            .expect("age");
    }
    assert_eq!(status_with(new.clone()).await, 401, "grace period over");

    // Revoke ends every token at once.
    let newest = s
        .app
        .write(|c| scim_tokens::issue(c, &s.account.id, &crate::helpers::system()))
        .expect("regenerate");
    s.app
        .write(|c| scim_tokens::revoke(c, &s.account.id, &crate::helpers::system()))
        .expect("revoke");
    for token in [newer, newest] {
        assert_eq!(status_with(token).await, 401);
    }
}

// Item 19.

#[actix_web::test]
async fn users_can_be_matched_on_employee_number_in_either_extension() {
    let s = scim_app().await;
    let ann = s.create("ann@acme.com", "a").await;
    s.create("bob@acme.com", "b").await;
    let (_, bob) = s
        .call("GET", &filter_path(r#"userName eq "bob@acme.com""#), None)
        .await;
    let bob_id = bob["Resources"][0]["id"].as_str().expect("bob").to_owned();
    s.patch_user(
        &bob_id,
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "E-99"}]),
    )
    .await;
    for (filter, expected) in [
        (
            format!("{ENTERPRISE}:employeeNumber eq \"E-17\""),
            Some(ann["id"].clone()),
        ),
        (
            format!("{OURS}:employeeNumber eq \"E-17\""),
            Some(ann["id"].clone()),
        ),
        (
            format!("{ENTERPRISE}:employeeNumber eq \"E-99\""),
            Some(json!(bob_id)),
        ),
        (format!("{ENTERPRISE}:employeeNumber eq \"E-0\""), None),
    ] {
        let (status, found) = s.call("GET", &filter_path(&filter), None).await;
        assert_eq!(status, 200, "{filter}: {found}");
        match expected {
            Some(id) => {
                assert_eq!(found["totalResults"], 1, "{filter}: {found}");
                assert_eq!(found["Resources"][0]["id"], id);
            }
            None => assert_eq!(found["totalResults"], 0, "{filter}"),
        }
    }
}

// Item 20.

#[actix_web::test]
async fn adoption_keeps_what_entra_did_not_send_and_says_what_it_took_over() {
    let s = scim_app().await;
    let boss = s
        .app
        .write(|c| lifecycle::create(c, &s.account.id, person("boss@acme.com"), &csv()))
        .expect("boss");
    let mut profile = person("ann@acme.com");
    profile.department = Some("Finance".into());
    profile.country = Some("SE".into());
    profile.payroll_number = Some("P-1".into());
    profile.employee_number = Some("E-1".into());
    profile.employment_date =
        chrono::NaiveDate::from_ymd_opt(2019, 5, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    profile.subsidiary = Some("Acme AB".into());
    profile.job_title = Some("Controller".into());
    let imported = s
        .app
        .write(|c| {
            let ann = lifecycle::create(c, &s.account.id, profile, &csv())?;
            approvers::set_manager(c, &s.account.id, &ann.id, Some(&boss.id), &csv())
        })
        .expect("csv person");

    // Entra sends only the basics.
    let (status, created) = s
        .call(
            "POST",
            "/Users",
            Some(json!({
                "schemas": [USER],
                "externalId": "ann-ext",
                "userName": "ann@acme.com",
                "active": true,
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "emails": [{"primary": true, "type": "work", "value": "ann@acme.com"}]
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["id"], imported.id.as_str(), "adopted");
    let ann = s.person(&imported.id);
    assert!(ann.federated);
    assert_eq!(ann.family_name, "Lee", "what Entra sent is taken");
    assert_eq!(ann.external_id.as_deref(), Some("ann-ext"));
    assert_eq!(
        (
            ann.department.as_deref(),
            ann.country.as_deref(),
            ann.payroll_number.as_deref(),
            ann.employee_number.as_deref(),
            ann.subsidiary.as_deref(),
            ann.job_title.as_deref(),
        ),
        (
            Some("Finance"),
            Some("SE"),
            Some("P-1"),
            Some("E-1"),
            Some("Acme AB"),
            Some("Controller")
        )
    );
    assert_eq!(ann.employment_date, imported.employment_date);
    assert_eq!(ann.approver_id.as_deref(), Some(boss.id.as_str()));

    let entries = history::of_employee(&mut s.app.db.conn().expect("conn"), &s.account.id, &ann.id)
        .expect("history");
    let adopted = entries
        .iter()
        .find(|e| e.action == "adopted")
        .expect("an adoption entry");
    let taken = adopted
        .changes
        .iter()
        .find(|c| c.field == "taken_over_by_entra")
        .and_then(|c| c.new.clone())
        .expect("which fields Entra took over");
    for field in [
        "user_name",
        "email",
        "given_name",
        "family_name",
        "external_id",
    ] {
        assert!(taken.contains(field), "{taken}");
    }
    for field in ["department", "country", "payroll_number", "job_title"] {
        assert!(!taken.contains(field), "{taken}");
    }
    assert!(adopted.changes.iter().all(|c| c.field != "department"));
}

// Item 24 (SCIM parts).

#[actix_web::test]
async fn a_refused_create_names_who_and_a_refused_filter_gets_a_filter_hint() {
    let s = scim_app().await;
    s.create("ann@acme.com", "a").await;
    let mut clash = entra_user("ann.lee@acme.com", "b");
    clash["emails"] = json!([{"type": "work", "value": "ann@acme.com", "primary": true}]);
    let (status, _) = s.call("POST", "/Users", Some(clash)).await;
    assert_eq!(status, 409);
    let (status, _) = s
        .call("GET", &filter_path(r#"nickName eq "x""#), None)
        .await;
    assert_eq!(status, 400);
    // The read's line is written behind; give it its 50 ms.
    let mut entries = s.log();
    for _ in 0..50 {
        if entries.iter().any(|e| e.method == "GET") {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        entries = s.log();
    }
    let refused = entries.iter().find(|e| e.status == 409).expect("409 line");
    assert!(
        refused.detail.contains("ann.lee@acme.com"),
        "{}",
        refused.detail
    );
    let filter = entries
        .iter()
        .find(|e| e.method == "GET")
        .expect("filter line");
    let hint = provisioning_log::hint(filter.status, &filter.detail);
    assert!(hint.contains("filter") && !hint.contains("store"), "{hint}");
    let value_hint = provisioning_log::hint(400, "invalidValue: userName must be a string");
    assert!(value_hint.contains("store"), "{value_hint}");
}
