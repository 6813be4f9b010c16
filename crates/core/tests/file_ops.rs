//! The commander's operations against a real rclone: the local disk without a remote,
//! rename (refusing to overwrite), emptied folders, properties, transfer stats, bwlimit.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use rcmd_core::{
    events::EventBus,
    ops,
    remote_path::{RemotePath, LOCAL_DISK},
    resilience::layer::{ResilienceConfig, Resilient},
    Error,
};
use tokio_util::sync::CancellationToken;

fn layer(rc: &common::Rclone) -> Resilient {
    Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    )
}

#[tokio::test]
async fn the_local_disk_is_browsable_without_a_remote() {
    let rc = common::start().await;
    let dir = RemotePath::new(LOCAL_DISK, &rc.data().display().to_string()).unwrap();
    assert!(dir.is_absolute());
    let names: Vec<_> = ops::list(&rc.client, &dir)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec!["sub", "hello.txt"]);
}

#[tokio::test]
async fn rename_moves_files_and_folders_but_never_overwrites() {
    let rc = common::start().await;
    let l = layer(&rc);
    let cancel = CancellationToken::new();
    let data = rc.data();
    std::fs::write(data.join("other.txt"), b"keep me").unwrap();

    // onto an existing name: refused, both files unchanged
    let hello = RemotePath::new("local", "hello.txt").unwrap();
    let err = l.rename(&hello, "other.txt", false, &cancel).await.unwrap_err();
    assert!(matches!(err, Error::Path(_)), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    // the user's case, said as such: not "RCMD sent a request rclone did not accept"
    let failure = rcmd_core::resilience::retry::Classify::failure(&err);
    assert_eq!(failure.reason, rcmd_core::types::FailureReason::Exists, "{failure:?}");
    assert!(!failure.info().suggestion_en.contains("report"), "{failure:?}");
    assert_eq!(std::fs::read(data.join("other.txt")).unwrap(), b"keep me");
    assert!(data.join("hello.txt").exists());
    for bad in ["", "a/b", ".."] {
        assert!(l.rename(&hello, bad, false, &cancel).await.is_err(), "{bad:?}");
    }

    // a file, to a name with odd Unicode
    let to = l.rename(&hello, "안녕 ✓.txt", false, &cancel).await.unwrap();
    assert_eq!(to.to_string(), "local:안녕 ✓.txt");
    assert!(!data.join("hello.txt").exists());
    assert_eq!(std::fs::read(data.join("안녕 ✓.txt")).unwrap(), b"hello, rclone\n");

    // a folder with files below it: everything moves, the old folder is gone
    std::fs::create_dir_all(data.join("sub/deep")).unwrap();
    std::fs::write(data.join("sub/deep/x.bin"), b"x").unwrap();
    let sub = RemotePath::new("local", "sub").unwrap();
    l.rename(&sub, "renamed", true, &cancel).await.unwrap();
    assert!(!data.join("sub").exists(), "the source folder is removed");
    assert_eq!(std::fs::read(data.join("renamed/deep/x.bin")).unwrap(), b"x");
    assert_eq!(std::fs::metadata(data.join("renamed/inner.bin")).unwrap().len(), 4096);
}

#[tokio::test]
async fn emptied_folders_are_removed_and_full_ones_kept() {
    let rc = common::start().await;
    let l = layer(&rc);
    let data = rc.data();
    std::fs::create_dir_all(data.join("gone/a/b")).unwrap();
    std::fs::create_dir_all(data.join("kept/empty")).unwrap();
    std::fs::write(data.join("kept/file"), b"1").unwrap();
    let cancel = CancellationToken::new();
    l.remove_empty_dirs(&RemotePath::new("local", "gone").unwrap(), false, &cancel)
        .await
        .unwrap();
    l.remove_empty_dirs(&RemotePath::new("local", "kept").unwrap(), false, &cancel)
        .await
        .unwrap();
    assert!(!data.join("gone").exists());
    assert!(data.join("kept/file").exists());
    assert!(!data.join("kept/empty").exists());
}

#[tokio::test]
async fn properties_of_files_and_folders() {
    let rc = common::start().await;
    let l = layer(&rc);
    let cancel = CancellationToken::new();
    let file = l
        .properties(&RemotePath::new("local", "hello.txt").unwrap(), &cancel)
        .await
        .unwrap();
    assert!(!file.is_dir);
    assert_eq!((file.bytes, file.count), (14, 1));
    assert!(
        file.mod_time.as_deref().unwrap_or("").starts_with("20"),
        "{:?}",
        file.mod_time
    );
    // md5 and sha1 of "hello, rclone\n", as coreutils computes them
    let md5 = std::process::Command::new("md5sum")
        .arg(rc.data().join("hello.txt"))
        .output()
        .unwrap();
    let md5 = String::from_utf8_lossy(&md5.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(file.hashes.first(), Some(&("md5".to_owned(), md5)), "{:?}", file.hashes);
    assert_eq!(file.hashes.get(1).map(|h| h.0.as_str()), Some("sha1"));
    // the local backend makes no public links: said, not an error
    assert!(file.public_link.is_none());
    assert!(file.public_link_error.is_some());

    std::fs::write(rc.data().join("sub/second.bin"), vec![1u8; 1000]).unwrap();
    let dir = l
        .properties(&RemotePath::new("local", "sub").unwrap(), &cancel)
        .await
        .unwrap();
    assert!(dir.is_dir);
    assert_eq!((dir.bytes, dir.count), (5096, 2));
    assert!(dir.hashes.is_empty());

    let missing = l
        .properties(&RemotePath::new("local", "nope").unwrap(), &cancel)
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("not found"), "{missing}");
}

#[tokio::test]
async fn transfer_stats_and_bandwidth_limit() {
    let rc = common::start().await;
    let stats = ops::transfer_stats(&rc.client).await.unwrap();
    assert!(stats.transferring.is_empty());
    let off = ops::bwlimit(&rc.client, None).await.unwrap();
    assert_eq!((off.rate.as_str(), off.bytes_per_second), ("off", -1));
    let set = ops::bwlimit(&rc.client, Some(" 1M ")).await.unwrap();
    assert_eq!(set.bytes_per_second, 1 << 20, "{set:?}");
    assert_eq!(ops::bwlimit(&rc.client, None).await.unwrap().bytes_per_second, 1 << 20);
    // a rate rclone cannot read is refused and the limit stays
    assert!(ops::bwlimit(&rc.client, Some("fast")).await.is_err());
    assert_eq!(ops::bwlimit(&rc.client, None).await.unwrap().bytes_per_second, 1 << 20);
    ops::bwlimit(&rc.client, Some("off")).await.unwrap();

    // a copy at 1 MiB/s is seen in flight with its progress
    std::fs::write(rc.data().join("big.bin"), vec![3u8; 4 << 20]).unwrap();
    ops::bwlimit(&rc.client, Some("1M")).await.unwrap();
    let client = rc.client.clone();
    let copy = tokio::spawn(async move {
        let (src, dst) = (
            RemotePath::new("local", "big.bin").unwrap(),
            RemotePath::new("mem", "b/big.bin").unwrap(),
        );
        ops::copy_file(&client, &src, &dst, &Default::default(), &CancellationToken::new()).await
    });
    let mut seen = None;
    for _ in 0..100 {
        let s = ops::transfer_stats(&rc.client).await.unwrap();
        if let Some(t) = s.transferring.iter().find(|t| t.name == "big.bin" && t.bytes > 0) {
            seen = Some((t.clone(), s.speed));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (t, _speed) = seen.expect("the copy shows in core/stats transferring");
    assert_eq!(t.size, 4 << 20);
    assert!(t.percentage <= 100);
    ops::bwlimit(&rc.client, Some("off")).await.unwrap();
    copy.await.unwrap().unwrap();
}
