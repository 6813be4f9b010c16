//! Compare and sync against rclone's own commands on the same trees, measured in the same
//! run (the machine is noisy: only ratios are reported):
//!   * compare of 100,000 files (`RCMD_BENCH_COMPARE_FILES`), local vs local and local vs
//!     `rclone serve webdav`: the engine's compare (check job, both listings, rows) vs
//!     `rclone check`; then the first page of rows from the finished compare;
//!   * sync of 10,000 changed files (`RCMD_BENCH_SYNC_FILES`), local to local: compare +
//!     sync batch (backups on) vs `rclone sync --backup-dir`, and vs plain `rclone sync`.
//!
//!     cargo bench -p rcmd-core --bench compare_sync [-- rounds]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::{BatchControl, Processor, ProcessorConfig, Store, SyncRequest},
    compare::{compare, session::Sessions, CompareRequest},
    events::EventBus,
    resilience::layer::{ResilienceConfig, Resilient},
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig, Supervisor},
    types::{BackupPlace, BatchStatus, CompareMode, DeleteGuard, FilterSpec},
};
use tokio_util::sync::CancellationToken;

/// `n` files of 1-4 KiB in 20 folders; `salt` changes every 100th file's bytes (and
/// `missing_every` leaves some out).
fn tree(root: &Path, n: usize, salt: u8, change_every: usize, missing_every: usize) {
    for i in 0..n {
        if missing_every > 0 && i % missing_every == 7 {
            continue;
        }
        let p = root.join(format!("d{:02}/f{i:06}.bin", i % 20));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let b = if change_every > 0 && i % change_every == 3 % change_every {
            (i % 251) as u8 ^ salt
        } else {
            (i % 251) as u8
        };
        std::fs::write(&p, vec![b; 1024 + (i * 37) % 3072]).expect("write");
    }
}

