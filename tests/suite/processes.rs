//! Whole `gatehouse serve` processes: first start, several at once, shutdown, logging.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::{TestStore, gatehouse_bin};

pub struct Server {
    pub child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(store_url: &str) -> Server {
        let mut child = Command::new(gatehouse_bin())
            .arg("serve")
            .env("GATEHOUSE_DATABASE_URL", store_url)
            .env("GATEHOUSE_BIND", "127.0.0.1:0")
            .env("GATEHOUSE_WORKERS", "1")
            .env("GATEHOUSE_PUBLIC_URL", crate::helpers::PUBLIC_URL)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gatehouse serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .split("(port ")
                    .nth(1)
                    .and_then(|rest| rest.split(')').next())
                    .and_then(|p| p.parse::<u16>().ok())
                {
                    let _ = port_tx.send(port);
                }
                if let Ok(mut all) = sink.lock() {
                    all.push_str(&line);
                    all.push('\n');
                }
            }
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "gatehouse did not start: {}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                )
            });
        Server { child, port, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit 30 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn health(server: &Server) -> u16 {
    reqwest::get(server.url("/healthz"))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

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
