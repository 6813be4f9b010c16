//! `remote:/abs` and `remote:rel` are different places, as rclone means them: on a local
//! remote a relative path is under rclone's working directory, an absolute one under `/`.
//! Listings and a batch reach exactly what `rclone lsf` reaches with the same strings.

#![allow(clippy::unwrap_used)]

mod common;

use std::{process::Command, sync::Arc};

use rcmd_core::{
    batch::{plan, BatchControl, Processor, ProcessorConfig, Store},
    events::EventBus,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    types::{BatchKind, BatchStatus},
};
use tokio_util::sync::CancellationToken;

/// What rclone's own command line lists at `spec`, run from `cwd` with the test's config.
fn rclone_lsf(rc: &common::Rclone, cwd: &std::path::Path, spec: &str) -> Vec<String> {
    let out = Command::new(common::rclone_binary())
        .args(["lsf", "--config"])
        .arg(rc.dir.path().join("rclone.conf"))
        .arg(spec)
        .current_dir(cwd)
        .output()
        .unwrap();
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn absolute_and_relative_paths_reach_what_rclone_reaches() {
    let rc = common::start_with_remotes("[loc]\ntype = local\n", |_| {}).await;
    // the sidecar inherits this process's working directory, as `rclone` run here would
    let cwd = std::env::current_dir().unwrap();
    let rel = tempfile::Builder::new().prefix("rcmd-rel-").tempdir_in(&cwd).unwrap();
    let name = rel.path().file_name().unwrap().to_str().unwrap().to_owned();
    let abs_root = tempfile::tempdir().unwrap();
    let abs = abs_root.path().join(&name);
    std::fs::create_dir_all(&abs).unwrap();
    std::fs::write(rel.path().join("relative.txt"), b"rel").unwrap();
    std::fs::write(abs.join("absolute.txt"), b"abs").unwrap();

    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let cancel = CancellationToken::new();
    let rel_spec = format!("loc:{name}");
    let abs_spec = format!("loc:{}", abs.display());
    for (spec, want) in [(&rel_spec, "relative.txt"), (&abs_spec, "absolute.txt")] {
        let listed = layer
            .list(&RemotePath::parse(spec).unwrap(), &cancel)
            .await
            .unwrap()
            .value;
        let names: Vec<_> = listed.iter().map(|e| e.name.clone()).collect();
        assert_eq!(names, [want], "{spec}");
        assert_eq!(rclone_lsf(&rc, &cwd, spec), [want], "rclone lsf {spec}");
    }

    // a batch to `loc:/abs/...` writes there, one to `loc:rel/...` under the working directory
    let store = Store::open_memory().await.unwrap();
    let p = Processor::new(store.clone(), layer, ProcessorConfig::new(rc.dir.path().join("work")));
    // (the second source also holds what the first batch wrote into it)
    for (src, dst, lands, planned) in [
        (
            &abs_spec,
            format!("{rel_spec}/from-abs"),
            rel.path().join("from-abs/absolute.txt"),
            1,
        ),
        (
            &rel_spec,
            format!("{abs_spec}/from-rel"),
            abs.join("from-rel/relative.txt"),
            2,
        ),
    ] {
        let items = plan::expand(&rc.client, &RemotePath::parse(src).unwrap())
            .await
            .unwrap();
        assert_eq!(items.len(), planned, "{src}");
        let id = store.create(BatchKind::Copy, src, Some(&dst), &items).await.unwrap();
        let info = store.batch(id).await.unwrap();
        assert_eq!(
            (info.src.as_str(), info.dst.as_deref()),
            (src.as_str(), Some(dst.as_str())),
            "stored as given"
        );
        let done = p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
        assert_eq!(done.status, BatchStatus::Completed, "{src} -> {dst}: {done:?}");
        assert!(lands.is_file(), "{src} -> {dst} did not land at {}", lands.display());
    }
    assert!(!cwd.join("from-rel").exists() && !abs_root.path().join("from-abs").exists());
}
