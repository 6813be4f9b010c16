//! Two-way sync pairs against a real rclone, between a local folder and `rclone serve
//! webdav`: the guided resync's preview writes nothing and the resync does what it showed;
//! changes on both sides (new, changed, deleted, renamed, changed on both) converge, with
//! both versions of a conflict kept and deleted files in the backup folder; a side that looks
//! empty or lost its marker stops the run with its class and nothing deleted; the delete
//! guard (percent and count) stops a run before any change; rclone killed mid-run, then the
//! next run recovers; lost listings are a lockout that only a resync ends.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::Runner,
    bisync::{params::session_dir, BisyncError, Pairs},
    types::{BatchInfo, BatchStatus, PairSpec, PairState, ResyncMode, CHECK_FILE},
};
use tokio_util::sync::CancellationToken;

struct Setup {
    rc: common::Rclone,
    server: common::fault::WebdavServer,
    _served: tempfile::TempDir,
    pairs: Pairs,
    runner: Runner,
    work: PathBuf,
}

impl Setup {
    /// Path1: `local:p1` (a folder); path2: the root of `rclone serve webdav`.
    async fn start(extra: &[&str]) -> Setup {
        let served = tempfile::tempdir().unwrap();
        // the server sees changes made behind its back at once (its VFS would cache listings
        // for minutes)
        let server = common::fault::WebdavServer::start_with_flags(served.path(), &["--dir-cache-time=0s"]);
        let remote = format!("[wd]\ntype = webdav\nurl = http://{}\nvendor = rclone\n", server.addr);
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let rc = common::start_with_remotes(&remote, |c| c.extra_args = extra).await;
        std::fs::create_dir_all(rc.data().join("p1")).unwrap();
        let (runner, pairs, _) = common::pairs_runner(&rc).await;
        let work = rc.dir.path().join("work");
        Setup {
            rc,
            server,
            _served: served,
            pairs,
            runner,
            work,
        }
    }

    fn p1(&self) -> PathBuf {
        self.rc.data().join("p1")
    }

    fn p2(&self) -> PathBuf {
        self.server.dir.clone()
    }

    fn spec(&self) -> PairSpec {
        PairSpec::new("docs", "local:p1", "wd:")
    }

