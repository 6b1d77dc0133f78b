//! Account alerts (issue 14, item 5): `certificate.expiring` at 60, 30 and 7 days and once the
//! active certificate has ended, `provisioning.failing` and `sso.failing` after an hour, each
//! as one feed event (read through the API) and one mail per active setup admin, once however
//! many instances run the housekeeping. An hour passing is simulated by moving the rows the
//! real code wrote (journal, provisioning log, certificate end) back in time.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use gatehouse::auth::alert_mail;
use gatehouse::db::schema::{idp_certificates, login_journal, mail_outbox, provisioning_log};
use gatehouse::directory::accounts::Account;
use gatehouse::directory::approvers::{self, Roles};
use gatehouse::directory::employees::Employee;
use gatehouse::directory::{clock, lifecycle};
use gatehouse::idp::settings::{self, Role};
use gatehouse::idp::{Certificate, certificates};
use serde_json::{Value, json};

use crate::helpers::admin::setup_admin;
use crate::helpers::api::api_client;
use crate::helpers::scim::{entra_user, scim_app};
use crate::helpers::sso::sso_app;
use crate::helpers::{TestApp, cli, create_account, person, run_cli, spawn_app, stderr_of};
use crate::test_idp::{self, Key};

/// The setup admins alerts go to: it@acme.com and ops@acme.com. A former admin (inactive) and
/// a person without the role get nothing.
fn admins(app: &TestApp, account: &Account) {
    setup_admin(app, account);
    let admin = |user_name: &str| -> Employee {
        app.write(|c| {
            let who = lifecycle::create(c, &account.id, person(user_name), &cli())?;
            let roles = Roles {
                setup_admin: true,
                ..Roles::default()
            };
            approvers::set_roles(c, &account.id, &who.id, roles, &cli())
        })
        .expect("admin")
    };
    admin("ops@acme.com");
    let former = admin("former@acme.com");
    app.write(|c| lifecycle::deactivate(c, &account.id, &former.id, &cli()))
        .expect("deactivate");
    app.write(|c| lifecycle::create(c, &account.id, person("staff@acme.com"), &cli()))
        .expect("staff");
}

const ADMINS: [&str; 2] = ["it@acme.com", "ops@acme.com"];

/// One housekeeping alert check, as the server's loop makes it.
fn housekeeping(app: &TestApp) -> Vec<alert_mail::Raised> {
    alert_mail::raise_due(&mut app.db.conn().expect("conn")).expect("alert check")
}

/// The account's alert events, read through the directory API as the HR application does.
async fn alert_events(app: &TestApp) -> Vec<Value> {
    let api = api_client(app, &[]).await;
    let (events, _) = api.all_events("acme", 100).await;
    events
        .into_iter()
        .filter(|e| {
            let kind = e["type"].as_str().unwrap_or_default();
            ["certificate.", "provisioning.", "sso."]
                .iter()
                .any(|prefix| kind.starts_with(prefix))
        })
        .collect()
}

/// Every queued mail: (recipient, subject, body), oldest first.
fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    mail_outbox::table
        .order((mail_outbox::created_at, mail_outbox::id))
        .select((
            mail_outbox::recipient,
            mail_outbox::subject,
            mail_outbox::body,
        ))
        .load(&mut app.db.conn().expect("conn"))
        .expect("mail")
}

/// The recipients of the mails whose subject is `subject`, sorted.
fn mailed(app: &TestApp, subject: &str) -> Vec<String> {
    let mut to: Vec<String> = mails(app)
        .into_iter()
        .filter(|(_, s, _)| s == subject)
        .map(|(r, _, _)| r)
        .collect();
    to.sort();
    to
}

fn summaries(raised: &[alert_mail::Raised]) -> Vec<&str> {
    raised.iter().map(|r| r.event_type).collect()
}

fn rfc3339(at: NaiveDateTime) -> String {
    gatehouse::directory::zones::rfc3339(at)
}

