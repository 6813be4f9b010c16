//! Every name rclone can store survives a batch exactly, on local and sftp: control
//! characters (rclone lists a newline as `␊`, which round-trips through the list file),
//! leading and trailing spaces, glob characters and `\`, NFC and NFD forms of one name side by
//! side, 255-byte names, deep paths. A corpus is copied, moved and deleted, the trees are
//! compared byte for byte, and files that were not selected are never touched.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::BTreeMap,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    sync::Arc,
};

use rcmd_core::{
    batch::{plan, BatchControl, Processor, ProcessorConfig, Store},
    events::EventBus,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    types::{BatchKind, BatchStatus},
};

/// Relative paths of the corpus (as the file system holds them).
fn corpus() -> Vec<String> {
    let deep = (0..24).map(|i| format!("level{i:02}")).collect::<Vec<_>>().join("/");
    vec![
        "line\nbreak.txt".into(),
        "tab\there.txt".into(),
        "carriage\rreturn".into(),
        " leading space.txt".into(),
        "trailing space.txt ".into(),
        "  both  ".into(),
        "star*.txt".into(),
        "question?.txt".into(),
        "[brackets] and {braces}.txt".into(),
        "back\\slash.txt".into(),
        "caf\u{e9}.txt".into(),   // NFC
        "cafe\u{301}.txt".into(), // NFD: a different file with the same look
        "한국어 파일.txt".into(),
        "emoji 😀.txt".into(),
        "zero\u{200b}width".into(),
        "#hash %20 percent; semi'quote\"".into(),
        "a".repeat(251) + ".txt", // 255 bytes
        "가".repeat(85),          // 255 bytes of UTF-8
        format!("{deep}/deep file.txt"),
        "sub dir/inner\nnewline/file.txt".into(),
    ]
}

/// Files that are not part of the batch and must stay untouched.
const BYSTANDERS: [&str; 2] = ["keep/untouched.txt", "line"];

fn write_corpus(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (i, rel) in corpus().into_iter().enumerate() {
        let p = root.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let body = format!("file {i}: {rel:?}\n").repeat(i + 1).into_bytes();
        std::fs::write(&p, &body).unwrap();
        out.insert(rel, body);
    }
    out
}

/// Every file under `root`, relative, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_str().unwrap().to_owned(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn stamp(p: &Path) -> (i64, i64, Vec<u8>) {
    let m = std::fs::metadata(p).unwrap();
    (m.mtime(), m.ctime(), std::fs::read(p).unwrap())
}

async fn run(p: &Processor, rc: &common::Rclone, kind: BatchKind, src: &str, dst: Option<&str>) {
    let root = RemotePath::parse(src).unwrap();
    let items = plan::expand(&rc.client, &root).await.unwrap();
    assert_eq!(
        items.len(),
        corpus().len(),
        "planned {:?}",
        items.iter().map(|i| &i.path).collect::<Vec<_>>()
    );
    let id = p.store.create(kind, src, dst, &items).await.unwrap();
    let done = p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(
        done.status,
        BatchStatus::Completed,
        "{kind:?} {src} -> {dst:?}: {done:?} {:?}",
        p.store.report(id).await.unwrap().failed
    );
    assert_eq!(done.counts.done as usize, corpus().len());
}

/// Copy, move and delete the corpus between `a` (a remote over `a_dir`) and `b` (over
/// `b_dir`); bystanders next to the corpus are never touched.
async fn round_trip(rc: &common::Rclone, a: &str, a_dir: &Path, b: &str, b_dir: &Path) {
    let written = write_corpus(&a_dir.join("corpus"));
    // bystanders beside the corpus root (not under it), with names that prefix corpus names
    let mut before = vec![];
    for rel in BYSTANDERS {
        let p = a_dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"bystander").unwrap();
        before.push((p.clone(), stamp(&p)));
    }
    let store = Store::open_memory().await.unwrap();
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let mut cfg = ProcessorConfig::new(rc.dir.path().join("work"));
    cfg.chunk_items = 7; // several chunks, several list files
    let p = Processor::new(store, layer, cfg);

    run(
        &p,
        rc,
        BatchKind::Copy,
        &format!("{a}corpus"),
        Some(&format!("{b}copied")),
    )
    .await;
    assert_eq!(tree(&b_dir.join("copied")), written, "copy");
    run(
        &p,
        rc,
        BatchKind::Move,
        &format!("{b}copied"),
        Some(&format!("{a}moved")),
    )
    .await;
    assert_eq!(tree(&a_dir.join("moved")), written, "move: destination");
    assert!(tree(&b_dir.join("copied")).is_empty(), "move: source still holds files");
    run(&p, rc, BatchKind::Delete, &format!("{a}moved"), None).await;
    assert!(tree(&a_dir.join("moved")).is_empty(), "delete");
    assert_eq!(tree(&a_dir.join("corpus")), written, "the source of the copy changed");
    for (p, st) in before {
        assert_eq!(stamp(&p), st, "{} was touched", p.display());
    }
}

#[tokio::test]
async fn odd_names_survive_copy_move_and_delete_on_local() {
    let rc = common::start().await;
    let data = rc.data();
    round_trip(&rc, "local:", &data, "local:", &data).await;
}

#[tokio::test]
async fn odd_names_survive_copy_move_and_delete_on_sftp() {
    let rc = common::start().await;
    let served = tempfile::tempdir().unwrap();
    let sftp = common::sftp::SftpServer::start(served.path(), 0);
    sftp.add_remote(&rc).await;
    let data: PathBuf = rc.data();
    round_trip(&rc, "local:", &data, "sftp:", served.path()).await;
}
