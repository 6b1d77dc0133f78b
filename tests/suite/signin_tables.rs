//! The tables a sign-in writes are laid out so that its commit touches as few b-trees as it can
//! (issue 15): on SQLite the replay cache has no rowid, and on both stores the collapse-key index
//! holds only refusals, while the count of a collapsed refusal still finds its row through it.
//! The migration keeps every row, both ways.

use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use gatehouse::auth::journal::{self, Outcome, SignInAttempt};
use gatehouse::auth::sessions;
use gatehouse::db::DbConnection;
use gatehouse::directory::employees::Profile;
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{clock, lifecycle};
use gatehouse::saml::pending;

use crate::helpers::Domain;

const REBUILD: &str = "2026-12-03-000012";
const TABLES: [&str; 3] = ["saml_replay", "sessions", "login_journal"];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn rows(conn: &mut SqliteConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .expect("count")
        .n
}

fn has_rowid(conn: &mut SqliteConnection, table: &str) -> bool {
    diesel::sql_query(format!("SELECT rowid AS n FROM {table} LIMIT 1"))
        .load::<Count>(conn)
        .is_ok()
}

fn sqlite_partial(conn: &mut SqliteConnection) -> bool {
    diesel::sql_query(
        "SELECT partial AS n FROM pragma_index_list('login_journal') \
         WHERE name = 'login_journal_collapse'",
    )
    .get_result::<Count>(conn)
    .expect("the collapse index exists")
    .n == 1
}

/// One of everything a sign-in writes, and a collapsed refusal.
fn sign_in_rows(domain: &Domain) {
    let account_id = domain.account.id.clone();
    domain
        .write(|c| {
            let person = lifecycle::create(
                c,
                &account_id,
                Profile {
                    user_name: "ada@acme.example".into(),
                    email: "ada@acme.example".into(),
                    given_name: "Ada".into(),
                    family_name: "Lovelace".into(),
                    ..Profile::default()
                },
                &Actor::new(Source::Cli),
            )?;
            assert!(pending::first_use(
                c,
                &account_id,
                "_assertion-1",
                clock::now() + Duration::hours(1)
            )?);
            sessions::create(c, &account_id, &person.id)?;
            let attempt = SignInAttempt {
                method: "saml",
                flow: "idp",
                employee_id: Some(person.id.clone()),
                ..SignInAttempt::default()
            };
            let success = Outcome {
                success: true,
                reason: "ok".into(),
                detail: "signed in".into(),
                hint: String::new(),
            };
            journal::record(c, &account_id, &attempt, &success)?;
            let refused = Outcome {
                success: false,
                reason: "signature".into(),
                detail: "bad signature".into(),
                hint: "check the certificate".into(),
            };
            journal::record(c, &account_id, &SignInAttempt::default(), &refused)?;
            journal::record(c, &account_id, &SignInAttempt::default(), &refused)
        })
        .expect("sign-in rows");
}

#[test]
fn the_replay_cache_is_rebuilt_without_rowid_and_every_row_is_kept() {
    let domain = Domain::new();
    sign_in_rows(&domain);
    let mut pooled = domain.conn();
    let DbConnection::Sqlite(conn) = &mut *pooled else {
        return; // PostgreSQL has no rowids; its partial index is checked below.
    };
    let counts = |conn: &mut SqliteConnection| TABLES.map(|t| rows(conn, t));
    let before = counts(conn);
    assert_eq!(
        before,
        [1, 1, 2],
        "one replay entry, session, success and refusal"
    );
    assert!(!has_rowid(conn, "saml_replay"));
    assert!(sqlite_partial(conn));

    let migrations = FileBasedMigrations::from_path(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"),
    )
    .expect("the SQLite migrations");
    let rebuild =
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrations)
            .expect("migrations load")
            .into_iter()
            .find(|m| m.name().to_string().starts_with(REBUILD))
            .expect("the rebuild migration");
    conn.revert_migration(&*rebuild).expect("down");
    assert_eq!(counts(conn), before, "the down migration keeps every row");
    assert!(has_rowid(conn, "saml_replay"), "the rowid is back");
    assert!(!sqlite_partial(conn));

    conn.run_migration(&*rebuild).expect("up again");
    assert_eq!(counts(conn), before, "the up migration keeps every row");
    assert!(!has_rowid(conn, "saml_replay"), "rebuilt without rowid");
    assert!(sqlite_partial(conn));
}

/// How a refusal within the same minute counts up the row it collapses into (`journal::count_up`).
const COUNT_UP: &str = "UPDATE login_journal SET repeats = repeats + 1 \
                        WHERE account_id = 'a' AND collapse_key = 'k'";

fn plan(conn: &mut DbConnection, statement: &str) -> Vec<String> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {statement}"))
            .load::<Plan>(c)
            .expect("plan")
            .into_iter()
            .map(|p| p.detail)
            .collect(),
        DbConnection::Pg(c) => {
            #[derive(QueryableByName)]
            struct PgPlan {
                #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
                line: String,
            }
            // A handful of rows would be scanned whatever the indexes: ask for an index.
            c.batch_execute("SET enable_seqscan = off")
                .expect("planner setting");
            let lines = diesel::sql_query(format!("EXPLAIN {statement}"))
                .load::<PgPlan>(c)
                .expect("plan");
            c.batch_execute("RESET enable_seqscan")
                .expect("planner setting");
            lines.into_iter().map(|p| p.line).collect()
        }
    }
}

fn is_partial(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Sqlite(c) => sqlite_partial(c),
        DbConnection::Pg(c) => {
            diesel::sql_query(
                "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'login_journal_collapse' \
                 AND indexdef LIKE '%WHERE (collapse_key IS NOT NULL)'",
            )
            .get_result::<Count>(c)
            .expect("index definition")
            .n == 1
        }
    }
}

#[test]
fn a_collapsed_refusal_is_counted_through_the_partial_collapse_index() {
    let domain = Domain::new();
    sign_in_rows(&domain);
    let mut pooled = domain.conn();
    let repeats: i64 = {
        use gatehouse::db::schema::login_journal as j;
        j::table
            .filter(j::collapse_key.is_not_null())
            .select(diesel::dsl::sum(j::repeats))
            .first::<Option<i64>>(&mut *pooled)
            .expect("repeats")
            .unwrap_or_default()
    };
    assert_eq!(
        repeats, 2,
        "the second identical refusal counted up the first"
    );
    assert!(
        is_partial(&mut pooled),
        "the collapse index holds refusals only"
    );
    let plan = plan(&mut pooled, COUNT_UP);
    assert!(
        plan.iter()
            .any(|line| line.contains("login_journal_collapse")),
        "counting up goes through the collapse index: {plan:?}"
    );
}