/// A self-signed RSA certificate ending `days` from now.
fn certificate_ending_in(days: u32, name: &str) -> Certificate {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key");
    let mut subject = X509NameBuilder::new().expect("name");
    subject.append_entry_by_text("CN", name).expect("cn");
    let subject = subject.build();
    let mut builder = X509::builder().expect("builder");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&subject).expect("subject");
    builder.set_issuer_name(&subject).expect("issuer");
    builder.set_pubkey(&key).expect("pubkey");
    builder
        .set_not_before(&Asn1Time::days_from_now(0).expect("t"))
        .expect("nb");
    builder
        .set_not_after(&Asn1Time::days_from_now(days).expect("t"))
        .expect("na");
    builder.sign(&key, MessageDigest::sha256()).expect("sign");
    let pem = String::from_utf8(builder.build().to_pem().expect("pem")).expect("utf8");
    certificates::parse(&pem).expect("certificate")
}

/// Trusts `certificate` as the account's active one, as the integration page does.
fn make_active(app: &TestApp, account: &Account, certificate: &Certificate) {
    app.write(|c| {
        settings::add_certificate(
            c,
            &account.id,
            certificate,
            Role::Active,
            &crate::helpers::system(),
        )
    })
    .expect("certificate");
}

/// Time passes for a certificate: it now ends at `not_after`.
fn ends_at(app: &TestApp, certificate: &Certificate, not_after: NaiveDateTime) {
    diesel::update(
        idp_certificates::table
            .filter(idp_certificates::sha256_thumbprint.eq(&certificate.sha256_thumbprint)),
    )
    .set(idp_certificates::not_after.eq(not_after))
    .execute(&mut app.db.conn().expect("conn"))
    .expect("move not_after");
}

/// `minutes` pass for the account's provisioning log and login journal: every row written so
/// far moves that far into the past, and journal rows lose their collapse key (a refusal
/// collapses only into a row of its own minute, which is over).
fn minutes_pass(app: &TestApp, minutes: i64) {
    let mut conn = app.db.conn().expect("conn");
    let back = Duration::minutes(minutes);
    let rows: Vec<(String, NaiveDateTime)> = provisioning_log::table
        .select((provisioning_log::id, provisioning_log::at))
        .load(&mut conn)
        .expect("log");
    for (id, at) in rows {
        diesel::update(provisioning_log::table.find(id))
            .set(provisioning_log::at.eq(at - back))
            .execute(&mut conn)
            .expect("move log line");
    }
    let rows: Vec<(String, NaiveDateTime)> = login_journal::table
        .select((login_journal::id, login_journal::at))
        .load(&mut conn)
        .expect("journal");
    for (id, at) in rows {
        diesel::update(login_journal::table.find(id))
            .set((
                login_journal::at.eq(at - back),
                login_journal::collapse_key.eq(None::<String>),
            ))
            .execute(&mut conn)
            .expect("move journal row");
    }
}

/// The `at` of the oldest row of the provisioning log with this outcome after `after`.
fn first_log_line(app: &TestApp, outcome: &str, after: Option<NaiveDateTime>) -> NaiveDateTime {
    let mut query = provisioning_log::table
        .filter(provisioning_log::outcome.eq(outcome))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(provisioning_log::at.gt(after));
    }
    query
        .order(provisioning_log::at)
        .select(provisioning_log::at)
        .first(&mut app.db.conn().expect("conn"))
        .expect("log line")
}

/// The `at` of the oldest journal row with this reason after `after`.
fn first_journal_row(app: &TestApp, reason: &str, after: Option<NaiveDateTime>) -> NaiveDateTime {
    let mut query = login_journal::table
        .filter(login_journal::reason.eq(reason))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(login_journal::at.gt(after));
    }
    query
        .order(login_journal::at)
        .select(login_journal::at)
        .first(&mut app.db.conn().expect("conn"))
        .expect("journal row")
}

