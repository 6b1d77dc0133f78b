//! The store-backed queue of webhook deliveries: nothing is queued in memory. A subscription is
//! due when its account's feed has events past its `delivered_seq` and its `retry_at` has
//! come; an instance claims it by setting `claimed_until` (one conditional `UPDATE`, so one
//! instance at a time), delivers its events one at a time in feed order, and settles each
//! attempt only while the claim is still its own. A crash frees the claim after `CLAIM`; the
//! next instance sends the unacknowledged event again (at least once).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    accounts, event_sequences as s, webhook_deliveries as d, webhook_subscriptions as w,
};
use crate::directory::events::{self, Event};
use crate::directory::{DirectoryError, Result, clock};

/// A claimed subscription is left to its instance this long; every settled attempt renews it.
/// Longer than an attempt can take (the HTTP client gives up after 10 seconds).
pub const CLAIM: Duration = Duration::seconds(60);
/// An event is retried for this long after its first attempt, then given up (`failed`), and
/// the subscription goes on with the next event.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);
/// The first retry comes this soon; each later one waits twice as long, up to `MAX_WAIT`.
const FIRST_RETRY: Duration = Duration::seconds(5);
const MAX_WAIT: Duration = Duration::hours(1);
/// The shortest wait, also when an answer says `Retry-After: 0`.
const MIN_WAIT: Duration = Duration::seconds(1);

/// A subscription this instance holds until `until`.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub account_id: String,
    pub account_slug: String,
    pub url: String,
    pub secret: String,
    pub delivered_seq: i64,
    until: NaiveDateTime,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub delivered: bool,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// The answer's `Retry-After`, as a wait from now.
    pub retry_after: Option<Duration>,
}

/// What the sender does after settling an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// The event is done with (delivered or given up): go on with the next one.
    Next,
    /// The event waits for its retry; the claim is released.
    Wait,
    /// Another instance holds the subscription now (this one's claim ran out): stop.
    Lost,
}

/// The earlier attempts at an event.
#[derive(Debug, Clone)]
pub struct Prior {
    pub attempts: i32,
    pub first_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
}

/// The wait before retry `attempts + 1`: 5 s, 10 s, 20 s, ... up to an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let seconds = FIRST_RETRY
        .num_seconds()
        .saturating_mul(2_i64.saturating_pow(doublings));
    Duration::seconds(seconds).min(MAX_WAIT)
}

/// When to try an event again after `attempts` failed attempts, the first at `first`: after the
/// back-off, or the answer's `Retry-After` when it gave one, never past 24 hours since `first`
/// (the last retry is at that instant). `None`: the 24 hours are over, give up.
pub fn next_attempt(
    attempts: i32,
    retry_after: Option<Duration>,
    first: NaiveDateTime,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let deadline = first + GIVE_UP_AFTER;
    if now >= deadline {
        return None;
    }
    let wait = retry_after
        .unwrap_or_else(|| backoff(attempts))
        .max(MIN_WAIT);
    Some((now + wait).min(deadline))
}

/// Claims one due subscription for this instance, or none.
pub fn claim(conn: &mut DbConnection) -> Result<Option<Claim>> {
    let now = clock::now();
    let due: Vec<String> = w::table
        .inner_join(s::table.on(s::account_id.eq(w::account_id)))
        .filter(s::last_seq.gt(w::delivered_seq))
        .filter(w::retry_at.is_null().or(w::retry_at.le(now)))
        .filter(w::claimed_until.is_null().or(w::claimed_until.lt(now)))
        .order((w::created_at, w::id))
        .limit(10)
        .select(w::id)
        .load(conn)?;
    let until = now + CLAIM;
    for id in due {
        let taken = diesel::update(
            w::table
                .find(&id)
                .filter(w::claimed_until.is_null().or(w::claimed_until.lt(now))),
        )
        .set(w::claimed_until.eq(Some(until)))
        .execute(conn)?;
        if taken != 1 {
            continue;
        }
        let (account_id, account_slug, url, secret, delivered_seq): (
            String,
            String,
            String,
            String,
            i64,
        ) = w::table
            .find(&id)
            .inner_join(accounts::table.on(accounts::id.eq(w::account_id)))
            .select((
                w::account_id,
                accounts::slug,
                w::url,
                w::secret,
                w::delivered_seq,
            ))
            .first(conn)?;
        return Ok(Some(Claim {
            id,
            account_id,
            account_slug,
            url,
            secret,
            delivered_seq,
            until,
        }));
    }
    Ok(None)
}

/// The subscription's next event and the earlier attempts at it, or `None` when it has caught
/// up. Events housekeeping purged before they were delivered are skipped (logged).
pub fn next(conn: &mut DbConnection, claim: &mut Claim) -> Result<Option<(Event, Option<Prior>)>> {
    let found = match events::after(conn, &claim.account_id, claim.delivered_seq, 1) {
        Err(DirectoryError::Invalid { field: "after", .. }) => {
            let purged: i64 = s::table
                .find(&claim.account_id)
                .select(s::purged_through)
                .first(conn)?;
            log::warn!(
                "webhook {}: events up to {purged} were purged before they were delivered",
                claim.id
            );
            let moved = crate::db::write(conn, |c| {
                diesel::update(
                    w::table
                        .find(&claim.id)
                        .filter(w::claimed_until.eq(claim.until))
                        .filter(w::delivered_seq.lt(purged)),
                )
                .set(w::delivered_seq.eq(purged))
                .execute(c)
            })?;
            if moved != 1 {
                return Ok(None);
            }
            claim.delivered_seq = purged;
            events::after(conn, &claim.account_id, purged, 1)?
        }
        other => other?,
    };
    let Some(event) = found.into_iter().next() else {
        return Ok(None);
    };
    let prior: Option<(i32, NaiveDateTime, Option<String>)> = d::table
        .filter(d::subscription_id.eq(&claim.id))
        .filter(d::seq.eq(event.seq))
        .select((d::attempts, d::first_attempt_at, d::last_error))
        .first(conn)
        .optional()?;
    Ok(Some((
        event,
        prior.map(|(attempts, first_attempt_at, last_error)| Prior {
            attempts,
            first_attempt_at,
            last_error,
        }),
    )))
}

