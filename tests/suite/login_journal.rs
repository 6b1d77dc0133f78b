//! The login journal stays bounded whatever strangers post (issue 11, item 8): every text is
//! clipped, identical refusals of unauthenticated posts within a minute share one row (also
//! across instances), varying junk costs rows per minute, old rows go after the retention, and
//! the admin pages never load it whole.

use std::process::Command;

use diesel::prelude::*;
use gatehouse::auth::journal::{self, JournalEntry, Outcome, SignInAttempt};
use gatehouse::db::{self, Db, schema::login_journal as j};
use gatehouse::directory::clock;
use gatehouse::directory::search::LogQuery;
use reqwest::StatusCode;

use crate::helpers::admin::console;
use crate::helpers::sso::sso_app;
use crate::helpers::{Domain, TestStore, create_account, gatehouse_bin};
use crate::test_idp::{self, Key};

fn all(db: &Db, account_id: &str) -> Vec<JournalEntry> {
    journal::search(
        &mut db.conn().expect("conn"),
        account_id,
        &LogQuery {
            limit: 1000,
            ..LogQuery::default()
        },
    )
    .expect("journal")
}

fn stranger() -> SignInAttempt {
    SignInAttempt {
        method: "saml",
        flow: "unknown",
        ..SignInAttempt::default()
    }
}

fn refusal(reason: &str, detail: &str) -> Outcome {
    Outcome {
        success: false,
        reason: reason.into(),
        detail: detail.into(),
        hint: "what to do".into(),
    }
}

fn record(db: &Db, account_id: &str, attempt: &SignInAttempt, outcome: &Outcome) {
    db::write(&mut db.conn().expect("conn"), |c| {
        journal::record(c, account_id, attempt, outcome)
    })
    .expect("record");
}

fn repeats(entries: &[JournalEntry]) -> i64 {
    entries.iter().map(|e| i64::from(e.repeats)).sum()
}

#[actix_web::test]
async fn a_huge_destination_is_stored_clipped_on_a_char_boundary_and_marked() {
    let sso = sso_app().await;
    let mut spec = sso.spec("ann@acme.com");
    // 150 KB, most of it two-byte characters: a cut in the wrong place would not be UTF-8.
    spec.destination = Some(format!(
        "https://evil.example/{}{}",
        "ü".repeat(40_000),
        "a".repeat(70_000)
    ));
    let response = sso
        .post_with(
            &sso.app.new_browser(),
            &test_idp::response(&spec, &Key::active()),
            None,
        )
        .await;
    assert_eq!(response.status(), 403);
    let entry = sso.last_journal();
    assert_eq!(entry.reason, "wrong_destination");
    assert!(entry.detail.contains("clipped"), "{}", entry.detail);
    for text in [&entry.detail, &entry.hint, &entry.reason] {
        assert!(text.len() <= 1000, "{} bytes stored", text.len());
    }
    for id in [&entry.name_id, &entry.assertion_id, &entry.request_id] {
        assert!(id.as_ref().is_none_or(|t| t.len() <= 256));
    }
    let long = "ü".repeat(600);
    let clipped = journal::clip(&long, 1000);
    assert!(clipped.len() <= 1000 && clipped.ends_with("[clipped, 1200 bytes in all]"));
    assert_eq!(journal::clip("short", 1000), "short");
}

#[actix_web::test]
async fn a_flood_of_one_refusal_costs_a_row_per_minute_and_is_counted_whole() {
    let c = console().await;
    let post = || {
        c.app
            .client
            .post(c.app.url("/saml/acme/acs"))
            .form(&[("SAMLResponse", "!!! not a SAML response !!!")])
            .send()
    };
    for _ in 0..30 {
        assert!(post().await.expect("post").status().is_client_error());
    }
    let parallel: Vec<_> = (0..20).map(|_| post()).collect();
    for answer in futures_util::future::join_all(parallel).await {
        assert!(answer.expect("post").status().is_client_error());
    }
    let entries = all(&c.app.db, &c.account.id);
    assert!(
        (1..=2).contains(&entries.len()),
        "{} rows for one refusal (at most two if a minute ended in between)",
        entries.len()
    );
    assert_eq!(repeats(&entries), 50, "every post is counted");
    let (_, logs) = c.get("/admin/logs?outcome=failure").await;
    assert!(logs.contains("within this minute"), "{logs}");
    let (status, overview) = c.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        overview.contains("<strong>50</strong><span>failed sign-ins"),
        "{overview}"
    );
}

