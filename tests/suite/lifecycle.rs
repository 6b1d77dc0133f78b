//! The lifecycle rules of GUIDE section 1, one test each, through the domain functions.

use diesel::prelude::*;
use gatehouse::db::schema::{employees, sessions};
use gatehouse::directory::history::{self, Actor};
use gatehouse::directory::{DirectoryError, clock, employees as people, lifecycle};

use crate::helpers::{Domain, create_account, csv, person, scim};

fn session_count(d: &Domain, employee_id: &str) -> i64 {
    sessions::table
        .filter(sessions::employee_id.eq(employee_id))
        .count()
        .get_result(&mut d.conn())
        .expect("count sessions")
}

fn open_session(d: &Domain, employee_id: &str) {
    let now = clock::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(uuid::Uuid::new_v4().to_string()),
            sessions::account_id.eq(&d.account.id),
            sessions::employee_id.eq(employee_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + chrono::Duration::hours(8)),
        ))
        .execute(&mut d.conn())
        .expect("insert session");
}

fn actions(d: &Domain, employee_id: &str) -> Vec<String> {
    history::of_employee(&mut d.conn(), &d.account.id, employee_id)
        .expect("history")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn provision_ann(d: &Domain) -> people::Employee {
    d.write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("provision")
        .employee
}

#[test]
fn scim_create_makes_an_active_federated_person() {
    let d = Domain::new();
    let made = d
        .write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("provision");
    assert!(!made.adopted);
    let ann = made.employee;
    assert!(ann.active && ann.federated && !ann.defederated);
    assert_eq!(ann.termination_date, None);
    assert_eq!(actions(&d, &ann.id), ["created"]);
    let entry = &history::of_employee(&mut d.conn(), &d.account.id, &ann.id).expect("history")[0];
    assert_eq!(entry.source, "scim");
    assert!(
        entry
            .changes
            .iter()
            .any(|c| c.field == "user_name" && c.new.as_deref() == Some("ann@acme.com"))
    );
}

#[test]
fn scim_create_adopts_a_csv_person_by_login_name_keeping_id_and_history() {
    let d = Domain::new();
    let imported = d
        .write(|c| lifecycle::create(c, &d.account.id, person("Ann@Acme.com"), &csv()))
        .expect("csv create");
    assert!(!imported.federated);
    let mut incoming = person("ann@acme.com");
    incoming.job_title = Some("Buyer".into());
    let made = d
        .write(|c| lifecycle::provision(c, &d.account.id, incoming, true, &scim()))
        .expect("provision");
    assert!(made.adopted);
    assert_eq!(made.employee.id, imported.id);
    assert!(made.employee.federated);
    assert_eq!(made.employee.job_title.as_deref(), Some("Buyer"));
    assert_eq!(actions(&d, &imported.id), ["created", "adopted"]);
}

#[test]
fn scim_create_adopts_by_email_when_the_login_name_differs() {
    let d = Domain::new();
    let mut local = person("alee");
    local.email = "ann.lee@acme.com".into();
    let imported = d
        .write(|c| lifecycle::create(c, &d.account.id, local, &csv()))
        .expect("create");
    let mut incoming = person("ann.lee@acme.onmicrosoft.com");
    incoming.email = "ANN.LEE@acme.com".into();
    let made = d
        .write(|c| lifecycle::provision(c, &d.account.id, incoming, true, &scim()))
        .expect("provision");
    assert!(made.adopted);
    assert_eq!(made.employee.id, imported.id);
    assert_eq!(made.employee.user_name, "ann.lee@acme.onmicrosoft.com");
}

#[test]
fn scim_create_conflicts_with_an_active_federated_holder() {
    let d = Domain::new();
    d.write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("first");
    let again =
        d.write(|c| lifecycle::provision(c, &d.account.id, person("ANN@acme.com"), true, &scim()));
    assert!(
        matches!(
            again,
            Err(DirectoryError::Conflict {
                field: "user_name",
                ..
            })
        ),
        "{again:?}"
    );
}

#[test]
fn scim_create_conflicts_with_a_soft_deleted_holder_whose_name_stays_reserved() {
    let d = Domain::new();
    let ann = d
        .write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("first")
        .employee;
    d.write(|c| lifecycle::deactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("soft delete");
    let again =
        d.write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()));
    assert!(
        matches!(
            again,
            Err(DirectoryError::Conflict {
                field: "user_name",
                ..
            })
        ),
        "{again:?}"
    );
}

