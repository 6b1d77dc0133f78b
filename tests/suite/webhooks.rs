//! Webhooks: an application's endpoint receives the account's change events, one per message,
//! signed as Standard Webhooks describes (checked here with the `standardwebhooks` crate; the
//! npm library judges from outside in scripts/webhook-judge.sh), in feed order, at least once,
//! retried with back-off and Retry-After, given up after 24 hours; from any one instance at a
//! time; never to loopback, private or link-local addresses unless allowed; and never in the
//! way of SCIM. Receivers are small HTTP servers on loopback ports in the test.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use gatehouse::auth::scim_tokens;
use gatehouse::db::schema::{webhook_deliveries, webhook_subscriptions};
use gatehouse::db::{self, Db};
use gatehouse::directory::webhooks::{self, Delivery};
use gatehouse::directory::{audit, events};
use gatehouse::oidc::clients::{self, NewClient};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use standardwebhooks::Webhook;

use crate::helpers::admin::{setup_admin, signed_in};
use crate::helpers::api::register_hr_client;
use crate::helpers::processes::Server;
use crate::helpers::scim::entra_user;
use crate::helpers::{
    Domain, TestStore, create_account, gatehouse_bin, location, person, run_cli, scim,
    spawn_app_with, stderr_of, system,
};

/// How the receiver answers one request.
#[derive(Clone, Debug)]
enum Reply {
    /// This status, with this Retry-After.
    Status(u16, Option<&'static str>),
    /// Tells the test the request is here, waits until the test releases it, then answers
    /// this status, with this Retry-After.
    Hold(u16, Option<&'static str>),
    /// Reads the request and never answers, holding the connection open.
    Hang,
}

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
    answered: Option<u16>,
}

impl Received {
    fn id(&self) -> String {
        header(&self.headers, "webhook-id")
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// An HTTP endpoint on a loopback port that answers as scripted, then `default`.
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    /// Hanging connections the sender has closed.
    hangs_closed: Arc<AtomicUsize>,
    default: Arc<Mutex<Reply>>,
    arrived: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
}

impl Receiver {
    fn start(script: Vec<Reply>, default: Reply) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a receiver");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let hangs_closed = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let default = Arc::new(Mutex::new(default));
        let (arrived_tx, arrived) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        {
            let (received, connections, hangs_closed, script, default) = (
                received.clone(),
                connections.clone(),
                hangs_closed.clone(),
                script.clone(),
                default.clone(),
            );
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (received, hangs_closed, script, default, arrived, release) = (
                        received.clone(),
                        hangs_closed.clone(),
                        script.clone(),
                        default.clone(),
                        arrived_tx.clone(),
                        release_rx.clone(),
                    );
                    std::thread::spawn(move || {
                        serve(
                            stream,
                            &received,
                            &hangs_closed,
                            &script,
                            &default,
                            &arrived,
                            &release,
                        )
                    });
                }
            });
        }
        Receiver {
            port,
            received,
            connections,
            hangs_closed,
            default,
            arrived,
            release,
        }
    }

    /// Always 200.
    fn accepting() -> Receiver {
        Receiver::start(vec![], Reply::Status(200, None))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/gatehouse", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The event ids answered with a 2xx, in the order they came.
    fn acknowledged(&self) -> Vec<String> {
        self.received()
            .iter()
            .filter(|r| r.answered.is_some_and(|s| (200..300).contains(&s)))
            .map(Received::id)
            .collect()
    }

    fn answer_from_now(&self, reply: Reply) {
        *self.default.lock().expect("lock") = reply;
    }

    /// Waits (without blocking the server's runtime) until a held request is here.
    async fn held(&self) {
        until("a held request", || self.arrived.try_recv().ok()).await;
    }

    fn let_go(&self) {
        self.release.send(()).expect("release");
    }
}

