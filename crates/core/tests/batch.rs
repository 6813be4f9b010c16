//! Batches against a real rclone: completion with a verified destination, partial success
//! with a report, pause on a high failure rate, exact resume after rclone is SIGKILLed
//! mid-chunk (nothing uploaded twice but what was in flight), pause and cancel.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{
    fault::{self, Fault},
    tree::{make_tree, same_tree},
};
use rcmd_core::{
    batch::{plan, BatchControl, Processor, ProcessorConfig, Store},
    events::EventBus,
    remote_path::RemotePath,
    resilience::{
        breaker::BreakerConfig,
        layer::{RcSource, ResilienceConfig, Resilient},
        retry::{Backoff, RetryPolicy},
        watchdog::WatchdogConfig,
    },
    types::{BatchInfo, BatchKind, BatchProgress, BatchStatus, FailureClass, FailureReason},
};

fn layer(source: Arc<dyn RcSource>) -> Arc<Resilient> {
    let cfg = ResilienceConfig {
        retry: RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        },
        backoff: Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(200),
        },
        breaker: BreakerConfig {
            consecutive_failures: 100,
            min_calls: 1000,
            ..BreakerConfig::default()
        },
        ..ResilienceConfig::default()
    };
    Arc::new(Resilient::new(source, cfg, EventBus::default()))
}

fn processor(store: Store, rc: Arc<Resilient>, work: &Path, chunk_items: i64) -> Processor {
    let mut cfg = ProcessorConfig::new(work.join("work"));
    cfg.chunk_items = chunk_items;
    cfg.backoff = Backoff {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(100),
    };
    Processor::new(store, rc, cfg)
}

fn no_progress() -> Arc<dyn Fn(BatchProgress) + Send + Sync> {
    Arc::new(|_| {})
}

async fn plan_batch(store: &Store, rc: &common::Rclone, kind: BatchKind, src: &str, dst: Option<&str>) -> i64 {
    let src_path = RemotePath::parse(src).unwrap();
    let items = plan::expand(&rc.client, &src_path).await.unwrap();
    store.create(kind, src, dst, &items).await.unwrap()
}

#[tokio::test]
async fn copies_a_tree_in_chunks_and_verifies_it() {
    let rc = common::start().await;
    make_tree(&rc.data().join("src"), 500);
    // a folder name that would break a sqlite:// URL
    let store = Store::open(&rc.dir.path().join("db #1?/rcmd.db")).await.unwrap();
    let id = plan_batch(&store, &rc, BatchKind::Copy, "local:src", Some("local:dst")).await;
    assert_eq!(store.batch(id).await.unwrap().counts.pending, 500);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let progress: Arc<dyn Fn(BatchProgress) + Send + Sync> = Arc::new(move |p| s2.lock().unwrap().push(p));
    let p = processor(store.clone(), layer(Arc::new(rc.client.clone())), rc.dir.path(), 120);
    let done = p.run(id, &BatchControl::default(), progress).await.unwrap();
    assert_eq!(done.status, BatchStatus::Completed);
    assert_eq!((done.counts.done, done.counts.failed, done.counts.pending), (500, 0, 0));
    assert_eq!(done.counts.bytes_done, done.counts.bytes_total);
    same_tree(&rc.data().join("src"), &rc.data().join("dst"));
    // 5 chunks of at most 120 items, each claimed once
    assert!(store
        .attempts(id)
        .await
        .unwrap()
        .iter()
        .all(|(_, a, s)| *a == 1 && s == "done"));
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!((last.items_done, last.items_total), (500, 500));
    // a finished batch does not run again
    let again = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!(again.status, BatchStatus::Completed);
}

#[tokio::test]
async fn partial_success_reports_each_failed_item() {
    let f = fault::start().await;
    make_tree(&f.rc.data().join("src"), 40);
    // d3/ uploads are refused: permanent
    f.proxy.fail_paths(
        "/d3/",
        Fault::Status {
            code: 403,
            retry_after: None,
        },
    );
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    let p = processor(
        store.clone(),
        layer(Arc::new(f.rc.client.clone())),
        f.rc.dir.path(),
        100,
    );
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    let d3 = (0..40).filter(|i| i % 7 == 3).count() as u64;
    assert_eq!(done.status, BatchStatus::CompletedWithErrors);
    assert_eq!((done.counts.done, done.counts.failed), (40 - d3, d3));

    let report = store.report(id).await.unwrap();
    assert_eq!(report.failed.len() as u64, d3);
    for item in &report.failed {
        assert!(item.path.starts_with("d3/"), "{}", item.path);
        assert_eq!(item.class, Some(FailureClass::Permanent));
        assert_eq!(item.reason, Some(FailureReason::Forbidden));
        assert!(item.error.contains("403"), "{}", item.error);
        assert!(item.suggestion_en.contains("permissions"));
        assert!(!item.retryable);
        assert_eq!(item.attempts, 1, "permanent failures are not retried");
    }
    // the cause fixed (uploads to d3/ allowed again), "retry failed" finishes the batch
    f.proxy.clear_path_faults();
    assert_eq!(store.retry_failed(id).await.unwrap(), d3);
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!((done.status, done.counts.done), (BatchStatus::Completed, 40));
}

