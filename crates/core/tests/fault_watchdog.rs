//! The stall watchdog against a real transfer whose server stops answering mid-upload: the
//! server frozen (SIGSTOP), and the server killed behind a black-holing network. rclone keeps
//! such jobs running without errors; the watchdog must stop them and report a retryable stall.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::fault::{self, Fault};
use rcmd_core::{
    rc::RcError,
    resilience::{
        classify::classify,
        watchdog::{run_job, JobPhase, WatchdogConfig},
    },
    types::FailureReason,
};
use serde_json::{json, Map};
use tokio_util::sync::CancellationToken;

const STALL_AFTER: Duration = Duration::from_secs(3);

/// Uploads a 64 MiB file to `flaky:` and calls `break_server` once bytes are moving.
/// Returns (time from last progress to the job's end, time from job/stop to the end).
async fn stalled_upload(f: &mut fault::Faulty, break_server: impl FnOnce(&mut fault::Faulty)) -> (Duration, Duration) {
    std::fs::write(f.rc.data().join("big.bin"), vec![0x5au8; 64 * 1024 * 1024]).unwrap();
    // slow the upload down so it is surely in flight when the server breaks
    f.proxy.set_for("PUT", Some(Fault::Delay(Duration::from_millis(1500))));
    let mut params = Map::new();
    params.insert("srcFs".into(), json!("local:"));
    params.insert("srcRemote".into(), json!("big.bin"));
    params.insert("dstFs".into(), json!("flaky:"));
    params.insert("dstRemote".into(), json!("big.bin"));
    let cfg = WatchdogConfig {
        stall_after: STALL_AFTER,
        poll: Duration::from_millis(200),
        stop_grace: Duration::from_secs(120),
        ..WatchdogConfig::default()
    };
    let client = f.rc.client.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let job = tokio::spawn(async move {
        let cancel = CancellationToken::new();
        run_job(
            &client,
            "operations/copyfile",
            params,
            "test/stall",
            &cfg,
            &cancel,
            |u| {
                let _ = tx.send((Instant::now(), u.phase, u.stats.bytes));
            },
        )
        .await
    });
    // wait until rclone has sent some bytes, then break the server
    let mut break_server = Some(break_server);
    let mut last_move = Instant::now();
    let mut last_bytes = 0;
    let mut stop_sent = None;
    let mut ended = None;
    while let Some((at, phase, bytes)) = rx.recv().await {
        if bytes != last_bytes {
            last_bytes = bytes;
            last_move = at;
        }
        if bytes > 0 {
            if let Some(b) = break_server.take() {
                b(f);
            }
        }
        if matches!(phase, JobPhase::Stopping { .. }) && stop_sent.is_none() {
            stop_sent = Some(at);
        }
        if phase == JobPhase::Finished {
            ended = Some(at);
        }
    }
    let result = job.await.unwrap();
    let err = result.expect_err("the stalled job must not succeed");
    assert!(matches!(err, RcError::Stalled { .. }), "{err:?}");
    let failure = classify(&err);
    assert_eq!(failure.reason, FailureReason::Stalled);
    assert!(failure.retryable);
    let ended = ended.unwrap_or_else(Instant::now);
    let (idle, stopping) = (ended - last_move, ended - stop_sent.expect("a stopping phase"));
    assert!(idle >= STALL_AFTER, "stopped after only {idle:?} without progress");
    eprintln!(
        "watchdog: {} bytes sent; job ended {idle:?} after the last progress ({stopping:?} after job/stop)",
        last_bytes
    );
    (idle, stopping)
}

#[tokio::test]
async fn watchdog_stops_a_job_whose_server_froze() {
    let mut f = fault::start().await;
    let (idle, _) = stalled_upload(&mut f, |f| f.server.freeze(true)).await;
    assert!(idle < STALL_AFTER + Duration::from_secs(60), "{idle:?}");
    f.server.freeze(false);
}

