//! A remote's circuit breaker against a real failing server, on a manual clock: it opens after
//! the threshold, fails fast while open (nothing reaches the server), serves reads from the
//! cache or a fallback remote marked as such, probes in half-open, reopens for longer when the
//! probe fails, and closes when the server is back.

#![allow(clippy::unwrap_used)]

mod common;

use std::{sync::Arc, time::Duration};

use common::fault::{self, Fault};
use rcmd_core::{
    events::{CoreEvent, EventBus},
    remote_path::{RemoteName, RemotePath},
    resilience::{
        breaker::BreakerConfig,
        clock::ManualClock,
        layer::{ResilienceConfig, Resilient},
        retry::{Classify, RetryPolicy},
    },
    types::{BreakerReason, BreakerState, FailureReason},
    Error,
};
use tokio::sync::broadcast::Receiver;
use tokio_util::sync::CancellationToken;

fn drain(events: &mut Receiver<CoreEvent>) -> Vec<(BreakerState, BreakerState, BreakerReason)> {
    let mut out = vec![];
    while let Ok(e) = events.try_recv() {
        if let CoreEvent::Breaker { from, to, reason, .. } = e {
            out.push((from, to, reason));
        }
    }
    out
}

#[tokio::test]
async fn breaker_lifecycle_against_a_failing_server() {
    let f = fault::start().await;
    let clock = ManualClock::new();
    let bus = EventBus::default();
    let mut events = bus.subscribe();
    let cfg = ResilienceConfig {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        breaker: BreakerConfig {
            consecutive_failures: 3,
            min_calls: 100,
            open_base: Duration::from_secs(30),
            half_open_probes: 1,
            ..BreakerConfig::default()
        },
        ..ResilienceConfig::default()
    };
    let layer = Resilient::with_clock(Arc::new(f.rc.client.clone()), cfg, bus, Arc::new(clock.clone()));
    let dir = RemotePath::new("flaky", "dir").unwrap();
    let cancel = CancellationToken::new();

    // healthy: the listing is cached
    assert_eq!(layer.list(&dir, &cancel).await.unwrap().value.len(), 1);

    // three failures open it
    f.proxy.set(Fault::Status {
        code: 503,
        retry_after: None,
    });
    for _ in 0..3 {
        let err = layer.list(&dir, &cancel).await.unwrap_err();
        assert_eq!(err.failure().reason, FailureReason::ServerError);
    }
    assert_eq!(
        drain(&mut events),
        vec![(
            BreakerState::Closed,
            BreakerState::Open,
            BreakerReason::ConsecutiveFailures { count: 3 }
        )]
    );
    let snap = layer.breakers().snapshot("flaky");
    assert_eq!((snap.state, snap.next_probe_in_ms), (BreakerState::Open, Some(30_000)));
    assert_eq!(snap.last_failure.unwrap().reason, FailureReason::ServerError);

    // open: nothing reaches the server; a read is served from the cache, marked stale
    let seen = f.proxy.requests();
    clock.advance(Duration::from_secs(10));
    let stale = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!(stale.value.len(), 1);
    assert_eq!(stale.stale_ms, Some(10_000));
    // a write fails at once, naming the remote and when it will be tried again
    let err = layer
        .mkdir(&RemotePath::new("flaky", "newdir").unwrap(), &cancel)
        .await
        .unwrap_err();
    match &err {
        Error::CircuitOpen {
            remote,
            retry_in,
            forced: false,
            ..
        } => {
            assert_eq!(remote, "flaky");
            assert_eq!(*retry_in, Some(Duration::from_secs(20)));
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("'flaky'") && msg.contains("20 s"), "{msg}");
    assert_eq!(err.failure().reason, FailureReason::RemotePaused);
    // a read with no cached copy fails fast too
    let err = layer
        .list(&RemotePath::new("flaky", "other").unwrap(), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CircuitOpen { .. }), "{err:?}");
    assert_eq!(f.proxy.requests(), seen, "no request may reach the server while open");

    // half-open: one probe; the server still fails: open again, for twice as long
    clock.advance(Duration::from_secs(20));
    layer.list(&dir, &cancel).await.unwrap_err();
    assert_eq!(f.proxy.requests(), seen + 1, "exactly one probe");
    assert_eq!(
        drain(&mut events),
        vec![
            (BreakerState::Open, BreakerState::HalfOpen, BreakerReason::OpenElapsed),
            (BreakerState::HalfOpen, BreakerState::Open, BreakerReason::ProbeFailed),
        ]
    );
    assert_eq!(layer.breakers().snapshot("flaky").next_probe_in_ms, Some(60_000));

    // the server recovers; after the open time the probe succeeds and the breaker closes
    f.proxy.set(Fault::Pass);
    clock.advance(Duration::from_secs(60));
    let fresh = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!(fresh.stale_ms, None);
    assert_eq!(
        drain(&mut events),
        vec![
            (BreakerState::Open, BreakerState::HalfOpen, BreakerReason::OpenElapsed),
            (
                BreakerState::HalfOpen,
                BreakerState::Closed,
                BreakerReason::ProbesSucceeded { count: 1 }
            ),
        ]
    );
    layer
        .mkdir(&RemotePath::new("flaky", "newdir").unwrap(), &cancel)
        .await
        .unwrap();
}

#[tokio::test]
async fn not_found_and_bad_input_do_not_open_the_breaker() {
    let f = fault::start().await;
    let cfg = ResilienceConfig {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        breaker: BreakerConfig {
            consecutive_failures: 2,
            min_calls: 2,
            ..BreakerConfig::default()
        },
        ..ResilienceConfig::default()
    };
    let layer = Resilient::new(Arc::new(f.rc.client.clone()), cfg, EventBus::default());
    let cancel = CancellationToken::new();
    for _ in 0..5 {
        let err = layer
            .list(&RemotePath::new("flaky", "missing").unwrap(), &cancel)
            .await
            .unwrap_err();
        assert_eq!(err.failure().reason, FailureReason::NotFound);
        let err = layer
            .delete_file(&RemotePath::new("flaky", "dir/none.txt").unwrap(), &cancel)
            .await
            .unwrap_err();
        assert_eq!(err.failure().reason, FailureReason::NotFound);
    }
    assert_eq!(layer.breakers().snapshot("flaky").state, BreakerState::Closed);
}

#[tokio::test]
async fn force_open_reset_and_fallback_reads() {
    let f = fault::start().await;
    // the fallback holds a copy of the same tree
    std::fs::create_dir_all(f.rc.data().join("dir")).unwrap();
    std::fs::write(f.rc.data().join("dir/a.txt"), b"alpha").unwrap();
    let layer = Resilient::new(
        Arc::new(f.rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    );
    let cancel = CancellationToken::new();
    let dir = RemotePath::new("flaky", "dir").unwrap();
    let flaky = RemoteName::parse("flaky").unwrap();

    layer.breakers().force_open("flaky");
    let err = layer.list(&dir, &cancel).await.unwrap_err();
    assert!(matches!(err, Error::CircuitOpen { forced: true, .. }), "{err:?}");
    assert!(err.to_string().contains("paused by the user"), "{err}");

    layer.set_fallback(&flaky, Some(&RemoteName::parse("local").unwrap()));
    let served = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!(served.fallback.as_deref(), Some("local"));
    assert_eq!(served.value[0].name, "a.txt");

    layer.breakers().reset("flaky");
    let served = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!((served.fallback, served.stale_ms), (None, None));
}
