//! Prepares the login-isolation benchmark (scripts/login-flood.sh): account "acme" trusting the
//! test IdP with SSO on, a provisioned person for SAML, a person with a local password for the
//! flood, and N distinct signed responses (one per line, as form bodies) in OUTFILE.
//! With PREFILL, the store first gets that many login journal lines, replay entries and sessions
//! (a store that has been in use for a while).
//! Usage: cargo run --release --example acs_load_setup -- DATABASE_URL PUBLIC_URL N OUTFILE [PREFILL]

#[path = "../tests/suite/test_idp.rs"]
mod test_idp;

use std::io::Write;

use gatehouse::auth::{credentials, passwords};
use gatehouse::db::{self, Db, Store};
use gatehouse::directory::employees::Profile;
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{accounts, lifecycle};
use gatehouse::idp::{certificates, settings};
use test_idp::{Key, Spec};

/// `rows` journal lines, replay entries and sessions, as months of sign-ins leave them.
fn fill(
    c: &mut gatehouse::db::DbConnection,
    account_id: &str,
    ann: &str,
    rows: usize,
) -> gatehouse::directory::Result<()> {
    use gatehouse::auth::journal::{self, Outcome, SignInAttempt};
    let until = gatehouse::directory::clock::now() + chrono::Duration::days(1);
    for i in 0..rows {
        let attempt = SignInAttempt {
            method: "saml",
            flow: "idp",
            name_id: Some(format!("person{i}@acme.com")),
            employee_id: Some(ann.to_owned()),
            assertion_id: Some(format!("_prefill{i}")),
            ..SignInAttempt::default()
        };
        let outcome = Outcome {
            success: true,
            reason: "signed_in".into(),
            detail: format!("person{i}@acme.com signed in"),
            hint: String::new(),
        };
        journal::record(c, account_id, &attempt, &outcome)?;
        gatehouse::saml::pending::first_use(c, account_id, &format!("_prefill{i}"), until)?;
        gatehouse::auth::sessions::create(c, account_id, ann)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, public_url, count, out, prefill) = match args.as_slice() {
        [_, url, public_url, count, out] => (url, public_url, count, out, "0"),
        [_, url, public_url, count, out, prefill] => {
            (url, public_url, count, out, prefill.as_str())
        }
        _ => {
            return Err("usage: acs_load_setup DATABASE_URL PUBLIC_URL N OUTFILE [PREFILL]".into());
        }
    };
    let prefill: usize = prefill.parse()?;
    let count: usize = count.parse()?;
    let db = Db::open(&Store::parse(url)?, 2)?;
    let mut conn = db.conn()?;
    let key = Key::active();
    let certificate = certificates::parse(&key.cert_pem)?;
    let by = Actor::new(Source::Cli);
    let profile = |name: &str| Profile {
        user_name: name.into(),
        email: name.into(),
        given_name: "Load".into(),
        family_name: "Test".into(),
        ..Profile::default()
    };
    db::write(&mut conn, |c| -> gatehouse::directory::Result<()> {
        let account = accounts::create(c, "acme", "Acme")?;
        settings::replace_trust(
            c,
            &account.id,
            &test_idp::entity_id(test_idp::TENANT),
            "https://login.microsoftonline.com/t/saml2",
            &[certificate],
            &gatehouse::directory::history::Actor::new(gatehouse::directory::history::Source::Cli),
        )?;
        settings::change_sso(
            c,
            &account.id,
            &settings::SsoChange {
                enabled: Some(true),
                ..Default::default()
            },
            &gatehouse::directory::history::Actor::new(gatehouse::directory::history::Source::Cli),
        )?;
        let ann =
            lifecycle::provision(c, &account.id, profile("ann@acme.com"), true, &by)?.employee;
        fill(c, &account.id, &ann.id, prefill)?;
        let flood = lifecycle::create(c, &account.id, profile("flood@acme.com"), &by)?;
        credentials::set_password(
            c,
            &flood,
            &passwords::hash("the real password of flood").expect("argon2"),
            &by,
            None,
        )?;
        Ok(())
    })?;
    let sp_base = format!("{}/saml/acme", public_url.trim_end_matches('/'));
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for _ in 0..count {
        let mut spec = Spec::new(&sp_base, "ann@acme.com");
        spec.object_id = None;
        let body = serde_urlencoded::to_string([(
            "SAMLResponse",
            test_idp::encode(&test_idp::response(&spec, &key)),
        )])?;
        writeln!(file, "{body}")?;
    }
    file.flush()?;
    // The yardstick (benches/bare-samael) trusts the same IdP, read from this file.
    std::fs::write(format!("{out}.idp.xml"), test_idp::metadata_xml(&key))?;
    eprintln!("prepared {count} signed responses in {out}");
    Ok(())
}