fn serve(
    mut stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    hangs_closed: &AtomicUsize,
    script: &Mutex<VecDeque<Reply>>,
    default: &Mutex<Reply>,
    arrived: &mpsc::Sender<()>,
    release: &Mutex<mpsc::Receiver<()>>,
) {
    let Some((headers, body)) = read_request(&mut stream) else {
        return;
    };
    let reply = script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| default.lock().expect("lock").clone());
    let index = {
        let mut all = received.lock().expect("lock");
        all.push(Received {
            headers,
            body,
            answered: None,
        });
        all.len() - 1
    };
    let (status, retry_after) = match reply {
        Reply::Status(status, retry_after) => (status, retry_after),
        Reply::Hold(status, retry_after) => {
            let _ = arrived.send(());
            let _ = release.lock().expect("lock").recv();
            (status, retry_after)
        }
        Reply::Hang => {
            let _ = arrived.send(());
            let mut sink = [0u8; 256];
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            hangs_closed.fetch_add(1, Ordering::SeqCst);
            return;
        }
    };
    received.lock().expect("lock")[index].answered = Some(status);
    let extra = retry_after
        .map(|r| format!("Retry-After: {r}\r\n"))
        .unwrap_or_default();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Scripted\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

fn read_request(stream: &mut TcpStream) -> Option<(HeaderMap, String)> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let mut headers = HeaderMap::new();
    for line in head.lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            headers.append(
                HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
                HeaderValue::from_str(value.trim()).ok()?,
            );
        }
    }
    let length: usize = header(&headers, "content-length").parse().unwrap_or(0);
    let mut body = data[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, String::from_utf8_lossy(&body).into_owned()))
}

/// Polls `check` until it answers, giving up (failing) after a minute: a guard against a
/// test that would wait forever, not a measure of speed.
async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "still waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The account's feed: event ids in order.
fn feed(db: &Db, account_id: &str) -> Vec<String> {
    let mut conn = db.conn().expect("connection");
    events::after(&mut conn, account_id, 0, 1000)
        .expect("feed")
        .into_iter()
        .map(|e| e.id)
        .collect()
}

fn log_of(db: &Db, account_id: &str) -> Vec<Delivery> {
    let mut conn = db.conn().expect("connection");
    webhooks::deliveries(&mut conn, account_id, 1000).expect("delivery log")
}

fn delivery(db: &Db, account_id: &str, event_id: &str) -> Option<Delivery> {
    log_of(db, account_id)
        .into_iter()
        .find(|d| d.event_id == event_id)
}

/// Checks a message as a receiver would, with the Standard Webhooks library.
fn verify(secret: &str, message: &Received) {
    Webhook::new(secret)
        .expect("secret")
        .verify(message.body.as_bytes(), &message.headers)
        .unwrap_or_else(|e| panic!("signature of {} does not verify: {e}", message.id()));
}

fn subscribe(
    db: &Db,
    client_id: &str,
    account_id: &str,
    url: &str,
) -> (webhooks::Subscription, String) {
    let url = webhooks::check_url(url, true).expect("a URL");
    let mut conn = db.conn().expect("connection");
    db::write(&mut conn, |c| {
        webhooks::add(c, client_id, account_id, &url, &system())
    })
    .expect("subscription")
}

fn confidential_client(db: &Db, name: &str, accounts: &[&str]) -> String {
    let new = NewClient {
        name: name.into(),
        public: false,
        redirect_uris: vec!["https://hr.example.test/callback".into()],
        post_logout_uris: vec![],
        backchannel_logout_uri: None,
        accounts: accounts.iter().map(|s| (*s).to_owned()).collect(),
    };
    let mut conn = db.conn().expect("connection");
    db::write(&mut conn, |c| clients::create(c, &new))
        .expect("client")
        .0
        .id
}

