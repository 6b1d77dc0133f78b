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

impl Hashing {
    pub fn new(threads: usize) -> Hashing {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&queue))
                .unwrap_or_else(|e| panic!("cannot start a password hashing thread: {e}"));
        }
        Hashing { jobs }
    }

    /// Runs `work` on a hashing thread; `None` when too many attempts are already waiting.
    pub async fn run<T, F>(&self, work: F) -> Option<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (answer, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.try_send(job).ok()?;
        result.await.ok()
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
