//! The retry mechanism with tokio's paused clock: no real sleeping.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use rcmd_types::FailureReason;

use super::*;
use crate::resilience::clock::ManualClock;

#[derive(Debug)]
struct E(FailureReason, Option<Duration>);

impl Classify for E {
    fn failure(&self) -> Failure {
        Failure::new(self.0, "e").with_retry_after(self.1)
    }
}

fn retrier(max_attempts: u32) -> Retrier {
    let clock = Arc::new(ManualClock::new());
    Retrier::new(
        RetryPolicy {
            max_attempts,
            max_retry_after: Duration::from_secs(60),
        },
        Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        },
        Arc::new(RetryBudget::new(0.2, 0.0, 100.0, clock.as_ref())),
        clock,
    )
}

#[tokio::test(start_paused = true)]
async fn retries_retryable_until_success() {
    let calls = AtomicU32::new(0);
    let r = retrier(5)
        .run(&CancellationToken::new(), |attempt| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt < 3 {
                    Err(E(FailureReason::ServerError, None))
                } else {
                    Ok(attempt)
                }
            }
        })
        .await;
    assert_eq!(r.unwrap(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn stops_at_the_attempt_limit() {
    let calls = AtomicU32::new(0);
    let err = retrier(4)
        .run(&CancellationToken::new(), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(E(FailureReason::Network, None)) }
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.attempts, err.gave_up),
        (4, GaveUp::Policy(StopReason::AttemptsExhausted))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn never_retries_permanent_failures() {
    for reason in [
        FailureReason::Unauthorized,
        FailureReason::NotFound,
        FailureReason::Cancelled,
    ] {
        let calls = AtomicU32::new(0);
        let err = retrier(5)
            .run(&CancellationToken::new(), |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move { Err::<(), _>(E(reason, None)) }
            })
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{reason:?}");
        assert_eq!(err.gave_up, GaveUp::Policy(StopReason::NotRetryable));
    }
}

#[tokio::test(start_paused = true)]
async fn honours_retry_after() {
    let start = tokio::time::Instant::now();
    let r = retrier(3)
        .run(&CancellationToken::new(), |attempt| async move {
            if attempt == 1 {
                Err(E(FailureReason::RateLimited, Some(Duration::from_secs(7))))
            } else {
                Ok(())
            }
        })
        .await;
    assert!(r.is_ok());
    // backoff alone would wait at most 100 ms
    assert!(start.elapsed() >= Duration::from_secs(7), "{:?}", start.elapsed());
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_waiting() {
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let err = retrier(10)
        .run(&cancel, |_| {
            let c = c2.clone();
            async move {
                c.cancel();
                Err::<(), _>(E(FailureReason::RateLimited, Some(Duration::from_secs(50))))
            }
        })
        .await
        .unwrap_err();
    assert_eq!((err.attempts, err.gave_up), (1, GaveUp::Cancelled));
}

#[tokio::test(start_paused = true)]
async fn the_budget_caps_retries_across_callers() {
    let clock = Arc::new(ManualClock::new());
    let budget = Arc::new(RetryBudget::new(0.0, 0.0, 3.0, clock.as_ref()));
    let r = Retrier::new(
        RetryPolicy {
            max_attempts: 10,
            ..RetryPolicy::default()
        },
        Backoff::default(),
        budget,
        clock,
    );
    let calls = AtomicU32::new(0);
    for _ in 0..3 {
        let _ = r
            .run(&CancellationToken::new(), |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(E(FailureReason::ServerError, None)) }
            })
            .await;
    }
    // 3 first attempts + the 3 retries the budget allowed, not 30 calls
    assert_eq!(calls.load(Ordering::SeqCst), 6);
}