#[tokio::test]
async fn watchdog_stops_a_job_whose_server_was_killed() {
    let mut f = fault::start().await;
    // a dead host whose packets vanish: the proxy hangs instead of refusing
    f.proxy.blackhole_when_down(true);
    let (idle, _) = stalled_upload(&mut f, |f| f.server.kill()).await;
    assert!(idle < STALL_AFTER + Duration::from_secs(60), "{idle:?}");
    // the server comes back: the same copy now works
    f.server.restart();
    f.proxy.set_for("PUT", None);
    f.proxy.blackhole_when_down(false);
    // what the killed upload left on the server (a partial file, or nothing)
    let served = f.server.dir.join("big.bin");
    let left = std::fs::read(&served).ok();
    let source = std::fs::read(f.rc.data().join("big.bin")).unwrap();
    let client = f.rc.client.clone();
    let src = rcmd_core::remote_path::RemotePath::new("local", "big.bin").unwrap();
    let dst = rcmd_core::remote_path::RemotePath::new("flaky", "big.bin").unwrap();
    let out = rcmd_core::ops::copy_file(
        &client,
        &src,
        &dst,
        &WatchdogConfig::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(
        std::fs::read(&served).unwrap() == source,
        "the server's copy differs from the source"
    );
    let left_whole = left.as_ref().is_some_and(|l| *l == source);
    eprintln!(
        "after the restart: the server held {:?} bytes before the copy; the copy counted {:?}",
        left.as_ref().map(Vec::len),
        out.stats
    );
    // rclone skips a file the server already holds whole; anything less is sent again in full
    let expected = if left_whole { 0 } else { source.len() as u64 };
    assert_eq!(out.stats.bytes, expected);
}

/// A server-side copy reports no bytes until it ends: a webdav COPY that the server takes
/// 4 s to answer, under a 1 s stall limit, is left to finish (a transfer in flight without
/// byte accounting is server-side work). The same silence during an upload is a stall.
#[tokio::test]
async fn a_slow_server_side_copy_is_not_a_stall() {
    let f = fault::start().await;
    let cfg = WatchdogConfig {
        stall_after: Duration::from_secs(1),
        poll: Duration::from_millis(100),
        ..WatchdogConfig::default()
    };
    f.proxy.set_for("COPY", Some(Fault::Delay(Duration::from_secs(4))));
    let mut params = Map::new();
    params.insert("srcFs".into(), json!("flaky:"));
    params.insert("srcRemote".into(), json!("dir/a.txt"));
    params.insert("dstFs".into(), json!("flaky:"));
    params.insert("dstRemote".into(), json!("dir/copied.txt"));
    let started = Instant::now();
    let mut server_side_seen = false;
    let out = run_job(
        &f.rc.client,
        "operations/copyfile",
        params,
        "test/serverside",
        &cfg,
        &CancellationToken::new(),
        |u| {
            server_side_seen |= u.stats.server_side_in_flight();
        },
    )
    .await;
    let took = started.elapsed();
    out.unwrap_or_else(|e| panic!("a healthy server-side copy was stopped after {took:?}: {e}"));
    assert!(took >= Duration::from_secs(4), "the copy was not server-side? {took:?}");
    assert!(
        server_side_seen,
        "rclone never showed the server-side transfer in flight"
    );
    assert_eq!(std::fs::read(f.server.dir.join("dir/copied.txt")).unwrap(), b"alpha");

    // an upload that goes silent for as long is stopped as stalled
    f.proxy.set_for("PUT", Some(Fault::Hang));
    std::fs::write(f.rc.data().join("up.bin"), vec![1u8; 1024]).unwrap();
    let mut params = Map::new();
    params.insert("srcFs".into(), json!("local:"));
    params.insert("srcRemote".into(), json!("up.bin"));
    params.insert("dstFs".into(), json!("flaky:"));
    params.insert("dstRemote".into(), json!("dir/up.bin"));
    let cfg = WatchdogConfig {
        stop_grace: Duration::from_secs(60),
        ..cfg
    };
    let err = run_job(
        &f.rc.client,
        "operations/copyfile",
        params,
        "test/silent",
        &cfg,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RcError::Stalled { .. }), "{err:?}");
}