#[test]
fn scim_create_conflicts_when_login_and_email_belong_to_two_people() {
    let d = Domain::new();
    d.write(|c| lifecycle::create(c, &d.account.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    d.write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()))
        .expect("bob");
    let mut mixed = person("ann@acme.com");
    mixed.email = "bob@acme.com".into();
    let result = d.write(|c| lifecycle::provision(c, &d.account.id, mixed, true, &scim()));
    assert!(
        matches!(result, Err(DirectoryError::Conflict { .. })),
        "{result:?}"
    );
}

#[test]
fn scim_create_inactive_starts_terminated() {
    let d = Domain::new();
    let made = d
        .write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), false, &scim()))
        .expect("provision");
    assert!(!made.employee.active);
    assert_eq!(made.employee.termination_date, Some(clock::today()));
}

#[test]
fn update_changing_upn_and_email_keeps_the_same_person() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    let mut renamed = ann.profile();
    renamed.user_name = "ann.lee@newco.com".into();
    renamed.email = "ann.lee@newco.com".into();
    let after = d
        .write(|c| lifecycle::update_profile(c, &d.account.id, &ann.id, renamed, &scim()))
        .expect("update");
    assert_eq!(after.id, ann.id);
    let mut conn = d.conn();
    assert!(
        people::find_by_user_name(&mut conn, &d.account.id, "ann@acme.com")
            .expect("q")
            .is_none()
    );
    let found =
        people::find_by_user_name(&mut conn, &d.account.id, "ANN.LEE@NEWCO.COM").expect("q");
    assert_eq!(found.map(|p| p.id), Some(ann.id.clone()));
    let count: i64 = employees::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(count, 1, "no duplicate person");
}

#[test]
fn update_with_nothing_new_writes_no_history() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    let same = d
        .write(|c| lifecycle::update_profile(c, &d.account.id, &ann.id, ann.profile(), &scim()))
        .expect("update");
    assert_eq!(same, ann);
    assert_eq!(actions(&d, &ann.id), ["created"]);
}

