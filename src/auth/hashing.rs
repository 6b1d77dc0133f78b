//! Password hashing off the request threads and with bounded concurrency, so a flood of sign-in
//! attempts queues here instead of starving SAML sign-ins and SCIM of CPU.

use std::sync::Arc;

use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
}

impl Hashing {
    pub fn new(concurrency: usize) -> Hashing {
        Hashing {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Runs `work` on the blocking pool once a permit is free.
    pub async fn run<T, F>(&self, work: F) -> Option<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.permits.acquire().await.ok()?;
        actix_web::rt::task::spawn_blocking(work).await.ok()
    }
}
