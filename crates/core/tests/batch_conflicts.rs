//! Files that exist at the destination of a copy or move, against a real rclone: planning
//! finds them with both sides' sizes and times; the default policy never replaces a newer
//! destination file; overwrite and skip do what they say, per batch and per file; a
//! destination file that became newer after planning is kept too (rclone's own check, run
//! with every job), and the report says why each kept file was not copied.

#![allow(clippy::unwrap_used)]

mod common;

use std::{collections::BTreeMap, path::Path, sync::Arc, time::Duration};

use rcmd_core::{
    batch::{
        conflict::{KEPT_EXISTING, KEPT_NEWER},
        BatchControl, BatchRequest, Processor, ProcessorConfig, Selection, Store,
    },
    events::EventBus,
    resilience::layer::{ResilienceConfig, Resilient},
    types::{BatchKind, BatchStatus, ConflictPolicy, ItemState, Newer},
};

async fn processor(rc: &common::Rclone) -> Processor {
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    Processor::new(
        Store::open_memory().await.unwrap(),
        layer,
        ProcessorConfig::new(rc.dir.path().join("work")),
    )
}

const DAY: u64 = 86_400;
const T0: u64 = 1_767_225_600; // 2026-01-01

fn write(path: &Path, body: &str, unix: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + Duration::from_secs(unix))
        .unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|_| "<missing>".into())
}

/// src: `old-there.txt` (the destination's copy is newer), `new-here.txt` (the destination's
/// is older), `same.txt` (identical), `fresh.txt` (not at the destination), `sub/deep.txt`
/// (destination's newer).
fn fixture(root: &Path) {
    let (src, dst) = (root.join("src"), root.join("dst"));
    write(&src.join("old-there.txt"), "source v1", T0);
    write(&dst.join("old-there.txt"), "destination v2 (newer)", T0 + DAY);
    write(&src.join("new-here.txt"), "source v2 (newer)", T0 + DAY);
    write(&dst.join("new-here.txt"), "destination v1", T0);
    write(&src.join("same.txt"), "same", T0);
    write(&dst.join("same.txt"), "same", T0);
    write(&src.join("fresh.txt"), "fresh", T0);
    write(&src.join("sub/deep.txt"), "source deep", T0);
    write(&dst.join("sub/deep.txt"), "destination deep (newer)", T0 + 2 * DAY);
}

async fn run(p: &Processor, req: &BatchRequest) -> (i64, rcmd_core::types::BatchInfo) {
    let created = p.create(req).await.unwrap();
    let info = p
        .run(created.id, &BatchControl::default(), Arc::new(|_| {}))
        .await
        .unwrap();
    (created.id, info)
}

async fn results(p: &Processor, id: i64) -> BTreeMap<String, (ItemState, Option<String>)> {
    p.store
        .item_results(id)
        .await
        .unwrap()
        .into_iter()
        .map(|(path, state, why)| (path, (state, why)))
        .collect()
}

fn copy_all(policy: ConflictPolicy, choices: &[(&str, ConflictPolicy)]) -> BatchRequest {
    BatchRequest::new(BatchKind::Copy, "local:src", Some("local:dst"), Selection::All)
        .unwrap()
        .with_conflicts(policy, choices.iter().map(|(p, c)| (p.to_string(), *c)).collect())
}

#[tokio::test]
async fn planning_lists_the_conflicts_with_both_sides() {
    let rc = common::start().await;
    fixture(&rc.data());
    let p = processor(&rc).await;
    let plan = p.plan_conflicts(&copy_all(ConflictPolicy::Update, &[])).await.unwrap();
    assert_eq!(plan.items, 5);
    assert_eq!(plan.total, 4);
    let got: Vec<(&str, Newer)> = plan.conflicts.iter().map(|c| (c.path.as_str(), c.newer)).collect();
    assert_eq!(
        got,
        vec![
            ("new-here.txt", Newer::Source),
            ("old-there.txt", Newer::Destination),
            ("same.txt", Newer::Neither { same_size: true }),
            ("sub/deep.txt", Newer::Destination),
        ]
    );
    let c = &plan.conflicts[1];
    assert_eq!((c.src_size, c.dst_size), (9, 22));
    assert!(
        c.src_time.starts_with("2026-01-01") && c.dst_time.starts_with("2026-01-02"),
        "{c:?}"
    );
    // nothing was created or written
    assert!(p.store.list().await.unwrap().is_empty());
    assert_eq!(read(&rc.data().join("dst/old-there.txt")), "destination v2 (newer)");
}