#[actix_web::test]
async fn every_event_arrives_signed_in_order_after_failures_with_back_off_and_retry_after() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = true).await;
    let account = create_account(&app.db, "acme");
    let (client_id, _) = register_hr_client(&app, &["acme"]);
    let receiver = Receiver::start(
        vec![
            Reply::Status(500, None),
            Reply::Hold(429, Some("1")),
            Reply::Hold(200, None),
        ],
        Reply::Status(200, None),
    );
    let (subscription, secret) = subscribe(&app.db, &client_id, &account.id, &receiver.url());
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(subscription.delivered_seq, 0);

    for name in ["ann@acme.com", "bob@acme.com", "carl@acme.com"] {
        app.provision(&account.id, name);
    }
    let feed = feed(&app.db, &account.id);
    assert!(feed.len() >= 3, "{feed:?}");
    let first = feed[0].clone();

    // The first attempt failed (500); the second is on hold: the log shows the failure, and
    // the retry was due 5 seconds after it.
    receiver.held().await;
    let row = delivery(&app.db, &account.id, &first).expect("a log row");
    assert_eq!(
        (row.status.as_str(), row.attempts, row.last_status),
        ("delivering", 1, Some(500))
    );
    assert_eq!(row.last_error.as_deref(), Some("answered 500"));
    assert_eq!(row.event_type, "employee.created");
    assert_eq!(row.url, receiver.url());
    let wait = row.next_attempt_at.expect("a retry") - row.last_attempt_at;
    assert_eq!(
        wait,
        chrono::Duration::seconds(5),
        "first retry within 10 s"
    );
    let state = {
        let mut conn = app.db.conn().expect("connection");
        webhooks::get(&mut conn, &subscription.id)
            .expect("subscription")
            .state()
    };
    assert!(
        state.starts_with(&format!("retrying event {} after 1 failed", row.seq)),
        "{state}"
    );
    receiver.let_go();

    // The second answered 429 with Retry-After: 1, honoured instead of the 10 s back-off.
    receiver.held().await;
    let row = delivery(&app.db, &account.id, &first).expect("a log row");
    assert_eq!((row.attempts, row.last_status), (2, Some(429)));
    let wait = row.next_attempt_at.expect("a retry") - row.last_attempt_at;
    assert_eq!(wait, chrono::Duration::seconds(1), "Retry-After: 1");
    receiver.let_go();

    let acknowledged = until("every event acknowledged", || {
        let acked = receiver.acknowledged();
        (acked.len() >= feed.len()).then_some(acked)
    })
    .await;
    assert_eq!(acknowledged, feed, "in feed order, each once");

    let received = receiver.received();
    assert!(
        received[..3].iter().all(|r| r.id() == first),
        "the first event is retried before any other is sent"
    );
    for message in &received {
        verify(&secret, message);
        assert_eq!(header(&message.headers, "content-type"), "application/json");
        assert!(header(&message.headers, "webhook-signature").starts_with("v1,"));
        let body: Value = serde_json::from_str(&message.body).expect("JSON");
        assert_eq!(
            body["id"],
            message.id().as_str(),
            "webhook-id is the event id"
        );
        assert_eq!(body["account"], "acme");
        for field in ["type", "occurred_at", "source", "subject", "data"] {
            assert!(!body[field].is_null(), "{field} in {body}");
        }
    }
    let bodies: Vec<&str> = received[..3].iter().map(|r| r.body.as_str()).collect();
    assert!(bodies.iter().all(|b| *b == bodies[0]), "the same message");

    let log = until("the log to settle", || {
        let log = log_of(&app.db, &account.id);
        (log.len() == feed.len() && log.iter().all(|d| d.status == "delivered")).then_some(log)
    })
    .await;
    let row = log.iter().find(|d| d.event_id == first).expect("row");
    assert_eq!((row.attempts, row.last_status), (3, Some(200)));
    assert_eq!(
        row.last_error.as_deref(),
        Some("answered 429"),
        "what went wrong before it got through"
    );
    assert_eq!(row.next_attempt_at, None);
    assert!(
        log.iter()
            .filter(|d| d.event_id != first)
            .all(|d| d.attempts == 1)
    );
    let mut conn = app.db.conn().expect("connection");
    let after = webhooks::get(&mut conn, &subscription.id).expect("subscription");
    assert_eq!(after.delivered_seq, feed.len() as i64);
    assert_eq!(after.state(), "up to date");
}

