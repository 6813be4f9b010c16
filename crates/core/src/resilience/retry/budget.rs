//! A retry budget: retries may add at most a fixed share on top of first attempts, plus a
//! small steady allowance, so a storm of failures cannot multiply the load (Finagle's
//! RetryBudget, tower's `retry::budget`).

use std::{sync::Mutex, time::Instant};

use super::super::clock::Clock;

/// Shared by all callers of one layer.
pub struct RetryBudget {
    state: Mutex<State>,
    /// Tokens earned per first attempt (0.2 = retries may add 20%).
    ratio: f64,
    /// Tokens earned per second regardless of traffic.
    per_second: f64,
    max_tokens: f64,
}

struct State {
    tokens: f64,
    last: Instant,
}

impl RetryBudget {
    pub fn new(ratio: f64, per_second: f64, max_tokens: f64, clock: &dyn Clock) -> Self {
        RetryBudget {
            state: Mutex::new(State {
                tokens: max_tokens,
                last: clock.now(),
            }),
            ratio,
            per_second,
            max_tokens,
        }
    }

    fn with<T>(&self, clock: &dyn Clock, f: impl FnOnce(&mut State) -> T) -> T {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = clock.now();
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.per_second).min(self.max_tokens);
        s.last = now;
        f(&mut s)
    }

    /// Records a first attempt.
    pub fn deposit(&self, clock: &dyn Clock) {
        let (ratio, max) = (self.ratio, self.max_tokens);
        self.with(clock, |s| s.tokens = (s.tokens + ratio).min(max));
    }

    /// Takes one retry from the budget; false when it is spent.
    pub fn withdraw(&self, clock: &dyn Clock) -> bool {
        self.with(clock, |s| {
            if s.tokens >= 1.0 {
                s.tokens -= 1.0;
                true
            } else {
                false
            }
        })
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(0.2, 1.0, 20.0, &super::super::clock::SystemClock)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::resilience::clock::ManualClock;

    #[test]
    fn a_storm_cannot_retry_more_than_its_share() {
        let clock = ManualClock::new();
        let budget = RetryBudget::new(0.2, 1.0, 10.0, &clock);
        // the initial reserve is spent first
        assert_eq!((0..20).filter(|_| budget.withdraw(&clock)).count(), 10);
        // 100 first attempts earn 20 retries
        for _ in 0..100 {
            budget.deposit(&clock);
        }
        assert_eq!(
            (0..50).filter(|_| budget.withdraw(&clock)).count(),
            10,
            "capped at max_tokens"
        );
        // the steady allowance refills with time
        clock.advance(Duration::from_secs(3));
        assert_eq!((0..10).filter(|_| budget.withdraw(&clock)).count(), 3);
    }
}