#[tokio::test]
async fn the_default_never_replaces_a_newer_destination_file() {
    let rc = common::start().await;
    fixture(&rc.data());
    let (src, dst) = (rc.data().join("src"), rc.data().join("dst"));
    let p = processor(&rc).await;
    let (id, info) = run(&p, &copy_all(ConflictPolicy::default(), &[])).await;
    assert_eq!(info.status, BatchStatus::Completed, "{info:?}");
    assert_eq!(info.on_conflict, Some(ConflictPolicy::Update));
    assert_eq!((info.counts.done, info.counts.skipped), (3, 2), "{info:?}");
    assert_eq!(read(&dst.join("old-there.txt")), "destination v2 (newer)");
    assert_eq!(read(&dst.join("sub/deep.txt")), "destination deep (newer)");
    assert_eq!(read(&dst.join("new-here.txt")), "source v2 (newer)");
    assert_eq!(read(&dst.join("fresh.txt")), "fresh");
    let r = results(&p, id).await;
    assert_eq!(r["old-there.txt"], (ItemState::Skipped, Some(KEPT_NEWER.to_owned())));
    assert_eq!(r["sub/deep.txt"].0, ItemState::Skipped);
    assert_eq!(r["same.txt"].0, ItemState::Done);
    // the source is untouched
    assert_eq!(read(&src.join("old-there.txt")), "source v1");
}

#[tokio::test]
async fn overwrite_and_skip_for_all_and_per_file() {
    let rc = common::start().await;
    let p = processor(&rc).await;
    let dst = rc.data().join("dst");

    // overwrite for all: every destination file is the source's
    fixture(&rc.data());
    let (_, info) = run(&p, &copy_all(ConflictPolicy::Overwrite, &[])).await;
    assert_eq!((info.counts.done, info.counts.skipped), (5, 0), "{info:?}");
    assert_eq!(read(&dst.join("old-there.txt")), "source v1");
    assert_eq!(read(&dst.join("sub/deep.txt")), "source deep");

    // skip for all: no existing file changes, even an older one
    std::fs::remove_dir_all(rc.data()).unwrap();
    fixture(&rc.data());
    let (id, info) = run(&p, &copy_all(ConflictPolicy::Skip, &[])).await;
    assert_eq!((info.counts.done, info.counts.skipped), (1, 4), "{info:?}");
    assert_eq!(read(&dst.join("new-here.txt")), "destination v1");
    assert_eq!(read(&dst.join("fresh.txt")), "fresh");
    assert_eq!(results(&p, id).await["new-here.txt"].1.as_deref(), Some(KEPT_EXISTING));

    // the default, with one newer destination file overwritten on purpose and one older
    // one skipped on purpose
    std::fs::remove_dir_all(rc.data()).unwrap();
    fixture(&rc.data());
    let choices = [
        ("old-there.txt", ConflictPolicy::Overwrite),
        ("new-here.txt", ConflictPolicy::Skip),
    ];
    let (_, info) = run(&p, &copy_all(ConflictPolicy::Update, &choices)).await;
    assert_eq!(read(&dst.join("old-there.txt")), "source v1");
    assert_eq!(read(&dst.join("new-here.txt")), "destination v1");
    assert_eq!(read(&dst.join("sub/deep.txt")), "destination deep (newer)");
    assert_eq!((info.counts.done, info.counts.skipped), (3, 2), "{info:?}");
}

