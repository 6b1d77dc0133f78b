//! OpenID Connect Back-Channel Logout 1.0: when a grant ends (the person was deactivated,
//! released, removed from the federation, got a new password, or signed out), every client
//! that registered a back-channel URI receives a signed logout token with `sub` and `sid`.
//! Deliveries are rows in the store (queued by `directory::sessions::end_grants`); a thread on
//! every instance claims due rows one at a time, so each is sent by one instance, retried with
//! exponential back-off for 24 hours.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::keys;
use crate::db::schema::oidc_logout_deliveries as d;
use crate::db::{self, Db, DbConnection};
use crate::directory::{Result, clock};

/// How often the thread looks for due deliveries.
const EVERY: StdDuration = StdDuration::from_secs(1);
/// A claimed row is left to its instance this long; a crash mid-delivery frees it after.
const CLAIM: Duration = Duration::seconds(30);
/// Deliveries are given up this long after they were queued.
const GIVE_UP_AFTER: Duration = Duration::hours(24);
const TIMEOUT: StdDuration = StdDuration::from_secs(5);

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[derive(Serialize)]
struct LogoutToken<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    sub: &'a str,
    sid: &'a str,
    events: serde_json::Value,
}

pub fn start(db: Db, issuer: String) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("backchannel-logout".into())
        .spawn(move || {
            let agent = ureq::AgentBuilder::new()
                .timeout(TIMEOUT)
                .redirects(0)
                .build();
            loop {
                if let Err(error) = deliver_due(&db, &agent, &issuer) {
                    log::warn!("back-channel logout: {error}");
                }
                std::thread::sleep(EVERY);
            }
        })?;
    Ok(())
}

struct Due {
    id: String,
    client_id: String,
    employee_id: String,
    sid: String,
    url: String,
    attempts: i32,
    created_at: NaiveDateTime,
}

/// Claims one due row for this instance, or none.
fn claim(conn: &mut DbConnection) -> Result<Option<Due>> {
    let now = clock::now();
    type Row = (String, String, String, String, String, i32, NaiveDateTime);
    let candidates: Vec<Row> = d::table
        .filter(d::status.eq("pending"))
        .filter(d::next_attempt_at.le(now))
        .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
        .order(d::next_attempt_at)
        .limit(10)
        .select((
            d::id,
            d::client_id,
            d::employee_id,
            d::sid,
            d::url,
            d::attempts,
            d::created_at,
        ))
        .load(conn)?;
    for (id, client_id, employee_id, sid, url, attempts, created_at) in candidates {
        let taken = diesel::update(
            d::table
                .find(&id)
                .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now))),
        )
        .set(d::claimed_until.eq(Some(now + CLAIM)))
        .execute(conn)?;
        if taken == 1 {
            return Ok(Some(Due {
                id,
                client_id,
                employee_id,
                sid,
                url,
                attempts,
                created_at,
            }));
        }
    }
    Ok(None)
}

fn deliver_due(db: &Db, agent: &ureq::Agent, issuer: &str) -> Result<()> {
    let mut conn = db.conn()?;
    while let Some(due) = db::write(&mut conn, claim)? {
        let token = {
            let now = clock::now().and_utc().timestamp();
            let claims = LogoutToken {
                iss: issuer,
                aud: &due.client_id,
                iat: now,
                exp: now + 120,
                jti: uuid::Uuid::new_v4().to_string(),
                sub: &due.employee_id,
                sid: &due.sid,
                events: serde_json::json!({ EVENT: {} }),
            };
            db::write(&mut conn, |c| keys::sign_typed(c, &claims, "logout+jwt"))?
        };
        let outcome = agent
            .post(&due.url)
            .send_form(&[("logout_token", token.as_str())]);
        let result = match outcome {
            Ok(response) if (200..300).contains(&response.status()) => Ok(()),
            Ok(response) => Err(format!("answered {}", response.status())),
            Err(ureq::Error::Status(code, response)) => Err(match response.header("Retry-After") {
                Some(after) => format!("answered {code} (Retry-After {after})"),
                None => format!("answered {code}"),
            }),
            Err(error) => Err(error.to_string()),
        };
        db::write(&mut conn, |c| settle(c, &due, result))?;
    }
    Ok(())
}

fn settle(
    conn: &mut DbConnection,
    due: &Due,
    result: std::result::Result<(), String>,
) -> Result<()> {
    let now = clock::now();
    let attempts = due.attempts + 1;
    match result {
        Ok(()) => diesel::update(d::table.find(&due.id))
            .set((
                d::status.eq("delivered"),
                d::attempts.eq(attempts),
                d::delivered_at.eq(Some(now)),
                d::claimed_until.eq(None::<NaiveDateTime>),
                d::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Err(error) => {
            let wait = Duration::seconds(2_i64.saturating_pow(attempts.clamp(0, 12) as u32));
            let gave_up = now + wait > due.created_at + GIVE_UP_AFTER;
            log::warn!(
                "back-channel logout to client {} failed (attempt {attempts}): {error}",
                due.client_id
            );
            diesel::update(d::table.find(&due.id))
                .set((
                    d::status.eq(if gave_up { "failed" } else { "pending" }),
                    d::attempts.eq(attempts),
                    d::next_attempt_at.eq(now + wait),
                    d::claimed_until.eq(None::<NaiveDateTime>),
                    d::last_error.eq(Some(error)),
                ))
                .execute(conn)?
        }
    };
    Ok(())
}
