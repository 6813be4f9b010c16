//! The one entry point every front end creates batches with ([`BatchRequest`] →
//! `Processor::create`), against a real rclone: requests that can never run are refused with
//! a typed error; a clean move or delete removes the folders it emptied (as part of the batch,
//! whoever started it); a move with a failed item leaves its folder; a request known by its
//! origin is created once; per-file requests name the files that are not there.

#![allow(clippy::unwrap_used)]

mod common;

use std::{path::Path, sync::Arc, time::Duration};

use common::tree::{make_tree, same_tree};
use rcmd_core::{
    batch::{BatchControl, BatchRequest, Processor, ProcessorConfig, Selection, StartError, Store},
    events::EventBus,
    resilience::{
        layer::{ResilienceConfig, Resilient},
        retry::Backoff,
    },
    types::{BatchKind, BatchStatus},
};

/// A processor at the engine's defaults (short item backoff: one test fails an item on purpose).
async fn processor(rc: &common::Rclone) -> Processor {
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let mut cfg = ProcessorConfig::new(rc.dir.path().join("work"));
    cfg.backoff = Backoff {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(100),
    };
    Processor::new(Store::open_memory().await.unwrap(), layer, cfg)
}

fn names(n: &[&str]) -> Selection {
    Selection::names(n.iter().map(|s| s.to_string()).collect())
}

async fn run(p: &Processor, req: &BatchRequest) -> rcmd_core::types::BatchInfo {
    let created = p.create(req).await.unwrap();
    p.run(created.id, &BatchControl::default(), Arc::new(|_| {}))
        .await
        .unwrap()
}