#[tokio::test]
async fn a_destination_file_that_became_newer_after_planning_is_kept() {
    let rc = common::start().await;
    fixture(&rc.data());
    let dst = rc.data().join("dst");
    let p = processor(&rc).await;
    let created = p.create(&copy_all(ConflictPolicy::Update, &[])).await.unwrap();
    // between planning and running, someone writes a newer fresh.txt at the destination
    write(&dst.join("fresh.txt"), "written meanwhile (newer)", T0 + 3 * DAY);
    let info = p
        .run(created.id, &BatchControl::default(), Arc::new(|_| {}))
        .await
        .unwrap();
    assert_eq!(read(&dst.join("fresh.txt")), "written meanwhile (newer)");
    assert_eq!(info.status, BatchStatus::Completed, "{info:?}");
    let r = results(&p, created.id).await;
    assert_eq!(
        r["fresh.txt"],
        (ItemState::Skipped, Some(KEPT_NEWER.to_owned())),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_move_keeps_the_source_of_a_kept_file() {
    let rc = common::start().await;
    fixture(&rc.data());
    let (src, dst) = (rc.data().join("src"), rc.data().join("dst"));
    let p = processor(&rc).await;
    let req = BatchRequest::new(BatchKind::Move, "local:src", Some("local:dst"), Selection::All).unwrap();
    let (_, info) = run(&p, &req).await;
    assert_eq!((info.counts.done, info.counts.skipped), (3, 2), "{info:?}");
    // kept at the destination, so the source file stays: nothing is lost
    assert_eq!(read(&src.join("old-there.txt")), "source v1");
    assert_eq!(read(&dst.join("old-there.txt")), "destination v2 (newer)");
    assert!(!src.join("new-here.txt").exists());
}

/// "Rename the copy": every existing destination file stays as it was and the source file
/// lands beside it under the first free number (a name the destination already has is
/// skipped); identical files are not copied twice; the report lists each new name; a move
/// does the same and empties its source.
#[tokio::test]
async fn a_renamed_copy_lands_beside_the_file_it_would_have_replaced() {
    let rc = common::start().await;
    fixture(&rc.data());
    let (src, dst) = (rc.data().join("src"), rc.data().join("dst"));
    // the first free number for old-there.txt is taken by somebody's file
    write(&dst.join("old-there (2).txt"), "somebody's", T0);
    let p = processor(&rc).await;
    let (id, info) = run(&p, &copy_all(ConflictPolicy::Rename, &[])).await;
    assert_eq!(info.status, BatchStatus::Completed, "{info:?}");
    assert_eq!((info.counts.done, info.counts.skipped), (5, 0), "{info:?}");
    // nothing that was there changed
    assert_eq!(read(&dst.join("old-there.txt")), "destination v2 (newer)");
    assert_eq!(read(&dst.join("old-there (2).txt")), "somebody's");
    assert_eq!(read(&dst.join("new-here.txt")), "destination v1");
    assert_eq!(read(&dst.join("sub/deep.txt")), "destination deep (newer)");
    // the copies, beside them
    assert_eq!(read(&dst.join("old-there (3).txt")), "source v1");
    assert_eq!(read(&dst.join("new-here (2).txt")), "source v2 (newer)");
    assert_eq!(read(&dst.join("sub/deep (2).txt")), "source deep");
    assert_eq!(read(&dst.join("fresh.txt")), "fresh");
    assert!(!dst.join("same (2).txt").exists(), "an identical file was copied again");
    let report = p.store.report(id).await.unwrap();
    let renamed: Vec<(&str, &str)> = report
        .renamed
        .iter()
        .map(|r| (r.path.as_str(), r.to.as_str()))
        .collect();
    assert_eq!(
        renamed.iter().copied().collect::<std::collections::BTreeSet<_>>(),
        [
            ("new-here.txt", "new-here (2).txt"),
            ("old-there.txt", "old-there (3).txt"),
            ("sub/deep.txt", "sub/deep (2).txt")
        ]
        .into_iter()
        .collect(),
        "{report:?}"
    );
    assert_eq!(report.batch.on_conflict, Some(ConflictPolicy::Rename));

    // one file renamed on purpose, the rest under the default; then a move
    std::fs::remove_dir_all(rc.data()).unwrap();
    fixture(&rc.data());
    let (_, info) = run(
        &p,
        &copy_all(ConflictPolicy::Update, &[("sub/deep.txt", ConflictPolicy::Rename)]),
    )
    .await;
    assert_eq!((info.counts.done, info.counts.skipped), (4, 1), "{info:?}");
    assert_eq!(read(&dst.join("sub/deep (2).txt")), "source deep");
    assert_eq!(read(&dst.join("old-there.txt")), "destination v2 (newer)");
    assert!(!dst.join("old-there (2).txt").exists());
    std::fs::remove_dir_all(rc.data()).unwrap();
    fixture(&rc.data());
    let req = BatchRequest::new(BatchKind::Move, "local:src", Some("local:dst"), Selection::All)
        .unwrap()
        .with_conflicts(ConflictPolicy::Rename, BTreeMap::new());
    let (_, info) = run(&p, &req).await;
    assert_eq!(info.status, BatchStatus::Completed, "{info:?}");
    assert_eq!(read(&dst.join("old-there (2).txt")), "source v1");
    assert_eq!(read(&dst.join("old-there.txt")), "destination v2 (newer)");
    assert!(!src.join("old-there.txt").exists(), "moved away from the source");
}
