//! Verification cost of one 5,000-file chunk when the destination already holds 200,000
//! files: listing only the folders the chunk touched (today) against one recursive listing of
//! the whole destination (what verification did before), measured in the same run with the
//! same rclone. Only ratios are reported (the machine is noisy).
//!
//!     cargo bench -p rcmd-core --bench verify_listing [-- rounds [files]]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::{plan, verify},
    events::EventBus,
    remote_path::RemotePath,
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig, Supervisor},
};

const CHUNK: usize = 5_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let rounds: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    let existing: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(rounds, existing));
}

async fn run(rounds: usize, existing: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let t = Instant::now();
    // what was already there: `existing` files in folders of 1,000
    for i in 0..existing {
        let p = data.join(format!("dst/old/d{:03}/f{i:06}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        }
        std::fs::write(&p, b"x").expect("write");
    }
    // the chunk just copied: 5,000 files in 5 folders
    let mut paths = Vec::with_capacity(CHUNK);
    for i in 0..CHUNK {
        let rel = format!("new/c{}/f{i:05}", i % 5);
        let p = data.join("dst").join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, b"y").expect("write");
        paths.push(rel);
    }
    println!(
        "destination: {existing} existing files + a chunk of {CHUNK} in 5 folders (written in {:.1} s)",
        t.elapsed().as_secs_f64()
    );

    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, format!("[local]\ntype = alias\nremote = {}\n", data.display())).expect("conf");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rclone = locate_rclone(&workspace).expect("rclone sidecar: run scripts/setup.sh");
    let cfg = SidecarConfig {
        rclone_config: Some(conf),
        ..SidecarConfig::default()
    };
    let supervisor = Supervisor::start(BinaryLauncher { path: rclone }, cfg, EventBus::default());
    let rc = supervisor
        .wait_ready(Duration::from_secs(30))
        .await
        .expect("rclone ready");
    let root = RemotePath::parse("local:dst").expect("root");

    let (mut whole, mut touched) = (vec![], vec![]);
    for round in 0..rounds {
        for which in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let t = Instant::now();
            let found = if which == 0 {
                // before: the whole destination, recursively
                plan::expand(&rc, &root).await.expect("list").len()
            } else {
                verify::listing_for(&rc, &root, paths.iter().map(String::as_str))
                    .await
                    .expect("list")
                    .len()
            };
            let took = t.elapsed();
            if which == 0 {
                assert_eq!(found, existing + CHUNK);
                whole.push(took);
            } else {
                assert_eq!(found, CHUNK);
                touched.push(took);
            }
        }
    }
    let (w, t) = (median(whole), median(touched));
    println!("verification of one chunk, median of {rounds} rounds:");
    println!("  whole destination listed: {:>8.1} ms", w.as_secs_f64() * 1e3);
    println!("  touched folders listed:   {:>8.1} ms", t.as_secs_f64() * 1e3);
    println!(
        "  ratio (whole / touched):  {:>8.1}x",
        w.as_secs_f64() / t.as_secs_f64()
    );
    supervisor.shutdown().await;
}
