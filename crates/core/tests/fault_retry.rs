//! Retries through the resilient layer against a real rclone and a real webdav server:
//! transient faults are retried until success, persistent ones stop at the attempt limit,
//! permanent ones are never retried, a Retry-After on the RC connection is honoured, and a
//! call survives the sidecar being killed under it.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::fault::{self, Fault, FaultProxy};
use rcmd_core::{
    events::EventBus,
    rc::RcClient,
    remote_path::RemotePath,
    resilience::{
        breaker::BreakerConfig,
        layer::{ResilienceConfig, Resilient},
        retry::{Backoff, Classify, RetryPolicy},
    },
    types::FailureReason,
    Error,
};
use tokio_util::sync::CancellationToken;

fn cfg(max_attempts: u32) -> ResilienceConfig {
    ResilienceConfig {
        retry: RetryPolicy {
            max_attempts,
            max_retry_after: Duration::from_secs(30),
        },
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(100),
        },
        // keep the breaker out of these scenarios
        breaker: BreakerConfig {
            consecutive_failures: 1000,
            min_calls: 1000,
            ..BreakerConfig::default()
        },
        ..ResilienceConfig::default()
    }
}

#[tokio::test]
async fn transient_faults_are_retried_until_success() {
    let f = fault::start().await;
    let layer = Resilient::new(Arc::new(f.rc.client.clone()), cfg(4), EventBus::default());
    let dir = RemotePath::new("flaky", "dir").unwrap();
    let cancel = CancellationToken::new();
    layer.list(&dir, &cancel).await.unwrap(); // warm rclone's fs cache

    let before = f.proxy.requests();
    f.proxy.push([
        Fault::Status {
            code: 503,
            retry_after: None,
        },
        Fault::Reset,
        Fault::Status {
            code: 429,
            retry_after: Some(1),
        },
    ]);
    let served = layer.list(&dir, &cancel).await.unwrap();
    assert_eq!(served.value.len(), 1);
    assert_eq!(served.stale_ms, None);
    assert_eq!(f.proxy.requests() - before, 4, "three faults, then the success");
}

#[tokio::test]
async fn persistent_faults_stop_at_the_limit_and_permanent_ones_are_not_retried() {
    let f = fault::start().await;
    let layer = Resilient::new(Arc::new(f.rc.client.clone()), cfg(3), EventBus::default());
    let dir = RemotePath::new("flaky", "dir").unwrap();
    let cancel = CancellationToken::new();
    layer.list(&dir, &cancel).await.unwrap();

    f.proxy.set(Fault::Status {
        code: 503,
        retry_after: None,
    });
    let before = f.proxy.requests();
    let err = layer.list(&dir, &cancel).await.unwrap_err();
    assert_eq!(err.failure().reason, FailureReason::ServerError);
    assert_eq!(f.proxy.requests() - before, 3, "max_attempts = 3");

    for (code, reason) in [
        (401, FailureReason::Unauthorized),
        (403, FailureReason::Forbidden),
        (507, FailureReason::StorageFull),
    ] {
        f.proxy.set(Fault::Status {
            code,
            retry_after: None,
        });
        let before = f.proxy.requests();
        let err = layer.list(&dir, &cancel).await.unwrap_err();
        assert_eq!(err.failure().reason, reason);
        assert_eq!(f.proxy.requests() - before, 1, "{code} must not be retried");
    }
}

#[tokio::test]
async fn retry_after_on_the_rc_connection_is_honoured() {
    // a proxy in front of rclone's RC port (like an overloaded rproxy) answers 429 once
    let rc = common::start_with(|c| c.listen_tcp = true).await;
    let rc_addr = format!("127.0.0.1:{}", rc.client.base_url().port().unwrap())
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(rc_addr).await;
    let through = RcClient::new(proxy.url().parse().unwrap(), Some(("rcmd".into(), rc_password(&rc))));
    let layer = Resilient::new(Arc::new(through), cfg(3), EventBus::default());
    proxy.push([Fault::Status {
        code: 429,
        retry_after: Some(2),
    }]);
    let started = Instant::now();
    let remotes = layer.list_remotes(&CancellationToken::new()).await.unwrap();
    assert_eq!(remotes, vec!["local", "mem"]);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(proxy.requests(), 2);
}

#[tokio::test]
async fn a_call_survives_the_sidecar_being_killed() {
    let rc = common::start().await;
    let layer = Resilient::new(Arc::new(rc.supervisor.clone()), cfg(6), EventBus::default());
    let pid = match rc.supervisor.state() {
        rcmd_core::types::SidecarState::Ready { pid, .. } => pid,
        s => panic!("{s:?}"),
    };
    common::kill9(pid);
    // rclone is restarting: the layer retries "not ready" until the new process answers
    let listed = layer
        .list(&RemotePath::new("local", "").unwrap(), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(listed.value.len(), 2);
    rc.supervisor.shutdown().await;
}

#[tokio::test]
async fn cancellation_ends_the_retries() {
    let f = fault::start().await;
    let layer = Resilient::new(Arc::new(f.rc.client.clone()), cfg(50), EventBus::default());
    f.proxy.set(Fault::Status {
        code: 503,
        retry_after: None,
    });
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.cancel();
    });
    let started = Instant::now();
    let err = layer
        .list(&RemotePath::new("flaky", "dir").unwrap(), &cancel)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // the cancellation is reported, not the 503 that was being retried
    assert!(matches!(err, Error::Cancelled), "{err:?}");
}

/// The supervisor's RC password, read back from the running rclone's environment (tests only).
fn rc_password(rc: &common::Rclone) -> rcmd_core::secret::Secret {
    let pid = match rc.supervisor.state() {
        rcmd_core::types::SidecarState::Ready { pid, .. } => pid,
        s => panic!("{s:?}"),
    };
    let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let pass = env
        .split(|b| *b == 0)
        .find_map(|kv| kv.strip_prefix(b"RCLONE_RC_PASS="))
        .unwrap();
    rcmd_core::secret::Secret::new(String::from_utf8_lossy(pass))
}