fn settle() {
    let _ = Command::new("sync").status();
    let _ = std::fs::write("/proc/sys/vm/drop_caches", "3");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn timed(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().expect("rclone");
    // rclone check exits 1 when it finds differences: that is its answer, not a failure
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

fn secs(v: &[Duration]) -> String {
    v.iter()
        .map(|d| format!("{:.2}", d.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .try_init();
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3);
    let n_compare: usize = std::env::var("RCMD_BENCH_COMPARE_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let n_sync: usize = std::env::var("RCMD_BENCH_SYNC_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rclone = locate_rclone(&workspace).expect("no rclone sidecar in bin/: run scripts/setup.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("data");
    let served = dir.path().join("served");
    tree(&root.join("cl"), n_compare, 0x5a, 100, 50);
    tree(&root.join("cr"), n_compare, 0x00, 0, 0);
    tree(&served.join("cr"), n_compare, 0x00, 0, 0);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let _webdav = Child(
        Command::new(&rclone)
            .args(["serve", "webdav", "--addr", &format!("127.0.0.1:{port}")])
            .arg(&served)
            .spawn()
            .expect("serve webdav"),
    );
    let conf = dir.path().join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[b]\ntype = alias\nremote = {}\n\n[wd]\ntype = webdav\nurl = http://127.0.0.1:{port}\nvendor = other\n",
            root.display()
        ),
    )
    .expect("conf");
    let sup = Supervisor::start(
        BinaryLauncher { path: rclone.clone() },
        SidecarConfig {
            rclone_config: Some(conf.clone()),
            ..SidecarConfig::default()
        },
        EventBus::default(),
    );
    sup.wait_ready(Duration::from_secs(30)).await.expect("ready");
    let layer = Arc::new(Resilient::new(
        Arc::new(sup.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    // let the webdav server come up
    tokio::time::sleep(Duration::from_secs(1)).await;

    println!("compare vs rclone check, {n_compare} files, median of {rounds} rounds (time ratio, lower is better):");
    for (name, right) in [("local vs local", "b:cr"), ("local vs webdav", "wd:cr")] {
        let (mut base, mut ours, mut first) = (vec![], vec![], vec![]);
        for r in 0..rounds {
            let mut order = ["base", "ours"];
            if r % 2 == 1 {
                order.reverse();
            }
            for run in order {
                settle();
                if run == "base" {
                    base.push(timed(
                        Command::new(&rclone)
                            .args(["check", "b:cl", right, "--config"])
                            .arg(&conf),
                    ));
                } else {
                    let t = Instant::now();
                    let req =
                        CompareRequest::new("b:cl", right, FilterSpec::default(), CompareMode::Mirror).expect("req");
                    let c = compare(&layer, &req, &CancellationToken::new(), Arc::new(|_| {}))
                        .await
                        .expect("compare");
                    ours.push(t.elapsed());
                    // the view's first rows: the finished compare kept, its first page read
                    let t = Instant::now();
                    let sessions = Sessions::default();
                    let id = sessions.insert(c);
                    let page = sessions.page(id, &[], 0, 100).expect("page");
                    assert_eq!(page.rows.len(), 100);
                    first.push(t.elapsed());
                }
            }
        }
        println!(
            "  {name} rounds: rclone check [{}] compare [{}]",
            secs(&base),
            secs(&ours)
        );
        let (b, o) = (median(base), median(ours));
        println!(
            "  {name}: rclone check {:.2} s, compare {:.2} s, ratio {:.3}; first 100 rows {:.1} ms after the results",
            b.as_secs_f64(),
            o.as_secs_f64(),
            o.as_secs_f64() / b.as_secs_f64(),
            median(first).as_secs_f64() * 1000.0
        );
    }

    // sync: every file of the right is older (other bytes)
    tree(&root.join("sl"), n_sync, 0x00, 0, 0);
    tree(&root.join("template"), n_sync, 0x77, 1, 0);
    let reset = || {
        let _ = std::fs::remove_dir_all(root.join("sr"));
        let _ = std::fs::remove_dir_all(root.join("backup"));
        let _ = std::fs::remove_dir_all(root.join(".rcmd-backup"));
        let ok = Command::new("cp")
            .arg("-a")
            .arg(root.join("template"))
            .arg(root.join("sr"))
            .status()
            .expect("cp");
        assert!(ok.success());
    };
    println!("sync of {n_sync} changed files, local to local, median of {rounds} rounds:");
    let (mut plain, mut backup, mut ours) = (vec![], vec![], vec![]);
    for r in 0..rounds {
        let mut order = ["plain", "backup", "ours"];
        if r % 2 == 1 {
            order.reverse();
        }
        for run in order {
            reset();
            settle();
            match run {
                "plain" => plain.push(timed(
                    Command::new(&rclone)
                        .args(["sync", "b:sl", "b:sr", "--config"])
                        .arg(&conf),
                )),
                "backup" => backup.push(timed(
                    Command::new(&rclone)
                        .args(["sync", "b:sl", "b:sr", "--backup-dir", "b:backup", "--config"])
                        .arg(&conf),
                )),
                _ => {
                    let t = Instant::now();
                    let req =
                        CompareRequest::new("b:sl", "b:sr", FilterSpec::default(), CompareMode::Mirror).expect("req");
                    let c = compare(&layer, &req, &CancellationToken::new(), Arc::new(|_| {}))
                        .await
                        .expect("compare");
                    let store = Store::open(&dir.path().join(format!("db-{r}.sqlite")))
                        .await
                        .expect("db");
                    let p = Processor::new(store, layer.clone(), ProcessorConfig::new(dir.path().join("work")));
                    let mut s = SyncRequest::from_comparison(&c);
                    s.guard = DeleteGuard::default();
                    s.backup = BackupPlace::Dated;
                    let (id, preview) = p.create_sync(&s).await.expect("create");
                    assert_eq!(preview.counts.to_right as usize, n_sync);
                    let end = p
                        .run(id, &BatchControl::default(), Arc::new(|_| {}))
                        .await
                        .expect("run");
                    assert_eq!(end.status, BatchStatus::Completed, "{end:?}");
                    ours.push(t.elapsed());
                }
            }
        }
    }
    println!(
        "  rounds: rclone sync [{}] rclone sync --backup-dir [{}] sync batch [{}]",
        secs(&plain),
        secs(&backup),
        secs(&ours)
    );
    let (p, b, o) = (median(plain), median(backup), median(ours));
    println!(
        "  rclone sync {:.2} s, rclone sync --backup-dir {:.2} s, sync batch (compare + plan + run, backups on) {:.2} s: ratio {:.3} vs --backup-dir, {:.3} vs plain",
        p.as_secs_f64(),
        b.as_secs_f64(),
        o.as_secs_f64(),
        o.as_secs_f64() / b.as_secs_f64(),
        o.as_secs_f64() / p.as_secs_f64()
    );
    sup.shutdown().await;
}

/// A process stopped (by its own pid) when this goes, also when the benchmark panics.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
