//! A big folder's listing: what the engine adds to rclone's own `operations/list`, and when a
//! pane's first rows are ready compared with the whole listing. 10,000 and 100,000 empty files
//! in a local folder (reached through an alias remote, like the app's); each round times, on
//! the same folder, rclone's answer as bytes (the baseline), then the engine's listing through
//! the resilient layer with the first 200 rows in the pane's order encoded (what `open_dir`
//! answers first), then the whole listing encoded (what `dir_rest` answers). Rounds alternate the order;
//! the figures are median rounds, as ratios to rclone's answer.
//!
//!     cargo bench -p rcmd-core --bench listing [-- rounds]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    events::EventBus,
    rc::RcClient,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig, Supervisor},
};
use rcmd_types::{
    listing::{first_rows, ViewOpts},
    DirListing, DirPage,
};
use tokio_util::sync::CancellationToken;

/// rclone's answer, as bytes (nothing decoded).
async fn raw(rc: &RcClient, folder: &str) -> Duration {
    let body = serde_json::to_vec(&serde_json::json!({
        "fs": "bench:", "remote": folder, "opt": { "noMimeType": true }
    }))
    .expect("body");
    let start = Instant::now();
    let reply = rc.call_raw("operations/list", body).await.expect("operations/list");
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    start.elapsed()
}

/// The engine's listing, its first rows encoded, then all of it: (first rows ready, all ready).
async fn engine(layer: &Resilient, folder: &str, n: usize) -> (Duration, Duration) {
    let dir = RemotePath::new("bench", folder).expect("path");
    let start = Instant::now();
    let served = layer.list(&dir, &CancellationToken::new()).await.expect("list");
    let page = DirPage {
        entries: first_rows(&served.value, &ViewOpts::default(), 200),
        total: served.value.len(),
        rest: 1,
    };
    let first = serde_json::to_vec(&page).expect("page");
    let first_at = start.elapsed();
    let whole = serde_json::to_vec(&DirListing {
        entries: served.value,
        stale_ms: served.stale_ms,
        fallback: served.fallback,
    })
    .expect("listing");
    let all_at = start.elapsed();
    assert!(
        whole.len() > first.len() && page.total == n,
        "{} entries listed",
        page.total
    );
    (first_at, all_at)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(7usize);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rclone = locate_rclone(&workspace).expect("no rclone sidecar in bin/: run scripts/setup.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    for (folder, n) in [("10k", 10_000), ("100k", 100_000)] {
        let d = data.join(folder);
        std::fs::create_dir_all(&d).expect("folder");
        for i in 0..n {
            std::fs::File::create(d.join(format!("f{i:06}.dat"))).expect("file");
        }
    }
    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, format!("[bench]\ntype = alias\nremote = {}\n", data.display())).expect("config");
    let config = SidecarConfig {
        rclone_config: Some(conf),
        ..SidecarConfig::default()
    };
    let supervisor = Supervisor::start(BinaryLauncher { path: rclone }, config, EventBus::default());
    let rc = supervisor
        .wait_ready(Duration::from_secs(30))
        .await
        .expect("rclone ready");
    let layer = Resilient::new(Arc::new(rc.clone()), ResilienceConfig::default(), EventBus::default());

    println!("a folder's listing, {rounds} rounds, median round (ms, and as a ratio to rclone's answer):");
    for (folder, n) in [("10k", 10_000), ("100k", 100_000)] {
        // warm-up: the folder in the page cache, rclone's remote instance made
        raw(&rc, folder).await;
        let (mut r, mut first, mut all) = (vec![], vec![], vec![]);
        for i in 0..rounds {
            let (e, plain) = if i % 2 == 0 {
                let plain = raw(&rc, folder).await;
                (engine(&layer, folder, n).await, plain)
            } else {
                let e = engine(&layer, folder, n).await;
                (e, raw(&rc, folder).await)
            };
            r.push(plain);
            first.push(e.0);
            all.push(e.1);
        }
        let (r, first, all) = (median(r), median(first), median(all));
        println!(
            "  {n:>6} entries: rclone's answer {:>7.1} ms; engine: first 200 rows ready {:>7.1} ms ({:.2}×), \
             whole listing encoded {:>7.1} ms ({:.2}×)",
            ms(r),
            ms(first),
            ms(first) / ms(r),
            ms(all),
            ms(all) / ms(r)
        );
    }
    supervisor.shutdown().await;
}