/// Every folder below `root`, relative to it.
fn folders(root: &Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn requests_that_can_never_run_are_refused_with_their_reason() {
    let bad = |kind, src, dst| BatchRequest::new(kind, src, dst, Selection::All).unwrap_err();
    assert!(matches!(
        bad(BatchKind::Copy, "local:a", Some("local:a")),
        StartError::SamePlace
    ));
    assert!(matches!(
        bad(BatchKind::Move, "local:a", Some("  ")),
        StartError::NoDestination
    ));
    assert!(matches!(
        bad(BatchKind::Copy, "local:a", None),
        StartError::NoDestination
    ));
    let e = bad(BatchKind::Copy, "-bad:a", Some("local:b"));
    assert!(matches!(e, StartError::Source(_)) && e.is_bad_request(), "{e}");
    let e = bad(BatchKind::Copy, "local:a", Some("local:../b"));
    assert!(matches!(e, StartError::Destination(_)), "{e}");
    // a delete needs no destination and ignores one given
    let d = BatchRequest::new(BatchKind::Delete, "local:a", Some("local:a"), Selection::All).unwrap();
    assert_eq!(d.dst, None);

    // an empty source: nothing is recorded
    let rc = common::start().await;
    std::fs::create_dir_all(rc.data().join("empty/sub")).unwrap();
    let p = processor(&rc).await;
    let req = BatchRequest::new(BatchKind::Copy, "local:empty", Some("local:out"), Selection::All).unwrap();
    let e = p.create(&req).await.unwrap_err();
    assert!(
        matches!(e, StartError::NoFiles(_)) && e.to_string().contains("has no files"),
        "{e}"
    );
    assert!(p.store.list().await.unwrap().is_empty());
    // a selected name that is not in the folder fails planning, naming it
    let req = BatchRequest::new(BatchKind::Copy, "local:empty", Some("local:out"), names(&["nope"])).unwrap();
    let e = p.create(&req).await.unwrap_err();
    assert!(
        matches!(e, StartError::Plan(_)) && e.to_string().contains("nope"),
        "{e}"
    );
}

#[tokio::test]
async fn a_clean_move_removes_the_folders_it_emptied_and_a_copy_keeps_them() {
    let rc = common::start().await;
    let src = rc.data().join("src");
    make_tree(&src.join("d1"), 40);
    std::fs::create_dir_all(src.join("d1/already empty/deeper")).unwrap();
    make_tree(&src.join("d2"), 5);
    std::fs::write(src.join("top.txt"), b"top").unwrap();
    let p = processor(&rc).await;

    // a copy leaves the source as it was
    let copy = BatchRequest::new(BatchKind::Copy, "local:src", Some("local:copied"), names(&["d1"])).unwrap();
    assert_eq!(run(&p, &copy).await.status, BatchStatus::Completed);
    assert!(src.join("d1/already empty/deeper").is_dir());

    let req = BatchRequest::new(
        BatchKind::Move,
        "local:src",
        Some("local:moved"),
        names(&["d1", "top.txt"]),
    )
    .unwrap();
    let done = run(&p, &req).await;
    assert_eq!((done.status, done.counts.failed), (BatchStatus::Completed, 0));
    same_tree(&rc.data().join("copied/d1"), &rc.data().join("moved/d1"));
    assert!(
        !src.join("d1").exists(),
        "the moved folder is still there: {:?}",
        folders(&src)
    );
    assert!(src.join("d2").is_dir(), "an unselected folder was removed");

    // a whole-source move empties the folders below the source and keeps the source itself
    let all = BatchRequest::new(BatchKind::Move, "local:src", Some("local:all"), Selection::All).unwrap();
    assert_eq!(run(&p, &all).await.status, BatchStatus::Completed);
    assert!(src.is_dir(), "the source itself was removed");
    assert_eq!(folders(&src), Vec::<String>::new());
}

#[tokio::test]
async fn a_move_with_a_failed_item_keeps_its_folder() {
    let rc = common::start().await;
    let src = rc.data().join("src");
    let made = make_tree(&src.join("d1"), 10);
    let victim = src.join("d1").join(&made[0]);
    // the destination holds a non-empty folder where one file must go: that item fails
    let blocker = rc.data().join("dst/d1").join(&made[0]);
    std::fs::create_dir_all(blocker.join("inside")).unwrap();
    std::fs::write(blocker.join("inside/keep"), b"x").unwrap();
    let p = processor(&rc).await;
    let req = BatchRequest::new(BatchKind::Move, "local:src", Some("local:dst"), names(&["d1"])).unwrap();
    let done = run(&p, &req).await;
    assert_eq!(done.status, BatchStatus::CompletedWithErrors, "{done:?}");
    assert_eq!(done.counts.failed, 1);
    assert!(victim.is_file(), "the failed item's file is gone from the source");
}

#[tokio::test]
async fn a_selected_folder_deleted_cleanly_is_gone() {
    let rc = common::start().await;
    let src = rc.data().join("src");
    make_tree(&src.join("old"), 12);
    std::fs::write(src.join("keep.txt"), b"k").unwrap();
    let p = processor(&rc).await;
    let req = BatchRequest::new(BatchKind::Delete, "local:src", None, names(&["old"])).unwrap();
    assert_eq!(run(&p, &req).await.status, BatchStatus::Completed);
    assert!(!src.join("old").exists(), "{:?}", folders(&src));
    assert!(src.join("keep.txt").is_file());
}

#[tokio::test]
async fn an_origin_makes_one_batch_and_files_name_what_is_missing() {
    let rc = common::start().await;
    let made = make_tree(&rc.data().join("src"), 6);
    let p = processor(&rc).await;
    let files: Vec<String> = made.into_iter().chain(["d1/not there.txt".to_owned()]).collect();
    let req = BatchRequest::new(
        BatchKind::Copy,
        "local:src",
        Some("local:dst"),
        Selection::Files(files.clone()),
    )
    .unwrap()
    .with_origin("test/1");
    let first = p.create(&req).await.unwrap();
    assert_eq!(first.missing, vec!["d1/not there.txt".to_owned()]);
    assert_eq!(first.items, files.len() - 1);
    let again = p.create(&req).await.unwrap();
    assert_eq!((again.id, again.items), (first.id, 0), "a second batch for one origin");
    assert_eq!(p.store.list().await.unwrap().len(), 1);
}