/// Records an attempt at `event` (in the caller's write transaction) while the claim is still
/// this instance's: delivered, it moves the subscription past the event and renews the claim;
/// failed, it schedules the retry and releases the claim, or, 24 hours after the first
/// attempt, marks the delivery `failed` and moves past it. A delivery that got through after
/// failures keeps its last error in the log.
pub fn settle(
    conn: &mut DbConnection,
    claim: &mut Claim,
    event: &Event,
    prior: Option<&Prior>,
    outcome: &Outcome,
) -> Result<After> {
    let now = clock::now();
    let attempts = prior.map_or(0, |p| p.attempts) + 1;
    let first = prior.map_or(now, |p| p.first_attempt_at);
    let (status, retry_at) = match outcome.delivered {
        true => ("delivered", None),
        false => match next_attempt(attempts, outcome.retry_after, first, now) {
            Some(at) => ("delivering", Some(at)),
            None => ("failed", None),
        },
    };
    let renewed = now + CLAIM;
    let ours = w::table
        .find(&claim.id)
        .filter(w::claimed_until.eq(claim.until));
    let still_ours = match retry_at {
        None => diesel::update(ours.filter(w::delivered_seq.lt(event.seq)))
            .set((
                w::delivered_seq.eq(event.seq),
                w::retry_at.eq(None::<NaiveDateTime>),
                w::claimed_until.eq(Some(renewed)),
            ))
            .execute(conn)?,
        Some(at) => diesel::update(ours)
            .set((
                w::retry_at.eq(Some(at)),
                w::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    } == 1;
    if !still_ours {
        return Ok(After::Lost);
    }
    let last_status = outcome.status.map(i32::from);
    let last_error = match &outcome.error {
        Some(error) => Some(error.chars().take(500).collect::<String>()),
        None => prior.and_then(|p| p.last_error.clone()),
    };
    match prior {
        Some(_) => diesel::update(
            d::table
                .filter(d::subscription_id.eq(&claim.id))
                .filter(d::seq.eq(event.seq)),
        )
        .set((
            d::status.eq(status),
            d::attempts.eq(attempts),
            d::last_status.eq(last_status),
            d::last_error.eq(&last_error),
            d::last_attempt_at.eq(now),
            d::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)?,
        None => diesel::insert_into(d::table)
            .values((
                d::id.eq(uuid::Uuid::now_v7().to_string()),
                d::subscription_id.eq(&claim.id),
                d::account_id.eq(&claim.account_id),
                d::event_id.eq(&event.id),
                d::seq.eq(event.seq),
                d::event_type.eq(&event.event_type),
                d::status.eq(status),
                d::attempts.eq(attempts),
                d::last_status.eq(last_status),
                d::last_error.eq(&last_error),
                d::first_attempt_at.eq(now),
                d::last_attempt_at.eq(now),
                d::next_attempt_at.eq(retry_at),
            ))
            .execute(conn)?,
    };
    if status == "failed" {
        log::warn!(
            "webhook {}: gave up on event {} after {attempts} attempts in 24 hours",
            claim.id,
            event.id
        );
    }
    Ok(match retry_at {
        None => {
            claim.until = renewed;
            claim.delivered_seq = event.seq;
            After::Next
        }
        Some(_) => After::Wait,
    })
}

/// Gives the subscription back (it has caught up, or had its turn).
pub fn release(conn: &mut DbConnection, claim: &Claim) -> Result<()> {
    diesel::update(
        w::table
            .find(&claim.id)
            .filter(w::claimed_until.eq(claim.until)),
    )
    .set(w::claimed_until.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .expect("instant")
            .naive_utc()
    }

    #[test]
    fn retries_double_from_five_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=6).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160]);
        assert_eq!(backoff(40), Duration::hours(1));
    }

    #[test]
    fn retry_after_is_honoured_within_the_day_and_then_the_event_is_given_up() {
        let first = at(0);
        assert_eq!(next_attempt(1, None, first, at(0)), Some(at(5)));
        assert_eq!(
            next_attempt(1, Some(Duration::seconds(120)), first, at(0)),
            Some(at(120))
        );
        assert_eq!(
            next_attempt(1, Some(Duration::zero()), first, at(0)),
            Some(at(1))
        );
        let day = GIVE_UP_AFTER.num_seconds();
        assert_eq!(
            next_attempt(30, None, first, at(day - 10)),
            Some(at(day)),
            "the last retry is at the end of the 24 hours"
        );
        assert_eq!(
            next_attempt(2, Some(Duration::hours(48)), first, at(10)),
            Some(at(day))
        );
        assert_eq!(next_attempt(31, None, first, at(day)), None);
    }
}