#[actix_web::test]
async fn after_24_hours_of_failures_an_event_is_given_up_and_the_next_one_goes() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = true).await;
    let account = create_account(&app.db, "acme");
    let (client_id, _) = register_hr_client(&app, &["acme"]);
    let receiver = Receiver::start(vec![], Reply::Status(503, None));
    let (subscription, _) = subscribe(&app.db, &client_id, &account.id, &receiver.url());
    app.provision(&account.id, "ann@acme.com");
    app.provision(&account.id, "bob@acme.com");
    let feed = feed(&app.db, &account.id);
    let (first, second) = (feed[0].clone(), feed[1].clone());

    until("a first failed attempt", || {
        delivery(&app.db, &account.id, &first).filter(|d| d.attempts == 1)
    })
    .await;
    // As if that attempt had been a day ago, and its retry due now.
    let day_ago = gatehouse::directory::clock::now() - chrono::Duration::hours(25);
    app.write(|c| {
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::event_id.eq(&first)))
            .set(webhook_deliveries::first_attempt_at.eq(day_ago))
            .execute(c)?;
        diesel::update(webhook_subscriptions::table.find(&subscription.id))
            .set(webhook_subscriptions::retry_at.eq(Some(gatehouse::directory::clock::now())))
            .execute(c)?;
        Ok(())
    })
    .expect("backdated");

    let given_up = until("the event given up", || {
        delivery(&app.db, &account.id, &first).filter(|d| d.status == "failed")
    })
    .await;
    assert_eq!(given_up.attempts, 2);
    assert_eq!(given_up.last_status, Some(503));
    assert_eq!(given_up.next_attempt_at, None);

    // The subscription went on with the next event; it gets through once the endpoint is back.
    until("the next event attempted", || {
        delivery(&app.db, &account.id, &second)
    })
    .await;
    receiver.answer_from_now(Reply::Status(204, None));
    until("the next event delivered", || {
        delivery(&app.db, &account.id, &second).filter(|d| d.status == "delivered")
    })
    .await;
    let order: Vec<String> = receiver.received().iter().map(Received::id).collect();
    let last_of_first = order.iter().rposition(|id| *id == first).expect("first");
    let first_of_second = order.iter().position(|id| *id == second).expect("second");
    assert!(last_of_first < first_of_second, "{order:?}");

    // Housekeeping can purge settled deliveries; one still being retried would stay.
    let later = gatehouse::directory::clock::now() + chrono::Duration::seconds(1);
    let purged = app
        .write(|c| webhooks::purge_deliveries(c, later))
        .expect("purge");
    assert_eq!(purged, 2);
    assert!(log_of(&app.db, &account.id).is_empty());
}

#[actix_web::test]
async fn webhook_urls_must_be_https_and_public_unless_private_addresses_are_allowed() {
    let domain = Domain::new();
    let client = confidential_client(&domain.db, "HR application", &[]);
    let add = |url: &str, allow_private: bool| {
        let url = webhooks::check_url(url, allow_private)?;
        domain.write(|c| webhooks::add(c, &client, &domain.account.id, &url, &system()))
    };
    for url in [
        "http://hr.example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://127.0.0.1:8443/hooks",
        "https://10.1.2.3/hooks",
        "https://172.16.5.4/hooks",
        "https://192.168.1.20/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "https://[::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[::ffff:169.254.169.254]/hooks",
        "https://localhost/hooks",
        "https://localhost:8443/hooks",
        "https://user:secret@hr.example.com/hooks",
    ] {
        let error = add(url, false).expect_err(url).to_string();
        assert!(error.starts_with("url: "), "{url}: {error}");
    }
    let error = add("https://169.254.169.254/latest/meta-data/", false)
        .expect_err("metadata service")
        .to_string();
    assert!(
        error.contains("link-local") && error.contains("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1"),
        "{error}"
    );
    assert!(
        add("http://127.0.0.1:9/hooks", false)
            .expect_err("http")
            .to_string()
            .contains("https://")
    );

    // Allowed for tests and closed networks (nothing is sent: no server runs here).
    for url in [
        "http://127.0.0.1:9/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/hooks",
        "https://[::1]/hooks",
        "http://localhost:9/hooks",
    ] {
        let (subscription, secret) = add(url, true).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(secret.starts_with("whsec_"));
        assert_eq!(subscription.client_name, "HR application");
    }
    // Once per client, account and URL (as stored: host lower-cased, default port dropped).
    assert!(add("http://LOCALHOST:9/hooks", true).is_err());
}

