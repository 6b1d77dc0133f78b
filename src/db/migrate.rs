use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x6761_7465_686f_7573; // "gatehous"

/// Applies pending migrations; safe when several instances start at once. Returns the versions
/// applied by this call (empty when another instance already did the work).
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let failed = DbError::Migration;
    match conn {
        DbConnection::Sqlite(c) => {
            // One immediate transaction around the whole run: a second process waits on the
            // write lock, then finds nothing pending.
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            let result = refuse_unknown(c, &SQLITE).and_then(|()| {
                c.run_pending_migrations(SQLITE)
                    .map_err(failed)
                    .map(versions)
            });
            finish(c, result)
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = refuse_unknown(c, &POSTGRES).and_then(|()| {
                c.run_pending_migrations(POSTGRES)
                    .map_err(failed)
                    .map(versions)
            });
            let unlocked =
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    .execute(c);
            let applied = result?;
            unlocked?;
            Ok(applied)
        }
    }
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(|v| v.to_string()).collect()
}

fn finish(
    c: &mut SqliteConnection,
    result: Result<Vec<String>, DbError>,
) -> Result<Vec<String>, DbError> {
    match result {
        Ok(applied) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(applied)
        }
        Err(e) => {
            let _ = AnsiTransactionManager::rollback_transaction(c);
            Err(e)
        }
    }
}

/// An older binary must not run against a schema a newer one has moved on.
fn refuse_unknown<C>(conn: &mut C, known: &EmbeddedMigrations) -> Result<(), DbError>
where
    C: MigrationHarness<C::Backend> + Connection,
    EmbeddedMigrations: diesel::migration::MigrationSource<C::Backend>,
{
    let failed = DbError::Migration;
    let applied = conn.applied_migrations().map_err(failed)?;
    let known: Vec<String> = diesel::migration::MigrationSource::<C::Backend>::migrations(known)
        .map_err(failed)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    match applied
        .iter()
        .map(|v| v.to_string())
        .find(|v| !known.contains(v))
    {
        Some(unknown) => Err(DbError::SchemaTooNew(unknown)),
        None => Ok(()),
    }
}

/// The newest migration applied to the store: the schema an export belongs to.
pub fn schema_version(conn: &mut DbConnection) -> Result<String, DbError> {
    let failed = DbError::Migration;
    let applied = match conn {
        DbConnection::Sqlite(c) => versions(c.applied_migrations().map_err(failed)?),
        DbConnection::Pg(c) => versions(c.applied_migrations().map_err(failed)?),
    };
    Ok(applied.into_iter().max().unwrap_or_default())
}
