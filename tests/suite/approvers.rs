//! The Entra manager becomes the approver; roles decide who else approves.

use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::history::Actor;
use gatehouse::directory::{DirectoryError, employees as people, history, lifecycle};

use crate::helpers::{Domain, person, scim};

fn provision(d: &Domain, user_name: &str, external_id: Option<&str>) -> people::Employee {
    let mut profile = person(user_name);
    profile.external_id = external_id.map(str::to_owned);
    d.write(|c| lifecycle::provision(c, &d.account.id, profile, true, &scim()))
        .expect("provision")
        .employee
}

#[test]
fn the_entra_manager_becomes_approver_and_gets_the_approver_role() {
    let d = Domain::new();
    let boss = provision(&d, "boss@acme.com", None);
    let ann = provision(&d, "ann@acme.com", None);
    let ann = d
        .write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(&boss.id), &scim()))
        .expect("set manager");
    assert_eq!(ann.approver_id.as_deref(), Some(boss.id.as_str()));
    let boss = people::get(&mut d.conn(), &d.account.id, &boss.id).expect("boss");
    assert!(boss.is_approver);
    let listed = approvers::approvers_of(&mut d.conn(), &d.account.id, &ann.id).expect("approvers");
    assert_eq!(
        listed.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [boss.id.as_str()]
    );
}

#[test]
fn a_manager_not_known_yet_is_linked_when_they_arrive() {
    let d = Domain::new();
    let ann = provision(&d, "ann@acme.com", None);
    let ann = d
        .write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some("ext-boss-7"), &scim()))
        .expect("set manager");
    assert_eq!(ann.approver_id, None);
    assert_eq!(ann.manager_ref.as_deref(), Some("ext-boss-7"));

    let boss = provision(&d, "boss@acme.com", Some("ext-boss-7"));
    let ann = people::get(&mut d.conn(), &d.account.id, &ann.id).expect("ann");
    assert_eq!(ann.approver_id.as_deref(), Some(boss.id.as_str()));
    assert!(
        people::get(&mut d.conn(), &d.account.id, &boss.id)
            .expect("boss")
            .is_approver
    );
    let last = history::of_employee(&mut d.conn(), &d.account.id, &ann.id)
        .expect("history")
        .pop()
        .expect("entry");
    assert_eq!(last.action, "approver_changed");
    assert_eq!(last.changes[0].new.as_deref(), Some("boss@acme.com"));
}

#[test]
fn the_manager_can_change_and_be_cleared() {
    let d = Domain::new();
    let first = provision(&d, "first@acme.com", None);
    let second = provision(&d, "second@acme.com", Some("ext-2"));
    let ann = provision(&d, "ann@acme.com", None);
    d.write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(&first.id), &scim()))
        .expect("set");
    let changed = d
        .write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some("ext-2"), &scim()))
        .expect("change by external id");
    assert_eq!(changed.approver_id.as_deref(), Some(second.id.as_str()));
    let cleared = d
        .write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(""), &scim()))
        .expect("clear");
    assert_eq!((cleared.approver_id, cleared.manager_ref), (None, None));
    let own =
        d.write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(&ann.id), &scim()));
    assert!(matches!(
        own,
        Err(DirectoryError::Invalid {
            field: "manager",
            ..
        })
    ));
}

#[test]
fn approves_self_ignores_the_manager_and_department_approvers_join_unless_excluded() {
    let d = Domain::new();
    let admin = Actor::admin("admin");
    let boss = provision(&d, "boss@acme.com", None);
    let head = provision(&d, "head@acme.com", None);
    let mut profile = person("ann@acme.com");
    profile.department = Some("Sales".into());
    let ann = d
        .write(|c| lifecycle::provision(c, &d.account.id, profile, true, &scim()))
        .expect("ann")
        .employee;
    d.write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(&boss.id), &scim()))
        .expect("manager");
    let head_roles = Roles {
        approver: true,
        departments: vec!["Sales".into(), " Sales ".into()],
        ..Roles::default()
    };
    d.write(|c| approvers::set_roles(c, &d.account.id, &head.id, head_roles, &admin))
        .expect("department approver");
    let stored = approvers::roles_of(
        &mut d.conn(),
        &people::get(&mut d.conn(), &d.account.id, &head.id).expect("head"),
    )
    .expect("roles");
    assert_eq!(stored.departments, ["Sales"]);

    let ids = |d: &Domain| -> Vec<String> {
        approvers::approvers_of(&mut d.conn(), &d.account.id, &ann.id)
            .expect("approvers")
            .into_iter()
            .map(|a| a.user_name)
            .collect()
    };
    assert_eq!(ids(&d), ["boss@acme.com", "head@acme.com"]);

    let only_selected = Roles {
        only_selected_approver: true,
        ..Roles::default()
    };
    d.write(|c| approvers::set_roles(c, &d.account.id, &ann.id, only_selected, &admin))
        .expect("only");
    assert_eq!(ids(&d), ["boss@acme.com"]);

    let own = Roles {
        approves_self: true,
        ..Roles::default()
    };
    d.write(|c| approvers::set_roles(c, &d.account.id, &ann.id, own, &admin))
        .expect("self");
    assert_eq!(ids(&d), ["ann@acme.com"]);

    let entries = history::of_employee(&mut d.conn(), &d.account.id, &ann.id).expect("history");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "roles_changed")
            .count(),
        2
    );
}

#[test]
fn inactive_approvers_do_not_approve() {
    let d = Domain::new();
    let boss = provision(&d, "boss@acme.com", None);
    let ann = provision(&d, "ann@acme.com", None);
    d.write(|c| approvers::set_manager(c, &d.account.id, &ann.id, Some(&boss.id), &scim()))
        .expect("manager");
    d.write(|c| lifecycle::deactivate(c, &d.account.id, &boss.id, &scim()))
        .expect("off");
    let listed = approvers::approvers_of(&mut d.conn(), &d.account.id, &ann.id).expect("approvers");
    assert!(listed.is_empty());
}

#[test]
fn setting_the_same_roles_twice_records_one_change() {
    let d = Domain::new();
    let ann = provision(&d, "ann@acme.com", None);
    let roles = Roles {
        setup_admin: true,
        ..Roles::default()
    };
    for _ in 0..2 {
        d.write(|c| {
            approvers::set_roles(c, &d.account.id, &ann.id, roles.clone(), &Actor::admin("a"))
        })
        .expect("roles");
    }
    let entries = history::of_employee(&mut d.conn(), &d.account.id, &ann.id).expect("history");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "roles_changed")
            .count(),
        1
    );
    assert!(
        people::get(&mut d.conn(), &d.account.id, &ann.id)
            .expect("ann")
            .is_setup_admin
    );
}