#[actix_web::test]
async fn only_a_confidential_client_that_serves_the_account_may_subscribe_and_changes_are_audited()
{
    let domain = Domain::new();
    let account_id = domain.account.id.clone();
    let other = create_account(&domain.db, "globex");
    let only_globex = confidential_client(&domain.db, "Globex HR", &["globex"]);
    let public = domain
        .write(|c| {
            clients::create(
                c,
                &NewClient {
                    name: "HR mobile".into(),
                    public: true,
                    redirect_uris: vec!["http://127.0.0.1/cb".into()],
                    post_logout_uris: vec![],
                    backchannel_logout_uri: None,
                    accounts: vec![],
                },
            )
        })
        .expect("public client")
        .0
        .id;
    let serving = confidential_client(&domain.db, "HR application", &["acme"]);
    let url = "http://127.0.0.1:9/hooks";
    let checked = webhooks::check_url(url, true).expect("allowed");
    let add =
        |client: &str| domain.write(|c| webhooks::add(c, client, &account_id, &checked, &system()));
    let error = add(&only_globex)
        .expect_err("does not serve acme")
        .to_string();
    assert!(error.contains("does not serve this account"), "{error}");
    let error = add(&public).expect_err("public").to_string();
    assert!(error.contains("public client"), "{error}");
    assert!(matches!(
        add("no-such-client"),
        Err(gatehouse::directory::DirectoryError::NotFound { what: "client" })
    ));
    let eligible = domain
        .write(|c| webhooks::eligible_clients(c, &account_id))
        .expect("clients");
    assert_eq!(
        eligible,
        vec![(serving.clone(), "HR application".to_owned())]
    );

    let (subscription, _) = add(&serving).expect("subscribed");
    assert!(add(&serving).is_err(), "once per client, account and URL");
    // A webhook of acme cannot be removed as globex's.
    assert!(
        domain
            .write(|c| webhooks::remove(c, &subscription.id, Some(&other.id), &system()))
            .is_err()
    );
    domain
        .write(|c| webhooks::remove(c, &subscription.id, Some(&account_id), &system()))
        .expect("removed");
    let trail = domain
        .write(|c| audit::recent(c, &account_id, 10))
        .expect("trail");
    let actions: Vec<&str> = trail.iter().map(|t| t.action.as_str()).collect();
    assert_eq!(actions, ["webhook_removed", "webhook_added"]);
    assert_eq!(trail[1].detail, format!("HR application: {url}"));
}

