//! Batch throughput against `rclone copy` of the same tree, measured in the same run (the
//! machine is noisy: only ratios are reported). Local to local:
//!   * 10,000 files of 1-4 KiB (more with `RCMD_BENCH_FILES`): batch (planning + chunked jobs + checkpoints) vs `rclone copy`,
//!     and one `operations/copyfile` RC call per file (8 at a time) for comparison;
//!   * 20 files of 50 MiB: batch vs `rclone copy`.
//!
//! Each measurement runs `rounds` times (alternating order; before each, the page cache is
//! written back and, as root, dropped), the median is reported. `RCMD_BENCH_FILES=10000,30000,100000` adds
//! bigger trees of small files.
//!
//!     cargo bench -p rcmd-core --bench batch_throughput [-- rounds]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::{plan, BatchControl, Processor, ProcessorConfig, Store},
    events::EventBus,
    rc::RcClient,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig, Supervisor},
    types::BatchKind,
};
use serde_json::{json, Value};

fn tree(root: &Path, n: usize, size: impl Fn(usize) -> usize) {
    for i in 0..n {
        let p = root.join(format!("d{}/f{i:05}.bin", i % 20));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, vec![(i % 251) as u8; size(i)]).expect("write");
    }
}

fn clean(p: &Path) {
    let _ = std::fs::remove_dir_all(p);
}

fn rclone_copy(rclone: &Path, conf: &Path, src: &str, dst: &str) -> Duration {
    let t = Instant::now();
    let status = std::process::Command::new(rclone)
        .args(["copy", src, dst, "--config"])
        .arg(conf)
        .status()
        .expect("rclone copy");
    assert!(status.success());
    t.elapsed()
}

async fn batch_copy(rc: &RcClient, layer: &Arc<Resilient>, work: &Path, src: &str, dst: &str) -> Duration {
    let t = Instant::now();
    let store = Store::open(&work.join(format!("db-{}.sqlite", rand::random::<u32>())))
        .await
        .expect("db");
    let items = plan::expand(rc, &RemotePath::parse(src).expect("src"))
        .await
        .expect("plan");
    let planned = t.elapsed();
    let id = store
        .create(BatchKind::Copy, src, Some(dst), &items)
        .await
        .expect("create");
    let created = t.elapsed();
    let mut cfg = ProcessorConfig::new(work.join("lists"));
    if let Some(n) = std::env::var("RCMD_BENCH_CHUNK").ok().and_then(|v| v.parse().ok()) {
        cfg.chunk_items = n;
    }
    let p = Processor::new(store, layer.clone(), cfg);
    let info = p
        .run(id, &BatchControl::default(), Arc::new(|_| {}))
        .await
        .expect("run");
    assert_eq!(info.counts.done, items.len() as u64, "{info:?}");
    println!(
        "    batch phases: plan {:.2} s, create {:.2} s, run {:.2} s",
        planned.as_secs_f64(),
        (created - planned).as_secs_f64(),
        (t.elapsed() - created).as_secs_f64()
    );
    t.elapsed()
}

async fn per_file(rc: &RcClient, root: &Path, src: &str, dst: &str) -> Duration {
    let mut files = vec![];
    let mut stack = vec![root.join(src)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p.strip_prefix(root.join(src)).expect("rel").display().to_string());
            }
        }
    }
    let t = Instant::now();
    let files = Arc::new(files);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (rc, files, next) = (rc.clone(), files.clone(), next.clone());
            let (src, dst) = (src.to_owned(), dst.to_owned());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    let _: Value = rc
                        .call("operations/copyfile", &json!({ "srcFs": format!("b:{src}"), "srcRemote": f, "dstFs": format!("b:{dst}"), "dstRemote": f }))
                        .await
                        .expect("copyfile");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    t.elapsed()
}

/// The same start for every measurement: the previous run's data written back, and (as
/// root) the page cache dropped, so neither run inherits the other's dirty pages or warm cache.
fn settle() {
    let _ = std::process::Command::new("sync").status();
    if std::fs::write("/proc/sys/vm/drop_caches", "3").is_err() {
        // not root: the cache stays warm for both alike
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // RUST_LOG=rcmd_core::batch=debug shows each chunk's job, verification and checkpoint time
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .try_init();
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rclone = locate_rclone(&workspace).expect("no rclone sidecar in bin/: run scripts/setup.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("data");
    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, format!("[b]\ntype = alias\nremote = {}\n", root.display())).expect("conf");
    let config = SidecarConfig {
        rclone_config: Some(conf.clone()),
        ..SidecarConfig::default()
    };
    let sup = Supervisor::start(BinaryLauncher { path: rclone.clone() }, config, EventBus::default());
    let rc = sup.wait_ready(Duration::from_secs(30)).await.expect("ready");
    let layer = Arc::new(Resilient::new(
        Arc::new(sup.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let work = dir.path().join("work");

    // more trees (30,000 and 100,000 files take minutes): RCMD_BENCH_FILES=10000,30000,100000
    let counts: Vec<usize> = std::env::var("RCMD_BENCH_FILES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000]);
    let mut trees: Vec<(String, String)> = Vec::new();
    for n in &counts {
        let name = format!("small{n}");
        tree(&root.join(&name), *n, |i| 1024 + (i * 37) % 3072);
        trees.push((format!("{n} files of 1-4 KiB"), name));
    }
    tree(&root.join("big"), 20, |_| 50 << 20);
    trees.push(("20 files of 50 MiB".into(), "big".into()));
    println!("batch vs rclone copy, local to local, median of {rounds} rounds (time ratio, lower is better):");
    for (name, src) in trees.iter().map(|(n, s)| (n.as_str(), s.as_str())) {
        let (mut base, mut batch, mut single) = (vec![], vec![], vec![]);
        for r in 0..rounds {
            let mut runs: Vec<&str> = vec!["base", "batch"];
            if r % 2 == 1 {
                runs.reverse();
            }
            if src == "small10000" && r == 0 {
                runs.push("single");
            }
            for run in runs {
                clean(&root.join("out"));
                settle();
                match run {
                    "base" => base.push(rclone_copy(&rclone, &conf, &format!("b:{src}"), "b:out")),
                    "batch" => batch.push(batch_copy(&rc, &layer, &work, &format!("b:{src}"), "b:out").await),
                    _ => single.push(per_file(&rc, &root, src, "out").await),
                }
            }
        }
        let secs = |v: &[Duration]| {
            v.iter()
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  {name} rounds: rclone copy [{}] batch [{}]",
            secs(&base),
            secs(&batch)
        );
        let (b, t) = (median(base), median(batch));
        println!(
            "  {name}: rclone copy {:.2} s, batch {:.2} s, ratio {:.3}",
            b.as_secs_f64(),
            t.as_secs_f64(),
            t.as_secs_f64() / b.as_secs_f64()
        );
        if let Some(s) = single.first() {
            println!(
                "    one operations/copyfile per file (8 at a time): {:.2} s, ratio {:.3}",
                s.as_secs_f64(),
                s.as_secs_f64() / b.as_secs_f64()
            );
        }
    }
    clean(&root.join("out"));
    sup.shutdown().await;
}