#[tokio::test]
async fn a_high_failure_rate_pauses_the_batch_resumably() {
    let f = fault::start().await;
    make_tree(&f.rc.data().join("src"), 60);
    f.proxy.set_for(
        "PUT",
        Some(Fault::Status {
            code: 503,
            retry_after: None,
        }),
    );
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    let mut p = processor(store.clone(), layer(Arc::new(f.rc.client.clone())), f.rc.dir.path(), 10);
    p.cfg.failure_window = 20;
    let paused = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!(paused.status, BatchStatus::Paused);
    assert!(
        paused.pause_reason.as_deref().unwrap_or("").contains("failed"),
        "{:?}",
        paused.pause_reason
    );
    // retryable failures wait in the queue: nothing lost
    assert_eq!(paused.counts.done + paused.counts.failed + paused.counts.pending, 60);
    assert_eq!(
        paused.counts.failed, 0,
        "retryable items stay queued until their attempts run out"
    );

    // the server recovers; resuming finishes the batch
    f.proxy.set_for("PUT", None);
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!(done.status, BatchStatus::Completed, "{done:?}");
    assert_eq!(done.counts.done, 60);
}

#[tokio::test]
async fn resumes_exactly_after_rclone_is_killed_mid_chunk() {
    let f = fault::start().await;
    let n = 600;
    make_tree(&f.rc.data().join("src"), n);
    // slow uploads down so the kills land mid-chunk
    f.proxy.set_for("PUT", Some(Fault::Delay(Duration::from_millis(15))));
    let store = Store::open(&f.rc.dir.path().join("db/rcmd.db")).await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    let p = processor(
        store.clone(),
        layer(Arc::new(f.rc.supervisor.clone())),
        f.rc.dir.path(),
        200,
    );
    let run = tokio::spawn(async move { p.run(id, &BatchControl::default(), no_progress()).await });

    let mut kills = vec![];
    for at in [100u32, 300, 480] {
        // wait until that many uploads reached the server, then SIGKILL rclone
        let start = std::time::Instant::now();
        while f.proxy.puts().values().sum::<u32>() < at {
            assert!(start.elapsed() < Duration::from_secs(60), "uploads stalled before {at}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let pid = match f.rc.supervisor.state() {
            rcmd_core::types::SidecarState::Ready { pid, .. } => pid,
            s => panic!("rclone not ready at kill point {at}: {s:?}"),
        };
        common::kill9(pid);
        kills.push(pid);
        f.rc.supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
    }
    let done = run.await.unwrap().unwrap();
    assert_eq!(done.status, BatchStatus::Completed, "{done:?}");
    assert_eq!((done.counts.done, done.counts.failed), (n as u64, 0));

    // the destination is complete and identical
    same_tree(&f.rc.data().join("src"), &f.server.dir.join("dst"));
    // nothing uploaded twice except what was in flight at a kill (rclone runs 4 transfers)
    let puts = f.proxy.puts();
    let twice: Vec<_> = puts.iter().filter(|(_, c)| **c > 1).collect();
    assert_eq!(puts.len(), n, "every file uploaded");
    assert!(puts.values().all(|c| *c <= 2), "{twice:?}");
    assert!(
        twice.len() <= 4 * kills.len(),
        "re-uploaded {} files: {twice:?}",
        twice.len()
    );
    eprintln!(
        "3 rclone kills: {} of {n} files uploaded twice (in flight at a kill)",
        twice.len()
    );
    // a crash of rclone is not the items' failure: every item used exactly one attempt
    let attempts = store.attempts(id).await.unwrap();
    let used: Vec<_> = attempts.iter().filter(|(_, a, s)| *a != 1 || s != "done").collect();
    assert!(
        used.is_empty(),
        "{} items used more than one attempt: {:?}",
        used.len(),
        &used[..used.len().min(5)]
    );
}

#[tokio::test]
async fn pause_and_cancel_stop_the_running_job() {
    let f = fault::start().await;
    make_tree(&f.rc.data().join("src"), 300);
    f.proxy.set_for("PUT", Some(Fault::Delay(Duration::from_millis(20))));
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    let p = processor(
        store.clone(),
        layer(Arc::new(f.rc.client.clone())),
        f.rc.dir.path(),
        1000,
    );
    let control = BatchControl::default();
    let (p2, c2) = (p.clone(), control.clone());
    let run = tokio::spawn(async move { p2.run(id, &c2, no_progress()).await });
    while f.proxy.puts().len() < 50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    control.pause.cancel();
    let paused = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(paused.status, BatchStatus::Paused);
    let uploaded = f.proxy.puts().len();
    assert!(uploaded < 300, "the job kept running after pause");
    // what was uploaded is recorded as done (uploads still in flight when the job stopped,
    // at most rclone's 4 transfers, are not); the rest waits
    assert!(
        paused.counts.done >= 50 - 4 && paused.counts.done < 300,
        "{:?}",
        paused.counts
    );
    assert_eq!(paused.counts.done + paused.counts.pending, 300);

    // resume, then cancel
    let control = BatchControl::default();
    let (p2, c2) = (p.clone(), control.clone());
    let run = tokio::spawn(async move { p2.run(id, &c2, no_progress()).await });
    let before = f.proxy.puts().len();
    while f.proxy.puts().len() < before + 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    control.cancel.cancel();
    let cancelled = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.status, BatchStatus::Cancelled);
    assert!(!store.unfinished().await.unwrap().iter().any(|b| b.id == id));
}

