//! `gatehouse export FILE` and `gatehouse import FILE`: a whole installation between stores.

use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use crate::config::Settings;
use crate::db::transfer::{self, Counts, TransferError};
use crate::db::{self, Db};
use crate::error::Error;

fn report(verb: &str, counts: &Counts, store: &str) {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let tables: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    eprintln!("{verb} {total} row(s) {store}: {}", tables.join(", "));
}

fn failed(error: TransferError) -> Error {
    match error {
        TransferError::Db(db) => Error::Db(db),
        other => Error::Input(other.to_string()),
    }
}

/// Written next to FILE and renamed when complete, so FILE is never half a dump.
pub fn export(settings: &Settings, file: &Path) -> Result<(), Error> {
    let db = Db::open(&settings.store, 1)?;
    let mut conn = db.conn()?;
    let partial = file.with_extension("partial");
    let out = std::fs::File::create(&partial)
        .map_err(|e| Error::io(format!("cannot write {}", partial.display()), e))?;
    let mut out = BufWriter::new(out);
    let schema = db::schema_version(&mut conn)?;
    let counts = match db::snapshot(&mut conn, |c| transfer::export(c, &schema, &mut out)) {
        Ok(counts) => counts,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(failed(error));
        }
    };
    out.flush()
        .and_then(|()| out.get_ref().sync_all())
        .map_err(|e| Error::io(format!("cannot write {}", partial.display()), e))?;
    std::fs::rename(&partial, file)
        .map_err(|e| Error::io(format!("cannot move the export to {}", file.display()), e))?;
    report(
        "exported",
        &counts,
        &format!("from {}", settings.store.display()),
    );
    if counts.iter().any(|(t, n)| *t == "mail_outbox" && *n > 0) {
        eprintln!(
            "mail went without its bodies (they may hold one-time links): a store importing \
             this file delivers none of it; people ask for a new password link"
        );
    }
    Ok(())
}

pub fn import(settings: &Settings, file: &Path) -> Result<(), Error> {
    let input = std::fs::File::open(file)
        .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
    let db = Db::open(&settings.store, 1)?;
    let mut conn = db.conn()?;
    let counts =
        db::write(&mut conn, |c| transfer::import(c, BufReader::new(input))).map_err(failed)?;
    report(
        "imported",
        &counts,
        &format!("into {}", settings.store.display()),
    );
    Ok(())
}