#[actix_web::test]
async fn certificate_expiring_is_raised_at_60_30_and_7_days_and_when_it_has_ended_each_once() {
    let app = spawn_app().await;
    let account = create_account(&app.db, "acme");
    admins(&app, &account);
    let fine = certificate_ending_in(90, "Far away");
    make_active(&app, &account, &fine);
    assert!(housekeeping(&app).is_empty(), "90 days left: nothing yet");

    let soon = certificate_ending_in(45, "Microsoft Azure Federated SSO Certificate");
    make_active(&app, &account, &soon);
    assert_eq!(summaries(&housekeeping(&app)), ["certificate.expiring"]);
    assert!(housekeeping(&app).is_empty(), "raised once");

    let now = clock::now();
    for (left, threshold) in [
        (Duration::days(20), "30"),
        (Duration::days(3), "7"),
        (-Duration::hours(1), "expired"),
    ] {
        ends_at(&app, &soon, now + left);
        let raised = housekeeping(&app);
        assert_eq!(summaries(&raised), ["certificate.expiring"], "{threshold}");
        assert_eq!(raised[0].mailed, 2);
        assert!(housekeeping(&app).is_empty(), "{threshold} raised once");
    }

    let events = alert_events(&app).await;
    let thresholds: Vec<&str> = events
        .iter()
        .map(|e| e["data"]["threshold"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(thresholds, ["60", "30", "7", "expired"]);
    for event in &events {
        assert_eq!(event["type"], "certificate.expiring");
        assert_eq!(event["source"], "system");
        assert_eq!(event["subject"]["type"], "account");
        assert_eq!(event["subject"]["id"], account.id.as_str());
        assert_eq!(event["data"]["thumbprint"], soon.sha256_thumbprint.as_str());
        assert_eq!(event["data"]["subject"], soon.subject.as_str());
    }
    let days: Vec<i64> = events
        .iter()
        .map(|e| e["data"]["days_left"].as_i64().unwrap_or(-1))
        .collect();
    assert!((43..=45).contains(&days[0]), "{days:?}");
    assert_eq!(&days[1..], [19, 2, 0]);
    assert_eq!(
        events[3]["data"]["not_after"],
        rfc3339(now - Duration::hours(1)).as_str()
    );

    let all = mails(&app);
    assert_eq!(all.len(), 8, "4 alerts, 2 active setup admins each");
    for (recipient, subject, body) in &all {
        assert!(ADMINS.contains(&recipient.as_str()), "{recipient}");
        assert!(subject.starts_with("acme Ltd: the SAML signing certificate"));
        assert!(body.contains(&soon.sha256_thumbprint), "{body}");
        assert!(
            body.contains("Paste the new certificate from Entra on the integration page"),
            "{body}"
        );
    }
    assert!(all[6].1.contains("ended on"), "{}", all[6].1);
    assert_eq!(mailed(&app, &all[0].1), ADMINS);
}

#[actix_web::test]
async fn a_certificate_first_seen_with_5_days_left_raises_only_its_7_day_alert_and_a_new_one_starts_again()
 {
    let app = spawn_app().await;
    let account = create_account(&app.db, "acme");
    admins(&app, &account);
    let late = certificate_ending_in(5, "Late");
    make_active(&app, &account, &late);
    let raised = housekeeping(&app);
    assert_eq!(summaries(&raised), ["certificate.expiring"]);
    assert!(raised[0].summary.contains("ends in 4 days"), "{raised:?}");

    // The 60- and 30-day alerts were marked with it: a check that sees more time left (an
    // instance whose clock lags) raises neither.
    ends_at(&app, &late, clock::now() + Duration::days(20));
    assert!(housekeeping(&app).is_empty());
    ends_at(&app, &late, clock::now() + Duration::days(50));
    assert!(housekeeping(&app).is_empty());

    let renewed = certificate_ending_in(45, "Renewed");
    make_active(&app, &account, &renewed);
    assert_eq!(summaries(&housekeeping(&app)), ["certificate.expiring"]);

    let events = alert_events(&app).await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["data"]["thumbprint"].as_str().unwrap_or_default(),
                e["data"]["threshold"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (late.sha256_thumbprint.as_str(), "7"),
            (renewed.sha256_thumbprint.as_str(), "60"),
        ]
    );
    assert_eq!(mails(&app).len(), 4);
}

/// A create Entra's provisioning sends that Gatehouse refuses (no userName): 400.
async fn failing_request(scim: &crate::helpers::scim::Scim) {
    let mut body = entra_user("x@acme.com", "x");
    body.as_object_mut().expect("object").remove("userName");
    let (status, _) = scim.call("POST", "/Users", Some(body)).await;
    assert_eq!(status, 400);
}

/// A create that succeeds (201), logged with its change.
async fn succeeding_request(scim: &crate::helpers::scim::Scim, n: u32) {
    let user = entra_user(&format!("p{n}@acme.com"), &format!("ext-{n}"));
    let (status, body) = scim.call("POST", "/Users", Some(user)).await;
    assert_eq!(status, 201, "{body}");
}

#[actix_web::test]
async fn provisioning_failing_is_raised_after_an_hour_of_failed_requests_and_again_for_a_new_streak()
 {
    let scim = scim_app().await;
    let app = &scim.app;
    admins(app, &scim.account);
    succeeding_request(&scim, 1).await;
    failing_request(&scim).await;
    failing_request(&scim).await;
    assert!(housekeeping(app).is_empty(), "failing for minutes only");

    minutes_pass(app, 90);
    assert!(
        housekeeping(app).is_empty(),
        "failed an hour ago, nothing since: not failing now"
    );
    failing_request(&scim).await;
    let raised = housekeeping(app);
    assert_eq!(summaries(&raised), ["provisioning.failing"]);
    assert_eq!(raised[0].mailed, 2);
    assert!(housekeeping(app).is_empty(), "one streak raises once");
    failing_request(&scim).await;
    assert!(housekeeping(app).is_empty(), "still the same streak");
    let first_streak = first_log_line(app, "failure", None);

    // Entra recovers: a success ends the streak; a new failing hour is a new alert.
    succeeding_request(&scim, 2).await;
    assert!(housekeeping(app).is_empty());
    failing_request(&scim).await;
    assert!(housekeeping(app).is_empty(), "the new streak is young");
    let success = first_log_line(app, "success", Some(first_streak));
    let second_streak = first_log_line(app, "failure", Some(success));
    minutes_pass(app, 61);
    failing_request(&scim).await;
    assert_eq!(summaries(&housekeeping(app)), ["provisioning.failing"]);
    let second_streak = second_streak - Duration::minutes(61);

    let events = alert_events(app).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0]["type"], "provisioning.failing");
    assert_eq!(events[0]["source"], "system");
    assert_eq!(events[0]["subject"]["type"], "account");
    assert_eq!(events[0]["data"]["since"], rfc3339(first_streak).as_str());
    assert_eq!(events[0]["data"]["failures"], 3);
    assert_eq!(events[0]["data"]["last_status"], 400);
    assert!(
        events[0]["data"]["last_detail"]
            .as_str()
            .is_some_and(|d| d.contains("userName")),
        "{}",
        events[0]["data"]
    );
    assert_eq!(events[1]["data"]["since"], rfc3339(second_streak).as_str());
    assert_eq!(events[1]["data"]["failures"], 2);

    let all = mails(app);
    assert_eq!(all.len(), 4);
    assert_eq!(mailed(app, &all[0].1), ADMINS);
    assert!(
        all[0]
            .1
            .contains("provisioning from Entra ID has been failing")
    );
    assert!(
        all[0].2.contains("check the provisioning log") && all[0].2.contains("400"),
        "{}",
        all[0].2
    );
}

