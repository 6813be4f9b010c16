//! Compare and one-way sync against a real rclone, on local folders and on `rclone serve
//! webdav`: a tree with every state compares right; the preview writes nothing; the run does
//! exactly what the preview showed and leaves both trees equal, with every replaced or
//! deleted file in the backup place; the delete guard refuses before anything is written;
//! rclone killed mid-sync, and the runner dropped mid-sync, resume exactly.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use rcmd_core::{
    batch::{sync::plan, BatchControl, Processor, ProcessorConfig, Store, SyncError, SyncRequest},
    compare::{compare, CompareRequest, Comparison},
    events::EventBus,
    resilience::layer::{ResilienceConfig, Resilient},
    types::{BackupPlace, BatchStatus, CompareMode, CompareState, DeleteGuard, Direction, FilterSpec, ItemState},
};
use tokio_util::sync::CancellationToken;

const T0: u64 = 1_767_225_600; // 2026-01-01
const NFC: &str = "caf\u{e9}.txt";
const NFD: &str = "cafe\u{301}.txt";

fn write(path: &Path, body: &[u8], unix: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + Duration::from_secs(unix))
        .unwrap();
}

/// Every state: only left, only right, same size other bytes, same bytes other time, nested
/// folders only on one side, names differing only by case, one name in two Unicode forms, a
/// 0-byte file, a file where the other side has a folder (both ways).
fn every_state(left: &Path, right: &Path) {
    write(&left.join("only-left.txt"), b"left only", T0);
    write(&right.join("only-right.txt"), b"right only", T0);
    write(&left.join("same-size.txt"), b"aaaa", T0);
    write(&right.join("same-size.txt"), b"bbbb", T0);
    write(&left.join("same-bytes.txt"), b"same bytes", T0);
    write(&right.join("same-bytes.txt"), b"same bytes", T0 + 86_400);
    write(&left.join("l1/l2/l3/deep.txt"), b"deep left", T0);
    write(&right.join("r1/r2/deep.txt"), b"deep right", T0);
    write(&left.join("Case.txt"), b"upper", T0);
    write(&right.join("case.txt"), b"lower", T0);
    write(&left.join(NFC), b"cafe", T0);
    write(&right.join(NFD), b"cafe", T0);
    write(&left.join("zero.bin"), b"", T0);
    write(&left.join("fx"), b"a file on the left", T0);
    write(&right.join("fx/in.txt"), b"a folder on the right", T0);
    write(&left.join("fy/in.txt"), b"a folder on the left", T0);
    write(&right.join("fy"), b"a file on the right", T0);
    write(&left.join("keep/both.txt"), b"both", T0);
    write(&right.join("keep/both.txt"), b"both", T0);
}

fn expected_states() -> BTreeMap<String, CompareState> {
    use CompareState::*;
    [
        ("Case.txt", OnlyLeft),
        ("case.txt", OnlyRight),
        (NFC, Same),
        ("fx", OnlyLeft),
        ("fx/in.txt", OnlyRight),
        ("fy", OnlyRight),
        ("fy/in.txt", OnlyLeft),
        ("keep/both.txt", Same),
        ("l1/l2/l3/deep.txt", OnlyLeft),
        ("only-left.txt", OnlyLeft),
        ("only-right.txt", OnlyRight),
        ("r1/r2/deep.txt", OnlyRight),
        ("same-bytes.txt", Same),
        ("same-size.txt", Differ),
        ("zero.bin", OnlyLeft),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_owned(), s))
    .collect()
}

