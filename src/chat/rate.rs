//! Rate limits on shoppers' messages, per visitor, per network address (within a shop) and
//! per shop, taken in that order so that a request one refuses spends nothing of the next:
//! visitor ids are free, so without the address's budget one client making them up could
//! spend the shop's and silence it (`http::client::ClientAddress` says where a request comes
//! from). Token buckets kept in this process: each web node limits what reaches it, so with N
//! nodes behind a balancer a shop gets at most N times its budget, which is what the limit is
//! for: cost and abuse, not billing. (Counting in PostgreSQL would make them exact across
//! nodes at one write per message; issue 14's call.)

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A bucket of `burst` tokens refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// Keyed token buckets.
pub struct Limiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

/// Buckets kept before idle (full) ones are dropped.
const MAX_KEYS: usize = 100_000;

impl<K: Eq + Hash + Clone> Limiter<K> {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how long until one is free.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        let per_sec = f64::from(self.rate.per_minute.max(1)) / 60.0;
        let burst = f64::from(self.rate.burst.max(1));
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets.entry(key.clone()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_sec).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / per_sec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let limiter = Limiter::new(Rate {
            per_minute: 60,
            burst: 3,
        });
        for _ in 0..3 {
            assert!(limiter.check(&"a").is_ok());
        }
        let wait = limiter.check(&"a").unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert!(limiter.check(&"b").is_ok(), "keys are independent");
    }
}