/// A response signed by a certificate the account does not trust, as after a rollover in
/// Entra that nobody pasted here.
async fn unknown_certificate(sso: &crate::helpers::sso::Sso) {
    let response = sso
        .post(&test_idp::response(
            &sso.spec("ann@acme.com"),
            &Key::attacker(),
        ))
        .await;
    assert!(response.status().is_client_error());
    assert_eq!(sso.last_journal().reason, "unknown_certificate");
}

async fn unknown_person(sso: &crate::helpers::sso::Sso) {
    let response = sso
        .post(&test_idp::response(
            &sso.spec("nobody@acme.com"),
            &Key::active(),
        ))
        .await;
    assert!(response.status().is_client_error());
    assert_eq!(sso.last_journal().reason, "unknown_person");
}

async fn ann_signs_in(sso: &crate::helpers::sso::Sso) {
    let browser = sso.app.new_browser();
    let response = sso
        .post_with(
            &browser,
            &test_idp::response(&sso.spec("ann@acme.com"), &Key::active()),
            None,
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(sso.last_journal().outcome, "success");
}

#[actix_web::test]
async fn sso_failing_is_raised_when_sign_ins_fail_for_one_reason_for_an_hour() {
    let sso = sso_app().await;
    let app = &sso.app;
    admins(app, &sso.account);
    ann_signs_in(&sso).await;
    unknown_certificate(&sso).await;
    unknown_certificate(&sso).await;
    assert!(housekeeping(app).is_empty());
    minutes_pass(app, 90);
    assert!(housekeeping(app).is_empty(), "nobody tried since");
    unknown_certificate(&sso).await;
    let raised = housekeeping(app);
    assert_eq!(summaries(&raised), ["sso.failing"]);
    assert!(housekeeping(app).is_empty(), "raised once");
    let first = first_journal_row(app, "unknown_certificate", None);

    // Another reason ends the streak: its own hour has to pass.
    unknown_person(&sso).await;
    assert!(housekeeping(app).is_empty());
    let second = first_journal_row(app, "unknown_person", None);
    minutes_pass(app, 61);
    unknown_person(&sso).await;
    assert_eq!(summaries(&housekeeping(app)), ["sso.failing"]);

    let events = alert_events(app).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(
        events[0]["data"],
        json!({
            "reason": "unknown_certificate",
            "since": rfc3339(first),
            "failures": 3,
        })
    );
    assert_eq!(events[0]["source"], "system");
    assert_eq!(events[0]["subject"]["type"], "account");
    assert_eq!(
        events[1]["data"],
        json!({
            "reason": "unknown_person",
            "since": rfc3339(second - Duration::minutes(61)),
            "failures": 2,
        })
    );
    let all = mails(app);
    assert_eq!(all.len(), 4);
    assert_eq!(mailed(app, &all[0].1), ADMINS);
    assert!(
        all[0]
            .1
            .contains("sign-ins with Microsoft have been failing (unknown_certificate)"),
        "{}",
        all[0].1
    );
    assert!(all[0].2.contains("check the sign-in log"), "{}", all[0].2);
}

/// The same junk as the ACS receives it from a misconfigured sender.
async fn post_junk(app: &TestApp) {
    let response = app
        .client
        .post(format!("{}/saml/acme/acs", app.address))
        .form(&[("SAMLResponse", "bm90IGEgcmVzcG9uc2U=")])
        .send()
        .await
        .expect("post");
    assert!(response.status().is_client_error());
}

#[actix_web::test]
async fn sso_failing_counts_collapsed_refusals_and_is_raised_again_after_a_recovery() {
    let sso = sso_app().await;
    let app = &sso.app;
    admins(app, &sso.account);
    ann_signs_in(&sso).await;
    // Identical refusals within a minute share a journal row (its repeats).
    for _ in 0..3 {
        post_junk(app).await;
    }
    let reason = sso.last_journal().reason;
    let rows: Vec<i32> = login_journal::table
        .filter(login_journal::reason.eq(&reason))
        .select(login_journal::repeats)
        .load(&mut app.db.conn().expect("conn"))
        .expect("journal");
    assert!(rows.len() < 3, "{rows:?}");
    assert_eq!(rows.iter().sum::<i32>(), 3);
    minutes_pass(app, 70);
    post_junk(app).await;
    assert_eq!(summaries(&housekeeping(app)), ["sso.failing"]);
    assert!(housekeeping(app).is_empty());

    // A success ends the streak; failing for another hour raises again.
    ann_signs_in(&sso).await;
    minutes_pass(app, 1);
    post_junk(app).await;
    assert!(
        housekeeping(app).is_empty(),
        "recovered: the new streak is young"
    );
    minutes_pass(app, 65);
    post_junk(app).await;
    assert_eq!(summaries(&housekeeping(app)), ["sso.failing"]);
    assert!(housekeeping(app).is_empty());

    let events = alert_events(app).await;
    let seen: Vec<(&str, i64)> = events
        .iter()
        .map(|e| {
            (
                e["data"]["reason"].as_str().unwrap_or_default(),
                e["data"]["failures"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [(reason.as_str(), 4), (reason.as_str(), 2)],
        "{events:#?}"
    );
    assert_ne!(events[0]["data"]["since"], events[1]["data"]["since"]);
    assert_eq!(mails(app).len(), 4);
}

#[actix_web::test]
async fn each_alert_is_raised_and_mailed_once_however_many_instances_run_the_housekeeping() {
    let sso = sso_app().await;
    let app = &sso.app;
    let account = &sso.account;
    admins(app, account);
    make_active(app, account, &certificate_ending_in(20, "Ending"));
    let token = app
        .write(|c| gatehouse::auth::scim_tokens::issue(c, &account.id, &crate::helpers::system()))
        .expect("token");
    let mut body = entra_user("x@acme.com", "x");
    body.as_object_mut().expect("object").remove("userName");
    let (status, _) = app.scim(&token, "POST", "/Users", Some(body.clone())).await;
    assert_eq!(status, 400);
    unknown_certificate(&sso).await;
    minutes_pass(app, 90);
    let (status, _) = app.scim(&token, "POST", "/Users", Some(body)).await;
    assert_eq!(status, 400);
    unknown_certificate(&sso).await;

    // Two `gatehouse housekeeping` processes and two in-process checks, all at once.
    let url = app.store.url.clone();
    let processes: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || run_cli(&url, &["housekeeping"]))
        })
        .collect();
    let checks: Vec<_> = (0..2)
        .map(|_| {
            let db = app.db.clone();
            std::thread::spawn(move || {
                alert_mail::raise_due(&mut db.conn().expect("conn")).expect("alert check")
            })
        })
        .collect();
    let mut raised: Vec<String> = Vec::new();
    for process in processes {
        let output = process.join().expect("thread");
        assert!(output.status.success(), "{}", stderr_of(&output));
        raised.extend(
            stderr_of(&output)
                .lines()
                .filter(|l| l.starts_with("alert "))
                .map(str::to_owned),
        );
    }
    for check in checks {
        raised.extend(check.join().expect("thread").iter().map(|r| r.to_string()));
    }
    // And once more, after all of them.
    assert!(housekeeping(app).is_empty());
    let again = stderr_of(&run_cli(&url, &["housekeeping"]));
    assert!(!again.contains("alert "), "{again}");

    raised.sort();
    let kinds: Vec<&str> = raised
        .iter()
        .map(|line| line.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "certificate.expiring",
            "provisioning.failing",
            "sso.failing"
        ],
        "{raised:#?}"
    );
    assert!(
        raised
            .iter()
            .all(|l| l.contains("raised for account acme:")
                && l.ends_with("(mailed to 2 setup admins)")),
        "{raised:#?}"
    );
    let events = alert_events(app).await;
    let mut types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "certificate.expiring",
            "provisioning.failing",
            "sso.failing"
        ]
    );
    let all = mails(app);
    assert_eq!(all.len(), 6, "three alerts, two admins each");
    for (_, subject, _) in &all {
        assert_eq!(mailed(app, subject), ADMINS);
    }
}
