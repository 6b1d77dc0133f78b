//! The mail outbox keeps no usable one-time link once a mail has left, and an export never
//! carries one (issue 11, item 7).

use std::process::Command;

use diesel::prelude::*;
use gatehouse::auth::outbox;
use gatehouse::db::schema::mail_outbox;
use gatehouse::directory::{accounts, lifecycle};

use crate::helpers::mail::{smtp_sink, smtp_to};
use crate::helpers::{TestApp, TestStore, csv, gatehouse_bin, person, spawn_app};

/// Asks for a reset link for ann@acme.com through the real "forgot password" form.
async fn ask_for_a_link(app: &TestApp) {
    let fields = [("account", "acme"), ("login", "ann@acme.com")];
    let answer = app
        .submit("/password/forgot", "/password/forgot", &fields)
        .await;
    assert_eq!(answer.status(), 200);
}

async fn app_with_ann() -> TestApp {
    let app = spawn_app().await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    app.write(|c| lifecycle::create(c, &account.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    app
}

/// Every stored mail: (recipient, subject, body, sent).
fn stored(app: &TestApp) -> Vec<(String, String, String, bool)> {
    mail_outbox::table
        .order(mail_outbox::created_at)
        .select((
            mail_outbox::recipient,
            mail_outbox::subject,
            mail_outbox::body,
            mail_outbox::sent_at.is_not_null(),
        ))
        .load(&mut app.db.conn().expect("conn"))
        .expect("mail")
}

fn token_in(text: &str) -> Option<String> {
    text.split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .map(str::to_owned)
}

fn gatehouse(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(gatehouse_bin())
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", url)
        .output()
        .expect("run gatehouse")
}

#[actix_web::test]
async fn a_mail_printed_and_marked_sent_keeps_no_link_but_the_link_still_works() {
    let app = app_with_ann().await;
    ask_for_a_link(&app).await;
    let printed = gatehouse(&app.store.url, &["mail", "outbox", "--mark-sent"]);
    assert!(printed.status.success(), "{printed:?}");
    let stdout = String::from_utf8_lossy(&printed.stdout);
    let token = token_in(&stdout).expect("the operator sees the link once");

    let mails = stored(&app);
    assert_eq!(mails.len(), 1);
    let (recipient, subject, body, sent) = &mails[0];
    assert_eq!(recipient, "ann@acme.com");
    assert!(!subject.is_empty() && *sent);
    assert!(!body.contains(&token) && token_in(body).is_none(), "{body}");
    assert_eq!(body, outbox::SENT_BODY);

    let again = gatehouse(&app.store.url, &["mail", "outbox"]);
    assert!(!String::from_utf8_lossy(&again.stdout).contains("token="));
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 mail(s) waiting"));

    // What was handed on is still the person's way in.
    let fields = [
        ("token", token.as_str()),
        ("password", "a perfectly long password"),
        ("confirm", "a perfectly long password"),
    ];
    let set = app.submit("/login", "/password/set", &fields).await;
    assert_eq!(set.status(), 200);
}

#[actix_web::test]
async fn a_mail_delivered_over_smtp_keeps_no_link() {
    let (port, received) = smtp_sink();
    let app = crate::helpers::spawn_app_with(|s| s.smtp = Some(smtp_to(port))).await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    app.write(|c| lifecycle::create(c, &account.id, person("ann@acme.com"), &csv()))
        .expect("ann");
    ask_for_a_link(&app).await;
    let mut sent = false;
    for _ in 0..100 {
        sent = stored(&app).first().is_some_and(|m| m.3);
        if sent {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(sent, "the sender marked the mail");
    let delivered = received.lock().expect("lock").clone();
    let token = token_in(&delivered[0].replace("=\r\n", "")).expect("the mail had the link");
    let (recipient, _, body, _) = stored(&app).remove(0);
    assert_eq!(recipient, "ann@acme.com");
    assert!(!body.contains(&token) && !body.contains("token="), "{body}");
}

#[actix_web::test]
async fn an_export_carries_no_link_and_its_mail_is_never_delivered() {
    let app = app_with_ann().await;
    ask_for_a_link(&app).await;
    let token = token_in(&stored(&app)[0].2).expect("a pending mail with its link");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("all.jsonl");
    let exported = gatehouse(&app.store.url, &["export", file.to_str().expect("path")]);
    assert!(exported.status.success(), "{exported:?}");
    assert!(String::from_utf8_lossy(&exported.stderr).contains("without its bodies"));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        !text.contains(&token) && !text.contains("token="),
        "the file holds a link"
    );
    assert!(text.contains("\"mail_outbox\"") && text.contains("ann@acme.com"));

    let target = TestStore::new();
    let imported = gatehouse(&target.url, &["import", file.to_str().expect("path")]);
    assert!(imported.status.success(), "{imported:?}");
    let pending = outbox::pending(&mut target.open().conn().expect("conn")).expect("outbox");
    assert!(pending.is_empty(), "a redacted mail is never delivered");
    // The source still delivers its own mail.
    assert_eq!(
        outbox::pending(&mut app.db.conn().expect("conn"))
            .expect("outbox")
            .len(),
        1
    );
}
