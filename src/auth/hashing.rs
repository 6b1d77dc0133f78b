//! Password hashing on its own threads at the lowest scheduling class (Linux SCHED_IDLE): it
//! gets the CPU only when SAML sign-ins and SCIM do not want it, so a flood of /login attempts
//! queues here (and is refused once the queue is full) instead of starving them.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use thread_priority::{
    NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};

type Job = Box<dyn FnOnce() + Send>;

/// Attempts waiting for a hashing thread before new ones are turned away.
const QUEUE: usize = 64;

#[derive(Clone)]
pub struct Hashing {
    jobs: SyncSender<Job>,
}

/// Why a hashing job gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashingError {
    #[error("too many password checks are waiting")]
    Busy,
    #[error("the password hashing job failed")]
    Failed,
}

impl Hashing {
    pub fn new(threads: usize) -> std::io::Result<Hashing> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Hashing { jobs })
    }

    /// Runs `work` on a hashing thread. A job that panics answers `Failed` and leaves its
    /// thread serving the next one: a dead thread would take every later sign-in with it.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (answer, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = answer.send(outcome.map_err(|_| HashingError::Failed));
        });
        self.jobs.try_send(job).map_err(|_| HashingError::Busy)?;
        result.await.unwrap_or(Err(HashingError::Failed))
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(error) =
        set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle)
    {
        log::warn!("password hashing runs at normal priority: {error:?}");
    }
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_that_panics_answers_failed_and_the_thread_serves_the_next() {
        actix_web::rt::System::new().block_on(async {
            let hashing = Hashing::new(1).expect("thread");
            let failed = hashing.run(|| -> u32 { panic!("a broken job") }).await;
            assert_eq!(failed, Err(HashingError::Failed));
            let next = hashing.run(|| 42).await;
            assert_eq!(next, Ok(42));
        });
    }
}