#[actix_web::test]
async fn an_address_refused_at_delivery_is_never_connected_to() {
    // Added while private addresses were allowed (or a name that resolved elsewhere then):
    // the server, without the setting, checks the address again as it connects.
    let app = spawn_app_with(|_| {}).await;
    let account = create_account(&app.db, "acme");
    let (client_id, _) = register_hr_client(&app, &["acme"]);
    let receiver = Receiver::accepting();
    let url = format!("https://127.0.0.1:{}/hooks", receiver.port);
    subscribe(&app.db, &client_id, &account.id, &url);
    app.provision(&account.id, "ann@acme.com");
    let row = until("a refused attempt", || {
        log_of(&app.db, &account.id).into_iter().next()
    })
    .await;
    let error = row.last_error.unwrap_or_default();
    assert!(
        error.contains("loopback") && error.contains("127.0.0.1"),
        "{error}"
    );
    assert_eq!((row.status.as_str(), row.last_status), ("delivering", None));
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn an_endpoint_that_never_answers_holds_up_neither_scim_nor_other_webhooks() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = true).await;
    let account = create_account(&app.db, "acme");
    let token = app
        .write(|c| scim_tokens::issue(c, &account.id, &system()))
        .expect("token");
    let dead = Receiver::start(vec![], Reply::Hang);
    let alive = Receiver::accepting();
    let (dead_client, _) = register_hr_client(&app, &["acme"]);
    let (alive_client, _) = register_hr_client(&app, &["acme"]);
    subscribe(&app.db, &dead_client, &account.id, &dead.url());
    let (_, secret) = subscribe(&app.db, &alive_client, &account.id, &alive.url());

    app.provision(&account.id, "ann@acme.com");
    dead.held().await;
    // While the sender waits on the dead endpoint: SCIM answers, and the other endpoint gets
    // both events (the provisioning above and this SCIM create).
    let (status, body) = app
        .scim(
            &token,
            "POST",
            "/Users",
            Some(entra_user("bob@acme.com", "e-bob")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        dead.hangs_closed.load(Ordering::SeqCst),
        0,
        "SCIM answered while the webhook request was still open"
    );
    let events = feed(&app.db, &account.id);
    until("the live endpoint to get every event", || {
        (alive.acknowledged() == events).then_some(())
    })
    .await;
    assert_eq!(
        dead.hangs_closed.load(Ordering::SeqCst),
        0,
        "the live endpoint was served while the dead one still held its connection"
    );
    for message in alive.received() {
        verify(&secret, &message);
    }
}

#[actix_web::test]
async fn two_instances_on_one_store_deliver_each_event_once_in_order() {
    let store = TestStore::new();
    let db = store.open();
    let account = create_account(&db, "acme");
    let client = confidential_client(&db, "HR application", &["acme"]);
    let receiver = Receiver::accepting();
    let (subscription, secret) = subscribe(&db, &client, &account.id, &receiver.url());
    let allow = [("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", "1")];
    let (_a, _b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start_with(&store.url, &allow));
        let b = s.spawn(|| Server::start_with(&store.url, &allow));
        (a.join().expect("A"), b.join().expect("B"))
    });

    // Changes in rounds, so both instances compete for the subscription again and again.
    let mut conn = db.conn().expect("connection");
    for round in 0..4 {
        for n in 0..5 {
            db::write(&mut conn, |c| {
                gatehouse::directory::lifecycle::provision(
                    c,
                    &account.id,
                    person(&format!("p{round}-{n}@acme.com")),
                    true,
                    &scim(),
                )
            })
            .expect("provision");
        }
        let expected = feed(&db, &account.id);
        until("the round delivered and released", || {
            let (delivered, claimed): (i64, Option<chrono::NaiveDateTime>) =
                webhook_subscriptions::table
                    .find(&subscription.id)
                    .select((
                        webhook_subscriptions::delivered_seq,
                        webhook_subscriptions::claimed_until,
                    ))
                    .first(&mut conn)
                    .expect("subscription");
            (delivered == expected.len() as i64 && claimed.is_none()).then_some(())
        })
        .await;
    }
    // Caught up and no claim held: nothing can be in flight any more.
    let expected = feed(&db, &account.id);
    assert_eq!(expected.len(), 20);
    let ids: Vec<String> = receiver.received().iter().map(Received::id).collect();
    assert_eq!(ids, expected, "each event once, in feed order");
    for message in receiver.received() {
        verify(&secret, &message);
    }
    assert!(
        log_of(&db, &account.id)
            .iter()
            .all(|d| d.attempts == 1 && d.status == "delivered")
    );
}

