//! The directory API's read endpoints as the HR application calls them: every person's master
//! data, status, roles and approval set-up; who approves whom by the product's rules; departments
//! and SCIM groups; keyset pages that neither repeat nor skip anyone while writes happen between
//! them; filters with the cursor; problem details; and nothing of another account.

use std::collections::HashSet;

use chrono::NaiveDate;
use gatehouse::auth::scim_tokens;
use gatehouse::directory::accounts::Account;
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::employees::{Employee, Profile};
use gatehouse::directory::{lifecycle, zones};
use serde_json::{Value, json};

use crate::helpers::api::{Api, api_client};
use crate::helpers::scim::{ops, scim_app};
use crate::helpers::{TestApp, cli, create_account, person, scim, spawn_app, system};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Entra provisions a person (active, federated) into the account.
fn provision(app: &TestApp, account: &Account, profile: Profile) -> Employee {
    app.write(|c| lifecycle::provision(c, &account.id, profile, true, &scim()))
        .expect("provision")
        .employee
}

fn in_department(user_name: &str, department: &str) -> Profile {
    let mut profile = person(user_name);
    profile.department = Some(department.into());
    profile
}

fn set_manager(app: &TestApp, account: &Account, person: &Employee, manager: &Employee) {
    app.write(|c| approvers::set_manager(c, &account.id, &person.id, Some(&manager.id), &scim()))
        .expect("manager");
}

fn set_roles(app: &TestApp, account: &Account, person: &Employee, roles: Roles) {
    app.write(|c| approvers::set_roles(c, &account.id, &person.id, roles, &cli()))
        .expect("roles");
}

