//! `DbConnection` hands each query to the SQLite or PostgreSQL connection inside it wrapped so
//! that it renders its SQL for that backend. As published, diesel's `MultiConnection` derive
//! rendered that SQL in every pass over the query, also in the two passes made on each run of an
//! already prepared statement (is it cacheable, which values to bind): 6% of a sign-in. The
//! copy in `vendor/diesel_derives` renders it only when asked for SQL (`PATCHES.md` there).

use std::cell::Cell;

use diesel::internal::derives::multiconnection::AstPassHelper;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};

use super::{DbConnection, MultiBackend};

/// `SELECT 1`, counting the passes that ask it for SQL.
struct Probe<'a> {
    rendered: &'a Cell<usize>,
}

struct ProbeId;

impl QueryId for Probe<'_> {
    type QueryId = ProbeId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<MultiBackend> for Probe<'_> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let asked_for_sql = Cell::new(false);
        let mut pass = pass.cast_database::<MultiBackend>(
            |collector| collector,
            |builder| {
                asked_for_sql.set(true);
                builder
            },
            |backend| backend,
            |lookup| lookup,
        );
        if asked_for_sql.get() {
            self.rendered.set(self.rendered.get() + 1);
        }
        pass.push_sql("SELECT 1");
        Ok(())
    }
}

impl RunQueryDsl<DbConnection> for Probe<'_> {}

#[test]
fn a_prepared_statement_is_not_rendered_again_on_each_run() {
    let mut conn =
        DbConnection::Sqlite(SqliteConnection::establish(":memory:").expect("in-memory SQLite"));
    let rendered = Cell::new(0);
    for _ in 0..5 {
        Probe {
            rendered: &rendered,
        }
        .execute(&mut conn)
        .expect("SELECT 1 runs");
    }
    // Once to prepare it; the published derive rendered it twice more on every run.
    assert_eq!(rendered.get(), 1);
}
