//! Retries: [`policy`] decides whether (from the failure class), [`backoff`] how long to wait,
//! [`budget`] caps retries across all callers. [`Retrier::run`] is the mechanism.
//!
//! rclone's own `--retries` does not apply to RC calls and rclone ignores Retry-After, so
//! whole-operation retries are done here.

pub mod backoff;
pub mod budget;
pub mod policy;

use std::{future::Future, sync::Arc};

use tokio_util::sync::CancellationToken;
use tracing::debug;

pub use backoff::Backoff;
pub use budget::RetryBudget;
pub use policy::{Decision, RetryPolicy, StopReason};

use super::{
    classify::Failure,
    clock::{Clock, SystemClock},
};
use rcmd_types::FailureReason;

/// Anything that can say how it failed.
pub trait Classify {
    fn failure(&self) -> Failure;
}

/// Why [`Retrier::run`] returned an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GaveUp {
    Policy(StopReason),
    BudgetExhausted,
    Cancelled,
}

/// The last error with its classification and how many attempts were made. `error` is
/// `None` only when cancellation came before any attempt failed.
#[derive(Debug)]
pub struct RetryError<E> {
    pub error: Option<E>,
    pub failure: Failure,
    pub attempts: u32,
    pub gave_up: GaveUp,
}

/// Runs operations with retries. Cheap to clone; the budget is shared.
#[derive(Clone)]
pub struct Retrier {
    pub policy: RetryPolicy,
    pub backoff: Backoff,
    pub budget: Arc<RetryBudget>,
    clock: Arc<dyn Clock>,
}

impl Default for Retrier {
    fn default() -> Self {
        Retrier::new(
            RetryPolicy::default(),
            Backoff::default(),
            Arc::new(RetryBudget::default()),
            Arc::new(SystemClock),
        )
    }
}

impl Retrier {
    pub fn new(policy: RetryPolicy, backoff: Backoff, budget: Arc<RetryBudget>, clock: Arc<dyn Clock>) -> Self {
        Retrier {
            policy,
            backoff,
            budget,
            clock,
        }
    }

    /// Runs `op(attempt)` (attempt is 1-based) until it succeeds, the policy stops, the budget
    /// is spent or `cancel` fires. The wait before retry n is the larger of the jittered backoff
    /// and the failure's retry-after.
    pub async fn run<T, E, F, Fut>(&self, cancel: &CancellationToken, mut op: F) -> Result<T, RetryError<E>>
    where
        E: Classify,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.budget.deposit(self.clock.as_ref());
        let mut attempt = 1;
        loop {
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                r = op(attempt) => Some(r),
            };
            let error = match result {
                Some(Ok(v)) => return Ok(v),
                Some(Err(e)) => e,
                None => {
                    return Err(RetryError {
                        error: None,
                        failure: Failure::new(FailureReason::Cancelled, "cancelled"),
                        attempts: attempt,
                        gave_up: GaveUp::Cancelled,
                    })
                }
            };
            let failure = error.failure();
            let at_least = match self.policy.decide(&failure, attempt) {
                Decision::Retry { at_least } => at_least,
                Decision::Stop(reason) => {
                    return Err(RetryError {
                        error: Some(error),
                        failure,
                        attempts: attempt,
                        gave_up: GaveUp::Policy(reason),
                    })
                }
            };
            if !self.budget.withdraw(self.clock.as_ref()) {
                return Err(RetryError {
                    error: Some(error),
                    failure,
                    attempts: attempt,
                    gave_up: GaveUp::BudgetExhausted,
                });
            }
            let wait = self.backoff.delay(attempt, &mut rand::thread_rng()).max(at_least);
            debug!(attempt, ?wait, reason = ?failure.reason, "retrying");
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    return Err(RetryError { error: Some(error), failure, attempts: attempt, gave_up: GaveUp::Cancelled })
                }
                _ = tokio::time::sleep(wait) => {}
            }
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests;