#[test]
fn update_to_a_taken_login_name_conflicts_case_insensitively() {
    let d = Domain::new();
    d.write(|c| lifecycle::create(c, &d.account.id, person("Åsa@acme.com"), &csv()))
        .expect("åsa");
    let bob = d
        .write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()))
        .expect("bob");
    let mut clash = bob.profile();
    clash.user_name = "åSA@ACME.COM".into();
    let result = d.write(|c| lifecycle::update_profile(c, &d.account.id, &bob.id, clash, &csv()));
    assert!(
        matches!(
            result,
            Err(DirectoryError::Conflict {
                field: "user_name",
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn soft_delete_terminates_revokes_sessions_and_keeps_the_person_findable() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    open_session(&d, &ann.id);
    let off = d
        .write(|c| lifecycle::deactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("soft delete");
    assert!(!off.active);
    assert_eq!(off.termination_date, Some(clock::today()));
    assert!(!off.is_released());
    assert_eq!(session_count(&d, &ann.id), 0);
    let found =
        people::find_by_user_name(&mut d.conn(), &d.account.id, "ann@acme.com").expect("query");
    assert_eq!(found.map(|p| p.id), Some(ann.id));
}

#[test]
fn reactivation_clears_termination_and_keeps_history() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    d.write(|c| lifecycle::deactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("off");
    let back = d
        .write(|c| lifecycle::reactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("on");
    assert!(back.active);
    assert_eq!(back.termination_date, None);
    assert_eq!(back.id, ann.id);
    assert_eq!(
        actions(&d, &ann.id),
        ["created", "deactivated", "reactivated"]
    );
}

#[test]
fn hard_delete_releases_the_address_for_a_new_separate_person() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    open_session(&d, &ann.id);
    let gone = d
        .write(|c| lifecycle::release(c, &d.account.id, &ann.id, &scim()))
        .expect("release");
    assert!(!gone.active && gone.is_released());
    assert_eq!(gone.termination_date, Some(clock::today()));
    assert_eq!(session_count(&d, &ann.id), 0);
    let current = people::get_current(&mut d.conn(), &d.account.id, &ann.id);
    assert!(matches!(current, Err(DirectoryError::NotFound { .. })));

    let newcomer = d
        .write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("same address again");
    assert!(!newcomer.adopted);
    assert_ne!(newcomer.employee.id, ann.id);
    assert_eq!(
        actions(&d, &ann.id),
        ["created", "released"],
        "the old history stays"
    );
    let again = d.write(|c| lifecycle::release(c, &d.account.id, &ann.id, &scim()));
    assert!(
        matches!(again, Err(DirectoryError::NotFound { .. })),
        "released once only"
    );
}

#[test]
fn hard_delete_after_soft_delete_keeps_the_earlier_termination_date() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    d.write(|c| lifecycle::deactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("off");
    let earlier = clock::today() - chrono::Duration::days(30);
    diesel::update(employees::table.find(&ann.id))
        .set(employees::termination_date.eq(Some(earlier)))
        .execute(&mut d.conn())
        .expect("backdate");
    let gone = d
        .write(|c| lifecycle::release(c, &d.account.id, &ann.id, &scim()))
        .expect("release");
    assert_eq!(gone.termination_date, Some(earlier));
}

#[test]
fn admin_deactivation_follows_hard_delete_rules_and_names_the_admin() {
    let d = Domain::new();
    let boss = d
        .write(|c| lifecycle::create(c, &d.account.id, person("boss@acme.com"), &csv()))
        .expect("boss");
    let bob = d
        .write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()))
        .expect("bob");
    let by = Actor::admin(&boss.id);
    let gone = d
        .write(|c| lifecycle::release(c, &d.account.id, &bob.id, &by))
        .expect("deactivate");
    assert!(gone.is_released() && !gone.active);
    let last = history::of_employee(&mut d.conn(), &d.account.id, &bob.id)
        .expect("history")
        .pop()
        .expect("an entry");
    assert_eq!(
        (last.source.as_str(), last.actor.as_deref()),
        ("admin", Some(boss.id.as_str()))
    );
    let fresh = d.write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()));
    assert!(fresh.is_ok(), "the login name is free again: {fresh:?}");
}

#[test]
fn admin_cannot_activate_a_federated_person_but_can_after_removal_from_federation() {
    let d = Domain::new();
    let admin = Actor::admin("admin-1");
    let ann = provision_ann(&d);
    d.write(|c| lifecycle::deactivate(c, &d.account.id, &ann.id, &scim()))
        .expect("off");
    let refused = d.write(|c| lifecycle::activate_by_admin(c, &d.account.id, &ann.id, &admin));
    assert!(
        matches!(refused, Err(DirectoryError::Refused(_))),
        "{refused:?}"
    );
    d.write(|c| lifecycle::remove_from_federation(c, &d.account.id, &ann.id, &admin))
        .expect("defederate");
    let on = d
        .write(|c| lifecycle::activate_by_admin(c, &d.account.id, &ann.id, &admin))
        .expect("activate");
    assert!(on.active && !on.federated && on.defederated);
    assert_eq!(on.termination_date, None);
}

