//! Per-user rate limit: a token bucket per user (`rate` requests a second, bursts up to
//! `burst`). Over it, the caller gets 429 with `Retry-After`.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The limiter. `rate` 0 turns it off.
pub struct RateLimit {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimit {
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimit {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::default(),
        }
    }

    /// `Ok` when user `id` may make a request now; else how long to wait.
    pub fn check(&self, id: i64) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let (tokens, at) = buckets.entry(id).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses_with_a_wait() {
        let l = RateLimit::new(2.0, 3.0);
        assert!((0..3).all(|_| l.check(1).is_ok()));
        let wait = l.check(1).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(500), "{wait:?}");
        assert!(l.check(2).is_ok(), "buckets are per user");
        assert!(RateLimit::new(0.0, 1.0).check(1).is_ok(), "0 turns it off");
    }
}
