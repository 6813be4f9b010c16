//! Watch mode against a real rclone and real folders: a file created in a watched folder
//! arrives within the quiet time plus the run; a burst of 10,000 changes starts a bounded
//! number of runs; a change during a run is picked up by the next one; a two-way pair's
//! local side is watched too; a 100,000-file tree is watched without a descriptor storm.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::Runner,
    bisync::Pairs,
    schedule::{RunnerLaunch, ScheduleStore, Scheduler, SystemWall},
    types::{BatchKind, Overlap, PairSpec, ResyncMode, RunOutcome, ScheduleSpec, WatchTrigger},
    watch::{Watch, Watches},
};

struct Setup {
    rc: common::Rclone,
    sched: Scheduler,
    watches: Watches,
    pairs: Pairs,
    runner: Runner,
}

async fn setup(extra: &[&str]) -> Setup {
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let rc = common::start_with(|c| c.extra_args = extra).await;
    let (runner, pairs, layer) = common::pairs_runner(&rc).await;
    let sched = Scheduler::new(
        ScheduleStore::new(runner.store().clone()),
        Arc::new(SystemWall),
        Arc::new(RunnerLaunch {
            runner: runner.clone(),
            pairs: pairs.clone(),
        }),
        None,
    );
    // waiting runs start from the tick, as in the app
    sched.clone().tick_every(Duration::from_millis(300));
    let watches = Watches::new(sched.clone(), layer);
    Setup {
        rc,
        sched,
        watches,
        pairs,
        runner,
    }
}

/// A copy from `src` (a local folder) to `dst`, run on change after `quiet` s; its clock
/// run once a year (never during the test).
fn watched(kind: BatchKind, src: &str, dst: &str, quiet: u32) -> ScheduleSpec {
    ScheduleSpec {
        name: "on change".into(),
        cron: "0 0 1 1 *".into(),
        kind,
        src: src.into(),
        dst: Some(dst.into()),
        overlap: Overlap::Skip,
        catch_up: false,
        enabled: true,
        on_conflict: Default::default(),
        sync: None,
        pair: None,
        watch: Some(WatchTrigger { quiet_secs: quiet }),
    }
}

fn local(p: &Path) -> String {
    format!(":local:{}", p.display())
}

async fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    start.elapsed()
}

/// Waits until no run of schedule `id` waits and the batch of its latest run is finished.
async fn settled(s: &Setup, id: i64) {
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let waiting = s.sched.store().waiting(id).await.unwrap();
        let latest = s.sched.store().runs(Some(id), 1).await.unwrap();
        let finished = match latest.first().and_then(|r| r.batch_id) {
            Some(b) => !s.runner.batch(b).await.unwrap().status.is_resumable(),
            None => false,
        };
        if waiting.is_none() && finished {
            return;
        }
        assert!(Instant::now() < end, "runs never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_new_file_arrives_within_the_quiet_time_plus_the_run() {
    let s = setup(&[]).await;
    let (src, dst) = (s.rc.data().join("w-src"), s.rc.data().join("w-dst"));
    std::fs::create_dir_all(&src).unwrap();
    let id = s
        .sched
        .add(&watched(BatchKind::Copy, &local(&src), &local(&dst), 1))
        .await
        .unwrap();
    s.watches.refresh().await;
    let st = s.watches.status();
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].problem, None, "{st:?}");
    assert_eq!(st[0].folders, vec![src.display().to_string()]);

    std::fs::write(src.join("hello.txt"), b"arrives by itself").unwrap();
    let took = wait_for("the copy", Duration::from_secs(30), || dst.join("hello.txt").exists()).await;
    eprintln!("change -> arrival: {} ms (quiet time 1 s)", took.as_millis());
    assert!(
        took >= Duration::from_millis(900),
        "ran before the folder was quiet: {took:?}"
    );
    assert_eq!(std::fs::read(dst.join("hello.txt")).unwrap(), b"arrives by itself");
    let runs = s.sched.store().runs(Some(id), 10).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(
        runs[0].detail.clone().unwrap_or_default().contains("hello.txt"),
        "{runs:?}"
    );

    // switched off: no more runs
    let mut off = watched(BatchKind::Copy, &local(&src), &local(&dst), 1);
    off.watch = None;
    s.sched.update(id, &off).await.unwrap();
    s.watches.refresh().await;
    assert!(s.watches.status().is_empty());
    std::fs::write(src.join("later.txt"), b"not watched").unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!dst.join("later.txt").exists());
}