#[test]
fn admin_activation_of_a_released_person_reclaims_the_name_unless_someone_took_it() {
    let d = Domain::new();
    let admin = Actor::admin("admin-1");
    let bob = d
        .write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()))
        .expect("bob");
    d.write(|c| lifecycle::release(c, &d.account.id, &bob.id, &admin))
        .expect("deactivate");
    let back = d
        .write(|c| lifecycle::activate_by_admin(c, &d.account.id, &bob.id, &admin))
        .expect("activate");
    assert!(back.active && !back.is_released());
    let found = people::find_by_user_name(&mut d.conn(), &d.account.id, "bob@acme.com").expect("q");
    assert_eq!(found.map(|p| p.id), Some(bob.id.clone()));

    d.write(|c| lifecycle::release(c, &d.account.id, &bob.id, &admin))
        .expect("deactivate again");
    d.write(|c| lifecycle::create(c, &d.account.id, person("bob@acme.com"), &csv()))
        .expect("new bob");
    let clash = d.write(|c| lifecycle::activate_by_admin(c, &d.account.id, &bob.id, &admin));
    assert!(
        matches!(
            clash,
            Err(DirectoryError::Conflict {
                field: "user_name",
                ..
            })
        ),
        "{clash:?}"
    );
}

#[test]
fn removal_from_federation_hands_the_person_back_to_the_admin() {
    let d = Domain::new();
    let ann = provision_ann(&d);
    diesel::update(employees::table.find(&ann.id))
        .set(employees::entra_object_id.eq(Some("0f1e2d3c-aaaa-bbbb-cccc-123456789abc")))
        .execute(&mut d.conn())
        .expect("pin object id");
    open_session(&d, &ann.id);
    let out = d
        .write(|c| lifecycle::remove_from_federation(c, &d.account.id, &ann.id, &Actor::admin("a")))
        .expect("defederate");
    assert!(!out.federated && out.defederated && out.active);
    assert_eq!(out.entra_object_id, None);
    assert_eq!(session_count(&d, &ann.id), 0);
    let sso = d.write(|c| lifecycle::mark_federated(c, &d.account.id, &ann.id, &scim()));
    assert!(
        matches!(sso, Err(DirectoryError::Refused(_))),
        "SSO may not re-federate: {sso:?}"
    );
    let scim_again =
        d.write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()));
    assert!(
        matches!(scim_again, Err(DirectoryError::Conflict { .. })),
        "{scim_again:?}"
    );
}