#[tokio::test]
async fn move_and_delete_batches() {
    let rc = common::start().await;
    let files = make_tree(&rc.data().join("src"), 120);
    std::fs::create_dir_all(rc.data().join("reference")).unwrap();
    for f in &files {
        let to = rc.data().join("reference").join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(rc.data().join("src").join(f), to).unwrap();
    }
    let store = Store::open_memory().await.unwrap();
    let p = processor(store.clone(), layer(Arc::new(rc.client.clone())), rc.dir.path(), 50);

    let id = plan_batch(&store, &rc, BatchKind::Move, "local:src", Some("local:moved")).await;
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!((done.status, done.counts.done), (BatchStatus::Completed, 120));
    same_tree(&rc.data().join("reference"), &rc.data().join("moved"));
    let left: Vec<_> = files
        .iter()
        .filter(|f| rc.data().join("src").join(f).exists())
        .collect();
    assert!(left.is_empty(), "moved files still at the source: {left:?}");

    let id = plan_batch(&store, &rc, BatchKind::Delete, "local:moved", None).await;
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!((done.status, done.counts.done), (BatchStatus::Completed, 120));
    assert!(files.iter().all(|f| !rc.data().join("moved").join(f).exists()));
}

#[tokio::test]
async fn a_selection_copies_chosen_files_and_folders() {
    let rc = common::start().await;
    make_tree(&rc.data().join("src"), 70);
    std::fs::write(rc.data().join("src/top.txt"), b"top").unwrap();
    let store = Store::open_memory().await.unwrap();
    let root = RemotePath::parse("local:src").unwrap();
    let names = vec!["d1".to_owned(), "top.txt".to_owned()];
    let (items, folders) = plan::selection(&rc.client, &root, &names).await.unwrap();
    assert_eq!(items.len(), 10 + 1, "d1 holds every 7th of 70 files");
    assert_eq!(folders, vec!["d1".to_owned()], "the selected folders");
    assert!(items.iter().all(|i| i.path.starts_with("d1/") || i.path == "top.txt"));
    let id = store
        .create(BatchKind::Copy, "local:src", Some("local:picked"), &items)
        .await
        .unwrap();
    let p = processor(store.clone(), layer(Arc::new(rc.client.clone())), rc.dir.path(), 100);
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!((done.status, done.counts.done), (BatchStatus::Completed, 11));
    same_tree(&rc.data().join("src/d1"), &rc.data().join("picked/d1"));
    assert_eq!(std::fs::read(rc.data().join("picked/top.txt")).unwrap(), b"top");
    assert!(!rc.data().join("picked/d2").exists(), "unselected folder copied");
    // a name that is not in the folder is refused, naming it
    let err = plan::selection(&rc.client, &root, &["nope".to_owned()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

/// The destination's server dies mid-chunk: the batch ends `paused` with the reason (never
/// `running`, never an error), nothing is lost, and once the server is back a resume
/// finishes it with the destination identical to the source.
#[tokio::test]
async fn a_remote_dying_mid_chunk_pauses_the_batch() {
    let mut f = fault::start().await;
    make_tree(&f.rc.data().join("src"), 300);
    f.proxy.set_for("PUT", Some(Fault::Delay(Duration::from_millis(20))));
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    // real breaker defaults: the outage may open the breaker, which also pauses
    let cfg = ResilienceConfig {
        retry: RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
        backoff: Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(200),
        },
        ..ResilienceConfig::default()
    };
    let rc = Arc::new(Resilient::new(Arc::new(f.rc.client.clone()), cfg, EventBus::default()));
    let p = processor(store.clone(), rc, f.rc.dir.path(), 1000);
    let p2 = p.clone();
    let run = tokio::spawn(async move { p2.run(id, &BatchControl::default(), no_progress()).await });
    let start = std::time::Instant::now();
    while f.proxy.puts().len() < 60 {
        assert!(start.elapsed() < Duration::from_secs(60), "uploads did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    f.server.kill();
    let paused = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(paused.status, BatchStatus::Paused, "{paused:?}");
    assert!(!paused.pause_reason.as_deref().unwrap_or("").is_empty(), "{paused:?}");
    assert_eq!(
        store.batch(id).await.unwrap().status,
        BatchStatus::Paused,
        "the database says paused too"
    );
    let c = &paused.counts;
    assert_eq!(c.done + c.pending + c.failed, 300, "{c:?}");
    assert_eq!(c.running, 0, "{c:?}");

    f.server.restart();
    let cfg = ResilienceConfig {
        backoff: Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(200),
        },
        ..ResilienceConfig::default()
    };
    let rc = Arc::new(Resilient::new(Arc::new(f.rc.client.clone()), cfg, EventBus::default()));
    let p = processor(store.clone(), rc, f.rc.dir.path(), 1000);
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!(done.status, BatchStatus::Completed, "{done:?}");
    same_tree(&f.rc.data().join("src"), &f.server.dir.join("dst"));
}

/// Source files deleted after planning are not "done": a `--files-from` job skips them
/// silently, so the chunk is settled from evidence and they end `skipped` with the reason;
/// everything else is done and identical.
#[tokio::test]
async fn a_source_file_that_vanished_is_skipped_not_done() {
    let rc = common::start().await;
    let files = make_tree(&rc.data().join("src"), 60);
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &rc, BatchKind::Copy, "local:src", Some("local:dst")).await;
    let gone = [&files[3], &files[17], &files[42]];
    for f in gone {
        std::fs::remove_file(rc.data().join("src").join(f)).unwrap();
    }
    let p = processor(store.clone(), layer(Arc::new(rc.client.clone())), rc.dir.path(), 25);
    let done = p.run(id, &BatchControl::default(), no_progress()).await.unwrap();
    assert_eq!(done.status, BatchStatus::Completed, "{done:?}");
    assert_eq!(
        (done.counts.done, done.counts.skipped, done.counts.failed),
        (57, 3, 0),
        "{:?}",
        done.counts
    );
    same_tree(&rc.data().join("src"), &rc.data().join("dst"));
    let skipped: Vec<_> = store
        .attempts(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, _, s)| s == "skipped")
        .map(|(p, _, _)| p)
        .collect();
    let mut want: Vec<String> = gone.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(skipped, want);
}

/// Items of a failed chunk are retried one by one as watched jobs: a server that hangs on
/// them cannot hang the batch (the watchdog stops each stalled job), and a pause acts within
/// seconds even in the middle of those retries.
#[tokio::test]
async fn per_item_retries_are_watched_and_pause_promptly() {
    let f = fault::start().await;
    make_tree(&f.rc.data().join("src"), 8);
    // every upload hangs (listings still answer): the chunk stalls, then each item is retried
    // on its own, and hangs again
    f.proxy.set_for("PUT", Some(Fault::Hang));
    let store = Store::open_memory().await.unwrap();
    let id = plan_batch(&store, &f.rc, BatchKind::Copy, "local:src", Some("flaky:dst")).await;
    let mut p = processor(
        store.clone(),
        layer(Arc::new(f.rc.client.clone())),
        f.rc.dir.path(),
        100,
    );
    p.cfg.watchdog = WatchdogConfig {
        stall_after: Duration::from_secs(2),
        poll: Duration::from_millis(200),
        stop_grace: Duration::from_secs(30),
        ..WatchdogConfig::default()
    };
    let control = BatchControl::default();
    let (p2, c2) = (p.clone(), control.clone());
    let run = tokio::spawn(async move { p2.run(id, &c2, no_progress()).await });
    // wait for an item's own retry: a second PUT of the same path
    let start = std::time::Instant::now();
    while !f.proxy.puts().values().any(|n| *n >= 2) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no per-item retry: {:?}",
            f.proxy.puts()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let paused_at = std::time::Instant::now();
    control.pause.cancel();
    let paused = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("pause did not act")
        .unwrap()
        .unwrap();
    eprintln!(
        "paused {:?} after the request, mid per-item retries",
        paused_at.elapsed()
    );
    assert_eq!(paused.status, BatchStatus::Paused, "{paused:?}");
    // nothing arrived; the items whose own retry already stalled wait in the retry queue,
    // the rest as they were: none failed, none lost
    assert_eq!(paused.counts.done, 0, "{:?}", paused.counts);
    assert_eq!(paused.counts.failed, 0, "a pause is not a failure: {:?}", paused.counts);
    assert_eq!(paused.counts.pending, 8, "{:?}", paused.counts);
}

/// What a runner's sink saw: every state it was told.
struct Seen(Mutex<Vec<BatchInfo>>);

impl rcmd_core::batch::RunnerSink for Seen {
    fn state(&self, info: &BatchInfo) {
        self.0.lock().unwrap().push(info.clone());
    }
    fn progress(&self, _: &BatchProgress) {}
}

/// A batch the runner has just started (or resumed) reads "running" at once, to its sink and
/// to whoever asks, never the "queued"/"paused" its store still holds until the run begins:
/// a caller that resumes and then follows it must not see it stopped.
#[tokio::test]
async fn a_started_batch_reads_running_at_once() {
    let rc = common::start().await;
    make_tree(&rc.data().join("src"), 50);
    let store = Store::open(&rc.dir.path().join("rcmd.db")).await.unwrap();
    let id = plan_batch(&store, &rc, BatchKind::Copy, "local:src", Some("local:dst")).await;
    store
        .set_status(id, BatchStatus::Paused, Some("paused by the user"))
        .await
        .unwrap();
    let sink = Arc::new(Seen(Mutex::new(vec![])));
    let runner = rcmd_core::batch::Runner::new(
        processor(store.clone(), layer(Arc::new(rc.client.clone())), rc.dir.path(), 20),
        sink.clone(),
    );
    runner.start(id).await.unwrap();
    let now = runner.batch(id).await.unwrap();
    assert_eq!((now.status, now.pause_reason.as_deref()), (BatchStatus::Running, None));
    assert_eq!(runner.report(id).await.unwrap().batch.status, BatchStatus::Running);
    // the runner tells its sink after the store has the end: wait for what the sink heard
    let told = || -> Vec<BatchStatus> { sink.0.lock().unwrap().iter().map(|b| b.status).collect() };
    let end = std::time::Instant::now() + Duration::from_secs(60);
    while told().last().is_none_or(|s| s.is_resumable()) {
        assert!(
            std::time::Instant::now() < end,
            "the batch did not finish: {:?}",
            told()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let told = told();
    assert_eq!(
        told.first(),
        Some(&BatchStatus::Running),
        "the first state told: {told:?}"
    );
    assert_eq!(told.last(), Some(&BatchStatus::Completed), "{told:?}");
}

/// Stores sharing one id space: a raised floor moves new ids above it, a lower floor never
/// moves them back, and the floor survives reopening.
#[tokio::test]
async fn batch_ids_continue_above_a_raised_floor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batches.db");
    let store = Store::open(&path).await.unwrap();
    let item = |p: &str| rcmd_core::batch::plan::PlannedItem {
        path: p.into(),
        size: 1,
        mod_time: "2026-11-30T00:00:00Z".into(),
    };
    let first = store
        .create(BatchKind::Copy, "a:", Some("b:"), &[item("x")])
        .await
        .unwrap();
    assert_eq!(store.id_floor().await.unwrap(), first);
    store.raise_id_floor(3 << 32).await.unwrap();
    store.raise_id_floor(5).await.unwrap();
    let second = store
        .create(BatchKind::Copy, "a:", Some("b:"), &[item("y")])
        .await
        .unwrap();
    assert_eq!(second, (3 << 32) + 1);
    drop(store);
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.id_floor().await.unwrap() >> 32, 3);
    // a fresh store: the floor comes before any batch
    let fresh = Store::open(&dir.path().join("fresh.db")).await.unwrap();
    assert_eq!(fresh.id_floor().await.unwrap(), 0);
    fresh.raise_id_floor(7 << 32).await.unwrap();
    assert_eq!(
        fresh.create(BatchKind::Delete, "a:", None, &[item("z")]).await.unwrap(),
        (7 << 32) + 1
    );
}
