//! The assertion consumer service: every step from the posted form to a session, and one
//! journal entry per attempt whatever the outcome.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;

use super::failure::Failure;
use super::sp::SpUrls;
use super::verify::{self, Trust};
use super::{guards, identity, pending};
use crate::auth::journal::{self, Outcome, SignInAttempt};
use crate::auth::{browser, sessions};
use crate::db::{self, Db, DbConnection};
use crate::directory::accounts::{self, Account};
use crate::directory::{DirectoryError, clock};
use crate::idp::settings;

/// Posted forms larger than this are refused before any parsing.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

#[derive(Debug, Default)]
pub struct AcsPost {
    pub saml_response: Option<String>,
    pub relay_state: Option<String>,
    /// The browser's sign-in cookie: SP-initiated requests are bound to it.
    pub signin: Option<String>,
    /// The browser and its current session, replaced by the new one.
    pub here: sessions::InBrowser,
    pub oversized: bool,
}

/// A refusal, and whether its journal line is already written.
enum Refused {
    Journaled(Failure),
    Unjournaled(Failure),
}

impl From<Failure> for Refused {
    fn from(failure: Failure) -> Self {
        Refused::Unjournaled(failure)
    }
}

fn refusal(failure: &Failure, sp: &SpUrls) -> Outcome {
    Outcome {
        success: false,
        reason: failure.code().into(),
        detail: failure.to_string(),
        hint: failure.hint(sp),
    }
}

#[derive(Debug)]
pub enum AcsResult {
    SignedIn { session: String, redirect: String },
    Refused(Failure),
    UnknownAccount,
}

pub fn consume(
    db: &Db,
    public_url: &str,
    slug: &str,
    posted: &AcsPost,
) -> Result<AcsResult, DirectoryError> {
    let mut attempt = SignInAttempt {
        method: "saml",
        flow: "unknown",
        ..SignInAttempt::default()
    };
    // Everything that reads the store before the signature check, on one snapshot. The
    // connection goes back to the pool for the check itself, which needs none: held through it,
    // it is one that other sign-ins wait for, and on SQLite one whose page cache their commits
    // meanwhile make stale.
    let before = db::snapshot(&mut *db.conn()?, |c| -> Result<_, DirectoryError> {
        let Some(account) = accounts::find_by_slug(c, slug)? else {
            return Ok(None);
        };
        let sp = SpUrls::of(public_url, &account);
        let inspected = before_verifying(c, &account, posted, &mut attempt);
        Ok(Some((account, sp, inspected)))
    })?;
    let Some((account, sp, inspected)) = before else {
        return Ok(AcsResult::UnknownAccount);
    };
    let result = inspected
        .map_err(Refused::from)
        .and_then(|inspected| sign_in(db, &account, &sp, posted, inspected, &mut attempt));
    // A success, or a refusal after the one-time state was used up, was journaled in the
    // transaction that used it; any other refusal is journaled here, on its own, since what
    // it might have written was rolled back.
    let result = match result {
        Ok(signed_in) => Ok(signed_in),
        Err(Refused::Journaled(failure)) => Err(failure),
        Err(Refused::Unjournaled(failure)) => {
            db::write(&mut *db.conn()?, |c| {
                journal::record(c, &account.id, &attempt, &refusal(&failure, &sp))
            })?;
            Err(failure)
        }
    };
    Ok(match result {
        Ok((session, redirect)) => {
            log::info!(
                "saml: {} signed in to {} ({} flow)",
                attempt.employee_id.as_deref().unwrap_or("?"),
                account.slug,
                attempt.flow
            );
            AcsResult::SignedIn { session, redirect }
        }
        Err(failure) => {
            log::warn!(
                "saml: sign-in to {} refused: {}",
                account.slug,
                failure.code()
            );
            AcsResult::Refused(failure)
        }
    })
}

/// Everything from the posted Base64 to a verified assertion, without the store: decoding, the
/// structural guards, the issuer, and samael's signature and condition checks. What the journal
/// should know is noted in `attempt` as soon as it is known. (The ACS fuzz target drives this.)
pub fn check(
    posted: &str,
    sp: &SpUrls,
    trust: &Trust,
    attempt: &mut SignInAttempt,
) -> Result<(guards::Shape, samael::schema::Assertion), Failure> {
    let (xml, shape) = inspect(posted, trust, attempt)?;
    let assertion = verify::verify(&xml, &shape, sp, trust)?;
    Ok((shape, assertion))
}

