//! Rules that hold on every channel because they live in `directory` / `auth`, not in a
//! handler: each test drives a channel that used to skip the rule.

use diesel::prelude::*;
use gatehouse::db::schema::password_links;
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::employees as people;
use gatehouse::directory::history::{self, Actor};
use gatehouse::directory::{DirectoryError, Refusal, accounts, lifecycle};

use crate::helpers::sso::sso_app;
use crate::helpers::{TestStore, person, run_cli, scim, stderr_of};
use crate::test_idp::{self, Key};

#[test]
fn the_command_line_cannot_take_the_role_from_an_accounts_last_active_setup_admin() {
    let store = TestStore::new();
    let run = |args: &[&str]| run_cli(&store.url, args);
    assert!(
        run(&["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    assert!(
        run(&["admin", "create", "acme", "ada@acme.com"])
            .status
            .success()
    );

    let last = run(&["admin", "remove", "acme", "ada@acme.com"]);
    assert_eq!(last.status.code(), Some(1), "{}", stderr_of(&last));
    assert!(
        stderr_of(&last).contains("ada@acme.com is the account's last active setup admin"),
        "{}",
        stderr_of(&last)
    );
    let mut conn = store.open().conn().expect("conn");
    let account = accounts::by_slug(&mut conn, "acme").expect("acme");
    let ada = people::find_by_email(&mut conn, &account.id, "ada@acme.com")
        .expect("query")
        .expect("ada");
    assert!(ada.is_setup_admin, "the refusal changed nothing");

    // With a second admin the first may go, and the history names the channel.
    assert!(
        run(&["admin", "create", "acme", "bo@acme.com"])
            .status
            .success()
    );
    let removed = run(&["admin", "remove", "acme", "ada@acme.com"]);
    assert!(removed.status.success(), "{}", stderr_of(&removed));
    let ada = people::get(&mut conn, &account.id, &ada.id).expect("ada");
    assert!(!ada.is_setup_admin);
    let entries = history::of_employee(&mut conn, &account.id, &ada.id).expect("history");
    let last = entries.last().expect("entry");
    assert_eq!(
        (last.action.as_str(), last.source.as_str()),
        ("roles_changed", "cli")
    );

    let unknown = run(&["admin", "remove", "acme", "nobody@acme.com"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr_of(&unknown).contains("\"nobody@acme.com\""),
        "{}",
        stderr_of(&unknown)
    );
}

#[test]
fn the_command_line_gives_no_password_link_to_an_inactive_person() {
    let store = TestStore::new();
    let db = store.open();
    let mut conn = db.conn().expect("conn");
    let account = accounts::create(&mut conn, "acme", "Acme").expect("acme");
    let ann = lifecycle::provision(
        &mut conn,
        &account.id,
        person("ann@acme.com"),
        true,
        &scim(),
    )
    .expect("ann")
    .employee;
    lifecycle::deactivate(&mut conn, &account.id, &ann.id, &scim()).expect("deactivate");

    let refused = run_cli(&store.url, &["admin", "create", "acme", "ann@acme.com"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr_of(&refused));
    assert!(
        stderr_of(&refused).contains("inactive people cannot sign in"),
        "{}",
        stderr_of(&refused)
    );
    assert!(refused.stdout.is_empty(), "no link is printed");
    let ann = people::get(&mut conn, &account.id, &ann.id).expect("ann");
    assert!(!ann.is_setup_admin, "the refused command changed nothing");
    let links: i64 = password_links::table
        .filter(password_links::employee_id.eq(&ann.id))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(links, 0, "no link was stored");
}

#[test]
fn an_admin_cannot_drop_their_own_role_or_release_themselves_on_any_channel() {
    let store = TestStore::new();
    let mut conn = store.open().conn().expect("conn");
    let account = accounts::create(&mut conn, "acme", "Acme").expect("acme");
    let ada =
        lifecycle::create(&mut conn, &account.id, person("ada@acme.com"), &scim()).expect("ada");
    let by_ada = Actor::admin(&ada.id);
    let admin = Roles {
        setup_admin: true,
        ..Roles::default()
    };
    approvers::set_roles(&mut conn, &account.id, &ada.id, admin, &scim()).expect("admin");
    let own_role = approvers::set_roles(&mut conn, &account.id, &ada.id, Roles::default(), &by_ada);
    assert!(matches!(
        own_role,
        Err(DirectoryError::Refused(Refusal::OwnSetupAdminRole))
    ));
    let own_release = lifecycle::release(&mut conn, &account.id, &ada.id, &by_ada);
    assert!(matches!(
        own_release,
        Err(DirectoryError::Refused(Refusal::OwnRelease))
    ));
    assert!(
        people::get(&mut conn, &account.id, &ada.id)
            .expect("ada")
            .active
    );
}

#[actix_web::test]
async fn pinning_the_entra_object_id_at_sign_in_is_in_the_persons_history() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    spec.object_id = Some("0b0b0b0b-1111-4111-8111-cccccccccccc".into());
    let signed_in = sso.post(&test_idp::response(&spec, &Key::active())).await;
    assert_eq!(signed_in.status(), 303);
    let mut conn = sso.app.db.conn().expect("conn");
    let entries = history::of_employee(&mut conn, &sso.account.id, &sso.ann.id).expect("history");
    let pinned = entries
        .iter()
        .find(|e| e.changes.iter().any(|c| c.field == "entra_object_id"))
        .expect("a history line for the object id");
    assert_eq!(pinned.source, "sso");
    let change = &pinned.changes[0];
    assert_eq!(change.old, None);
    assert_eq!(
        change.new.as_deref(),
        Some("0b0b0b0b-1111-4111-8111-cccccccccccc")
    );
}