#[tokio::test]
async fn a_burst_of_10000_changes_starts_a_bounded_number_of_runs_and_a_change_during_a_run_is_not_lost() {
    // slow enough that the burst's run is still going when the last change comes
    let s = setup(&["--bwlimit=2M"]).await;
    let (src, dst) = (s.rc.data().join("b-src"), s.rc.data().join("b-dst"));
    std::fs::create_dir_all(&src).unwrap();
    let id = s
        .sched
        .add(&watched(BatchKind::Copy, &local(&src), &local(&dst), 1))
        .await
        .unwrap();
    s.watches.refresh().await;
    for i in 0..10_000u32 {
        let d = src.join(format!("d{:02}", i % 50));
        if i < 50 {
            std::fs::create_dir_all(&d).unwrap();
        }
        std::fs::write(d.join(format!("f{i:05}.txt")), i.to_string()).unwrap();
    }
    // a big file so the run takes a few seconds
    let big: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(src.join("big.bin"), &big).unwrap();
    wait_for("the burst's run", Duration::from_secs(60), || {
        !s.runner.running_ids().is_empty()
    })
    .await;
    // a change while it runs
    std::fs::write(src.join("during.txt"), b"changed during the run").unwrap();
    settled(&s, id).await;
    let runs = s.sched.store().runs(Some(id), 100).await.unwrap();
    let started = runs
        .iter()
        .filter(|r| matches!(r.outcome, RunOutcome::Started | RunOutcome::StartedLate))
        .count();
    eprintln!(
        "10,000 changes + 1 during the run -> {started} runs: {:?}",
        runs.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
    assert!((2..=4).contains(&started), "{runs:?}");
    assert_eq!(
        std::fs::read(dst.join("during.txt")).unwrap(),
        b"changed during the run"
    );
    assert_eq!(std::fs::read(dst.join("big.bin")).unwrap(), big);
    assert_eq!(std::fs::read(dst.join("d49/f09999.txt")).unwrap(), b"9999");
}

#[tokio::test]
async fn a_two_way_pair_runs_when_its_local_side_changes() {
    let s = setup(&[]).await;
    let (p1, p2) = (s.rc.data().join("pair-1"), s.rc.data().join("pair-2"));
    std::fs::create_dir_all(&p1).unwrap();
    std::fs::create_dir_all(&p2).unwrap();
    let pair = s
        .pairs
        .add(&PairSpec::new("watched pair", &local(&p1), &local(&p2)))
        .await
        .unwrap();
    let b = s
        .pairs
        .resync(&pair.to_string(), ResyncMode::Newer, None)
        .await
        .unwrap();
    wait_for("the resync", Duration::from_secs(60), || !s.runner.is_running(b.id)).await;
    let mut spec = watched(BatchKind::Bisync, &local(&p1), &local(&p2), 1);
    spec.pair = Some(pair);
    s.sched.add(&spec).await.unwrap();
    s.watches.refresh().await;
    let st = s.watches.status();
    assert_eq!(st[0].folders.len(), 2, "both sides are local: {st:?}");
    std::fs::write(p2.join("from-2.txt"), b"made on side 2").unwrap();
    let took = wait_for("the two-way run", Duration::from_secs(30), || {
        p1.join("from-2.txt").exists()
    })
    .await;
    eprintln!("pair: change -> arrival on the other side: {} ms", took.as_millis());
}

/// Descriptors this process holds.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[tokio::test]
async fn a_100000_file_tree_is_watched_without_a_descriptor_storm() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..500u32 {
        let sub = dir.path().join(format!("d{d:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..200u32 {
            std::fs::File::create(sub.join(format!("{f:03}"))).unwrap();
        }
    }
    let before = open_fds();
    let start = Instant::now();
    let mut w = Watch::start(
        &[PathBuf::from(dir.path())],
        Duration::from_millis(300),
        Duration::from_secs(3),
    )
    .unwrap();
    eprintln!(
        "watching 100,000 files in 500 folders: set up in {} ms, {} more descriptors",
        start.elapsed().as_millis(),
        open_fds().saturating_sub(before)
    );
    assert!(
        open_fds() <= before + 8,
        "a descriptor per file or folder: {} -> {}",
        before,
        open_fds()
    );
    std::fs::write(dir.path().join("d499/new"), b"x").unwrap();
    let changed = tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .unwrap()
        .unwrap();
    assert!(changed.ends_with("d499/new"), "{changed:?}");
}

#[test]
fn the_watch_limit_is_explained() {
    let e = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
    let text = rcmd_core::watch::explain(Path::new("/data/photos"), &e);
    assert!(
        text.contains("fs.inotify.max_user_watches") && text.contains("/data/photos"),
        "{text}"
    );
}