/// Decoding, the structural guards and the issuer: everything before any signature work.
fn inspect(
    posted: &str,
    trust: &Trust,
    attempt: &mut SignInAttempt,
) -> Result<(String, guards::Shape), Failure> {
    let xml = decode(posted)?;
    let shape = guards::inspect(&xml)?;
    attempt.assertion_id = Some(shape.assertion_id.clone());
    attempt.request_id = shape.in_response_to.clone();
    if let Some(issuer) = &shape.issuer
        && issuer != &trust.idp_entity_id
    {
        return Err(Failure::WrongIssuer {
            got: issuer.clone(),
            expected: trust.idp_entity_id.clone(),
        });
    }
    Ok((xml, shape))
}

/// Refusals that need no signature, made before samael runs: a response too old for samael's
/// window, or whose assertion id was already used. Both would be refused after verification
/// anyway (changing either value breaks the signature), but samael 0.0.22 leaks libxml2 memory
/// on every response it verifies, so an old or replayed response posted again and again must
/// never reach it.
fn refuse_before_verifying(
    conn: &mut DbConnection,
    account: &Account,
    shape: &guards::Shape,
    trust: &Trust,
) -> Result<(), Failure> {
    if let Some(issued) = shape.issued
        && issued + verify::max_issue_delay(trust) < chrono::Utc::now() - trust.skew
    {
        return Err(Failure::Expired(format!(
            "issued at {}",
            issued.to_rfc3339()
        )));
    }
    if pending::used(conn, &account.id, &shape.assertion_id)? {
        return Err(Failure::Replay(shape.assertion_id.clone()));
    }
    Ok(())
}

/// A posted response decoded, its shape checked and the account's trust read: what the
/// signature check needs.
struct Inspected {
    trust: Trust,
    xml: String,
    shape: guards::Shape,
}

/// Every check before the signature check, the store's included.
fn before_verifying(
    conn: &mut DbConnection,
    account: &Account,
    posted: &AcsPost,
    attempt: &mut SignInAttempt,
) -> Result<Inspected, Failure> {
    if posted.oversized {
        return Err(Failure::TooLarge(MAX_FORM_BYTES));
    }
    if !account.sso_enabled {
        return Err(Failure::SsoDisabled);
    }
    let trust = trust_of(conn, account)?;
    let (xml, shape) = inspect(
        posted.saml_response.as_deref().ok_or(Failure::NotBase64)?,
        &trust,
        attempt,
    )?;
    refuse_before_verifying(conn, account, &shape, &trust)?;
    Ok(Inspected { trust, xml, shape })
}

fn sign_in(
    db: &Db,
    account: &Account,
    sp: &SpUrls,
    posted: &AcsPost,
    Inspected { trust, xml, shape }: Inspected,
    attempt: &mut SignInAttempt,
) -> Result<(String, String), Refused> {
    let assertion = verify::verify(&xml, &shape, sp, &trust)?;
    attempt.name_id = identity::name_id(&assertion).ok();
    let signed_request = verify::in_response_to(&assertion);
    if let (Some(signed), Some(outer)) = (&signed_request, &shape.in_response_to)
        && signed != outer
    {
        return Err(Failure::InResponseToMismatch.into());
    }
    // The Response's own InResponseTo counts only when a signature covers it: with Entra's
    // default (assertion signed) anyone could add one and pass an IdP-initiated assertion off as
    // an answer to a request.
    let outer_request = shape.in_response_to.filter(|_| shape.response_signed);
    let request_id = signed_request.or(outer_request);
    attempt.flow = if request_id.is_some() { "sp" } else { "idp" };
    attempt.request_id = request_id.clone();

    let expires = verify::not_on_or_after(&assertion)
        .map_or(clock::now() + Duration::hours(1), |t| {
            t.naive_utc() + trust.skew
        });
    // One transaction: the one-time state, then (in a savepoint) the person, the session and
    // the journal line. A refusal after the one-time state rolls back to the savepoint and is
    // journaled in the same transaction, so a request or an assertion is used up even when the
    // sign-in fails further on.
    let mut conn = db
        .conn()
        .map_err(DirectoryError::from)
        .map_err(Failure::from)?;
    let signed_in = db::write(&mut conn, |c| -> Result<_, Failure> {
        let relay = use_up(
            c,
            account,
            posted,
            request_id.as_deref(),
            &assertion,
            expires,
        )?;
        let started = db::savepoint(c, |c| {
            start_session(c, account, &trust, posted, &assertion, attempt)
        });
        Ok(match started {
            Ok(session) => Ok((session, relay.unwrap_or_else(|| "/".into()))),
            Err(failure) => {
                journal::record(c, &account.id, attempt, &refusal(&failure, sp))?;
                Err(failure)
            }
        })
    })?;
    signed_in.map_err(Refused::Journaled)
}

