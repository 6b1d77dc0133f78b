//! Prepares the token endpoint benchmark (scripts/token-bench.sh): account "acme" with one
//! person, one confidential client, N distinct unused authorization codes (scope "openid", kept
//! alive for an hour instead of 60 s) and N distinct refresh tokens of N other grants (scope
//! "openid offline_access"). Writes, in OUTDIR: `codes` and `refreshes` (one token request form
//! body per line) and `authorization` (the client's `Basic ...` header value). The signing key
//! is made here, so no request pays for its generation; the access tokens issued beside the
//! refresh tokens are deleted, so every access token in the store afterwards is one the run got.
//! Usage: cargo run --release --example token_load_setup -- DATABASE_URL N OUTDIR

use std::io::Write;

use base64::Engine;
use diesel::prelude::*;
use gatehouse::auth::sessions::SessionFacts;
use gatehouse::db::schema::{oidc_codes, oidc_tokens};
use gatehouse::db::{self, Db, Store};
use gatehouse::directory::employees::Profile;
use gatehouse::directory::history::{Actor, Source};
use gatehouse::directory::{accounts, clock, lifecycle};
use gatehouse::oidc::{clients, grants, keys};

const REDIRECT_URI: &str = "https://hr.example.com/oidc/callback";

fn lines(path: &std::path::Path, bodies: &[String]) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for body in bodies {
        writeln!(file, "{body}")?;
    }
    file.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, count, out] = args.as_slice() else {
        return Err("usage: token_load_setup DATABASE_URL N OUTDIR".into());
    };
    let count: usize = count.parse()?;
    let out = std::path::Path::new(out);
    let db = Db::open(&Store::parse(url)?, 2)?;
    let mut conn = db.conn()?;
    let by = Actor::new(Source::Cli);
    type Prepared = (String, String, Vec<String>, Vec<String>);
    let (client_id, secret, codes, refreshes) =
        db::write(&mut conn, |c| -> gatehouse::directory::Result<Prepared> {
            let account = accounts::create(c, "acme", "Acme")?;
            let profile = Profile {
                user_name: "ann@acme.com".into(),
                email: "ann@acme.com".into(),
                given_name: "Ann".into(),
                family_name: "Load".into(),
                ..Profile::default()
            };
            let ann = lifecycle::create(c, &account.id, profile, &by)?;
            let (client, secret) = clients::create(
                c,
                &clients::NewClient {
                    name: "HR".into(),
                    public: false,
                    redirect_uris: vec![REDIRECT_URI.into()],
                    ..clients::NewClient::default()
                },
            )?;
            keys::rotate(c)?;
            let session = SessionFacts {
                account_id: account.id.clone(),
                employee_id: ann.id.clone(),
                sid: uuid::Uuid::new_v4().to_string(),
                method: "saml".into(),
                auth_time: clock::now(),
            };
            let request = |scope| grants::Request {
                client_id: &client.id,
                redirect_uri: REDIRECT_URI,
                scope,
                nonce: None,
                code_challenge: None,
            };
            let mut codes = Vec::with_capacity(count);
            for _ in 0..count {
                codes.push(grants::begin(c, &session, &request("openid"))?);
            }
            // Codes live 60 s; the run needs them for minutes.
            diesel::update(oidc_codes::table)
                .set(oidc_codes::expires_at.eq(clock::now() + chrono::Duration::hours(1)))
                .execute(c)?;
            let mut refreshes = Vec::with_capacity(count);
            for _ in 0..count {
                let code = grants::begin(c, &session, &request("openid offline_access"))?;
                let grant = grants::redeem(c, &client.id, &code, Some(REDIRECT_URI), None)
                    .map_err(|e| gatehouse::directory::DirectoryError::invalid("code", e.code))?;
                let issued = grants::issue(c, &grant)?;
                refreshes.push(issued.refresh_token.expect("offline_access gives one"));
            }
            diesel::delete(oidc_tokens::table.filter(oidc_tokens::kind.eq("access"))).execute(c)?;
            Ok((
                client.id,
                secret.expect("a confidential client"),
                codes,
                refreshes,
            ))
        })?;
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs);
    let codes = codes
        .iter()
        .map(|code| {
            form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
            ])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let refreshes = refreshes
        .iter()
        .map(|token| form(&[("grant_type", "refresh_token"), ("refresh_token", token)]))
        .collect::<Result<Vec<_>, _>>()?;
    lines(&out.join("codes"), &codes)?;
    lines(&out.join("refreshes"), &refreshes)?;
    // RFC 6749 2.3.1: both parts form-urlencoded (ids and secrets here need no escaping).
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    std::fs::write(out.join("authorization"), format!("Basic {basic}"))?;
    eprintln!(
        "prepared {count} codes and {count} refresh tokens of client {client_id} in {}",
        out.display()
    );
    Ok(())
}
