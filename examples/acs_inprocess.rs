//! The sign-in without HTTP: `acs::consume` (every step: guards, samael, one-time state,
//! journal, session, on a real SQLite store) over each response acs_load_setup wrote, in this one
//! thread; prints sign-ins/s. scripts/acs-bench.sh runs it beside the server, to tell the cost
//! of the server around the sign-in apart.
//! Usage: acs_inprocess DATABASE_URL PUBLIC_URL RESPONSES_FILE
use std::io::BufRead;
use std::time::Instant;

use gatehouse::auth::sessions::InBrowser;
use gatehouse::db::{Db, Store};
use gatehouse::saml::acs::{self, AcsPost, AcsResult};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, public_url, file] = args.as_slice() else {
        return Err("usage: acs_inprocess DATABASE_URL PUBLIC_URL RESPONSES_FILE".into());
    };
    let mut forms = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&line?)?;
        forms.push(
            pairs
                .into_iter()
                .find(|(k, _)| k == "SAMLResponse")
                .ok_or("no SAMLResponse")?
                .1,
        );
    }
    let db = Db::open(&Store::parse(url)?, 2)?;
    let started = Instant::now();
    for (i, form) in forms.iter().enumerate() {
        let posted = AcsPost {
            saml_response: Some(form.clone()),
            here: InBrowser {
                browser: Some(format!("b{i}")),
                previous_session: None,
            },
            ..AcsPost::default()
        };
        match acs::consume(&db, public_url, "acme", &posted)? {
            AcsResult::SignedIn { .. } => {}
            other => return Err(format!("not signed in: {other:?}").into()),
        }
    }
    let rate = forms.len() as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.0}");
    Ok(())
}
