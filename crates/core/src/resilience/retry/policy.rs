//! What to retry: decided from the failure's class only.

use std::time::Duration;

use crate::resilience::classify::Failure;

/// Whether and when to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Retry, waiting at least this long (a server's retry-after, else zero).
    Retry { at_least: Duration },
    /// Give up and return the failure.
    Stop(StopReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    NotRetryable,
    AttemptsExhausted,
    /// The server asked for a longer wait than the policy allows.
    RetryAfterTooLong,
}

/// Retry only retryable failures, at most `max_attempts` attempts in all, honouring a
/// retry-after up to `max_retry_after`.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The decision after attempt number `attempt` (1-based) failed with `failure`.
    pub fn decide(&self, failure: &Failure, attempt: u32) -> Decision {
        if !failure.retryable {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempt >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsExhausted);
        }
        let at_least = failure.retry_after.unwrap_or_default();
        if at_least > self.max_retry_after {
            return Decision::Stop(StopReason::RetryAfterTooLong);
        }
        Decision::Retry { at_least }
    }
}

#[cfg(test)]
mod tests {
    use rcmd_types::FailureReason;

    use super::*;

    #[test]
    fn only_retryable_failures_within_limits() {
        let p = RetryPolicy {
            max_attempts: 3,
            max_retry_after: Duration::from_secs(60),
        };
        let busy = Failure::new(FailureReason::ServerError, "503");
        assert_eq!(
            p.decide(&busy, 1),
            Decision::Retry {
                at_least: Duration::ZERO
            }
        );
        assert_eq!(p.decide(&busy, 3), Decision::Stop(StopReason::AttemptsExhausted));
        for reason in [
            FailureReason::Forbidden,
            FailureReason::NotFound,
            FailureReason::Cancelled,
            FailureReason::BadRequest,
        ] {
            assert_eq!(
                p.decide(&Failure::new(reason, "x"), 1),
                Decision::Stop(StopReason::NotRetryable)
            );
        }
        let limited = Failure::new(FailureReason::RateLimited, "429").with_retry_after(Some(Duration::from_secs(5)));
        assert_eq!(
            p.decide(&limited, 1),
            Decision::Retry {
                at_least: Duration::from_secs(5)
            }
        );
        let too_long = Failure::new(FailureReason::RateLimited, "429").with_retry_after(Some(Duration::from_secs(600)));
        assert_eq!(p.decide(&too_long, 1), Decision::Stop(StopReason::RetryAfterTooLong));
    }
}
