//! The breaker's state machine on a manual clock.

use std::time::{Duration, Instant};

use rcmd_types::{BreakerReason, BreakerState, FailureReason};

use super::*;

fn cfg() -> BreakerConfig {
    BreakerConfig {
        window: 10,
        min_calls: 4,
        failure_rate: 0.5,
        consecutive_failures: 3,
        slow_call: Duration::from_secs(10),
        slow_rate: 0.75,
        open_base: Duration::from_secs(5),
        open_max: Duration::from_secs(30),
        half_open_probes: 2,
    }
}

fn fail() -> Outcome {
    Outcome::Failure {
        failure: Failure::new(FailureReason::ServerError, "503 Service Unavailable"),
    }
}

fn ok() -> Outcome {
    Outcome::Success {
        elapsed: Duration::from_millis(10),
    }
}

fn call(b: &mut Breaker, now: Instant, outcome: Outcome) -> Option<Transition> {
    let (admitted, t1) = b.acquire(now);
    let admission = admitted.expect("admitted");
    t1.or(b.record(now, admission, outcome))
}

#[test]
fn opens_on_consecutive_failures_and_fails_fast() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    assert!(call(&mut b, t0, fail()).is_none());
    assert!(call(&mut b, t0, fail()).is_none());
    let t = call(&mut b, t0, fail()).expect("trip");
    assert_eq!((t.from, t.to), (BreakerState::Closed, BreakerState::Open));
    assert_eq!(t.reason, BreakerReason::ConsecutiveFailures { count: 3 });
    // while open: rejected with the time of the next probe
    let (r, _) = b.acquire(t0 + Duration::from_secs(1));
    assert_eq!(r, Err(Some(t0 + Duration::from_secs(5))));
    let snap = b.snapshot("r", t0 + Duration::from_secs(1));
    assert_eq!(snap.next_probe_in_ms, Some(4000));
    assert_eq!(snap.last_failure.map(|f| f.reason), Some(FailureReason::ServerError));
}

#[test]
fn opens_on_failure_rate_over_the_window() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    // alternate: never 3 in a row, but 50% of the window
    call(&mut b, t0, ok());
    call(&mut b, t0, fail());
    call(&mut b, t0, ok());
    let t = call(&mut b, t0, fail()).expect("trip at min_calls");
    assert_eq!(t.reason, BreakerReason::FailureRate { rate: 0.5, calls: 4 });
}

#[test]
fn below_min_calls_the_rate_does_not_count() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    call(&mut b, t0, ok());
    assert!(call(&mut b, t0, fail()).is_none());
    assert_eq!(b.snapshot("r", t0).failure_rate, None);
}

#[test]
fn slow_calls_trip_it() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    let slow = || Outcome::Success {
        elapsed: Duration::from_secs(11),
    };
    call(&mut b, t0, slow());
    call(&mut b, t0, slow());
    call(&mut b, t0, slow());
    let t = call(&mut b, t0, ok()).expect("trip");
    assert_eq!(t.reason, BreakerReason::SlowCalls { rate: 0.75, calls: 4 });
}

#[test]
fn half_open_admits_limited_probes_and_closes_on_success() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    for _ in 0..3 {
        call(&mut b, t0, fail());
    }
    let later = t0 + Duration::from_secs(5);
    let (p1, t) = b.acquire(later);
    assert_eq!(p1, Ok(Admission::Probe));
    assert_eq!(
        t.map(|t| (t.to, t.reason)),
        Some((BreakerState::HalfOpen, BreakerReason::OpenElapsed))
    );
    assert_eq!(b.acquire(later).0, Ok(Admission::Probe));
    // both slots in flight: others fail fast
    assert_eq!(b.acquire(later).0, Err(None));
    assert!(b.record(later, Admission::Probe, ok()).is_none());
    let t = b.record(later, Admission::Probe, ok()).expect("close");
    assert_eq!(
        (t.to, t.reason),
        (BreakerState::Closed, BreakerReason::ProbesSucceeded { count: 2 })
    );
    assert_eq!(b.snapshot("r", later).trips, 0);
}

#[test]
fn a_failed_probe_reopens_for_longer_each_time() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    for _ in 0..3 {
        call(&mut b, t0, fail());
    }
    let mut now = t0;
    for expected in [10, 20, 30, 30] {
        let snap = b.snapshot("r", now);
        now += Duration::from_millis(snap.next_probe_in_ms.expect("open"));
        let (p, _) = b.acquire(now);
        assert_eq!(p, Ok(Admission::Probe));
        let t = b.record(now, Admission::Probe, fail()).expect("reopen");
        assert_eq!(
            (t.from, t.to, t.reason),
            (BreakerState::HalfOpen, BreakerState::Open, BreakerReason::ProbeFailed)
        );
        assert_eq!(
            b.snapshot("r", now).next_probe_in_ms,
            Some(expected * 1000),
            "open time grows, capped"
        );
    }
}

#[test]
fn ignored_outcomes_do_not_count_and_release_probes() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    for _ in 0..10 {
        assert!(call(&mut b, t0, Outcome::Ignored).is_none());
    }
    assert_eq!(b.snapshot("r", t0).calls_in_window, 0);
    for _ in 0..3 {
        call(&mut b, t0, fail());
    }
    let later = t0 + Duration::from_secs(5);
    assert_eq!(b.acquire(later).0, Ok(Admission::Probe));
    b.release(Admission::Probe);
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert_eq!(
        b.acquire(later).0,
        Ok(Admission::Probe),
        "the dropped probe's slot is free again"
    );
}

#[test]
fn manual_reset_and_force_open() {
    let t0 = Instant::now();
    let mut b = Breaker::new(cfg());
    let t = b.force_open().expect("forced");
    assert_eq!((t.to, t.reason), (BreakerState::ForcedOpen, BreakerReason::ForcedOpen));
    assert_eq!(
        b.acquire(t0 + Duration::from_secs(3600)).0,
        Err(None),
        "stays open however long"
    );
    let t = b.reset().expect("reset");
    assert_eq!(
        (t.from, t.to, t.reason),
        (
            BreakerState::ForcedOpen,
            BreakerState::Closed,
            BreakerReason::ManualReset
        )
    );
    assert_eq!(b.acquire(t0).0, Ok(Admission::Normal));
    assert!(b.reset().is_none(), "already closed");
}
