//! Write-behind for the provisioning log lines of read requests. Under Entra's load most SCIM
//! requests are reads, and SQLite has a single writer: committing one log row per read would
//! make every read queue for that writer. Lines queue here and commit in batches every 50 ms; a
//! crash can lose the last 50 ms of read log lines, never directory data (a change commits
//! together with its own log line).

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use crate::db::{self, Db};
use crate::directory::provisioning_log::{self, Request};

const BATCH_WINDOW: Duration = Duration::from_millis(50);
const MAX_BATCH: usize = 1000;
const QUEUE: usize = 20_000;

#[derive(Debug, Clone)]
pub struct Line {
    pub account_id: String,
    pub method: String,
    pub path: String,
    pub employee_id: Option<String>,
    pub status: u16,
    pub detail: String,
}

#[derive(Clone)]
pub struct LogWriter {
    queue: SyncSender<Line>,
}

impl LogWriter {
    pub fn start(db: Db) -> std::io::Result<LogWriter> {
        let (queue, lines) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("provisioning-log".into())
            .spawn(move || drain(&db, &lines))?;
        Ok(LogWriter { queue })
    }

    pub fn send(&self, line: Line) {
        match self.queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(line)) => {
                log::warn!(
                    "provisioning log queue full: dropped {} {} ({})",
                    line.method,
                    line.path,
                    line.status
                )
            }
            Err(TrySendError::Disconnected(_)) => log::warn!("provisioning log writer stopped"),
        }
    }
}

fn drain(db: &Db, lines: &Receiver<Line>) {
    while let Ok(first) = lines.recv() {
        let mut batch = vec![first];
        let deadline = Instant::now() + BATCH_WINDOW;
        while batch.len() < MAX_BATCH {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => batch.push(line),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    flush(db, &batch);
                    return;
                }
            }
        }
        flush(db, &batch);
    }
}

fn flush(db: &Db, batch: &[Line]) {
    let written = db
        .conn()
        .map_err(crate::directory::DirectoryError::from)
        .and_then(|mut conn| {
            db::write(&mut conn, |c| {
                for line in batch {
                    let entry = Request {
                        method: &line.method,
                        path: &line.path,
                        employee_id: line.employee_id.as_deref(),
                        status: line.status,
                        detail: &line.detail,
                    };
                    provisioning_log::record(c, &line.account_id, &entry)?;
                }
                Ok(())
            })
        });
    if let Err(error) = written {
        log::warn!(
            "provisioning log: {} line(s) not written: {error}",
            batch.len()
        );
    }
}
