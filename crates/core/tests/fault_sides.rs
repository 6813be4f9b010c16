//! Breakers judge remotes, not job length, and a failure counts against the side that
//! failed: a slow request/response call counts as slow, a long transfer job never does; a
//! full destination opens the destination's breaker and not the source's, a failing source
//! the source's and not the destination's. Breaker thresholds are rclone-RCMD defaults except
//! where a test says why.

#![allow(clippy::unwrap_used)]

mod common;

use std::{sync::Arc, time::Duration};

use common::fault::{self, Fault};
use rcmd_core::{
    events::EventBus,
    remote_path::RemotePath,
    resilience::{
        breaker::BreakerConfig,
        layer::{ResilienceConfig, Resilient},
        retry::{Classify, RetryPolicy},
    },
    types::{BreakerReason, BreakerState, FailureReason},
};
use tokio_util::sync::CancellationToken;

fn layer(f: &fault::Faulty, breaker: BreakerConfig) -> Resilient {
    let cfg = ResilienceConfig {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        breaker,
        ..ResilienceConfig::default()
    };
    Resilient::new(Arc::new(f.rc.client.clone()), cfg, EventBus::default())
}

/// The slow-call rule with a 1 s threshold (instead of 60 s, so the test takes seconds): five
/// listings answered after 1.5 s open the breaker as slow; six copy jobs of 1.5 s each do not.
#[tokio::test]
async fn long_jobs_are_not_slow_calls() {
    let f = fault::start().await;
    let slow = BreakerConfig {
        slow_call: Duration::from_secs(1),
        ..BreakerConfig::default()
    };
    let cancel = CancellationToken::new();
    let dir = RemotePath::new("flaky", "dir").unwrap();

    // request/response: slow answers trip the breaker
    let timed = layer(&f, slow.clone());
    timed.list(&dir, &cancel).await.unwrap();
    f.proxy
        .set_for("PROPFIND", Some(Fault::Delay(Duration::from_millis(1500))));
    for _ in 0..5 {
        timed
            .list(&RemotePath::new("flaky", "dir").unwrap(), &cancel)
            .await
            .ok();
    }
    let snap = timed.breakers().snapshot("flaky");
    assert_eq!(snap.state, BreakerState::Open, "{snap:?}");
    assert!(
        matches!(snap.last_reason, Some(BreakerReason::SlowCalls { .. })),
        "{snap:?}"
    );
    f.proxy.set_for("PROPFIND", None);

    // jobs: as long as they take, the breakers stay closed
    let jobs = layer(&f, slow);
    std::fs::write(f.rc.data().join("big.bin"), vec![1u8; 64 * 1024]).unwrap();
    f.proxy.set_for("PUT", Some(Fault::Delay(Duration::from_millis(1500))));
    for i in 0..6 {
        let started = std::time::Instant::now();
        let src = RemotePath::new("local", "big.bin").unwrap();
        let dst = RemotePath::new("flaky", &format!("dir/big{i}.bin")).unwrap();
        jobs.copy_file(&src, &dst, &cancel).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(1500),
            "the job was not slow: {:?}",
            started.elapsed()
        );
    }
    for remote in ["flaky", "local"] {
        let snap = jobs.breakers().snapshot(remote);
        assert_eq!(snap.state, BreakerState::Closed, "{snap:?}");
        assert_eq!(snap.calls_in_window, 6, "{snap:?}");
    }
}

