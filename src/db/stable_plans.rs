//! SQLite plans a statement again ("reprepares" it) whenever a value bound to it might change
//! its plan, and it counts every `LIMIT ?` among those: diesel binds the limit of each
//! `first()`, so such statements were parsed and planned anew on every run and the statement
//! cache saved nothing (a quarter of a sign-in's instructions went to SQLite's parser). The
//! query planner stability guarantee keeps one plan per statement whatever the values; the
//! store keeps no `ANALYZE` statistics, so no better plan is lost by it. The bundled SQLite is
//! built with it on (`.cargo/config.toml`); a build without it still works, only slower, and
//! says so when it opens the store.

use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct CompileOption {
    #[diesel(sql_type = Text)]
    compile_options: String,
}

/// Whether this SQLite keeps one plan per statement.
pub(super) fn enabled(conn: &mut SqliteConnection) -> bool {
    diesel::sql_query("SELECT compile_options FROM pragma_compile_options")
        .load::<CompileOption>(conn)
        .is_ok_and(|options| options.iter().any(|o| o.compile_options == "ENABLE_QPSG"))
}

/// Says at start-up when the statement cache cannot work.
pub(super) fn check(conn: &mut SqliteConnection) {
    if !enabled(conn) {
        log::warn!(
            "sqlite: built without SQLITE_ENABLE_QPSG (see .cargo/config.toml): every query \
             with a LIMIT is planned again each time it runs"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_sqlite_keeps_its_plans() {
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        assert!(enabled(&mut conn));
    }
}