    /// Waits for batch `id` to end; its final state.
    async fn finished(&self, id: i64) -> BatchInfo {
        let end = Instant::now() + Duration::from_secs(120);
        loop {
            let b = self.runner.batch(id).await.unwrap();
            if !self.runner.is_running(id) && b.status != BatchStatus::Running {
                return b;
            }
            assert!(Instant::now() < end, "batch {id} still {:?}", b.status);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn run(&self, pair: &str) -> BatchInfo {
        let b = self.pairs.run(pair, None).await.unwrap();
        self.finished(b.id).await
    }

    async fn resync(&self, pair: &str, mode: ResyncMode) -> BatchInfo {
        let b = self.pairs.resync(pair, mode, None).await.unwrap();
        self.finished(b.id).await
    }
}

fn write(path: &Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Every file below `root` (relative path → bytes), the backup folder left out.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel.starts_with(".rcmd-backup") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Files below `root`'s parent's backup folder (any run), by name.
fn backups(side_root_parent: &Path) -> Vec<String> {
    let b = side_root_parent.join(".rcmd-backup");
    if !b.exists() {
        return vec![];
    }
    tree(&b).into_keys().collect()
}

/// Sets up the pair with a previewed resync: the preview says what each side gets and writes
/// nothing; the resync does what it said.
async fn resynced(s: &Setup) {
    write(&s.p1().join("a.txt"), b"only on path1");
    write(&s.p1().join("both.txt"), b"path1 version, longer");
    write(&s.p2().join("b.txt"), b"only on path2");
    write(&s.p2().join("deep/c.txt"), b"deep on path2");
    write(&s.p2().join("both.txt"), b"path2 version");
    // path2's copy of both.txt is the newer one
    let old = std::fs::File::options()
        .write(true)
        .open(s.p1().join("both.txt"))
        .unwrap();
    old.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let id = s.pairs.add(&s.spec()).await.unwrap();
    assert_eq!(s.pairs.find("docs").await.unwrap().state, PairState::New);
    // a run before the resync is refused with the way out
    let refused = s.pairs.run("docs", None).await.unwrap_err();
    assert!(matches!(refused, BisyncError::NeedsResync(..)), "{refused}");

    let (before1, before2) = (tree(&s.p1()), tree(&s.p2()));
    let preview = s
        .pairs
        .preview(&s.spec(), Some(ResyncMode::Newer), &CancellationToken::new())
        .await
        .unwrap();
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let only = |a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    let mut to1 = only(&before2, &before1);
    to1.push("both.txt".into());
    assert_eq!(sorted(&preview.to_path1), sorted(&to1), "{preview:?}");
    assert_eq!(sorted(&preview.to_path2), only(&before1, &before2), "{preview:?}");
    assert!(preview.delete_path1.is_empty() && preview.delete_path2.is_empty());
    // the dry run wrote nothing on either side, and no backup folder
    assert_eq!((tree(&s.p1()), tree(&s.p2())), (before1, before2));
    assert!(backups(s.p1().parent().unwrap()).is_empty());

    let done = s.resync(&id.to_string(), ResyncMode::Newer).await;
    assert_eq!(done.status, BatchStatus::Completed, "{:?}", done.pause_reason);
    let report = s.runner.report(done.id).await.unwrap().bisync.unwrap();
    assert_eq!(report.resync, Some(ResyncMode::Newer));
    let (t1, t2) = (tree(&s.p1()), tree(&s.p2()));
    assert_eq!(t1, t2);
    assert_eq!(t1["both.txt"], b"path2 version", "newer wins");
    assert!(t1.contains_key(CHECK_FILE), "the marker is on both sides");
    assert_eq!(s.pairs.find("docs").await.unwrap().state, PairState::Ready);
    // the replaced older version is in path1's backup folder
    assert!(backups(s.p1().parent().unwrap())
        .iter()
        .any(|b| b.ends_with("both.txt")));
}

#[tokio::test]
async fn changes_on_both_sides_converge_and_conflicts_keep_both_versions() {
    let s = Setup::start(&[]).await;
    resynced(&s).await;
    // path1: new, changed, renamed; path2: new, deleted; both: the same file changed
    write(&s.p1().join("new1.txt"), b"new on path1");
    write(&s.p1().join("a.txt"), b"only on path1, changed");
    std::fs::rename(s.p1().join("deep/c.txt"), s.p1().join("deep/c-renamed.txt")).unwrap();
    write(&s.p2().join("new2.txt"), b"new on path2");
    std::fs::remove_file(s.p2().join("b.txt")).unwrap();
    write(&s.p1().join("both.txt"), b"edited on path1");
    write(&s.p2().join("both.txt"), b"edited on path2, other size");

    // the preview of a normal run is rclone's dry run too
    let preview = s
        .pairs
        .preview(&s.spec(), None, &CancellationToken::new())
        .await
        .unwrap();
    assert!(preview.conflicts.contains(&"both.txt".to_owned()), "{preview:?}");
    assert!(preview.to_path2.contains(&"new1.txt".to_owned()), "{preview:?}");

    let done = s.run("docs").await;
    assert_eq!(done.status, BatchStatus::Completed, "{:?}", done.pause_reason);
    let (t1, t2) = (tree(&s.p1()), tree(&s.p2()));
    assert_eq!(t1, t2, "both sides converge");
    assert_eq!(t1["new1.txt"], b"new on path1");
    assert_eq!(t1["new2.txt"], b"new on path2");
    assert_eq!(t1["a.txt"], b"only on path1, changed");
    assert!(t1.contains_key("deep/c-renamed.txt") && !t1.contains_key("deep/c.txt"));
    assert!(!t1.contains_key("b.txt"));
    // the conflict: both versions kept, on both sides
    assert!(!t1.contains_key("both.txt"));
    assert_eq!(t1["both.txt.conflict1"], b"edited on path1");
    assert_eq!(t1["both.txt.conflict2"], b"edited on path2, other size");
    // deleted files are in the backup folders, not gone
    assert!(backups(s.p1().parent().unwrap()).iter().any(|b| b.ends_with("b.txt")));

    let report = s.runner.report(done.id).await.unwrap().bisync.unwrap();
    assert_eq!(report.pair_name, "docs");
    assert!(report.files_to_path2.contains(&"new1.txt".to_owned()), "{report:?}");
    assert!(report.files_to_path1.contains(&"new2.txt".to_owned()), "{report:?}");
    assert!(report.deleted >= 2, "b.txt and deep/c.txt: {report:?}");
    assert_eq!(report.conflicts.len(), 1, "{report:?}");
    assert_eq!(report.conflicts[0].path, "both.txt");
    assert_eq!(
        report.conflicts[0].versions,
        vec!["both.txt.conflict1", "both.txt.conflict2"]
    );

    // nothing changed: a run copies nothing
    let again = s.run("docs").await;
    assert_eq!(again.status, BatchStatus::Completed);
    let r = s.runner.report(again.id).await.unwrap().bisync.unwrap();
    assert_eq!((r.copied, r.deleted), (0, 0), "{r:?}");
}

#[tokio::test]
async fn a_side_that_looks_empty_stops_the_run_and_deletes_nothing() {
    let s = Setup::start(&[]).await;
    resynced(&s).await;
    let before = tree(&s.p1());
    // path2 "unmounted": its folder empty, the marker gone with everything else
    for e in std::fs::read_dir(s.p2()).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    let done = s.run("docs").await;
    assert_eq!(done.status, BatchStatus::Failed);
    let reason = done.pause_reason.clone().unwrap_or_default();
    assert!(reason.contains(CHECK_FILE) && reason.contains("path2"), "{reason}");
    assert_eq!(tree(&s.p1()), before, "nothing deleted on path1");
    assert!(backups(s.p1().parent().unwrap())
        .iter()
        .all(|b| b.ends_with("both.txt")));
    // not a lockout: the pair goes on once the side is back
    assert_eq!(s.pairs.find("docs").await.unwrap().state, PairState::Ready);
    for (k, v) in &before {
        write(&s.p2().join(k), v);
    }
    let back = s.run("docs").await;
    assert_eq!(back.status, BatchStatus::Completed, "{:?}", back.pause_reason);
}

#[tokio::test]
async fn the_delete_guard_stops_a_run_that_would_delete_too_much() {
    let s = Setup::start(&[]).await;
    for i in 0..10 {
        write(&s.p1().join(format!("f{i}.txt")), format!("file {i}").as_bytes());
    }
    resynced(&s).await;
    let before = tree(&s.p1());
    // 9 of the 15 files on path2 gone (60 %; the marker stays): over the default 50 %
    for i in 0..9 {
        std::fs::remove_file(s.p2().join(format!("f{i}.txt"))).unwrap();
    }
    let done = s.run("docs").await;
    assert_eq!(done.status, BatchStatus::Failed);
    let reason = done.pause_reason.clone().unwrap_or_default();
    assert!(reason.contains("too many deletes"), "{reason}");
    assert_eq!(tree(&s.p1()), before, "nothing deleted on path1");
    assert_eq!(s.pairs.find("docs").await.unwrap().state, PairState::Ready);

    // the count limit: 2 deletes when 1 is allowed, refused by the dry run first
    for i in 0..9 {
        write(&s.p2().join(format!("f{i}.txt")), format!("file {i}").as_bytes());
    }
    std::fs::remove_file(s.p2().join("f0.txt")).unwrap();
    std::fs::remove_file(s.p2().join("f1.txt")).unwrap();
    let mut spec = s.spec();
    spec.guard.max_files = Some(1);
    let pair = s.pairs.find("docs").await.unwrap();
    s.pairs.update(pair.id, &spec).await.unwrap();
    let done = s.run("docs").await;
    assert_eq!(done.status, BatchStatus::Failed);
    let reason = done.pause_reason.clone().unwrap_or_default();
    assert!(
        reason.contains("would delete 2 files") && reason.contains("limit is 1"),
        "{reason}"
    );
    assert!(s.p1().join("f0.txt").exists() && s.p1().join("f1.txt").exists());

    // raised: the run deletes them (into the backup folder)
    spec.guard.max_files = Some(5);
    s.pairs.update(pair.id, &spec).await.unwrap();
    let done = s.run("docs").await;
    assert_eq!(done.status, BatchStatus::Completed, "{:?}", done.pause_reason);
    assert!(!s.p1().join("f0.txt").exists());
    assert!(backups(s.p1().parent().unwrap()).iter().any(|b| b.ends_with("f0.txt")));
}

#[tokio::test]
async fn rclone_killed_mid_run_then_the_next_run_recovers_and_a_lockout_needs_a_resync() {
    let s = Setup::start(&["--bwlimit=1M"]).await;
    resynced(&s).await;
    // 3 MB at 1 MB/s: the run is mid-transfer when rclone dies
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write(&s.p1().join("big.bin"), &big);
    write(&s.p2().join("small.txt"), b"from path2");
    let b = s.pairs.run("docs", None).await.unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while !s
        .p2()
        .read_dir()
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().contains("big.bin"))
    {
        assert!(Instant::now() < end, "the copy never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    common::kill_rclone(&s.rc).await;
    let paused = s.finished(b.id).await;
    assert_eq!(
        paused.status,
        BatchStatus::Paused,
        "an outage pauses: {:?}",
        paused.pause_reason
    );
    // bisync's lock of the killed run is still there
    let dir = session_dir(&s.work, &s.spec());
    assert!(std::fs::read_dir(&dir)
        .unwrap()
        .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "lck")));
    let client = s.rc.supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
    let _: serde_json::Value = client
        .call("core/bwlimit", &serde_json::json!({ "rate": "off" }))
        .await
        .unwrap();
    // the next run goes on with the paused one: the stale lock is expired, bisync recovers
    let again = s.pairs.run("docs", None).await.unwrap();
    assert_eq!(again.id, b.id, "the paused run goes on");
    let done = s.finished(b.id).await;
    assert_eq!(done.status, BatchStatus::Completed, "{:?}", done.pause_reason);
    let (t1, t2) = (tree(&s.p1()), tree(&s.p2()));
    assert_eq!(t1, t2);
    // `rclone serve webdav` writes an upload in place, so the killed copy left a partial
    // big.bin on path2: the recovered run sees big.bin new on both sides and keeps both
    // versions (never the partial one over the full one); without a partial it is a plain copy
    let full: Vec<&String> = t2.iter().filter(|(_, v)| **v == big).map(|(k, _)| k).collect();
    assert_eq!(full.len(), 1, "{:?}", t2.keys().collect::<Vec<_>>());
    assert!(
        full[0] == "big.bin" || full[0].starts_with("big.bin.conflict"),
        "{full:?}"
    );
    assert_eq!(t1["small.txt"], b"from path2");

    // listings lost: a lockout, never a silent resync
    std::fs::remove_dir_all(&dir).unwrap();
    write(&s.p1().join("after.txt"), b"after the lockout");
    let locked = s.run("docs").await;
    assert_eq!(locked.status, BatchStatus::Failed);
    assert!(
        locked.pause_reason.clone().unwrap_or_default().contains("resync"),
        "{:?}",
        locked.pause_reason
    );
    let pair = s.pairs.find("docs").await.unwrap();
    assert_eq!(pair.state, PairState::LockedOut);
    assert!(!s.p2().join("after.txt").exists(), "nothing ran");
    assert!(matches!(
        s.pairs.run("docs", None).await.unwrap_err(),
        BisyncError::NeedsResync(..)
    ));
    // the way out: preview, then resync
    let preview = s
        .pairs
        .preview(&s.spec(), Some(ResyncMode::Newer), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(preview.to_path2, vec!["after.txt"], "{preview:?}");
    let fixed = s.resync("docs", ResyncMode::Newer).await;
    assert_eq!(fixed.status, BatchStatus::Completed, "{:?}", fixed.pause_reason);
    assert_eq!(s.pairs.find("docs").await.unwrap().state, PairState::Ready);
    assert_eq!(tree(&s.p1()), tree(&s.p2()));
    assert_eq!(s.run("docs").await.status, BatchStatus::Completed);
}
