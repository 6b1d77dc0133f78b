use super::AccountCommand;
use crate::db::{self, Db};
use crate::directory::accounts;
use crate::error::Error;

pub fn run(command: AccountCommand, db: &Db) -> Result<(), Error> {
    let mut conn = db.conn()?;
    match command {
        AccountCommand::Create { slug, name } => {
            let account = db::write(&mut conn, |c| accounts::create(c, &slug, &name))?;
            eprintln!("created account {} ({})", account.slug, account.name);
            println!("{}", account.id);
        }
        AccountCommand::List => {
            for account in accounts::list(&mut conn)? {
                println!("{}\t{}", account.slug, account.name);
            }
        }
    }
    Ok(())
}
