//! `gatehouse export` and `gatehouse import`: a whole installation from SQLite to the store under
//! test (PostgreSQL when TEST_DATABASE_URL is set) and back to SQLite, without losing a row.

use std::path::Path;
use std::process::{Command, Output};

use diesel::prelude::*;
use gatehouse::auth::sessions::SessionFacts;
use gatehouse::auth::{credentials, journal, outbox, scim_tokens, sessions};
use gatehouse::db::schema::{entra_pins, scim_group_members, scim_groups};
use gatehouse::db::{self, Db, Store};
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::events;
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{account_domains, audit};
use gatehouse::directory::{accounts, clock, lifecycle, provisioning_log};
use gatehouse::idp::certificates;
use gatehouse::idp::settings::{self, SsoChange};
use gatehouse::oidc::clients::{self, NewClient};
use gatehouse::oidc::{grants, keys};

use crate::helpers::{TestStore, gatehouse_bin, person};
use crate::test_idp::Key;

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(gatehouse_bin())
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", url)
        .output()
        .expect("run gatehouse")
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// A store with something in every table, including people who approve each other.
fn populate(db: &Db) {
    let mut conn = db.conn().expect("connection");
    let scim = Actor::new(Source::Scim);
    db::write(&mut conn, |c| -> gatehouse::directory::Result<()> {
        let account = accounts::create(c, "acme", "Acme Ltd")?;
        let globex = accounts::create(c, "globex", "Globex")?;
        account_domains::add(c, &account.id, "acme.com", &crate::helpers::system())?;
        account_domains::add(c, &globex.id, "globex.com", &crate::helpers::system())?;
        let cert = certificates::parse(&Key::active().cert_pem).expect("cert");
        let next = certificates::parse(&Key::next().cert_pem).expect("cert");
        settings::replace_trust(
            c,
            &account.id,
            "https://sts.windows.net/t/",
            "https://login.microsoftonline.com/t/saml2",
            &[cert, next],
            &crate::helpers::system(),
        )?;
        settings::change_sso(
            c,
            &account.id,
            &SsoChange {
                enabled: Some(true),
                ..SsoChange::default()
            },
            &crate::helpers::system(),
        )?;
        let mut ann_profile = person("ann@acme.com");
        ann_profile.employment_date =
            chrono::NaiveDate::from_ymd_opt(2024, 3, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        ann_profile.job_title = Some("Nurse – night shift ü".into());
        let ann = lifecycle::provision(c, &account.id, ann_profile, true, &scim)?.employee;
        let bob = lifecycle::create(c, &account.id, person("bob@acme.com"), &scim)?;
        approvers::set_manager(c, &account.id, &ann.id, Some(&bob.id), &scim)?;
        approvers::set_manager(c, &account.id, &bob.id, Some(&ann.id), &scim)?;
        let roles = Roles {
            setup_admin: true,
            approver: true,
            departments: vec!["Care".into()],
            ..Roles::default()
        };
        approvers::set_roles(c, &account.id, &bob.id, roles, &scim)?;
        credentials::set_password(
            c,
            &bob,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            &scim,
            None,
        )?;
        credentials::issue_link(c, &bob, credentials::LinkPurpose::Reset)?;
        credentials::record_failure(c, &account.id, "bob@acme.com")?;
        let gone = lifecycle::create(c, &account.id, person("gone@acme.com"), &scim)?;
        lifecycle::release(c, &account.id, &gone.id, &scim)?;
        let out =
            lifecycle::provision(c, &account.id, person("out@acme.com"), true, &scim)?.employee;
        lifecycle::remove_from_federation(c, &account.id, &out.id, &scim)?;
        sessions::create(c, &account.id, &ann.id)?;
        scim_tokens::issue(c, &account.id, &crate::helpers::system())?;
        outbox::queue(c, &account.id, "bob@acme.com", "Hello", "Body\nwith lines")?;
        provisioning_log::record(
            c,
            &account.id,
            &provisioning_log::Request {
                method: "POST",
                path: "/scim/v2/Users",
                employee_id: Some(&ann.id),
                status: 201,
                detail: "created",
            },
        )?;
        journal::record(
            c,
            &account.id,
            &journal::SignInAttempt {
                method: "saml",
                flow: "idp",
                name_id: Some("ann@acme.com".into()),
                employee_id: Some(ann.id.clone()),
                ..journal::SignInAttempt::default()
            },
            &journal::Outcome {
                success: true,
                reason: "signed_in".into(),
                detail: String::new(),
                hint: String::new(),
            },
        )?;
        audit::record(
            c,
            &account.id,
            &Actor::admin(&bob.id).named("Bob"),
            "sso_settings",
            "SSO on",
        )?;
        let now = clock::now();
        diesel::insert_into(entra_pins::table)
            .values((
                entra_pins::employee_id.eq(&ann.id),
                entra_pins::idp_entity_id.eq("https://sts.windows.net/t/"),
                entra_pins::object_id.eq("0c9d7a3e-5b1f-4e2a-8d6c-1a2b3c4d5e6f"),
                entra_pins::pinned_at.eq(now),
            ))
            .execute(c)?;
        diesel::insert_into(scim_groups::table)
            .values((
                scim_groups::id.eq("g1"),
                scim_groups::account_id.eq(&account.id),
                scim_groups::display_name.eq("Nurses"),
                scim_groups::display_name_key.eq("nurses"),
                scim_groups::created_at.eq(now),
                scim_groups::updated_at.eq(now),
            ))
            .execute(c)?;
        diesel::insert_into(scim_group_members::table)
            .values((
                scim_group_members::group_id.eq("g1"),
                scim_group_members::employee_id.eq(&ann.id),
            ))
            .execute(c)?;
        // An application with a grant, its tokens, and a back-channel logout queued when the
        // grant ended; and a signing key, which must not leave the store.
        let (client, _) = clients::create(
            c,
            &NewClient {
                name: "HR portal".into(),
                redirect_uris: vec!["https://hr.example.com/cb".into()],
                backchannel_logout_uri: Some("https://hr.example.com/bc".into()),
                ..NewClient::default()
            },
        )?;
        let session = SessionFacts {
            account_id: account.id.clone(),
            employee_id: ann.id.clone(),
            sid: "sid-1".into(),
            method: "saml".into(),
            auth_time: now,
        };
        let request = grants::Request {
            client_id: &client.id,
            redirect_uri: "https://hr.example.com/cb",
            scope: "openid offline_access",
            nonce: None,
            code_challenge: None,
        };
        let code = grants::begin(c, &session, &request)?;
        let grant = grants::redeem(
            c,
            &client.id,
            &code,
            Some("https://hr.example.com/cb"),
            None,
        )
        .expect("redeem");
        grants::issue(c, &grant)?;
        gatehouse::oidc::clients::record_use(c, &client.id, &account.id)?;
        let (other, _) = clients::create(
            c,
            &NewClient {
                name: "Mobile app".into(),
                public: true,
                redirect_uris: vec!["com.example.hr:/cb".into()],
                backchannel_logout_uri: Some("https://hr.example.com/bc2".into()),
                ..NewClient::default()
            },
        )?;
        let ended = grants::begin(
            c,
            &session,
            &grants::Request {
                client_id: &other.id,
                ..request
            },
        )?;
        let ended = grants::redeem(
            c,
            &other.id,
            &ended,
            Some("https://hr.example.com/cb"),
            None,
        )
        .map_err(|e| gatehouse::directory::DirectoryError::invalid("grant", e.to_string()));
        if let Ok(grant) = ended {
            grants::revoke_grant(c, &grant.id)?;
        }
        keys::rotate(c)?;
        Ok(())
    })
    .expect("populate");
}

#[actix_web::test]
async fn an_installation_moves_to_the_other_store_and_back_without_loss() {
    let dir = tempfile::tempdir().expect("dir");
    let source = sqlite(dir.path(), "source.db");
    populate(&Db::open(&Store::parse(&source).expect("url"), 2).expect("source"));
    let first = dir.path().join("first.jsonl");
    let exported = run(&source, &["export", first.to_str().expect("path")]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let counts = String::from_utf8_lossy(&exported.stderr);
    assert!(counts.contains("employees 4"), "{counts}");
    assert!(counts.contains("account_domains 2"), "{counts}");
    assert!(counts.contains("oidc_clients 2"), "{counts}");
    assert!(counts.contains("oidc_grants 2"), "{counts}");
    assert!(counts.contains("oidc_tokens 2"), "{counts}");
    assert!(counts.contains("oidc_client_use 1"), "{counts}");
    let file = std::fs::read_to_string(&first).expect("export");
    assert!(
        !file.contains("PRIVATE KEY"),
        "signing keys stay in the store"
    );
    assert!(
        !file.contains("oidc_keys"),
        "signing keys stay in the store"
    );

    let middle = TestStore::new();
    let imported = run(&middle.url, &["import", first.to_str().expect("path")]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let second = dir.path().join("second.jsonl");
    assert!(
        run(&middle.url, &["export", second.to_str().expect("path")])
            .status
            .success()
    );

    let back = sqlite(dir.path(), "back.db");
    assert!(
        run(&back, &["import", second.to_str().expect("path")])
            .status
            .success()
    );
    let third = dir.path().join("third.jsonl");
    assert!(
        run(&back, &["export", third.to_str().expect("path")])
            .status
            .success()
    );

    let read = |p: &Path| std::fs::read_to_string(p).expect("read");
    assert_eq!(
        read(&first),
        read(&second),
        "source and middle hold the same rows"
    );
    assert_eq!(
        read(&first),
        read(&third),
        "and so does the store it came back to"
    );
    assert!(read(&first).lines().count() > 25);

    // A moved store is a working store: its SCIM token and people answer.
    let again = run(&middle.url, &["employee", "export", "acme"]);
    let csv = String::from_utf8_lossy(&again.stdout);
    assert!(
        csv.contains("ann@acme.com") && csv.contains("bob@acme.com"),
        "{csv}"
    );
    let domains = run(&middle.url, &["account", "domain", "list", "globex"]);
    assert_eq!(String::from_utf8_lossy(&domains.stdout), "globex.com\n");

    // The change feed's numbering goes on where it was: a reader that had caught up continues,
    // an older cursor is told to read the directory again rather than silently missing events.
    assert!(counts.contains("event_sequences 1"), "{counts}");
    assert!(!file.contains("account_events"), "the events stay behind");
    let db = middle.open();
    let mut conn = db.conn().expect("connection");
    let acme = gatehouse::directory::accounts::by_slug(&mut conn, "acme").expect("acme");
    let newest = events::newest(&mut conn, &acme.id).expect("newest");
    assert!(newest > 0);
    assert!(
        events::after(&mut conn, &acme.id, newest, 10)
            .expect("caught up")
            .is_empty()
    );
    assert!(matches!(
        events::after(&mut conn, &acme.id, 0, 10),
        Err(gatehouse::directory::DirectoryError::Invalid { field: "after", .. })
    ));
}

#[actix_web::test]
async fn import_refuses_a_store_in_use_or_a_broken_file_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let source = sqlite(dir.path(), "source.db");
    populate(&Db::open(&Store::parse(&source).expect("url"), 2).expect("source"));
    let file = dir.path().join("all.jsonl");
    assert!(
        run(&source, &["export", file.to_str().expect("path")])
            .status
            .success()
    );

    let busy = run(&source, &["import", file.to_str().expect("path")]);
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("already holds 2 account(s)"));

    let target = TestStore::new();
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    let broken_at = lines.len() - 2;
    lines[broken_at] = r#"{"table":"employees","row":{"id":"x"}}"#;
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, lines.join("\n")).expect("write");
    let refused = run(&target.url, &["import", broken.to_str().expect("path")]);
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains(&format!("line {}", broken_at + 1)),
        "{message}"
    );
    let listed = run(&target.url, &["account", "list"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "",
        "nothing was kept"
    );
}
