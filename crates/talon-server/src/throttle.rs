//! Rate limits: token buckets kept in memory, one per key (an address, an account). Used to
//! slow down password guessing and floods of the public endpoints. A refused request is told
//! when to come back (`429` with `Retry-After`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle full ones are dropped.
const MAX_KEYS: usize = 100_000;

pub struct Limiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    /// Allows bursts of `capacity`, refilled at `per_second`.
    pub fn new(capacity: u32, per_second: f64) -> Limiter {
        Limiter {
            capacity: f64::from(capacity),
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is back.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.apply(key, 1.0)
    }

    /// Whether `key` has a token, without taking it.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.apply(key, 0.0)
    }

    fn apply(&self, key: &str, cost: f64) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_KEYS {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < capacity
            });
        }
        let (tokens, at) = buckets
            .entry(key.to_string())
            .or_insert((self.capacity, now));
        let available =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        if available < 1.0 {
            let wait = (1.0 - available) / self.per_second;
            return Err(Duration::from_secs_f64(wait.max(1.0)));
        }
        *tokens = available - cost;
        *at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Limiter;

    #[test]
    fn a_burst_passes_then_the_key_waits_while_others_go_on() {
        let limiter = Limiter::new(3, 0.5);
        for _ in 0..3 {
            assert!(limiter.take("a").is_ok());
        }
        let wait = limiter.take("a").expect_err("the fourth waits");
        assert!(
            wait.as_secs_f64() >= 1.0 && wait.as_secs_f64() <= 2.0,
            "{wait:?}"
        );
        assert!(limiter.take("b").is_ok(), "another key has its own bucket");
        assert!(limiter.check("b").is_ok(), "checking takes nothing");
        assert!(limiter.take("b").is_ok() && limiter.take("b").is_ok());
        assert!(limiter.check("b").is_err());
    }
}