/// Every file below `root` with its bytes and modification time, and every folder.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<std::time::SystemTime>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, Option<std::time::SystemTime>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_owned();
            if p.is_dir() {
                out.insert(rel.join(""), (vec![], None));
                walk(root, &p, out);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().ok();
                out.insert(rel, (std::fs::read(&p).unwrap(), m));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn layer(rc: &common::Rclone) -> Arc<Resilient> {
    // the supervisor: calls reach rclone's successor after it is killed
    Arc::new(Resilient::new(
        Arc::new(rc.supervisor.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ))
}

fn processor(rc: &common::Rclone, store: Store) -> Processor {
    Processor::new(store, layer(rc), ProcessorConfig::new(rc.dir.path().join("work")))
}

async fn run_compare(rc: &common::Rclone, left: &str, right: &str, mode: CompareMode) -> Comparison {
    compare_with(rc, left, right, mode, false).await
}

/// `download`: compare the bytes (for a side without a hash the other side has).
async fn compare_with(rc: &common::Rclone, left: &str, right: &str, mode: CompareMode, download: bool) -> Comparison {
    let mut req = CompareRequest::new(left, right, FilterSpec::default(), mode).unwrap();
    req.download = download;
    compare(&layer(rc), &req, &CancellationToken::new(), Arc::new(|_| {}))
        .await
        .unwrap()
}

/// [`common::tree::same_tree`] with names compared in Unicode NFC: a name kept in its other
/// form on one side is the same file to rclone.
fn same_tree_nfc(a: &Path, b: &Path) {
    use unicode_normalization::UnicodeNormalization;
    let files = |root: &Path| -> BTreeMap<String, Vec<u8>> {
        snapshot(root)
            .into_iter()
            .filter(|(_, (_, t))| t.is_some())
            .map(|(p, (bytes, _))| (p.to_string_lossy().nfc().collect(), bytes))
            .collect()
    };
    assert_eq!(files(a), files(b));
}

/// Files (relative paths) under the dated backup folder of `parent`'s `.rcmd-backup`.
fn backed_up(backup_root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (p, (bytes, time)) in snapshot(backup_root) {
        if time.is_some() {
            out.insert(p.to_string_lossy().into_owned(), bytes);
        }
    }
    out
}

/// The whole story on one pair of folders: compare, preview (nothing written), run (exactly
/// the preview), equal trees, backups of every replaced or deleted file.
async fn compare_preview_and_sync(
    rc: &common::Rclone,
    left_dir: &Path,
    right_dir: &Path,
    left: &str,
    right: &str,
    download: bool,
) {
    every_state(left_dir, right_dir);
    let before = snapshot(right_dir);
    let c = compare_with(rc, left, right, CompareMode::Mirror, download).await;
    let got: BTreeMap<String, CompareState> = c.rows.iter().map(|r| (r.path.clone(), r.state)).collect();
    assert_eq!(got, expected_states());
    let row = |p: &str| c.rows.iter().find(|r| r.path == p).unwrap();
    assert_eq!(row(NFC).right_path(), NFD, "one name in two forms is one row");
    assert_eq!(row("same-size.txt").left.as_ref().unwrap().size, 4);
    assert_eq!(row("same-size.txt").right.as_ref().unwrap().size, 4);
    assert_eq!(row("zero.bin").left.as_ref().unwrap().size, 0);
    assert_eq!(row("same-size.txt").direction, Direction::Right);
    assert_eq!(row("case.txt").direction, Direction::DeleteRight);
    assert_eq!(row(NFC).direction, Direction::Skip);

    // the preview: planned, nothing written anywhere
    let mut req = SyncRequest::from_comparison(&c);
    req.guard = DeleteGuard {
        max_files: None,
        max_percent: Some(80),
    };
    let preview = plan(&req, "preview").unwrap().preview;
    assert_eq!(preview.refused, None);
    assert_eq!(snapshot(right_dir), before, "the preview wrote nothing");
    let backups = right_dir.parent().unwrap().join(".rcmd-backup");
    assert!(!backups.exists(), "the preview made no backup folder");

    // the run: the same list, in the same order
    let store = Store::open(&rc.dir.path().join("rcmd.db")).await.unwrap();
    let p = processor(rc, store.clone());
    let (id, created) = p.create_sync(&req).await.unwrap();
    assert_eq!(
        created.actions, preview.actions,
        "the batch holds what the preview showed"
    );
    let end = p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(end.status, BatchStatus::Completed, "{end:?}");
    let ran: Vec<_> = store.sync_actions(id).await.unwrap();
    assert_eq!(
        ran.iter().map(|(p, d, _)| (p.clone(), *d)).collect::<Vec<_>>(),
        preview
            .actions
            .iter()
            .map(|a| (a.path.clone(), a.direction))
            .collect::<Vec<_>>()
    );
    assert!(ran.iter().all(|(_, _, s)| *s == ItemState::Done), "{ran:?}");

    // both trees hold the same files with the same bytes, no folder left behind on the right
    same_tree_nfc(left_dir, right_dir);
    for gone in ["fx", "r1", "fy/in.txt"] {
        let p = right_dir.join(gone);
        assert!(!p.is_dir() || gone == "fy/in.txt", "{gone} left behind as a folder");
    }
    assert!(
        !right_dir.join("r1").exists(),
        "the emptied folders went with their files"
    );

    // every replaced or deleted file of the right is in the backup place with its old bytes
    let stamp_dirs: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(stamp_dirs.len(), 1, "one dated backup folder: {stamp_dirs:?}");
    let name = right_dir.file_name().unwrap();
    let kept = backed_up(&stamp_dirs[0].join(name));
    let want: BTreeMap<String, Vec<u8>> = [
        ("case.txt", &b"lower"[..]),
        ("fx/in.txt", b"a folder on the right"),
        ("fy", b"a file on the right"),
        ("only-right.txt", b"right only"),
        ("r1/r2/deep.txt", b"deep right"),
        ("same-size.txt", b"bbbb"),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_owned(), b.to_vec()))
    .collect();
    assert_eq!(kept, want);

    // compared again: nothing left to do
    let again = compare_with(rc, left, right, CompareMode::Mirror, download).await;
    assert_eq!(again.counts().actions(), 0, "{:?}", again.rows);
}

#[tokio::test]
async fn local_folders_compare_every_state_and_sync_equal_with_backups() {
    let rc = common::start().await;
    let (l, r) = (rc.data().join("sync/left"), rc.data().join("sync/right"));
    compare_preview_and_sync(&rc, &l, &r, "local:sync/left", "local:sync/right", false).await;
}

#[tokio::test]
async fn a_webdav_right_side_compares_every_state_and_syncs_equal_with_backups() {
    let served = tempfile::tempdir().unwrap();
    let server = common::fault::WebdavServer::start(served.path());
    let rc = common::start_with_remotes(
        &format!("[wd]\ntype = webdav\nurl = http://{}\nvendor = other\n", server.addr),
        |_| {},
    )
    .await;
    let l = rc.data().join("left");
    let r = served.path().join("w/right");
    // webdav has no hash in common with local: by hash alone rclone compares sizes only, and
    // says so; the bytes tell the same-size file apart
    every_state(&l, &r);
    let by_size = run_compare(&rc, "local:left", "wd:w/right", CompareMode::Mirror).await;
    assert_eq!(by_size.hash, None, "no common hash");
    assert!(by_size.by_size_only());
    let row = by_size.rows.iter().find(|r| r.path == "same-size.txt").unwrap();
    assert_eq!(
        row.state,
        CompareState::Same,
        "sizes only: the same-size file looks the same"
    );
    std::fs::remove_dir_all(&l).unwrap();
    std::fs::remove_dir_all(&r).unwrap();
    compare_preview_and_sync(&rc, &l, &r, "local:left", "wd:w/right", true).await;
}

#[tokio::test]
async fn the_delete_guard_refuses_before_anything_is_written() {
    let rc = common::start().await;
    let (l, r) = (rc.data().join("g/left"), rc.data().join("g/right"));
    write(&l.join("a.txt"), b"a", T0);
    for i in 0..9 {
        write(&r.join(format!("old{i}.txt")), b"old", T0);
    }
    write(&r.join("a.txt"), b"a", T0);
    let before = snapshot(&r);
    let c = run_compare(&rc, "local:g/left", "local:g/right", CompareMode::Mirror).await;
    let store = Store::open_memory().await.unwrap();
    let p = processor(&rc, store.clone());
    let req = SyncRequest::from_comparison(&c);
    let err = p.create_sync(&req).await.unwrap_err();
    let SyncError::Refused(why) = err else { panic!("{err}") };
    assert!(
        why.contains("9 of 10 files on the right") && why.contains("50 %"),
        "{why}"
    );
    assert!(store.list().await.unwrap().is_empty(), "no batch was recorded");
    assert_eq!(snapshot(&r), before, "nothing written");
    // a count limit refuses too; raised limits let it run
    let mut req = req;
    req.guard = DeleteGuard {
        max_files: Some(8),
        max_percent: None,
    };
    assert!(matches!(p.create_sync(&req).await, Err(SyncError::Refused(_))));
    req.guard.max_files = Some(9);
    req.backup = BackupPlace::Off;
    let (id, _) = p.create_sync(&req).await.unwrap();
    let end = p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(end.status, BatchStatus::Completed);
    common::tree::same_tree(&l, &r);
    assert!(!rc.data().join("g/.rcmd-backup").exists(), "backups off: none made");
}

#[tokio::test]
async fn filters_apply_to_the_compare_and_so_to_the_run() {
    let rc = common::start().await;
    let (l, r) = (rc.data().join("f/left"), rc.data().join("f/right"));
    write(&l.join("a.jpg"), b"jpg", T0);
    write(&l.join("b.txt"), b"txt", T0);
    write(&l.join("tmp/c.jpg"), b"tmp jpg", T0);
    write(&l.join("big.jpg"), &[1u8; 5000], T0);
    write(&l.join("skipme/.nosync"), b"", T0);
    write(&l.join("skipme/d.jpg"), b"marked", T0);
    write(&r.join("z.txt"), b"not covered: stays", T0);
    let filter = FilterSpec {
        include: vec!["*.jpg".into()],
        exclude: vec!["tmp/**".into()],
        max_size: Some("1k".into()),
        exclude_if_present: Some(".nosync".into()),
        ..FilterSpec::default()
    };
    let req = CompareRequest::new("local:f/left", "local:f/right", filter, CompareMode::Mirror).unwrap();
    let c = compare(&layer(&rc), &req, &CancellationToken::new(), Arc::new(|_| {}))
        .await
        .unwrap();
    let paths: Vec<_> = c.rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, vec!["a.jpg"], "only what the filter covers is compared");
    let p = processor(&rc, Store::open_memory().await.unwrap());
    let (id, _) = p.create_sync(&SyncRequest::from_comparison(&c)).await.unwrap();
    p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    let mut there: Vec<_> = std::fs::read_dir(&r)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    there.sort();
    assert_eq!(
        there,
        vec!["a.jpg", "z.txt"],
        "the file outside the filter was not deleted"
    );
    let bad = CompareRequest::new(
        "local:f/left",
        "local:f/right",
        FilterSpec {
            min_age: Some("yesterday".into()),
            ..FilterSpec::default()
        },
        CompareMode::Mirror,
    );
    assert!(bad.is_err_and(|e| e.to_string().contains("not an age")));
}

