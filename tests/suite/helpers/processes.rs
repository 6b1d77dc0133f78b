//! Whole `gatehouse` processes, as an operator runs them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::app::PUBLIC_URL;

pub fn gatehouse_bin() -> &'static str {
    env!("CARGO_BIN_EXE_gatehouse")
}

/// Runs one `gatehouse` command against the store at `store_url`, as an operator would.
pub fn run_cli(store_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(gatehouse_bin())
        .args(args)
        .env("GATEHOUSE_DATABASE_URL", store_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run gatehouse")
}

/// Standard error of a finished command, as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `gatehouse serve` on a loopback port over `store_url`, its log kept.
pub struct Server {
    pub child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(store_url: &str) -> Server {
        Server::start_with(store_url, &[])
    }

    /// `start`, with these settings added to its environment.
    pub fn start_with(store_url: &str, settings: &[(&str, &str)]) -> Server {
        let mut child = Command::new(gatehouse_bin())
            .arg("serve")
            .env("GATEHOUSE_DATABASE_URL", store_url)
            .env("GATEHOUSE_BIND", "127.0.0.1:0")
            .env("GATEHOUSE_WORKERS", "1")
            .env("GATEHOUSE_PUBLIC_URL", PUBLIC_URL)
            .env("RUST_LOG", "info")
            .envs(settings.iter().copied())
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
    pub fn terminate(mut self) -> std::process::ExitStatus {
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