fn gatehouse(store_url: &str, allow_private: bool, args: &[&str]) -> std::process::Output {
    Command::new(gatehouse_bin())
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", store_url)
        .env(
            "GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE",
            if allow_private { "1" } else { "0" },
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("run gatehouse")
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[actix_web::test]
async fn the_command_line_adds_lists_and_removes_webhooks_and_export_leaves_their_secrets_behind() {
    let store = TestStore::new();
    let url = store.url.clone();
    assert!(
        run_cli(&url, &["account", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let created = run_cli(
        &url,
        &[
            "client",
            "create",
            "HR application",
            "--redirect-uri",
            "https://hr.example.test/callback",
        ],
    );
    assert!(created.status.success(), "{}", stderr_of(&created));
    let client_id = stdout_of(&created)
        .lines()
        .find_map(|l| l.strip_prefix("client_id="))
        .expect("client_id")
        .to_owned();
    let add = |allow: bool, client: &str, account: &str, hook: &str| {
        gatehouse(
            &url,
            allow,
            &[
                "client",
                "webhook",
                "add",
                client,
                "--account",
                account,
                "--url",
                hook,
            ],
        )
    };

    for (hook, says) in [
        ("http://hr.example.test/hooks", "https://"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://10.0.0.7/hooks", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://[::1]/hooks", "loopback"),
        (
            "https://localhost/hooks",
            "GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1",
        ),
    ] {
        let refused = add(false, &client_id, "acme", hook);
        assert_eq!(refused.status.code(), Some(1), "{hook}");
        assert!(
            stderr_of(&refused).contains(says),
            "{hook}: {}",
            stderr_of(&refused)
        );
        assert!(stdout_of(&refused).is_empty());
    }
    let refused = add(true, "no-such-client", "acme", "http://127.0.0.1:9/hooks");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_of(&refused).contains("no client with the id \"no-such-client\""));
    let refused = add(true, &client_id, "nowhere", "http://127.0.0.1:9/hooks");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_of(&refused).contains("no account with the slug \"nowhere\""));

    let added = add(true, &client_id, "acme", "http://127.0.0.1:9/hooks");
    assert!(added.status.success(), "{}", stderr_of(&added));
    let secret = stdout_of(&added);
    assert_eq!(secret.lines().count(), 1, "only the secret on stdout");
    let secret = secret.trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(Webhook::new(&secret).is_ok());

    let listed = stdout_of(&run_cli(&url, &["client", "webhook", "list"]));
    let line: Vec<&str> = listed.trim().split('\t').collect();
    assert_eq!(line.len(), 7, "{listed}");
    let id = line[0].to_owned();
    assert_eq!(
        (line[1], line[2], line[3], line[6]),
        (
            client_id.as_str(),
            "acme",
            "http://127.0.0.1:9/hooks",
            "up to date"
        )
    );
    assert!(
        line[5].parse::<i64>().is_ok(),
        "delivered up to: {}",
        line[5]
    );
    assert!(!listed.contains("whsec_"), "the secret is shown once");
    assert_eq!(
        stdout_of(&run_cli(&url, &["client", "webhook", "list", &client_id])),
        listed
    );
    let unknown = run_cli(&url, &["client", "webhook", "list", "no-such-client"]);
    assert_eq!(unknown.status.code(), Some(1));

    // The export carries neither the subscription nor its signing secret.
    let file = store.dir.path().join("export.jsonl");
    let exported = run_cli(&url, &["export", file.to_str().expect("path")]);
    assert!(exported.status.success(), "{}", stderr_of(&exported));
    let text = std::fs::read_to_string(&file).expect("export");
    assert!(!text.contains("whsec_") && !text.contains(&secret[6..]));
    assert!(!text.contains("webhook_subscriptions") && !text.contains("webhook_deliveries"));

    let removed = run_cli(&url, &["client", "webhook", "remove", &id]);
    assert!(removed.status.success(), "{}", stderr_of(&removed));
    assert!(stdout_of(&run_cli(&url, &["client", "webhook", "list"])).is_empty());
    let again = run_cli(&url, &["client", "webhook", "remove", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr_of(&again).contains("no webhook with the id"));

    let db = store.open();
    let mut conn = db.conn().expect("connection");
    let account = gatehouse::directory::accounts::by_slug(&mut conn, "acme").expect("acme");
    let trail = audit::recent(&mut conn, &account.id, 10).expect("trail");
    let lines: Vec<(&str, &str)> = trail
        .iter()
        .map(|t| (t.action.as_str(), t.actor_name.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("webhook_removed", "command line"),
            ("webhook_added", "command line")
        ]
    );
}

#[actix_web::test]
async fn the_integration_page_adds_and_removes_webhooks_and_the_logs_page_shows_deliveries() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = true).await;
    let account = create_account(&app.db, "acme");
    let admin = setup_admin(&app, &account);
    let browser = signed_in(&app, &account, &admin);
    let globex = create_account(&app.db, "globex");
    let client = confidential_client(&app.db, "HR application", &["acme"]);
    confidential_client(&app.db, "Globex payroll", &["globex"]);
    let receiver = Receiver::accepting();

    let page = app.get_in(&browser, "/admin/integration").await;
    let html = page.text().await.expect("html");
    assert!(html.contains("<h2>Webhooks</h2>") && html.contains("No webhook yet."));
    assert!(html.contains(&format!(
        r#"<option value="{client}">HR application</option>"#
    )));
    assert!(!html.contains("Globex payroll"), "serves another account");

    let refused = app
        .submit_in(
            &browser,
            "/admin/integration",
            "/admin/integration/webhooks",
            &[
                ("client_id", &client),
                ("url", "ftp://hr.example.test/hooks"),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(refused.text().await.expect("html").contains("https://"));

    let added = app
        .submit_in(
            &browser,
            "/admin/integration",
            "/admin/integration/webhooks",
            &[("client_id", &client), ("url", &receiver.url())],
        )
        .await;
    assert_eq!(added.status().as_u16(), 200);
    let html = added.text().await.expect("html");
    let secret = html
        .split(r#"id="v-webhook-secret" class="wrap">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret, shown once")
        .replace("&#x2F;", "/");
    assert!(secret.starts_with("whsec_"), "{secret}");

    let html = app
        .get_in(&browser, "/admin/integration")
        .await
        .text()
        .await
        .expect("html");
    assert!(!html.contains("whsec_"), "not shown again");
    let url_in_html = receiver.url().replace('/', "&#x2F;");
    assert!(html.contains(&url_in_html) && html.contains("up to date"));
    assert!(html.contains("webhook added"), "in the recent changes");

    let ann = app.provision(&account.id, "ann@acme.com");
    let message = until("the event", || receiver.received().into_iter().next()).await;
    verify(&secret, &message);
    let body: Value = serde_json::from_str(&message.body).expect("JSON");
    assert_eq!(body["subject"]["id"], ann.id.as_str());
    until("the delivery settled", || {
        log_of(&app.db, &account.id)
            .into_iter()
            .find(|d| d.status == "delivered")
    })
    .await;

    let logs = app
        .get_in(&browser, "/admin/logs?log=webhooks")
        .await
        .text()
        .await
        .expect("html");
    assert!(logs.contains("Webhook deliveries"), "{logs}");
    for shown in [
        "employee.created",
        message.id().as_str(),
        url_in_html.as_str(),
        "delivered",
        "HTTP 200",
    ] {
        assert!(logs.contains(shown), "{shown} on the logs page");
    }

    // Another account's webhook is not there for this admin.
    let theirs = confidential_client(&app.db, "Shared HR", &[]);
    let (globex_hook, _) = subscribe(&app.db, &theirs, &globex.id, &receiver.url());
    let other = app
        .submit_in(
            &browser,
            "/admin/integration",
            &format!("/admin/integration/webhooks/{}/remove", globex_hook.id),
            &[],
        )
        .await;
    assert_eq!(other.status().as_u16(), 404);

    let id = {
        let mut conn = app.db.conn().expect("connection");
        webhooks::list(&mut conn, Some(&account.id), None).expect("list")[0]
            .id
            .clone()
    };
    let removed = app
        .submit_in(
            &browser,
            "/admin/integration",
            &format!("/admin/integration/webhooks/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status().as_u16(), 303);
    assert_eq!(
        location(&removed),
        "/admin/integration?done=webhook-removed"
    );
    let html = app
        .get_in(&browser, "/admin/integration?done=webhook-removed")
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("Webhook removed") && html.contains("No webhook yet."));
    assert!(html.contains("webhook removed"));
}