/// Takes the pending request the assertion answers (bound to this browser), or allows an
/// IdP-initiated one, and records the assertion as used. Returns where to go afterwards.
fn use_up(
    c: &mut DbConnection,
    account: &Account,
    posted: &AcsPost,
    request_id: Option<&str>,
    assertion: &samael::schema::Assertion,
    expires: chrono::NaiveDateTime,
) -> Result<Option<String>, Failure> {
    let relay = match request_id {
        Some(id) => {
            let taken = pending::take_request(c, &account.id, id)?
                .ok_or_else(|| Failure::UnknownRequest(id.to_owned()))?;
            match (&taken.browser_hash, &posted.signin) {
                (Some(bound), Some(cookie)) if *bound == browser::digest(cookie) => {}
                _ => return Err(Failure::OtherBrowser),
            }
            taken.relay_state
        }
        None if !account.idp_initiated => return Err(Failure::IdpInitiatedDisabled),
        None => posted
            .relay_state
            .as_deref()
            .and_then(crate::web::local_path::local_path)
            .map(str::to_owned),
    };
    if !pending::first_use(c, &account.id, &assertion.id, expires)? {
        return Err(Failure::Replay(assertion.id.clone()));
    }
    Ok(relay)
}

/// The person let in, their session started and the success journaled. Returns the session.
fn start_session(
    c: &mut DbConnection,
    account: &Account,
    trust: &Trust,
    posted: &AcsPost,
    assertion: &samael::schema::Assertion,
    attempt: &mut SignInAttempt,
) -> Result<String, Failure> {
    let name_id = identity::name_id(assertion)?;
    let object_id = identity::object_id(assertion);
    let person = identity::admit(
        c,
        account,
        &trust.idp_entity_id,
        &name_id,
        object_id.as_deref(),
    )?;
    let session = sessions::start(
        c,
        &account.id,
        &person.id,
        &posted.here,
        sessions::Method::Saml,
    )?;
    let signed_in = SignInAttempt {
        employee_id: Some(person.id.clone()),
        ..attempt.clone()
    };
    let outcome = Outcome {
        success: true,
        reason: "signed_in".into(),
        detail: format!("{name_id} signed in"),
        hint: String::new(),
    };
    journal::record(c, &account.id, &signed_in, &outcome)?;
    attempt.employee_id = Some(person.id);
    Ok(session)
}

fn decode(encoded: &str) -> Result<String, Failure> {
    // Base64 is ASCII: any other byte makes the decoder refuse, so a byte filter suffices. Browsers
    // post it on one line; only a wrapped one is copied without its line breaks.
    let decoded = if encoded.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = encoded
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        STANDARD.decode(compact)
    } else {
        STANDARD.decode(encoded)
    };
    let bytes = decoded.map_err(|_| Failure::NotBase64)?;
    String::from_utf8(bytes).map_err(|_| Failure::Malformed("the response is not UTF-8".into()))
}

fn trust_of(conn: &mut DbConnection, account: &Account) -> Result<Trust, Failure> {
    let idp_entity_id = account
        .idp_entity_id
        .clone()
        .ok_or(Failure::NotConfigured)?;
    let skew = Duration::seconds(account.clock_skew_secs.into());
    let now = clock::now();
    let (mut valid, mut expired) = (Vec::new(), Vec::new());
    for certificate in settings::certificates(conn, &account.id)? {
        if certificate.is_valid_at(now) || certificate.is_valid_at(now - skew) {
            valid.push(certificate.der());
        } else {
            expired.push((certificate.der(), certificate.sha1_thumbprint.clone()));
        }
    }
    Ok(Trust {
        idp_entity_id,
        valid,
        expired,
        skew,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_posted_response_decodes_on_one_line_or_wrapped() {
        let xml = "<samlp:Response ID=\"_r\"/>".repeat(5);
        let one_line = STANDARD.encode(&xml);
        let wrapped: Vec<String> = one_line
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect();
        assert_eq!(decode(&one_line).expect("one line"), xml);
        assert_eq!(decode(&wrapped.join("\r\n")).expect("wrapped"), xml);
        assert!(matches!(decode("not base64!"), Err(Failure::NotBase64)));
        assert!(matches!(
            decode(&STANDARD.encode([0xff, 0xfe, 0x00])),
            Err(Failure::Malformed(_))
        ));
    }
}
