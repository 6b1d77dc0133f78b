//! One webhook message over HTTP: the event as JSON, signed as the Standard Webhooks
//! specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`) by the
//! specification's own `standardwebhooks` crate, with a fresh timestamp on every attempt
//! (receivers refuse signatures older than five minutes). The client connects only to
//! addresses `directory::webhooks::resolve` allows, follows no redirect and gives up after
//! ten seconds.

use std::time::Duration as StdDuration;

use chrono::Duration;
use standardwebhooks::Webhook;

use super::queue::{Claim, Outcome};
use crate::directory::events::Event;
use crate::directory::{clock, webhooks};

/// Longest an attempt may take, connecting included.
const TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// The HTTP client of one sender thread.
pub fn agent(allow_private: bool) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .resolver(move |netloc: &str| webhooks::resolve(netloc, allow_private))
        .timeout_connect(TIMEOUT)
        .timeout(TIMEOUT)
        .redirects(0)
        .user_agent(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The message body: the event as the change feed publishes it, and the account's slug (one
/// endpoint may be subscribed to several accounts).
pub fn body(event: &Event, account_slug: &str) -> String {
    let mut value = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("account".into(), account_slug.into());
    }
    value.to_string()
}

fn failed(status: Option<u16>, error: String) -> Outcome {
    Outcome {
        delivered: false,
        status,
        error: Some(error),
        retry_after: None,
    }
}

/// One attempt at delivering `event` to the claimed subscription.
pub fn deliver(agent: &ureq::Agent, claim: &Claim, event: &Event, allow_private: bool) -> Outcome {
    // The URL's rules again (the setting may have changed since it was added); its addresses
    // are checked by the agent's resolver as it connects.
    if let Err(error) = webhooks::target(&claim.url, allow_private) {
        return failed(None, error.to_string());
    }
    let signer = match Webhook::new(&claim.secret) {
        Ok(signer) => signer,
        Err(error) => return failed(None, format!("the signing secret is unusable: {error}")),
    };
    let payload = body(event, &claim.account_slug);
    let timestamp = clock::now().and_utc().timestamp();
    let signature = match signer.sign(&event.id, timestamp, payload.as_bytes()) {
        Ok(signature) => signature,
        Err(error) => return failed(None, format!("cannot sign: {error}")),
    };
    let answer = agent
        .post(&claim.url)
        .set("Content-Type", "application/json")
        .set("webhook-id", &event.id)
        .set("webhook-timestamp", &timestamp.to_string())
        .set("webhook-signature", &signature)
        .send_string(&payload);
    match answer {
        Ok(response) if (200..300).contains(&response.status()) => Outcome {
            delivered: true,
            status: Some(response.status()),
            error: None,
            retry_after: None,
        },
        Ok(response) => {
            // ureq answers 1xx and 3xx here (redirects are not followed).
            let status = response.status();
            Outcome {
                retry_after: retry_after(response.header("Retry-After")),
                ..failed(
                    Some(status),
                    format!("answered {status} (redirects are not followed)"),
                )
            }
        }
        Err(ureq::Error::Status(status, response)) => Outcome {
            retry_after: retry_after(response.header("Retry-After")),
            ..failed(Some(status), format!("answered {status}"))
        },
        Err(ureq::Error::Transport(transport)) => failed(None, transport.to_string()),
    }
}

/// A `Retry-After` value, seconds or an HTTP date, as a wait from now (never negative).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(Duration::seconds(i64::from(seconds)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.naive_utc() - clock::now();
    Some(wait.max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(retry_after(Some("1")), Some(Duration::seconds(1)));
        assert_eq!(retry_after(Some(" 120 ")), Some(Duration::seconds(120)));
        assert_eq!(retry_after(None), None);
        assert_eq!(retry_after(Some("soon")), None);
        assert_eq!(
            retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::zero()),
            "a date in the past is now"
        );
        let later = (clock::now() + Duration::minutes(10))
            .and_utc()
            .to_rfc2822();
        let wait = retry_after(Some(&later)).expect("a date");
        assert!(wait > Duration::minutes(9) && wait <= Duration::minutes(10));
    }
}
