//! Webhook delivery: a few sender threads on every instance take turns at the subscriptions
//! that are due (`queue`: claimed rows in the store, never an in-memory queue) and post their
//! events one at a time, in feed order, signed (`send`). On a 2xx the subscription moves on to
//! the next event; otherwise the event is retried with exponential back-off (5 s, 10 s, 20 s,
//! ... up to an hour, or the answer's `Retry-After`) for 24 hours after its first attempt, and
//! then given up (`failed` in the delivery log) so the subscription goes on. Events are rows
//! the writer's transaction made: SCIM and sign-in never wait for a webhook, and one endpoint
//! that never answers holds one thread for ten seconds at a time, not the others.

pub mod queue;
pub mod send;

use std::time::Duration;

use queue::After;

use crate::db::{self, Db};
use crate::directory::Result;

/// Sender threads per instance.
pub const THREADS: usize = 4;
/// How often an idle thread looks for due subscriptions.
const EVERY: Duration = Duration::from_secs(1);
/// Events one subscription sends in a turn before the thread looks at the others.
const TURN: usize = 100;

pub fn start(db: Db, allow_private: bool) -> std::io::Result<()> {
    for n in 0..THREADS {
        let db = db.clone();
        std::thread::Builder::new()
            .name(format!("webhooks-{n}"))
            .spawn(move || {
                // Staggered, so idle threads do not poll the store together.
                std::thread::sleep(EVERY * n as u32 / THREADS as u32);
                let agent = send::agent(allow_private);
                loop {
                    match turn(&db, &agent, allow_private) {
                        Ok(true) => continue,
                        Ok(false) => {}
                        Err(error) => log::warn!("webhooks: {error}"),
                    }
                    std::thread::sleep(EVERY);
                }
            })?;
    }
    Ok(())
}

/// Claims one due subscription and sends its events until it has caught up, an event has to
/// wait for a retry, or its turn is over. No connection is held while a request is in flight.
/// Answers whether it sent anything.
fn turn(db: &Db, agent: &ureq::Agent, allow_private: bool) -> Result<bool> {
    let Some(mut claim) = db::write(&mut *db.conn()?, queue::claim)? else {
        return Ok(false);
    };
    let mut sent = false;
    for _ in 0..TURN {
        let Some((event, prior)) = queue::next(&mut *db.conn()?, &mut claim)? else {
            break;
        };
        let outcome = send::deliver(agent, &claim, &event, allow_private);
        sent = true;
        if let Some(error) = &outcome.error {
            log::warn!(
                "webhook {} to {}: event {} attempt {} failed: {error}",
                claim.id,
                claim.url,
                event.id,
                prior.as_ref().map_or(1, |p| p.attempts + 1)
            );
        }
        match db::write(&mut *db.conn()?, |c| {
            queue::settle(c, &mut claim, &event, prior.as_ref(), &outcome)
        })? {
            After::Next => continue,
            After::Wait | After::Lost => return Ok(true),
        }
    }
    db::write(&mut *db.conn()?, |c| queue::release(c, &claim))?;
    Ok(sent)
}