/// A destination answering 507 for every upload: the destination's breaker opens at the
/// default threshold; the source's sees no failure. Then a dead destination (every
/// connection reset), where rclone's text names no side: probing each side blames it alone.
#[tokio::test]
async fn a_full_or_dead_destination_does_not_open_the_source_breaker() {
    let f = fault::start().await;
    let rc = layer(&f, BreakerConfig::default());
    let cancel = CancellationToken::new();
    let src = RemotePath::new("local", "hello.txt").unwrap();

    f.proxy.set_for(
        "PUT",
        Some(Fault::Status {
            code: 507,
            retry_after: None,
        }),
    );
    for i in 0..5 {
        let dst = RemotePath::new("flaky", &format!("dir/full{i}.txt")).unwrap();
        let err = rc.copy_file(&src, &dst, &cancel).await.unwrap_err();
        assert_eq!(err.failure().reason, FailureReason::StorageFull, "{err}");
    }
    assert_eq!(rc.breakers().snapshot("flaky").state, BreakerState::Open);
    let local = rc.breakers().snapshot("local");
    assert_eq!(
        (local.state, local.consecutive_failures),
        (BreakerState::Closed, 0),
        "{local:?}"
    );
    f.proxy.set_for("PUT", None);

    let rc = layer(&f, BreakerConfig::default());
    f.proxy.set(Fault::Reset);
    for i in 0..5 {
        let dst = RemotePath::new("flaky", &format!("dir/dead{i}.txt")).unwrap();
        rc.copy_file(&src, &dst, &cancel).await.unwrap_err();
    }
    assert_eq!(rc.breakers().snapshot("flaky").state, BreakerState::Open);
    let local = rc.breakers().snapshot("local");
    assert_eq!(
        (local.state, local.consecutive_failures),
        (BreakerState::Closed, 0),
        "{local:?}"
    );
}

/// The reverse: a source whose downloads fail with 503 opens the source's breaker, never the
/// destination's.
#[tokio::test]
async fn a_failing_source_does_not_open_the_destination_breaker() {
    let f = fault::start().await;
    let rc = layer(&f, BreakerConfig::default());
    let cancel = CancellationToken::new();
    f.proxy.set_for(
        "GET",
        Some(Fault::Status {
            code: 503,
            retry_after: None,
        }),
    );
    for i in 0..5 {
        let src = RemotePath::new("flaky", "dir/a.txt").unwrap();
        let dst = RemotePath::new("local", &format!("copy{i}.txt")).unwrap();
        let err = rc.copy_file(&src, &dst, &cancel).await.unwrap_err();
        assert!(err.failure().counts_against_remote(), "{err}");
    }
    assert_eq!(rc.breakers().snapshot("flaky").state, BreakerState::Open);
    let local = rc.breakers().snapshot("local");
    assert_eq!(
        (local.state, local.consecutive_failures),
        (BreakerState::Closed, 0),
        "{local:?}"
    );
}

/// A listing of a remote whose server is gone (connection refused) fails within seconds at
/// the layer's real defaults (four attempts), with the network cause, instead of waiting out
/// rclone's own ten tries per attempt (18-38 s each on webdav): after 2 s without an answer a
/// probe on a remote instance of its own asks whether anything answers at all. A listing of
/// the same remote while it is up is unchanged.
#[tokio::test]
async fn a_listing_of_a_dead_server_fails_within_seconds() {
    let served = tempfile::tempdir().unwrap();
    std::fs::write(served.path().join("a.txt"), b"a").unwrap();
    let mut server = fault::WebdavServer::start(served.path());
    let remote = format!("[wd]\ntype = webdav\nurl = http://{}\nvendor = other\n", server.addr);
    let rc = common::start_with_remotes(&remote, |_| {}).await;
    let layer = Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    );
    let cancel = CancellationToken::new();
    let dir = RemotePath::new("wd", "").unwrap();
    let listed = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!(listed.value.len(), 1, "{:?}", listed.value);

    server.kill();
    let started = std::time::Instant::now();
    let err = layer.list(&dir, &cancel).await.unwrap_err();
    let took = started.elapsed();
    eprintln!(
        "listing of a dead webdav server failed after {:.1} s: {err}",
        took.as_secs_f64()
    );
    assert_eq!(err.failure().reason, FailureReason::Network, "{err}");
    // one attempt alone waits 18-38 s without the probe; four attempts with it take ~9 s
    assert!(took < Duration::from_secs(30), "the listing failed only after {took:?}");
}
