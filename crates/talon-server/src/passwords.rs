//! Password checks, bounded. An argon2id check holds about 19 MiB for its whole run, and unknown
//! usernames cost the same (the decoy hash), so unbounded concurrent sign-ins exhaust memory.
//! Here at most as many checks run at once as the memory budget allows; others wait briefly in
//! line, and past that wait, or when one address already has its share of the line, the answer is
//! `503 busy` with `Retry-After`. One address cannot fill the line, so sign-ins from elsewhere
//! still get through while one is flooding.
//!
//! The memory itself must also go back to the system after a burst: see
//! [`return_large_allocations`].

use crate::auth::{hash_password, verify_password};
use crate::error::ApiError;
use crate::metrics::Metrics;
use axum::http::StatusCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The memory one argon2id check takes with Talon's parameters (argon2's defaults, m = 19 MiB).
pub const CHECK_MEMORY_BYTES: u64 = argon2::Params::DEFAULT_M_COST as u64 * 1024;

/// The default memory budget of concurrent checks: three at once. On two cores more would not
/// finish sooner; they would only hold more memory.
pub const DEFAULT_BUDGET_BYTES: u64 = 64 * 1024 * 1024;

/// How long a check waits for its turn before the caller is told to come back.
const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// Checks one address may have running or waiting at once.
const PER_ADDRESS: usize = 4;

pub struct PasswordChecks {
    slots: Semaphore,
    permits: usize,
    /// Checks running or waiting, per address.
    in_line: Mutex<HashMap<IpAddr, usize>>,
    /// Checks waiting for a slot.
    waiting: AtomicUsize,
    /// How long checks waited, for `/metrics`.
    metrics: Arc<Metrics>,
}

impl PasswordChecks {
    /// Allows as many concurrent checks as `budget_bytes` holds, and always at least one.
    pub fn new(budget_bytes: u64, metrics: Arc<Metrics>) -> PasswordChecks {
        let permits = (budget_bytes / CHECK_MEMORY_BYTES).max(1) as usize;
        PasswordChecks {
            slots: Semaphore::new(permits),
            permits,
            in_line: Mutex::new(HashMap::new()),
            waiting: AtomicUsize::new(0),
            metrics,
        }
    }

    /// Checks running and checks waiting for their turn, now.
    pub fn load(&self) -> (usize, usize) {
        (
            self.permits - self.slots.available_permits(),
            self.waiting.load(Relaxed),
        )
    }

    /// How many checks may run at once.
    pub fn concurrency(&self) -> usize {
        self.permits
    }

    /// Whether `password` matches `hash`, checked in its turn.
    pub async fn verify(
        &self,
        from: Option<IpAddr>,
        password: String,
        hash: String,
    ) -> Result<bool, ApiError> {
        self.run(from, move || Ok(verify_password(&password, &hash)))
            .await
    }

    /// The argon2id hash of a new password, made in its turn.
    pub async fn hash(&self, from: Option<IpAddr>, password: String) -> Result<String, ApiError> {
        self.run(from, move || hash_password(&password)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        from: Option<IpAddr>,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _place = match from {
            Some(address) => Some(Place::take(&self.in_line, address)?),
            None => None,
        };
        let started = Instant::now();
        let waiting = Waiting::new(&self.waiting);
        let slot = tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await;
        drop(waiting);
        self.metrics
            .sign_in_wait
            .observe_duration(started.elapsed());
        let _slot = slot
            .map_err(|_| busy())?
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| ApiError::internal())?
    }
}

/// Counts a check as waiting while it lives, its caller gone away included.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// An address's place in line, given back when the check ends or its caller goes away.
struct Place<'a> {
    line: &'a Mutex<HashMap<IpAddr, usize>>,
    address: IpAddr,
}

impl<'a> Place<'a> {
    fn take(line: &'a Mutex<HashMap<IpAddr, usize>>, address: IpAddr) -> Result<Self, ApiError> {
        let mut counts = line.lock().map_err(|_| ApiError::internal())?;
        let count = counts.entry(address).or_insert(0);
        if *count >= PER_ADDRESS {
            return Err(busy());
        }
        *count += 1;
        Ok(Place { line, address })
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.line.lock()
            && let Some(count) = counts.get_mut(&self.address)
        {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

fn busy() -> ApiError {
    ApiError {
        retry_after: Some(1),
        ..ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many sign-ins at once; try again in a moment",
        )
    }
}

/// Makes freed large blocks go back to the system at once. glibc's allocator raises its mmap
/// threshold each time a mapped block is freed, so after the first burst the 19 MiB blocks of
/// password checks come from the heap and stay there when freed: the process keeps the peak of
/// a burst for good. A fixed threshold keeps large blocks mapped, and unmapped when freed.
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// Blocks this large or larger are mapped on their own.
        const THRESHOLD: libc::c_int = 1024 * 1024;
        // SAFETY: mallopt only changes the allocator's tuning parameters.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_sets_the_concurrency() {
        assert_eq!(
            PasswordChecks::new(DEFAULT_BUDGET_BYTES, Default::default()).concurrency(),
            3
        );
        assert_eq!(PasswordChecks::new(0, Default::default()).concurrency(), 1);
        assert_eq!(
            PasswordChecks::new(10 * CHECK_MEMORY_BYTES, Default::default()).concurrency(),
            10
        );
    }

    #[tokio::test]
    async fn one_address_gets_its_share_of_the_line_and_others_still_get_in() {
        let checks = Arc::new(PasswordChecks::new(CHECK_MEMORY_BYTES, Default::default()));
        let flooding: IpAddr = "10.0.0.1".parse().unwrap();
        // Hold the only slot, so everything after waits in line.
        let held = checks.slots.acquire().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..PER_ADDRESS {
            let checks = checks.clone();
            waiting.push(tokio::spawn(async move {
                checks.run(Some(flooding), || Ok(())).await
            }));
        }
        // Each waiting check has taken its place before the next one is refused.
        while checks.in_line.lock().unwrap().get(&flooding) != Some(&PER_ADDRESS) {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            checks.load(),
            (1, PER_ADDRESS),
            "one running, the rest waiting"
        );
        let refused = checks.run(Some(flooding), || Ok(())).await.unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.code), (503, "busy"));
        assert_eq!(refused.retry_after, Some(1));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let other = {
            let checks = checks.clone();
            tokio::spawn(async move { checks.run(Some(other), || Ok(7)).await })
        };
        drop(held);
        assert_eq!(other.await.unwrap().unwrap(), 7);
        for w in waiting {
            w.await.unwrap().unwrap();
        }
        assert!(
            checks.in_line.lock().unwrap().is_empty(),
            "places are given back"
        );
        assert_eq!(checks.load(), (0, 0));
    }
}
