//! The `gatehouse` binary as operators and their scripts use it.

use std::process::{Command, Output};

use crate::helpers::{TestStore, gatehouse_bin};

fn gatehouse(store_url: &str, args: &[&str]) -> Output {
    Command::new(gatehouse_bin())
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", store_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run gatehouse")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn account_create_prints_only_the_id_and_refuses_a_second_with_the_same_slug() {
    let store = TestStore::new();
    let first = gatehouse(&store.url, &["account", "create", "acme", "--name", "Acme"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let id = text(&first.stdout);
    assert!(
        uuid::Uuid::parse_str(id.trim()).is_ok(),
        "stdout is the id alone: {id:?}"
    );
    let again = gatehouse(
        &store.url,
        &["account", "create", "acme", "--name", "Other"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("slug \"acme\" is already taken"),
        "{}",
        text(&again.stderr)
    );
    let bad = gatehouse(
        &store.url,
        &["account", "create", "Acme Corp", "--name", "x"],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("lowercase letters"));
    let list = gatehouse(&store.url, &["account", "list"]);
    assert_eq!(text(&list.stdout), "acme\tAcme\n");
}

#[test]
fn employee_import_and_export_through_the_cli() {
    let store = TestStore::new();
    assert!(
        gatehouse(&store.url, &["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let file = store.dir.path().join("people.csv");
    std::fs::write(
        &file,
        "user_name,email,given_name,family_name,manager\n\
         boss@acme.com,boss@acme.com,Bo,Ss,\n\
         ann@acme.com,ann@acme.com,Ann,Lee,boss@acme.com\n",
    )
    .expect("write csv");
    let path = file.to_string_lossy().into_owned();
    let first = gatehouse(&store.url, &["employee", "import", "acme", &path]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(text(&first.stdout), "2 created, 0 updated, 0 unchanged\n");
    let second = gatehouse(&store.url, &["employee", "import", "acme", &path]);
    assert_eq!(text(&second.stdout), "0 created, 0 updated, 2 unchanged\n");

    let export = gatehouse(&store.url, &["employee", "export", "acme"]);
    assert!(export.status.success());
    let csv = text(&export.stdout);
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("ann@acme.com,ann@acme.com,Ann,Lee,")
                && l.ends_with(",boss@acme.com"))
    );

    let out = store.dir.path().join("out.csv");
    let to_file = gatehouse(
        &store.url,
        &[
            "employee",
            "export",
            "acme",
            "--output",
            &out.to_string_lossy(),
        ],
    );
    assert!(to_file.status.success());
    assert_eq!(std::fs::read_to_string(&out).expect("exported file"), csv);
}

#[test]
fn a_csv_with_one_bad_row_exits_non_zero_names_the_row_and_changes_nothing() {
    let store = TestStore::new();
    assert!(
        gatehouse(&store.url, &["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let file = store.dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "user_name,email\nann@acme.com,ann@acme.com\nbob@acme.com,\ncid@acme.com,cid@acme.com\n",
    )
    .expect("write csv");
    let run = gatehouse(
        &store.url,
        &["employee", "import", "acme", &file.to_string_lossy()],
    );
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        text(&run.stderr).trim(),
        "gatehouse: error: row 2 (line 3), field email: is required"
    );
    assert!(run.stdout.is_empty());
    let export = gatehouse(&store.url, &["employee", "export", "acme"]);
    assert_eq!(
        text(&export.stdout).lines().count(),
        1,
        "only the header: nothing imported"
    );
}

#[test]
fn unknown_account_and_missing_file_are_clear_errors() {
    let store = TestStore::new();
    let run = gatehouse(&store.url, &["employee", "export", "nope"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("account not found"));
    assert!(
        gatehouse(&store.url, &["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let run = gatehouse(
        &store.url,
        &["employee", "import", "acme", "/nonexistent/people.csv"],
    );
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("cannot open /nonexistent/people.csv"));
}

#[test]
fn migrate_creates_the_schema_once() {
    let store = TestStore::new();
    let first = gatehouse(&store.url, &["migrate"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("applied"),
        "{}",
        text(&first.stderr)
    );
    let second = gatehouse(&store.url, &["migrate"]);
    assert!(
        text(&second.stderr).contains("up to date"),
        "{}",
        text(&second.stderr)
    );
}

#[test]
fn bad_configuration_is_a_message_and_exit_code_2() {
    let cases = [
        (
            "mysql://root:hunter2@db/gh",
            "unsupported database URL scheme",
        ),
        (
            "sqlite:///proc/gatehouse/g.db",
            "cannot open the SQLite database at /proc/gatehouse/g.db",
        ),
        (
            "postgres://gatehouse:hunter2@127.0.0.1:1/gh",
            "cannot connect to PostgreSQL at postgres://gatehouse:***@127.0.0.1:1/gh",
        ),
    ];
    for (url, expected) in cases {
        for command in [&["migrate"][..], &["serve"][..]] {
            let run = gatehouse(url, command);
            let stderr = text(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{url} {command:?}: {stderr}");
            assert!(stderr.contains(expected), "{url}: {stderr}");
            assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
        }
    }
    let run = Command::new(gatehouse_bin())
        .arg("migrate")
        .env("GATEHOUSE_PUBLIC_URL", "gatehouse.example.com")
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("GATEHOUSE_PUBLIC_URL"));
}