#[test]
fn first_sso_sign_in_marks_a_csv_person_federated_once() {
    let d = Domain::new();
    let ann = d
        .write(|c| lifecycle::create(c, &d.account.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    let sso = Actor::new(gatehouse::directory::history::Source::Sso);
    let first = d
        .write(|c| lifecycle::mark_federated(c, &d.account.id, &ann.id, &sso))
        .expect("first");
    assert!(first.federated);
    d.write(|c| lifecycle::mark_federated(c, &d.account.id, &ann.id, &sso))
        .expect("second");
    assert_eq!(actions(&d, &ann.id), ["created", "federated"]);
}

#[test]
fn nothing_crosses_accounts() {
    let d = Domain::new();
    let other = create_account(&d.db, "globex");
    let ann = provision_ann(&d);
    let mut conn = d.conn();
    assert!(matches!(
        people::get(&mut conn, &other.id, &ann.id),
        Err(DirectoryError::NotFound { .. })
    ));
    let moved = d.write(|c| lifecycle::deactivate(c, &other.id, &ann.id, &scim()));
    assert!(matches!(moved, Err(DirectoryError::NotFound { .. })));
    let released = d.write(|c| lifecycle::release(c, &other.id, &ann.id, &scim()));
    assert!(matches!(released, Err(DirectoryError::NotFound { .. })));
    let twin =
        d.write(|c| lifecycle::provision(c, &other.id, person("ann@acme.com"), true, &scim()));
    assert!(
        matches!(twin, Ok(ref p) if !p.adopted),
        "the same login may exist in another account"
    );
    assert!(
        people::get(&mut conn, &d.account.id, &ann.id)
            .expect("still there")
            .active
    );
}

#[test]
fn parallel_creates_of_one_login_name_make_exactly_one_person() {
    let d = Domain::new();
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    let mut conn = d.db.conn().expect("connection");
                    gatehouse::db::write(&mut conn, |c| {
                        lifecycle::provision(
                            c,
                            &d.account.id,
                            person("race@acme.com"),
                            true,
                            &scim(),
                        )
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let made = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(p) if !p.adopted))
        .count();
    let conflicts = outcomes
        .iter()
        .filter(|o| matches!(o, Err(DirectoryError::Conflict { .. })))
        .count();
    assert_eq!((made, conflicts), (1, 5), "{outcomes:?}");
}

#[test]
fn invalid_master_data_is_refused_with_the_field_named() {
    let d = Domain::new();
    let mut bad = person("ann@acme.com");
    bad.email = "ann at acme".into();
    let result = d.write(|c| lifecycle::provision(c, &d.account.id, bad, true, &scim()));
    assert!(
        matches!(result, Err(DirectoryError::Invalid { field: "email", .. })),
        "{result:?}"
    );
    let count: i64 = employees::table
        .count()
        .get_result(&mut d.conn())
        .expect("count");
    assert_eq!(count, 0);
}

#[test]
fn expired_one_time_state_is_purged_and_current_state_kept() {
    use gatehouse::db::schema::{saml_replay, saml_requests};
    use gatehouse::directory::expiry;
    let d = Domain::new();
    let ann = provision_ann(&d);
    let now = clock::now();
    let hour = chrono::Duration::hours(1);
    for (id, expires) in [("_old", now - hour), ("_new", now + hour)] {
        diesel::insert_into(saml_requests::table)
            .values((
                saml_requests::id.eq(id),
                saml_requests::account_id.eq(&d.account.id),
                saml_requests::created_at.eq(now - hour),
                saml_requests::expires_at.eq(expires),
            ))
            .execute(&mut d.conn())
            .expect("request");
        diesel::insert_into(saml_replay::table)
            .values((
                saml_replay::account_id.eq(&d.account.id),
                saml_replay::assertion_id.eq(id),
                saml_replay::expires_at.eq(expires),
            ))
            .execute(&mut d.conn())
            .expect("replay");
    }
    open_session(&d, &ann.id);
    diesel::update(sessions::table)
        .set(sessions::expires_at.eq(now - hour))
        .execute(&mut d.conn())
        .expect("expire the session");
    let purged = d.write(expiry::purge_expired).expect("purge");
    assert_eq!(
        (purged.saml_requests, purged.replay_entries, purged.sessions),
        (1, 1, 1)
    );
    let left: Vec<String> = saml_requests::table
        .select(saml_requests::id)
        .load(&mut d.conn())
        .expect("requests");
    assert_eq!(left, ["_new"]);
}

/// Failure counters go a day after their last failure, but never while their lockout holds:
/// every login name anyone ever typed would otherwise keep a row for good.
#[test]
fn stale_failure_counters_are_purged_and_lockouts_kept() {
    use gatehouse::db::schema::login_failures as f;
    use gatehouse::directory::expiry;
    let d = Domain::new();
    let now = clock::now();
    let day = chrono::Duration::days(1);
    for (key, last, locked) in [
        ("stale", now - day - day, None),
        ("recent", now - chrono::Duration::hours(1), None),
        ("locked", now - day - day, Some(now + day)),
    ] {
        diesel::insert_into(f::table)
            .values((
                f::account_id.eq(&d.account.id),
                f::login_key.eq(key),
                f::failures.eq(3),
                f::lockouts.eq(1),
                f::locked_until.eq(locked),
                f::last_failure_at.eq(last),
            ))
            .execute(&mut d.conn())
            .expect("counter");
    }
    let purged = d.write(expiry::purge_expired).expect("purge");
    assert_eq!(purged.failure_counters, 1);
    let mut left: Vec<String> = f::table
        .select(f::login_key)
        .load(&mut d.conn())
        .expect("counters");
    left.sort();
    assert_eq!(left, ["locked", "recent"]);
}