#[actix_web::test]
async fn identical_refusals_from_two_instances_at_once_share_one_row() {
    let store = TestStore::new();
    let (a, b) = (store.open(), store.open());
    let account = create_account(&a, "acme");
    let writers: Vec<_> = [a.clone(), b.clone(), a, b]
        .into_iter()
        .map(|db| {
            let account_id = account.id.clone();
            std::thread::spawn(move || {
                for _ in 0..15 {
                    record(
                        &db,
                        &account_id,
                        &stranger(),
                        &refusal("unknown_request", "the same"),
                    );
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer");
    }
    let entries = all(&store.open(), &account.id);
    assert!((1..=2).contains(&entries.len()), "{} rows", entries.len());
    assert_eq!(repeats(&entries), 60);
}

#[test]
fn varying_junk_costs_rows_per_minute_not_per_request() {
    let d = Domain::new();
    for i in 0..200 {
        record(
            &d.db,
            &d.account.id,
            &stranger(),
            &refusal("wrong_issuer", &format!("issued by junk number {i}")),
        );
    }
    let entries = all(&d.db, &d.account.id);
    let bound = 2 * (journal::DISTINCT_PER_MINUTE as usize + 1);
    assert!(entries.len() <= bound, "{} rows", entries.len());
    assert_eq!(repeats(&entries), 200);
    assert!(
        entries
            .iter()
            .any(|e| e.detail == journal::OVERFLOW_DETAIL && e.repeats > 1)
    );
}

#[test]
fn refusals_that_name_a_person_collapse_too_and_successes_keep_a_row_each() {
    let d = Domain::new();
    let ann = d
        .write(|c| {
            gatehouse::directory::lifecycle::create(
                c,
                &d.account.id,
                crate::helpers::person("ann@acme.com"),
                &crate::helpers::csv(),
            )
        })
        .expect("ann");
    let known = SignInAttempt {
        employee_id: Some(ann.id.clone()),
        method: "password",
        flow: "unknown",
        ..SignInAttempt::default()
    };
    for _ in 0..3 {
        record(
            &d.db,
            &d.account.id,
            &known,
            &refusal("wrong_password", "x"),
        );
        let success = Outcome {
            success: true,
            ..refusal("signed_in", "x")
        };
        record(&d.db, &d.account.id, &known, &success);
    }
    let entries = all(&d.db, &d.account.id);
    assert_eq!(entries.len(), 4, "one collapsed refusal, three sign-ins");
    let refused: Vec<_> = entries.iter().filter(|e| e.outcome == "failure").collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].repeats, 3);
    assert_eq!(refused[0].employee_id.as_deref(), Some(ann.id.as_str()));
    assert!(
        entries
            .iter()
            .filter(|e| e.outcome == "success")
            .all(|e| e.repeats == 1)
    );
}

#[test]
fn housekeeping_forgets_journal_rows_past_the_retention() {
    let store = TestStore::new();
    let db = store.open();
    let account = create_account(&db, "acme");
    for detail in ["old", "recent"] {
        record(&db, &account.id, &stranger(), &refusal("replay", detail));
    }
    let aged = clock::now() - chrono::Duration::days(100);
    diesel::update(j::table.filter(j::detail.eq("old")))
        .set(j::at.eq(aged))
        .execute(&mut db.conn().expect("conn"))
        .expect("age");
    let housekeeping = |days: Option<&str>| {
        let mut command = Command::new(gatehouse_bin());
        command
            .arg("housekeeping")
            .env("GATEHOUSE_DATABASE_URL", &store.url);
        if let Some(days) = days {
            command.env("GATEHOUSE_LOGIN_JOURNAL_DAYS", days);
        }
        let output = command.output().expect("housekeeping");
        assert!(output.status.success(), "{output:?}");
    };
    housekeeping(Some("365"));
    assert_eq!(all(&db, &account.id).len(), 2, "kept for a year");
    housekeeping(None);
    let left: Vec<String> = all(&db, &account.id)
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(left, ["recent"], "90 days by default");
}

#[actix_web::test]
async fn the_sign_in_log_is_shown_a_page_at_a_time() {
    let c = console().await;
    let signed_in = SignInAttempt {
        employee_id: Some(c.admin.id.clone()),
        method: "password",
        flow: "unknown",
        ..SignInAttempt::default()
    };
    db::write(&mut c.app.db.conn().expect("conn"), |conn| {
        for i in 0..250 {
            let outcome = Outcome {
                success: true,
                ..refusal("signed_in", &format!("sign-in number {i:03}"))
            };
            journal::record(conn, &c.account.id, &signed_in, &outcome)?;
        }
        Ok::<_, gatehouse::directory::DirectoryError>(())
    })
    .expect("rows");
    let lines = |html: &str| html.matches("<tr class=\"success\">").count();
    let (_, first) = c.get("/admin/logs").await;
    assert_eq!(lines(&first), 100);
    assert!(first.contains("250 lines · page 1 of 3"), "{first}");
    assert!(first.contains("sign-in number 249") && !first.contains("sign-in number 149"));
    assert!(first.contains("page=2"), "a link to the older lines");
    let (_, last) = c.get("/admin/logs?page=3").await;
    assert_eq!(lines(&last), 50);
    assert!(last.contains("sign-in number 000"));
}

#[actix_web::test]
async fn a_persons_history_is_shown_a_page_at_a_time() {
    let c = console().await;
    let ann = c.add("ann@acme.com");
    c.app
        .write(|conn| {
            for i in 0..120 {
                let mut profile = ann.profile();
                profile.job_title = Some(format!("title {i:03}"));
                gatehouse::directory::lifecycle::update_profile(
                    conn,
                    &c.account.id,
                    &ann.id,
                    profile,
                    &crate::helpers::csv(),
                )?;
            }
            Ok(())
        })
        .expect("history");
    let rows = |html: &str| {
        html.split(r#"id="history""#)
            .nth(1)
            .map_or(0, |h| h.matches("<tr><td>").count())
    };
    let page = |n: u32| format!("/admin/employees/{}?history={n}", ann.id);
    let (_, first) = c.get(&page(1)).await;
    assert_eq!(rows(&first), 50);
    assert!(first.contains("title 119") && !first.contains("title 068"));
    assert!(first.contains("Page 1 of 3") && first.contains("history=2"));
    let (_, last) = c.get(&page(3)).await;
    assert_eq!(rows(&last), 21, "20 updates and the creation");
    assert!(last.contains("title 000"));
}
