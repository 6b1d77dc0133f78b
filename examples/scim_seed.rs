//! Seeds an account "load" with N federated employees for the SCIM load benchmark
//! (scripts/scim-load.sh) and prints a SCIM token. Bulk SQL, not the lifecycle functions: a
//! million people through the full rules would take longer than the benchmark itself.
//! Usage: cargo run --release --example scim_seed -- DATABASE_URL N

use diesel::connection::SimpleConnection;
use gatehouse::db::{self, Db, DbConnection, Store};
use gatehouse::directory::{accounts, clock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, count) = match args.as_slice() {
        [_, url, count] => (url.clone(), count.parse::<usize>()?),
        _ => return Err("usage: scim_seed DATABASE_URL N".into()),
    };
    let db = Db::open(&Store::parse(&url)?, 2)?;
    let mut conn = db.conn()?;
    let account = db::write(&mut conn, |c| accounts::create(c, "load", "Load test"))?;
    let token = db::write(&mut conn, |c| {
        gatehouse::auth::scim_tokens::issue(
            c,
            &account.id,
            &gatehouse::directory::history::Actor::new(gatehouse::directory::history::Source::Cli),
        )
    })?;
    let now = clock::now().format("%Y-%m-%d %H:%M:%S").to_string();
    const BATCH: usize = 1000;
    let mut done = 0;
    while done < count {
        let rows: Vec<String> = (done..(done + BATCH).min(count))
            .map(|i| {
                format!(
                    "('00000000-0000-4000-8000-{i:012}', '{account}', 'ext-{i}', 'user{i}@load.test', 'user{i}@load.test', \
                     'user{i}@load.test', 'user{i}@load.test', 'Given{i}', 'Family', TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, '{now}', '{now}')",
                    account = account.id
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO employees (id, account_id, external_id, user_name, user_name_key, email, email_key, given_name, family_name, \
             active, federated, defederated, is_setup_admin, is_approver, approves_self, only_selected_approver, created_at, updated_at) VALUES {}",
            rows.join(",")
        );
        db::write(&mut conn, |c: &mut DbConnection| c.batch_execute(&sql))?;
        done += rows.len();
    }
    eprintln!("seeded {count} employees into account load");
    println!("{token}");
    Ok(())
}