/// Waits until `n` items of batch `id` are done (true) or its run ended (false).
async fn wait_done<T>(store: &Store, id: i64, n: u64, run: &tokio::task::JoinHandle<T>) -> bool {
    let start = std::time::Instant::now();
    loop {
        let c = store.batch(id).await.unwrap().counts;
        if c.done >= n {
            return true;
        }
        if run.is_finished() {
            return false;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "stuck at {c:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_sync_resumes_exactly_after_rclone_is_killed_and_after_the_runner_is_dropped() {
    let rc = common::start_with(|c| c.extra_args = vec!["--bwlimit=2M".into()]).await;
    let (l, r) = (rc.data().join("k/left"), rc.data().join("k/right"));
    for i in 0..40u32 {
        let body: Vec<u8> = (0..200_000u32).map(|j| (j as u8).wrapping_add(i as u8)).collect();
        write(&l.join(format!("d{}/f{i:02}.bin", i % 3)), &body, T0);
        if i % 4 == 0 {
            // replaced on the right: the old bytes must end in the backup place
            write(&r.join(format!("d{}/f{i:02}.bin", i % 3)), b"old right", T0);
        }
    }
    for i in 0..6 {
        write(&r.join(format!("extra/e{i}.txt")), b"deleted by the sync", T0);
    }
    let c = run_compare(&rc, "local:k/left", "local:k/right", CompareMode::Mirror).await;
    let db = rc.dir.path().join("k.db");
    let store = Store::open(&db).await.unwrap();
    let mut cfg = ProcessorConfig::new(rc.dir.path().join("work"));
    cfg.chunk_items = 8;
    let p = Processor::new(store.clone(), layer(&rc), cfg.clone());
    let mut req = SyncRequest::from_comparison(&c);
    req.guard.max_percent = None;
    let (id, preview) = p.create_sync(&req).await.unwrap();
    assert_eq!(preview.counts.to_right, 40);
    assert_eq!(preview.counts.delete_right, 6);

    // the runner dies mid-chunk (dropped with the app), rclone is SIGKILLed mid-chunk
    let run = {
        let p = p.clone();
        tokio::spawn(async move { p.run(id, &BatchControl::default(), Arc::new(|_| {})).await })
    };
    wait_done(&store, id, 8, &run).await;
    run.abort();
    let _ = run.await;
    common::kill_rclone(&rc).await;
    assert!(store.batch(id).await.unwrap().counts.done < 46, "stopped mid-sync");

    // a new runner on the same database (the lease is its dead self's): in-flight items are
    // verified; rclone killed again mid-chunk pauses it, and a resume finishes it
    let mut p2 = Processor::new(Store::open(&db).await.unwrap(), layer(&rc), cfg);
    p2.owner = p.owner.clone();
    let run = {
        let p2 = p2.clone();
        tokio::spawn(async move { p2.run(id, &BatchControl::default(), Arc::new(|_| {})).await })
    };
    if wait_done(&store, id, 24, &run).await {
        common::kill_rclone(&rc).await;
    }
    let mut end = run.await.unwrap().unwrap();
    for _ in 0..3 {
        if end.status == BatchStatus::Completed {
            break;
        }
        assert_eq!(end.status, BatchStatus::Paused, "{end:?}");
        end = p2.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    }
    assert_eq!(end.status, BatchStatus::Completed, "{end:?}");
    assert_eq!((end.counts.done, end.counts.failed), (46, 0));
    common::tree::same_tree(&l, &r);
    assert!(!r.join("extra").exists());
    let stamp = std::fs::read_dir(rc.data().join("k/.rcmd-backup"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let kept = backed_up(&stamp.join("right"));
    assert_eq!(kept.len(), 10 + 6, "{:?}", kept.keys());
    assert!(kept.iter().all(|(p, b)| if p.starts_with("extra/") {
        b == b"deleted by the sync"
    } else {
        b == b"old right"
    }));
}
