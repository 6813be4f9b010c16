//! How long to wait between attempts: exponential backoff with full jitter.

use std::time::Duration;

use rand::Rng;

/// `delay(n)` is uniform in `[0, min(cap, base * 2^(n-1))]` ("full jitter", AWS architecture
/// blog): spreads retries of many callers so they do not hit the server together.
#[derive(Clone, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The upper bound before jitter for retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A jittered delay for retry number `retry`.
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        Duration::from_nanos(rng.gen_range(0..=ceiling.as_nanos() as u64))
    }
}

#[cfg(test)]
mod tests {
    use rand::{rngs::StdRng, SeedableRng};

    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        let c: Vec<_> = (1..=6).map(|n| b.ceiling(n).as_millis()).collect();
        assert_eq!(c, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_the_ceiling_and_spreads() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
        };
        let mut rng = StdRng::seed_from_u64(7);
        let delays: Vec<_> = (0..1000).map(|_| b.delay(4, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(800)));
        let mean = delays.iter().sum::<Duration>() / 1000;
        // full jitter: mean near half the ceiling
        assert!(
            mean > Duration::from_millis(340) && mean < Duration::from_millis(460),
            "{mean:?}"
        );
    }
}
