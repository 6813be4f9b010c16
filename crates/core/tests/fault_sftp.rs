//! The same faults against `rclone serve sftp` (no proxy: SSH is not HTTP): the server killed
//! and restarted, and frozen mid-upload under the stall watchdog. Measured here: after
//! `job/stop`, an sftp upload to a frozen server had not ended 45 s later, so the watchdog
//! reports the stall once its stop grace runs out rather than waiting for rclone.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use common::sftp::SftpServer;

use rcmd_core::{
    ops,
    rc::RcError,
    remote_path::RemotePath,
    resilience::{
        classify::classify,
        watchdog::{run_job, WatchdogConfig},
    },
    types::FailureReason,
};
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

async fn setup() -> (common::Rclone, SftpServer, tempfile::TempDir, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let served = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(served.path().join("dir")).unwrap();
    let sftp = SftpServer::start(served.path(), port);
    let rc = common::start_with(|c| {
        c.extra_args = [
            "--low-level-retries=1",
            "--retries=1",
            "--contimeout=2s",
            "--timeout=30s",
        ]
        .map(String::from)
        .to_vec();
    })
    .await;
    sftp.add_remote(&rc).await;
    (rc, sftp, served, port)
}

#[tokio::test]
async fn sftp_server_killed_then_restarted() {
    let (rc, mut sftp, served, port) = setup().await;
    let dir = RemotePath::new("sftp", "dir").unwrap();
    ops::list(&rc.client, &dir).await.unwrap();

    sftp.kill();
    let _: Value = rc.client.call("fscache/clear", &json!({})).await.unwrap();
    let err = ops::list(&rc.client, &dir).await.unwrap_err();
    let failure = classify(&err);
    eprintln!("sftp down -> {:?}: {err}", failure.reason);
    assert!(failure.retryable, "{err}");
    assert!(
        matches!(failure.reason, FailureReason::Network | FailureReason::Timeout),
        "{err}"
    );

    let _sftp = SftpServer::start(served.path(), port);
    ops::list(&rc.client, &dir).await.unwrap();
}

#[tokio::test]
async fn watchdog_stops_an_upload_to_a_frozen_sftp_server() {
    let (rc, sftp, _served, _) = setup().await;
    std::fs::write(rc.data().join("big.bin"), vec![7u8; 256 * 1024 * 1024]).unwrap();
    let mut params = Map::new();
    params.insert("srcFs".into(), json!("local:"));
    params.insert("srcRemote".into(), json!("big.bin"));
    params.insert("dstFs".into(), json!("sftp:dir"));
    params.insert("dstRemote".into(), json!("big.bin"));
    let cfg = WatchdogConfig {
        stall_after: Duration::from_secs(3),
        poll: Duration::from_millis(200),
        stop_grace: Duration::from_secs(10),
        ..WatchdogConfig::default()
    };
    let mut frozen_at = None;
    let mut bytes_at_freeze = 0;
    let started = Instant::now();
    let err = run_job(
        &rc.client,
        "operations/copyfile",
        params,
        "test/sftp",
        &cfg,
        &CancellationToken::new(),
        |u| {
            if frozen_at.is_none() && u.stats.bytes > 0 {
                sftp.signal("-STOP");
                frozen_at = Some(Instant::now());
                bytes_at_freeze = u.stats.bytes;
            }
        },
    )
    .await
    .expect_err("a frozen server cannot finish the upload");
    // stopped as stalled; sftp jobs often outlive job/stop by minutes, and then the watchdog
    // says the job may still be writing (nothing may be redone yet) instead of "stalled"
    match &err {
        RcError::Stalled { .. } => assert!(classify(&err).retryable),
        RcError::JobNotStopped { .. } => assert!(!classify(&err).retryable),
        other => panic!("{other:?}"),
    }
    let frozen_at = frozen_at.expect("the upload started");
    eprintln!(
        "sftp: froze after {bytes_at_freeze} bytes; watchdog returned {:?} after the freeze ({:?} in all)",
        frozen_at.elapsed(),
        started.elapsed()
    );
    sftp.signal("-CONT");
}
