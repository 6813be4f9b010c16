//! The file operations against a real rclone: list, copy (async job), about, mkdir, delete.

#![allow(clippy::unwrap_used)]

mod common;

use rcmd_core::{
    ops,
    rc::WaitOptions,
    remote_path::{RemoteName, RemotePath},
    resilience::watchdog::WatchdogConfig,
};
use serde_json::{json, Map};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn lists_remotes_and_directories() {
    let rc = common::start().await;
    assert_eq!(ops::list_remotes(&rc.client).await.unwrap(), vec!["local", "mem"]);

    let root = ops::list(&rc.client, &RemotePath::new("local", "").unwrap())
        .await
        .unwrap();
    let names: Vec<_> = root.iter().map(|e| (e.name.as_str(), e.is_dir)).collect();
    assert_eq!(names, vec![("sub", true), ("hello.txt", false)], "directories first");
    let hello = &root[1];
    assert_eq!(hello.size, 14);
    assert!(hello.mod_time.starts_with("20"), "{}", hello.mod_time);

    let sub = ops::list(&rc.client, &RemotePath::new("local", "sub").unwrap())
        .await
        .unwrap();
    assert_eq!(sub.len(), 1);
    assert_eq!((sub[0].path.as_str(), sub[0].size), ("sub/inner.bin", 4096));
}

#[tokio::test]
async fn copies_a_file_between_remotes_as_a_job() {
    let rc = common::start().await;
    let src = RemotePath::new("local", "sub/inner.bin").unwrap();
    let dst = RemotePath::new("mem", "bucket/copy.bin").unwrap();
    let (watchdog, cancel) = (WatchdogConfig::default(), CancellationToken::new());
    let outcome = ops::copy_file(&rc.client, &src, &dst, &watchdog, &cancel)
        .await
        .unwrap();
    assert!(outcome.status.finished && outcome.status.success);
    assert!(
        outcome.status.group.starts_with("rcmd/copy/"),
        "{}",
        outcome.status.group
    );
    assert_eq!((outcome.stats.transfers, outcome.stats.bytes), (1, 4096));

    let listed = ops::list(&rc.client, &RemotePath::new("mem", "bucket").unwrap())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].size), ("copy.bin", 4096));

    // and back to disk, byte for byte
    let back = RemotePath::new("local", "restored/inner.bin").unwrap();
    ops::copy_file(&rc.client, &dst, &back, &watchdog, &cancel)
        .await
        .unwrap();
    let bytes = std::fs::read(rc.data().join("restored/inner.bin")).unwrap();
    assert_eq!(bytes, vec![7u8; 4096]);
}

#[tokio::test]
async fn mkdir_and_delete() {
    let rc = common::start().await;
    let dir = RemotePath::new("local", "made/deep").unwrap();
    ops::mkdir(&rc.client, &dir).await.unwrap();
    assert!(rc.data().join("made/deep").is_dir());

    ops::delete_file(&rc.client, &RemotePath::new("local", "hello.txt").unwrap())
        .await
        .unwrap();
    assert!(!rc.data().join("hello.txt").exists());
}

#[tokio::test]
async fn about_reports_space() {
    let rc = common::start().await;
    let usage = ops::about(&rc.client, &RemoteName::parse("local").unwrap())
        .await
        .unwrap();
    let (total, free) = (usage.total.unwrap(), usage.free.unwrap());
    assert!(total > 0 && free > 0 && free <= total, "{usage:?}");
}

#[tokio::test]
async fn async_job_is_polled_to_completion() {
    let rc = common::start().await;
    // a job that runs for a while: rclone's own rc/noop cannot sleep, so copy a bigger tree
    for i in 0..50 {
        std::fs::write(rc.data().join(format!("sub/f{i}.dat")), vec![i as u8; 64 * 1024]).unwrap();
    }
    let mut params = Map::new();
    params.insert("srcFs".into(), json!("local:sub"));
    params.insert("dstFs".into(), json!("mem:tree"));
    let job = rc.client.start_job("sync/copy", params, "test/tree").await.unwrap();
    assert!(!job.execute_id.is_empty());

    let status = rc.client.wait_job(&job, &WaitOptions::default()).await.unwrap();
    assert!(status.finished && status.success && status.error.is_empty());
    assert_eq!(status.group, "test/tree");

    let stats: serde_json::Value = rc
        .client
        .call("core/stats", &json!({ "group": "test/tree" }))
        .await
        .unwrap();
    assert_eq!(stats["transfers"], json!(51), "{stats}");
    let copied = ops::list(&rc.client, &RemotePath::new("mem", "tree").unwrap())
        .await
        .unwrap();
    assert_eq!(copied.len(), 51);
}
