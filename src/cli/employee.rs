use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

use super::EmployeeCommand;
use crate::db::{self, Db};
use crate::directory::csv_io::{self, CsvError};
use crate::directory::history::{Actor, Source};
use crate::error::Error;

pub fn run(command: EmployeeCommand, db: &Db) -> Result<(), Error> {
    let mut conn = db.conn()?;
    match command {
        EmployeeCommand::Import { slug, file } => {
            let account = super::account(&mut conn, &slug)?;
            let input: Box<dyn Read> = match file.to_str() {
                Some("-") => Box::new(std::io::stdin().lock()),
                _ => Box::new(BufReader::new(File::open(&file).map_err(|e| {
                    Error::io(format!("cannot open {}", file.display()), e)
                })?)),
            };
            let rows = csv_io::parse(input)?;
            let by = Actor::new(Source::Csv);
            let summary = db::write(&mut conn, |c| -> Result<_, CsvError> {
                csv_io::import(c, &account.id, &rows, &by)
            })?;
            eprintln!("imported {} row(s) into {}", rows.len(), account.slug);
            println!(
                "{} created, {} updated, {} unchanged",
                summary.created, summary.updated, summary.unchanged
            );
        }
        EmployeeCommand::Export { slug, output } => {
            let account = super::account(&mut conn, &slug)?;
            let count = match output {
                Some(path) => {
                    let file = File::create(&path)
                        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
                    let mut writer = BufWriter::new(file);
                    let count = csv_io::export(&mut conn, &account.id, &mut writer)?;
                    writer
                        .flush()
                        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
                    count
                }
                None => csv_io::export(&mut conn, &account.id, std::io::stdout().lock())?,
            };
            eprintln!("exported {count} employee(s) of {}", account.slug);
        }
    }
    Ok(())
}
