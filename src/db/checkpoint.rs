//! When SQLite copies the write-ahead log back into the database file. Its own automatic
//! checkpoint runs inside the commit that crosses the threshold, while every other writer of
//! this process waits its turn behind it (`SQLITE_WRITER`), so a large threshold stalls them
//! and a small one copies the same hot pages (and syncs the file) again and again. Here the
//! pooled connections have it off, and every `EVERY`-th write commit checkpoints after giving
//! up its turn: a passive checkpoint lets the next writers go on meanwhile.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::prelude::*;

use super::DbConnection;

/// Write commits between two checkpoints: a sign-in adds about 13 pages to the log, so some
/// 7,000 pages (under 30 MB) at most.
pub(super) const EVERY: u32 = 512;

/// Counts this process's write commits. Only a cadence: a count lost with the process costs
/// one checkpoint later, and SQLite checkpoints when the last connection closes.
static COMMITS: AtomicU32 = AtomicU32::new(0);

/// The pooled connections' own checkpointing is off; see the module comment.
pub(super) const PRAGMA: &str = "PRAGMA wal_autocheckpoint = 0;";

/// Called after each committed write transaction, outside the writer's turn.
pub(super) fn after_commit(conn: &mut DbConnection) {
    let DbConnection::Sqlite(c) = conn else {
        return;
    };
    if COMMITS.fetch_add(1, Ordering::Relaxed) % EVERY != EVERY - 1 {
        return;
    }
    // Passive: never waits on a reader or writer; what it cannot copy now, the next one will.
    if let Err(error) = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").execute(c) {
        log::warn!("sqlite: checkpoint of the write-ahead log failed: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, Store};

    /// With SQLite's own checkpointing off, only these checkpoints keep the log from growing
    /// with every commit: each commit here adds at least one page.
    #[test]
    fn the_write_ahead_log_stays_bounded_without_sqlites_own_checkpoints() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("g.db");
        let store = Store::parse(&format!("sqlite://{}", path.display())).expect("a SQLite URL");
        let db = Db::open(&store, 2).expect("store opens");
        let mut conn = db.conn().expect("a connection");
        diesel::sql_query("CREATE TABLE filler (page BLOB NOT NULL)")
            .execute(&mut *conn)
            .expect("a table");
        let commits = 8 * EVERY;
        for _ in 0..commits {
            crate::db::write(&mut conn, |c| {
                // Most of a page each, so every row takes a page of its own.
                diesel::sql_query("INSERT INTO filler (page) VALUES (zeroblob(3000))").execute(c)
            })
            .expect("a commit");
        }
        let wal = std::fs::metadata(dir.path().join("g.db-wal"))
            .expect("the log")
            .len();
        let frame = 4096 + 24;
        assert!(
            wal < u64::from(commits) * frame / 2,
            "{wal} bytes of log after {commits} commits of a page or more each"
        );
    }
}
