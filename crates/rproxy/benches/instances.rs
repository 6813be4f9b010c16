//! Copy throughput through rproxy's queue, the same work three ways in the same run: one
//! instance on its embedded SQLite (the baseline), one instance on PostgreSQL (a private
//! cluster, as in the tests), three instances on one PostgreSQL. `files` small files,
//! `_async` copyfile calls sent round-robin over the instances, 24 at a time; timed from the
//! first call to the last call done. Each run gets a fresh database and fresh folders. On a
//! 2-core machine the instances share the cores, so 3 against 1 measures the overhead of
//! spreading work, not a speed-up.
//!
//!     cargo bench -p rproxy --bench instances [-- files [rounds]]      (default 3000 2)

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

#[path = "../tests/common/fleet.rs"]
mod fleet;
#[path = "../tests/common/pg.rs"]
mod pg;

use std::{
    path::Path,
    time::{Duration, Instant},
};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let files = args.first().copied().unwrap_or(3000);
    let rounds = args.get(1).copied().unwrap_or(2).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(files, rounds));
}

/// Seconds for `instances` instances to complete `files` queued copy calls, on PostgreSQL or
/// (`sqlite`, one instance) on the embedded SQLite.
async fn once(instances: usize, files: usize, sqlite: bool) -> f64 {
    let pg = pg::Pg::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db_url = if sqlite { String::new() } else { pg.url.clone() };
    let (_, dst, conf) = fleet::tree(dir.path(), files);
    let rclone = rcmd_core::sidecar::locate_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("no rclone in bin/: run scripts/setup.sh");
    let http = reqwest::Client::new();
    let (servers, token) = fleet::start(
        &http,
        Path::new(env!("CARGO_BIN_EXE_rproxy")),
        &rclone,
        &db_url,
        dir.path(),
        &conf,
        instances,
    )
    .await;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    // the queue's rows, read where the instances keep them
    let db = if sqlite {
        rproxy::db::Pool::Sqlite(
            sqlx::SqlitePool::connect_with(
                sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("i0/rproxy.db")),
            )
            .await
            .unwrap(),
        )
    } else {
        rproxy::db::Pool::Pg(pg.pool(2).await)
    };
    let t = Instant::now();
    fleet::copy_calls(&http, &token, &ports, files, 24).await;
    let end = Instant::now() + Duration::from_secs(600);
    loop {
        let left: i64 = rproxy::on_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')").fetch_one(p).await.unwrap());
        if left == 0 {
            break;
        }
        assert!(Instant::now() < end, "{left} calls not done after 600 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let failed: i64 = rproxy::on_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'failed'").fetch_one(p).await.unwrap());
    assert_eq!(failed, 0, "failed calls");
    let copied = walk(&dst);
    assert_eq!(copied, files, "files at the destination");
    drop(servers);
    secs
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
        .sum()
}

async fn run(files: usize, rounds: usize) {
    println!("instances: {files} queued copyfile calls, 24 clients, {rounds} rounds (SQLite, PostgreSQL x1, PostgreSQL x3 alternating)");
    let (mut lite, mut one, mut three) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let l = once(1, files, true).await;
        let a = once(1, files, false).await;
        let b = once(3, files, false).await;
        let rate = |s: f64| files as f64 / s;
        println!("  round {round}: SQLite {l:.2} s ({:.0}/s), PostgreSQL 1 instance {a:.2} s ({:.0}/s), 3 instances {b:.2} s ({:.0}/s)", rate(l), rate(a), rate(b));
        lite.push(l);
        one.push(a);
        three.push(b);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (l, a, b) = (median(&mut lite), median(&mut one), median(&mut three));
    println!(
        "median calls/s: SQLite {:.0}, PostgreSQL 1 instance {:.0}, 3 instances {:.0}; PostgreSQL vs SQLite {:.2}x; 3 vs 1 instance {:.2}x",
        files as f64 / l,
        files as f64 / a,
        files as f64 / b,
        l / a,
        a / b
    );
}
