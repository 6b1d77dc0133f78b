//! Whole `gatehouse serve` processes: first start, several at once, shutdown, logging.

use std::time::{Duration, Instant};

use crate::helpers::TestStore;
use crate::helpers::processes::{Server, health};

#[actix_web::test]
async fn first_start_creates_the_sqlite_file_and_answers_health() {
    let store = TestStore::new();
    let url = match store.sqlite_file() {
        // A folder that does not exist yet: created along with the file.
        Some(_) => format!(
            "sqlite://{}",
            store.dir.path().join("data/new/gatehouse.db").display()
        ),
        None => store.url.clone(),
    };
    let server = Server::start(&url);
    assert_eq!(health(&server).await, 200);
    if store.sqlite_file().is_some() {
        assert!(store.dir.path().join("data/new/gatehouse.db").is_file());
    }
}

#[actix_web::test]
async fn two_instances_starting_together_on_one_fresh_store_both_come_up() {
    let store = TestStore::new();
    let url = store.url.clone();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&url));
        let b = s.spawn(|| Server::start(&url));
        (a.join().expect("first"), b.join().expect("second"))
    });
    assert_eq!(health(&a).await, 200, "{}", a.log());
    assert_eq!(health(&b).await, 200, "{}", b.log());
    let applied = [a.log(), b.log()]
        .iter()
        .filter(|l| l.contains("migration"))
        .count();
    assert!(applied <= 2);
}

#[actix_web::test]
async fn sigterm_stops_the_service_cleanly() {
    let store = TestStore::new();
    let server = Server::start(&store.url);
    assert_eq!(health(&server).await, 200);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}

#[actix_web::test]
async fn the_request_log_names_the_path_but_never_the_query_string() {
    let store = TestStore::new();
    let server = Server::start(&store.url);
    let response = reqwest::get(server.url("/healthz?token=s3cr3t-one-time-token"))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("/healthz") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log();
    assert!(log.contains("\"GET /healthz\" 200"), "{log}");
    assert!(!log.contains("s3cr3t"), "{log}");
}
