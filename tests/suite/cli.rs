//! The `gatehouse` binary as operators and their scripts use it.

use std::process::{Command, Output};

use gatehouse::directory::{accounts, audit};
use gatehouse::idp::certificates;
use gatehouse::idp::settings::{self, Role};

use crate::helpers::{TestStore, gatehouse_bin, run_cli};
use crate::test_idp::{self, Key};

fn gatehouse(store_url: &str, args: &[&str]) -> Output {
    run_cli(store_url, args)
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
    assert!(
        text(&run.stderr).contains(r#"no account with the slug "nope""#),
        "{}",
        text(&run.stderr)
    );
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
fn bad_configuration_is_a_message_and_exit_code_3() {
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
            assert_eq!(run.status.code(), Some(3), "{url} {command:?}: {stderr}");
            assert!(stderr.contains(expected), "{url}: {stderr}");
            assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
        }
    }
    let run = Command::new(gatehouse_bin())
        .arg("migrate")
        .env("GATEHOUSE_PUBLIC_URL", "gatehouse.example.com")
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(3));
    assert!(text(&run.stderr).contains("GATEHOUSE_PUBLIC_URL"));
}

/// A test certificate's file.
fn cert_file(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/certs/test/").to_owned() + name
}

fn acme(store: &TestStore) {
    let run = gatehouse(&store.url, &["account", "create", "acme", "--name", "Acme"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

/// The account's trusted certificates as the CLI lists them, each line split at its tabs.
fn listed(store: &TestStore) -> Vec<Vec<String>> {
    let run = gatehouse(&store.url, &["account", "certificates", "acme"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    text(&run.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn thumbprint(name: &str) -> String {
    let pem = std::fs::read_to_string(cert_file(name)).expect("test certificate");
    certificates::from_text(&pem)
        .expect("certificate")
        .sha1_thumbprint
}

/// Runs a command that must succeed; returns its stdout.
fn ok(store: &TestStore, args: &[&str]) -> String {
    let run = gatehouse(&store.url, args);
    assert!(run.status.success(), "{args:?}: {}", text(&run.stderr));
    text(&run.stdout)
}

#[test]
fn certificates_are_listed_one_line_each_with_role_thumbprint_and_expiry() {
    let store = TestStore::new();
    acme(&store);
    assert!(listed(&store).is_empty());
    let id = ok(
        &store,
        &[
            "account",
            "certificate",
            "add",
            "acme",
            &cert_file("idp-cert.pem"),
            "--active",
        ],
    );
    // An expired certificate cannot be added any more; one that expired while trusted can be
    // in the store.
    let expired = certificates::from_text(
        &std::fs::read_to_string(cert_file("expired-cert.pem")).expect("pem"),
    )
    .expect("certificate");
    let db = store.open();
    let mut conn = db.conn().expect("conn");
    gatehouse::db::write(&mut conn, |c| {
        let account = accounts::by_slug(c, "acme")?;
        settings::add_certificate(
            c,
            &account.id,
            &expired,
            Role::Next,
            &crate::helpers::system(),
        )
    })
    .expect("add expired");

    let lines = listed(&store);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let active = &lines[0];
    assert_eq!(active.len(), 6, "{active:?}");
    assert_eq!(active[0], id.trim());
    assert_eq!(active[1], "active");
    assert_eq!(active[2], thumbprint("idp-cert.pem"));
    assert_eq!(active[3], "CN=Gatehouse test IdP (idp)");
    assert_eq!(active[4], "2046-11-17T16:53:15Z");
    assert!(
        active[5].starts_with("expires in ") && active[5].ends_with(" days"),
        "{active:?}"
    );
    let old = &lines[1];
    assert_eq!(old[1], "next");
    assert_eq!(old[2], expired.sha1_thumbprint);
    assert_eq!(old[4], "2021-01-01T00:00:00Z");
    assert_eq!(old[5], "expired");

    let help = ok(&store, &["account", "certificates", "--help"]);
    assert!(help.contains("tabs"), "the format is documented: {help}");
}

#[test]
fn a_certificate_is_added_as_next_then_promoted_then_the_old_one_removed() {
    let store = TestStore::new();
    acme(&store);
    let first = ok(
        &store,
        &[
            "account",
            "certificate",
            "add",
            "acme",
            &cert_file("idp-cert.pem"),
            "--active",
        ],
    );
    // DER works as well as PEM, as on the admin page.
    let der = store.dir.path().join("next.cer");
    let pem = std::fs::read(cert_file("idp-next-cert.pem")).expect("pem");
    let x509 = openssl::x509::X509::from_pem(&pem).expect("x509");
    std::fs::write(&der, x509.to_der().expect("der")).expect("write der");
    let next = ok(
        &store,
        &[
            "account",
            "certificate",
            "add",
            "acme",
            &der.to_string_lossy(),
            "--next",
        ],
    );
    let (first, next) = (first.trim().to_owned(), next.trim().to_owned());
    let roles = |store: &TestStore| -> Vec<(String, String)> {
        listed(store)
            .into_iter()
            .map(|l| (l[0].clone(), l[1].clone()))
            .collect()
    };
    assert_eq!(
        roles(&store),
        [
            (first.clone(), "active".to_owned()),
            (next.clone(), "next".to_owned())
        ]
    );
    let again = gatehouse(
        &store.url,
        &[
            "account",
            "certificate",
            "add",
            "acme",
            &cert_file("idp-cert.pem"),
            "--next",
        ],
    );
    assert_eq!(again.status.code(), Some(1), "the same certificate twice");
    assert!(text(&again.stderr).contains("already taken"));

    ok(
        &store,
        &["account", "certificate", "promote", "acme", &next],
    );
    assert_eq!(
        roles(&store),
        [
            (next.clone(), "active".to_owned()),
            (first.clone(), "next".to_owned())
        ]
    );
    ok(
        &store,
        &["account", "certificate", "remove", "acme", &first],
    );
    assert_eq!(roles(&store), [(next.clone(), "active".to_owned())]);

    let gone = gatehouse(
        &store.url,
        &["account", "certificate", "promote", "acme", &first],
    );
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        text(&gone.stderr).contains(&format!("no certificate with the id \"{first}\"")),
        "{}",
        text(&gone.stderr)
    );
}

#[test]
fn the_last_valid_certificate_cannot_be_removed_while_sso_is_on() {
    let store = TestStore::new();
    acme(&store);
    ok(
        &store,
        &[
            "account",
            "idp",
            "acme",
            "--entity-id",
            "https://sts.windows.net/t/",
            "--sso-url",
            "https://login.microsoftonline.com/t/saml2",
            "--cert",
            &cert_file("idp-cert.pem"),
        ],
    );
    ok(&store, &["account", "sso", "acme", "on"]);
    let id = listed(&store)[0][0].clone();
    let run = gatehouse(
        &store.url,
        &["account", "certificate", "remove", "acme", &id],
    );
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("this is the last valid certificate and SSO is on"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(listed(&store).len(), 1, "still trusted");
    ok(&store, &["account", "sso", "acme", "off"]);
    ok(&store, &["account", "certificate", "remove", "acme", &id]);
    assert!(listed(&store).is_empty());
}

#[test]
fn every_settings_change_from_the_command_line_is_in_the_audit_trail() {
    let store = TestStore::new();
    acme(&store);
    let metadata = store.dir.path().join("federationmetadata.xml");
    std::fs::write(&metadata, test_idp::federation_metadata(&[&Key::active()])).expect("write");
    ok(
        &store,
        &[
            "account",
            "idp",
            "acme",
            "--metadata",
            &metadata.to_string_lossy(),
        ],
    );
    ok(
        &store,
        &[
            "account",
            "idp",
            "acme",
            "--entity-id",
            "https://sts.windows.net/t/",
            "--sso-url",
            "https://login.microsoftonline.com/t/saml2",
            "--cert",
            &cert_file("idp-cert.pem"),
        ],
    );
    ok(
        &store,
        &[
            "account",
            "sso",
            "acme",
            "on",
            "--nameid",
            "mail",
            "--clock-skew",
            "60",
        ],
    );
    ok(&store, &["account", "scim-token", "acme"]);
    ok(&store, &["account", "scim-token", "acme"]);
    let next = ok(
        &store,
        &[
            "account",
            "certificate",
            "add",
            "acme",
            &cert_file("idp-next-cert.pem"),
            "--next",
        ],
    );
    let first = listed(&store)[0][0].clone();
    ok(
        &store,
        &["account", "certificate", "promote", "acme", next.trim()],
    );
    ok(
        &store,
        &["account", "certificate", "remove", "acme", &first],
    );
    // A refused change leaves no entry.
    let refused = gatehouse(
        &store.url,
        &["account", "certificate", "remove", "acme", next.trim()],
    );
    assert_eq!(refused.status.code(), Some(1));

    let db = store.open();
    let mut conn = db.conn().expect("conn");
    let account = accounts::by_slug(&mut conn, "acme").expect("acme");
    let mut trail = audit::recent(&mut conn, &account.id, 50).expect("trail");
    trail.reverse();
    let got: Vec<(&str, &str)> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.actor_name.as_str()))
        .collect();
    let by = "command line";
    assert_eq!(
        got,
        [
            ("metadata_imported", by),
            ("trust_replaced", by),
            ("sso_settings", by),
            ("scim_token_issued", by),
            ("scim_token_issued", by),
            ("certificate_added", by),
            ("certificate_promoted", by),
            ("certificate_removed", by),
        ],
        "{trail:?}"
    );
    let detail = |i: usize| trail[i].detail.as_str();
    assert!(detail(0).contains(&test_idp_entity()), "{}", detail(0));
    assert!(detail(1).contains("entity id https://sts.windows.net/t/"));
    assert_eq!(
        detail(2),
        "SSO on, NameID matched as mail, IdP-initiated sign-in allowed, clock skew 60 s"
    );
    assert_eq!(detail(3), "first token");
    assert!(detail(4).starts_with("new token"));
    assert!(
        detail(5).starts_with("next (CN=Gatehouse test IdP (idp-next), thumbprint "),
        "{}",
        detail(5)
    );
    assert!(detail(6).starts_with("CN=Gatehouse test IdP (idp-next) (thumbprint "));
    assert!(detail(7).starts_with("CN=Gatehouse test IdP (idp) (thumbprint "));
}

fn test_idp_entity() -> String {
    crate::test_idp::entity_id(crate::test_idp::TENANT)
}

#[test]
fn a_usage_error_exits_2_refused_input_1_and_bad_configuration_3() {
    let store = TestStore::new();
    acme(&store);
    for usage in [
        &["account", "sso"][..],
        &["account", "sso", "acme", "maybe"],
        &["no-such-command"],
        &["account", "certificate", "add", "acme", "cert.pem"],
        &[
            "account",
            "certificate",
            "add",
            "acme",
            "cert.pem",
            "--next",
            "--active",
        ],
    ] {
        let run = gatehouse(&store.url, usage);
        assert_eq!(
            run.status.code(),
            Some(2),
            "{usage:?}: {}",
            text(&run.stderr)
        );
    }
    let cert = cert_file("idp-cert.pem");
    for unknown in [
        &["account", "sso", "nosuch", "on"][..],
        &["account", "scim-token", "nosuch"],
        &["account", "certificates", "nosuch"],
        &["account", "certificate", "add", "nosuch", &cert, "--next"],
        &["account", "certificate", "promote", "nosuch", "x"],
        &["account", "certificate", "remove", "nosuch", "x"],
        &[
            "account",
            "idp",
            "nosuch",
            "--entity-id",
            "https://sts.windows.net/t/",
            "--sso-url",
            "https://login.microsoftonline.com/t/saml2",
            "--cert",
            &cert,
        ],
        &["employee", "export", "nosuch"],
        &["employee", "import", "nosuch", &cert],
        &["admin", "create", "nosuch", "ann@acme.com"],
    ] {
        let run = gatehouse(&store.url, unknown);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{unknown:?}: {stderr}");
        assert!(
            stderr.contains(r#"no account with the slug "nosuch""#),
            "{unknown:?}: {stderr}"
        );
    }

    let serve = |bind: &str| {
        Command::new(gatehouse_bin())
            .arg("serve")
            .env("GATEHOUSE_DATABASE_URL", &store.url)
            .env("GATEHOUSE_BIND", bind)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run gatehouse")
    };
    let bad = serve("not an address");
    assert_eq!(bad.status.code(), Some(3), "{}", text(&bad.stderr));
    assert!(
        text(&bad.stderr).contains("GATEHOUSE_BIND: cannot listen on not an address"),
        "{}",
        text(&bad.stderr)
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("address").to_string();
    let in_use = serve(&address);
    assert_eq!(in_use.status.code(), Some(3), "{}", text(&in_use.stderr));
    assert!(
        text(&in_use.stderr).contains(&format!("GATEHOUSE_BIND: cannot listen on {address}")),
        "{}",
        text(&in_use.stderr)
    );

    let help = ok(&store, &["--help"]);
    assert!(help.contains("Exit status:"), "{help}");
    for code in ["  1  ", "  2  ", "  3  "] {
        assert!(help.contains(code), "{code} is documented: {help}");
    }
}

#[test]
fn housekeeping_says_what_it_purged_in_words() {
    let store = TestStore::new();
    ok(&store, &["migrate"]);
    let run = gatehouse(&store.url, &["housekeeping"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stderr).trim(),
        "purged 0 expired pending sign-ins, 0 replay entries, 0 sessions, 0 password links, \
         0 failure counters, 0 provisioning log lines, 0 login journal rows, 0 API tokens, 0 \
         change feed events and 0 webhook deliveries"
    );
}

#[test]
fn help_lists_every_setting_with_its_variable_and_the_options_feed_the_same_checks() {
    let store = TestStore::new();
    let help = ok(&store, &["--help"]);
    for name in [
        "GATEHOUSE_DATABASE_URL",
        "GATEHOUSE_BIND",
        "GATEHOUSE_PUBLIC_URL",
        "GATEHOUSE_DB_POOL_SIZE",
        "GATEHOUSE_WORKERS",
        "GATEHOUSE_PROVISIONING_LOG_DAYS",
        "GATEHOUSE_LOGIN_JOURNAL_DAYS",
        "GATEHOUSE_LOGIN_RATE_PER_MINUTE",
        "GATEHOUSE_PASSWORD_HASHING",
        "GATEHOUSE_SMTP_HOST",
        "GATEHOUSE_SMTP_PORT",
        "GATEHOUSE_SMTP_USER",
        "GATEHOUSE_SMTP_PASSWORD",
        "GATEHOUSE_SMTP_FROM",
        "GATEHOUSE_SMTP_SECURITY",
        "GATEHOUSE_METRICS_TOKEN",
        "GATEHOUSE_TRUSTED_PROXIES",
    ] {
        assert!(help.contains(&format!("[env: {name}]")), "{name}: {help}");
    }
    assert!(help.contains("NAME_FILE"), "{help}");
    // Values stay out of the help (a database URL may hold a password).
    assert!(!help.contains(&store.url), "{help}");

    // An option is checked as its variable is.
    let run = gatehouse(
        &store.url,
        &["--public-url", "gatehouse.example.com", "migrate"],
    );
    assert_eq!(run.status.code(), Some(3), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("GATEHOUSE_PUBLIC_URL"));

    // NAME_FILE still wins over NAME, and an option on the command line over both.
    let file = store.dir.path().join("url");
    std::fs::write(&file, format!("{}\n", store.url)).expect("write");
    let run = Command::new(gatehouse_bin())
        .arg("migrate")
        .env("GATEHOUSE_DATABASE_URL", "mysql://x/y")
        .env("GATEHOUSE_DATABASE_URL_FILE", &file)
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run = Command::new(gatehouse_bin())
        .args(["--database-url", "mysql://x/y", "migrate"])
        .env("GATEHOUSE_DATABASE_URL_FILE", &file)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(3), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("unsupported database URL scheme"));
}