fn approves(departments: &[&str]) -> Roles {
    Roles {
        approver: true,
        departments: departments.iter().map(|d| (*d).to_owned()).collect(),
        ..Roles::default()
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

fn field(page: &Value, name: &str) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// GET `path` expecting 200: the body.
async fn ok(api: &Api, path: &str) -> Value {
    let (status, kind, body) = api.get(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(kind.starts_with("application/json"), "{path}: {kind}");
    body
}

/// Every row of a list, following `next_cursor` (`query` already has `?`).
async fn every(api: &Api, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut after = String::new();
    for _ in 0..1000 {
        let page = ok(api, &format!("{query}{after}")).await;
        rows.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => return rows,
        }
    }
    panic!("{query}: the pages never ended");
}

/// A problem answer: the status, `application/problem+json`, the RFC 9457 members.
async fn problem(api: &Api, path: &str, status: u16) -> Value {
    let (got, kind, body) = api.get(path).await;
    assert_eq!(got, status, "{path}: {body}");
    assert_eq!(kind, "application/problem+json", "{path}");
    assert_eq!(body["status"], status, "{path}");
    assert_eq!(body["type"], "about:blank", "{path}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["code"].is_string(),
        "{path}: {body}"
    );
    body
}

#[actix_web::test]
async fn an_employee_has_every_master_data_field_status_roles_and_approval_set_up() {
    let app = spawn_app().await;
    let acme = create_account(&app.db, "acme");
    let boss = provision(&app, &acme, person("boss@acme.com"));
    let head = provision(&app, &acme, person("head@acme.com"));
    let employment = NaiveDate::from_ymd_opt(2021, 4, 1).expect("date");
    let ann = provision(
        &app,
        &acme,
        Profile {
            external_id: Some("e-ann".into()),
            user_name: "ann@acme.com".into(),
            email: "ann.lee@acme.com".into(),
            given_name: "Ann".into(),
            family_name: "Lee".into(),
            display_name: Some("Ann Lee (Care)".into()),
            job_title: Some("Nurse".into()),
            department: Some("Care".into()),
            mobile_phone: Some("+46 70 111".into()),
            work_phone: Some("+46 8 222".into()),
            country: Some("SE".into()),
            employment_date: Some(zones::start_of(employment, acme.zone())),
            payroll_number: Some("P-17".into()),
            employee_number: Some("E-17".into()),
            subsidiary: Some("Acme AB".into()),
        },
    );
    set_manager(&app, &acme, &ann, &boss);
    set_roles(&app, &acme, &head, approves(&["Care"]));
    set_roles(
        &app,
        &acme,
        &ann,
        Roles {
            setup_admin: true,
            departments: vec!["Pharmacy".into()],
            ..Roles::default()
        },
    );
    // Ann has a password: no hash may ever show.
    app.write(|c| {
        gatehouse::auth::credentials::set_password(
            c,
            &ann,
            "$argon2id$v=19$m=19456,t=2,p=1$secret-hash",
            &cli(),
            None,
        )
    })
    .expect("hash");
    let api = api_client(&app, &["acme"]).await;

    let one = ok(&api, &format!("/api/v1/accounts/acme/employees/{}", ann.id)).await;
    let expected = json!({
        "id": ann.id,
        "external_id": "e-ann",
        "user_name": "ann@acme.com",
        "email": "ann.lee@acme.com",
        "given_name": "Ann",
        "family_name": "Lee",
        "display_name": "Ann Lee (Care)",
        "job_title": "Nurse",
        "department": "Care",
        "mobile_phone": "+46 70 111",
        "work_phone": "+46 8 222",
        "country": "SE",
        "employment_date": "2021-04-01",
        "employment_instant": "2021-04-01T00:00:00.000000Z",
        "payroll_number": "P-17",
        "employee_number": "E-17",
        "subsidiary": "Acme AB",
        "status": {
            "active": true, "termination_date": null, "federated": true,
            "defederated": false, "released": false, "released_at": null
        },
        "roles": {
            "setup_admin": true, "approver": false, "approves_self": false,
            "only_selected_approver": false, "department_approver_of": ["Pharmacy"]
        },
        "approval": {
            "approver": {
                "id": boss.id, "user_name": "boss@acme.com",
                "display_name": "boss Tester", "active": true
            },
            "department_approvers": [{
                "id": head.id, "user_name": "head@acme.com",
                "display_name": "head Tester", "active": true
            }],
            "approves_self": false,
            "only_selected_approver": false
        },
    });
    let mut without_times = one.clone();
    for time in ["created_at", "updated_at"] {
        let value = without_times
            .as_object_mut()
            .expect("object")
            .remove(time)
            .expect(time);
        let value = value.as_str().expect("time");
        assert!(
            chrono::DateTime::parse_from_rfc3339(value).is_ok() && value.ends_with('Z'),
            "{value}"
        );
    }
    assert_eq!(without_times, expected);
    let text = one.to_string();
    assert!(!text.contains("argon2") && !text.contains("hash"), "{text}");

    // The list shows the same record; Ann's id is the OpenID Connect sub.
    let list = ok(&api, "/api/v1/accounts/acme/employees").await;
    let listed = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|p| p["id"] == ann.id.as_str())
        .expect("Ann listed")
        .clone();
    assert_eq!(listed, one);
    assert_eq!(list["next_cursor"], Value::Null);
    assert_eq!(ids(&list).len(), 3);
}

#[actix_web::test]
async fn pages_give_everyone_exactly_once_while_writes_happen_between_them() {
    let app = spawn_app().await;
    let acme = create_account(&app.db, "acme");
    let mut originals = Vec::new();
    for n in 0..23 {
        originals.push(provision(&app, &acme, person(&format!("p{n:02}@acme.com"))));
    }
    let api = api_client(&app, &["acme"]).await;

    let mut seen: Vec<String> = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let page = ok(
            &api,
            &format!("/api/v1/accounts/acme/employees?limit=4{after}"),
        )
        .await;
        assert!(page["data"].as_array().expect("data").len() <= 4);
        seen.extend(ids(&page));
        pages += 1;
        // Between pages: new people, renames (a new updated_at), a deactivation.
        let n = pages;
        provision(&app, &acme, person(&format!("new{n}@acme.com")));
        let renamed = &originals[(n * 5) % originals.len()];
        let mut profile = renamed.profile();
        profile.family_name = format!("Renamed{n}");
        app.write(|c| lifecycle::update_profile(c, &acme.id, &renamed.id, profile, &scim()))
            .expect("rename");
        if n == 2 {
            app.write(|c| lifecycle::deactivate(c, &acme.id, &originals[20].id, &scim()))
                .expect("deactivate");
        }
        match page["next_cursor"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
        assert!(pages < 100, "the pages never ended");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "someone came twice: {seen:?}");
    for person in &originals {
        assert!(
            seen.contains(&person.id),
            "{} was skipped",
            person.user_name
        );
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "pages are in id order");
}

#[actix_web::test]
async fn every_filter_works_with_the_cursor_and_bad_values_are_named() {
    let app = spawn_app().await;
    let acme = create_account(&app.db, "acme");
    let mut care = Vec::new();
    for n in 0..5 {
        care.push(provision(
            &app,
            &acme,
            in_department(&format!("care{n}@acme.com"), "Care"),
        ));
    }
    let sales = provision(&app, &acme, in_department("sally.seller@acme.com", "Sales"));
    app.write(|c| lifecycle::deactivate(c, &acme.id, &care[1].id, &scim()))
        .expect("deactivate");
    app.write(|c| lifecycle::release(c, &acme.id, &care[2].id, &scim()))
        .expect("release");
    let api = api_client(&app, &["acme"]).await;
    let base = "/api/v1/accounts/acme/employees";

    let names = |rows: &[Value]| -> Vec<String> {
        let mut names: Vec<String> = rows
            .iter()
            .map(|p| p["user_name"].as_str().expect("name").to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&every(&api, &format!("{base}?department=Care&limit=1")).await),
        [
            "care0@acme.com",
            "care1@acme.com",
            "care3@acme.com",
            "care4@acme.com"
        ]
    );
    assert_eq!(
        names(&every(&api, &format!("{base}?department=Care&active=true&limit=1")).await),
        ["care0@acme.com", "care3@acme.com", "care4@acme.com"]
    );
    assert_eq!(
        names(&every(&api, &format!("{base}?active=false&limit=1")).await),
        ["care1@acme.com"]
    );
    // Released people only when asked, and then as released.
    let released = every(
        &api,
        &format!("{base}?active=false&include_released=true&limit=1"),
    )
    .await;
    assert_eq!(names(&released), ["care1@acme.com", "care2@acme.com"]);
    let care2 = released
        .iter()
        .find(|p| p["id"] == care[2].id.as_str())
        .expect("released row");
    assert_eq!(care2["status"]["released"], true);
    assert!(care2["status"]["released_at"].is_string());
    assert!(care2["status"]["termination_date"].is_string());
    // q: a piece of the name, login or email, any case.
    assert_eq!(
        names(&every(&api, &format!("{base}?q=SALLY&limit=1")).await),
        ["sally.seller@acme.com"]
    );
    assert_eq!(
        names(&every(&api, &format!("{base}?q=care&limit=2")).await).len(),
        4
    );
    // updated_since: only what changed at or after the instant.
    tokio_sleep_ms(20).await;
    let since = chrono::Utc::now();
    tokio_sleep_ms(20).await;
    let mut profile = sales.profile();
    profile.job_title = Some("Key accounts".into());
    app.write(|c| lifecycle::update_profile(c, &acme.id, &sales.id, profile, &scim()))
        .expect("update");
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let changed = every(&api, &format!("{base}?updated_since={since}&limit=1")).await;
    assert_eq!(names(&changed), ["sally.seller@acme.com"]);
    let offset = (chrono::Utc::now() + chrono::Duration::hours(1))
        .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"))
        .to_rfc3339()
        .replace('+', "%2B");
    assert!(
        every(&api, &format!("{base}?updated_since={offset}"))
            .await
            .is_empty()
    );

    let other_cursor = {
        // A cursor of another list (departments) is refused like garbage.
        let (_, _, page) = api.get("/api/v1/accounts/acme/departments?limit=1").await;
        page["next_cursor"]
            .as_str()
            .expect("more departments")
            .to_owned()
    };
    for (query, parameter) in [
        ("active=yes", "active"),
        ("include_released=1", "include_released"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-12-01", "updated_since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=garbage", "after"),
        (&format!("after={other_cursor}"), "after"),
        ("active=true&active=false", "query"),
    ] {
        let body = problem(&api, &format!("{base}?{query}"), 400).await;
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
        assert_eq!(body["code"], "invalid_parameter");
    }
    let body = problem(
        &api,
        &format!(
            "/api/v1/accounts/acme/approvers/{}/employees?active=maybe",
            care[0].id
        ),
        400,
    )
    .await;
    assert_eq!(body["parameter"], "active");
    let body = problem(&api, "/api/v1/accounts/acme/groups?limit=-1", 400).await;
    assert_eq!(body["parameter"], "limit");
}

async fn tokio_sleep_ms(ms: u64) {
    actix_web::rt::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Ann in Care with manager Boss; Head and Zed approve Care, Ann's colleague Carl too.
struct Approvals {
    app: TestApp,
    acme: Account,
    api: Api,
    ann: Employee,
    boss: Employee,
    head: Employee,
    zed: Employee,
}

async fn approvals() -> Approvals {
    let app = spawn_app().await;
    let acme = create_account(&app.db, "acme");
    let boss = provision(&app, &acme, person("boss@acme.com"));
    // Created before Head, so id order is not login order.
    let zed = provision(&app, &acme, person("zed@acme.com"));
    let head = provision(&app, &acme, person("head@acme.com"));
    let ann = provision(&app, &acme, in_department("ann@acme.com", "Care"));
    set_manager(&app, &acme, &ann, &boss);
    set_roles(&app, &acme, &zed, approves(&["Care"]));
    set_roles(&app, &acme, &head, approves(&["Care"]));
    let api = api_client(&app, &["acme"]).await;
    Approvals {
        app,
        acme,
        api,
        ann,
        boss,
        head,
        zed,
    }
}

impl Approvals {
    /// (user_name, via) of who approves `person`, in the API's order.
    async fn approvers_of(&self, person: &Employee) -> Vec<(String, String)> {
        let page = ok(
            &self.api,
            &format!("/api/v1/accounts/acme/employees/{}/approvers", person.id),
        )
        .await;
        assert_eq!(page["next_cursor"], Value::Null);
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| {
                (
                    a["user_name"].as_str().expect("name").to_owned(),
                    a["via"].as_str().expect("via").to_owned(),
                )
            })
            .collect()
    }

    /// The user names whose requests `approver` decides (every page, 1 a page).
    async fn approved_by(&self, approver: &Employee) -> Vec<String> {
        let rows = every(
            &self.api,
            &format!(
                "/api/v1/accounts/acme/approvers/{}/employees?limit=1",
                approver.id
            ),
        )
        .await;
        let mut names: Vec<String> = rows
            .iter()
            .map(|r| r["user_name"].as_str().expect("name").to_owned())
            .collect();
        names.sort();
        names
    }
}

fn pair(name: &str, via: &str) -> (String, String) {
    (name.to_owned(), via.to_owned())
}

#[actix_web::test]
async fn approvers_come_in_order_the_direct_approver_then_the_department_by_login_name() {
    let s = approvals().await;
    assert_eq!(
        s.approvers_of(&s.ann).await,
        [
            pair("boss@acme.com", "direct_approver"),
            pair("head@acme.com", "department"),
            pair("zed@acme.com", "department"),
        ]
    );
    assert_eq!(s.approved_by(&s.boss).await, ["ann@acme.com"]);
    assert_eq!(s.approved_by(&s.head).await, ["ann@acme.com"]);
    let page = ok(
        &s.api,
        &format!("/api/v1/accounts/acme/approvers/{}/employees", s.boss.id),
    )
    .await;
    assert_eq!(page["data"][0]["via"], "direct_approver");
    assert_eq!(page["data"][0]["id"], s.ann.id.as_str());
    // Someone who approves nobody: an empty list, not an error.
    assert!(s.approved_by(&s.ann).await.is_empty());
}

#[actix_web::test]
async fn a_self_approver_approves_their_own_requests_and_the_manager_is_ignored() {
    let s = approvals().await;
    set_roles(
        &s.app,
        &s.acme,
        &s.ann,
        Roles {
            approves_self: true,
            ..Roles::default()
        },
    );
    assert_eq!(s.approvers_of(&s.ann).await, [pair("ann@acme.com", "self")]);
    assert_eq!(s.approved_by(&s.ann).await, ["ann@acme.com"]);
    assert!(s.approved_by(&s.boss).await.is_empty());
    assert!(s.approved_by(&s.head).await.is_empty());
    // The set-up still shows the manager; the resolution ignores them.
    let one = ok(
        &s.api,
        &format!("/api/v1/accounts/acme/employees/{}", s.ann.id),
    )
    .await;
    assert_eq!(one["approval"]["approver"]["id"], s.boss.id.as_str());
    assert_eq!(one["approval"]["approves_self"], true);
    assert_eq!(one["roles"]["approves_self"], true);
}

#[actix_web::test]
async fn only_the_selected_approver_drops_the_department_approvers() {
    let s = approvals().await;
    set_roles(
        &s.app,
        &s.acme,
        &s.ann,
        Roles {
            only_selected_approver: true,
            ..Roles::default()
        },
    );
    assert_eq!(
        s.approvers_of(&s.ann).await,
        [pair("boss@acme.com", "direct_approver")]
    );
    assert_eq!(s.approved_by(&s.boss).await, ["ann@acme.com"]);
    assert!(s.approved_by(&s.head).await.is_empty());
    assert!(s.approved_by(&s.zed).await.is_empty());
    let one = ok(
        &s.api,
        &format!("/api/v1/accounts/acme/employees/{}", s.ann.id),
    )
    .await;
    assert_eq!(one["approval"]["only_selected_approver"], true);
    assert_eq!(
        one["approval"]["department_approvers"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[actix_web::test]
async fn inactive_approvers_are_left_out_and_approve_nobody() {
    let s = approvals().await;
    s.app
        .write(|c| lifecycle::deactivate(c, &s.acme.id, &s.boss.id, &scim()))
        .expect("boss off");
    s.app
        .write(|c| lifecycle::release(c, &s.acme.id, &s.zed.id, &scim()))
        .expect("zed released");
    assert_eq!(
        s.approvers_of(&s.ann).await,
        [pair("head@acme.com", "department")]
    );
    assert!(s.approved_by(&s.boss).await.is_empty());
    assert!(s.approved_by(&s.zed).await.is_empty());
    // A released person answers by id, and has no approvers left.
    let zed = ok(
        &s.api,
        &format!("/api/v1/accounts/acme/employees/{}", s.zed.id),
    )
    .await;
    assert_eq!(zed["status"]["released"], true);
    // An inactive person still has approvers (their requests from before), an inactive
    // self-approver does not.
    s.app
        .write(|c| lifecycle::deactivate(c, &s.acme.id, &s.ann.id, &scim()))
        .expect("ann off");
    assert_eq!(
        s.approvers_of(&s.ann).await,
        [pair("head@acme.com", "department")]
    );
    let active_only = ok(
        &s.api,
        &format!(
            "/api/v1/accounts/acme/approvers/{}/employees?active=true",
            s.head.id
        ),
    )
    .await;
    assert!(ids(&active_only).is_empty(), "{active_only}");
    set_roles(
        &s.app,
        &s.acme,
        &s.ann,
        Roles {
            approves_self: true,
            ..Roles::default()
        },
    );
    assert!(s.approvers_of(&s.ann).await.is_empty());
    assert!(s.approved_by(&s.ann).await.is_empty());
}

#[actix_web::test]
async fn who_someone_approves_is_exactly_whose_approvers_name_them() {
    let s = approvals().await;
    let (app, acme) = (&s.app, &s.acme);
    let mut people = vec![s.ann.clone(), s.boss.clone(), s.head.clone(), s.zed.clone()];
    for (n, department) in ["Care", "Care", "Sales", "Care", "Sales"]
        .iter()
        .enumerate()
    {
        people.push(provision(
            app,
            acme,
            in_department(&format!("x{n}@acme.com"), department),
        ));
    }
    set_manager(app, acme, &people[4], &s.boss);
    set_manager(app, acme, &people[5], &s.head);
    set_manager(app, acme, &people[6], &people[4]);
    set_roles(app, acme, &people[5], approves(&["Sales", "Care"]));
    set_roles(
        app,
        acme,
        &people[7],
        Roles {
            approves_self: true,
            ..Roles::default()
        },
    );
    set_roles(
        app,
        acme,
        &people[8],
        Roles {
            only_selected_approver: true,
            ..Roles::default()
        },
    );
    app.write(|c| lifecycle::deactivate(c, &acme.id, &s.zed.id, &scim()))
        .expect("zed off");
    for approver in &people {
        let mut expected = Vec::new();
        for person in &people {
            if s.approvers_of(person)
                .await
                .iter()
                .any(|(name, _)| name == &approver.user_name)
            {
                expected.push(person.user_name.clone());
            }
        }
        expected.sort();
        assert_eq!(
            s.approved_by(approver).await,
            expected,
            "whom {} approves",
            approver.user_name
        );
    }
}

#[actix_web::test]
async fn departments_have_their_head_count_and_approvers_by_name() {
    let app = spawn_app().await;
    let acme = create_account(&app.db, "acme");
    for (name, department) in [
        ("a@acme.com", "Care"),
        ("b@acme.com", "Care"),
        ("c@acme.com", "Sales"),
        ("d@acme.com", "Pharmacy"),
    ] {
        provision(&app, &acme, in_department(name, department));
    }
    let off = provision(&app, &acme, in_department("e@acme.com", "Care"));
    app.write(|c| lifecycle::deactivate(c, &acme.id, &off.id, &scim()))
        .expect("off");
    let gone = provision(&app, &acme, in_department("f@acme.com", "Gone"));
    app.write(|c| lifecycle::release(c, &acme.id, &gone.id, &scim()))
        .expect("released");
    let head = provision(&app, &acme, person("head@acme.com"));
    // A department nobody is in is no department yet: it shows in the approver's roles.
    set_roles(&app, &acme, &head, approves(&["Care", "Research"]));
    let api = api_client(&app, &["acme"]).await;

    let all = every(&api, "/api/v1/accounts/acme/departments?limit=1").await;
    let listed: Vec<(String, i64, i64)> = all
        .iter()
        .map(|d| {
            (
                d["name"].as_str().expect("name").to_owned(),
                d["employees"].as_i64().expect("count"),
                d["active_employees"].as_i64().expect("count"),
            )
        })
        .collect();
    let expected = [("Care", 3, 2), ("Pharmacy", 1, 1), ("Sales", 1, 1)];
    assert_eq!(
        listed,
        expected
            .iter()
            .map(|(n, a, b)| ((*n).to_owned(), *a, *b))
            .collect::<Vec<_>>()
    );
    assert_eq!(all[0]["approvers"][0]["id"], head.id.as_str());
    let head = ok(
        &api,
        &format!("/api/v1/accounts/acme/employees/{}", head.id),
    )
    .await;
    assert_eq!(
        head["roles"]["department_approver_of"],
        json!(["Care", "Research"])
    );
    let filtered = ok(&api, "/api/v1/accounts/acme/departments?q=ARM").await;
    assert_eq!(field(&filtered, "name"), ["Pharmacy"]);
}

#[actix_web::test]
async fn groups_are_the_scim_groups_with_their_members() {
    let s = scim_app().await;
    let mut members = Vec::new();
    for name in ["bob@acme.com", "ann@acme.com", "cat@acme.com"] {
        members.push(s.app.provision(&s.account.id, name));
    }
    let mut group_ids = Vec::new();
    for name in ["Nurses", "Doctors", "Night shift"] {
        let (status, group) = s
            .call(
                "POST",
                "/Groups",
                Some(json!({"schemas": [GROUP], "displayName": name, "externalId": format!("g-{name}")})),
            )
            .await;
        assert_eq!(status, 201, "{group}");
        group_ids.push(group["id"].as_str().expect("id").to_owned());
    }
    let add = ops(json!([{"op": "Add", "path": "members",
        "value": [{"value": members[0].id}, {"value": members[1].id}]}]));
    let (status, _) = s
        .call("PATCH", &format!("/Groups/{}", group_ids[0]), Some(add))
        .await;
    assert_eq!(status, 204);
    let add = ops(json!([{"op": "Add", "path": "members", "value": [{"value": members[2].id}]}]));
    s.call("PATCH", &format!("/Groups/{}", group_ids[2]), Some(add))
        .await;
    let api = api_client(&s.app, &["acme"]).await;

    let all = every(&api, "/api/v1/accounts/acme/groups?limit=1").await;
    let mut expected_ids = group_ids.clone();
    expected_ids.sort();
    assert_eq!(
        all.iter()
            .map(|g| g["id"].as_str().expect("id").to_owned())
            .collect::<Vec<_>>(),
        expected_ids
    );
    let nurses = ok(
        &api,
        &format!("/api/v1/accounts/acme/groups/{}", group_ids[0]),
    )
    .await;
    assert_eq!(nurses["display_name"], "Nurses");
    assert_eq!(nurses["external_id"], "g-Nurses");
    // Members by login name.
    let names: Vec<&str> = nurses["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["user_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ann@acme.com", "bob@acme.com"]);
    assert_eq!(nurses["members"][0]["id"], members[1].id.as_str());

    let by_member = ok(
        &api,
        &format!("/api/v1/accounts/acme/groups?member={}", members[2].id),
    )
    .await;
    assert_eq!(field(&by_member, "display_name"), ["Night shift"]);
    let by_name = ok(&api, "/api/v1/accounts/acme/groups?q=DOC").await;
    assert_eq!(field(&by_name, "display_name"), ["Doctors"]);
    // A released member leaves every group's list.
    s.app
        .write(|c| lifecycle::release(c, &s.account.id, &members[0].id, &scim()))
        .expect("release");
    let nurses = ok(
        &api,
        &format!("/api/v1/accounts/acme/groups/{}", group_ids[0]),
    )
    .await;
    assert_eq!(nurses["members"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn a_client_of_one_account_finds_nothing_of_another() {
    let s = scim_app().await;
    let app = &s.app;
    let acme = s.account.clone();
    let globex = create_account(&app.db, "globex");
    let ann = provision(app, &acme, in_department("ann@acme.com", "Care"));
    let gus = provision(app, &globex, in_department("gus@globex.com", "Care"));
    let boss = provision(app, &globex, person("boss@globex.com"));
    set_manager(app, &globex, &gus, &boss);
    let globex_scim = app
        .write(|c| scim_tokens::issue(c, &globex.id, &system()))
        .expect("Globex SCIM token");
    let (status, group) = s
        .call_as(
            &globex_scim,
            "POST",
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": "Globex staff",
                "members": [{"value": gus.id}]})),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().expect("id").to_owned();
    let api = api_client(app, &["acme"]).await;

    // Globex's slug: every endpoint, as if the account did not exist.
    let mut paths: Vec<String> = [
        "employees",
        "departments",
        "groups",
        "events",
        "events/cursor",
    ]
    .iter()
    .map(|p| format!("/api/v1/accounts/globex/{p}"))
    .collect();
    for tail in [
        format!("employees/{}", gus.id),
        format!("employees/{}/approvers", gus.id),
        format!("approvers/{}/employees", boss.id),
        format!("groups/{group}"),
    ] {
        paths.push(format!("/api/v1/accounts/globex/{tail}"));
        // Globex's ids under Acme's slug: not found either.
        paths.push(format!("/api/v1/accounts/acme/{tail}"));
        paths.push(format!("/api/v1/accounts/nowhere/{tail}"));
    }
    for path in &paths {
        let body = problem(&api, path, 404).await;
        assert_eq!(body["code"], "not_found", "{path}");
        let text = body.to_string();
        assert!(
            !text.contains("Globex") && !text.contains("gus@"),
            "{path}: {text}"
        );
    }
    // And Acme's own lists hold nothing of Globex.
    let everyone = every(
        &api,
        "/api/v1/accounts/acme/employees?include_released=true",
    )
    .await;
    assert_eq!(
        everyone
            .iter()
            .map(|p| p["id"].as_str().expect("id"))
            .collect::<Vec<_>>(),
        [ann.id.as_str()]
    );
    let departments = ok(&api, "/api/v1/accounts/acme/departments").await;
    assert_eq!(departments["data"][0]["employees"], 1);
    assert!(ids(&ok(&api, "/api/v1/accounts/acme/groups").await).is_empty());

    // No token or a wrong one: 401 on every endpoint, with a Bearer challenge.
    let anonymous = reqwest::Client::new();
    for tail in [
        "employees".to_owned(),
        format!("employees/{}", ann.id),
        format!("employees/{}/approvers", ann.id),
        format!("approvers/{}/employees", ann.id),
        "departments".to_owned(),
        "groups".to_owned(),
    ] {
        let response = anonymous
            .get(format!("{}/api/v1/accounts/acme/{tail}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 401, "{tail}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{tail}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    let mut wrong = api.at(&app.address);
    wrong.token = "not-a-token".into();
    problem(&wrong, "/api/v1/accounts/acme/employees", 401).await;
}

#[actix_web::test]
async fn the_openapi_document_is_served_without_a_token_and_describes_every_endpoint() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let doc: Value = response.json().await.expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/api/v1/accounts/{slug}/employees",
        "/api/v1/accounts/{slug}/employees/{id}",
        "/api/v1/accounts/{slug}/employees/{id}/approvers",
        "/api/v1/accounts/{slug}/approvers/{id}/employees",
        "/api/v1/accounts/{slug}/departments",
        "/api/v1/accounts/{slug}/groups",
        "/api/v1/accounts/{slug}/groups/{id}",
        "/api/v1/accounts/{slug}/events",
        "/api/v1/accounts/{slug}/events/cursor",
    ] {
        assert!(paths.contains(&path), "{path} missing from {paths:?}");
    }
    let flow = &doc["components"]["securitySchemes"]["directory"]["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], format!("{}/oauth/token", app.public_url));
    assert!(flow["scopes"]["directory.read"].is_string());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["Employee"].is_object());
    assert!(
        doc["info"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("`sub`") && d.contains("include_released")),
    );
}
