//! Prepares the login-isolation benchmark (scripts/login-flood.sh): account "acme" trusting the
//! test IdP with SSO on, a provisioned person for SAML, a person with a local password for the
//! flood, and N distinct signed responses (one per line, as form bodies) in OUTFILE.
//! Usage: cargo run --release --example acs_load_setup -- DATABASE_URL PUBLIC_URL N OUTFILE

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, public_url, count, out] = args.as_slice() else {
        return Err("usage: acs_load_setup DATABASE_URL PUBLIC_URL N OUTFILE".into());
    };
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
        )?;
        settings::change_sso(
            c,
            &account.id,
            &settings::SsoChange {
                enabled: Some(true),
                ..Default::default()
            },
        )?;
        lifecycle::provision(c, &account.id, profile("ann@acme.com"), true, &by)?;
        let flood = lifecycle::create(c, &account.id, profile("flood@acme.com"), &by)?;
        credentials::set_password(
            c,
            &flood,
            &passwords::hash("the real password of flood"),
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
    eprintln!("prepared {count} signed responses in {out}");
    Ok(())
}
