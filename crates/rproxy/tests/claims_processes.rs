//! Three instance processes (`examples/claim_worker.rs`) share 3,000 queued items on a real
//! PostgreSQL; one is killed with SIGKILL mid-run. Its connections drop, its leases expire and
//! the others take its items back: every item ends done, settled once; the only items run
//! twice are the ones the killed process had run but not settled (counted and reported).

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::HashMap,
    process::{Child, Command},
    time::{Duration, Instant},
};

use common::pg::Pg;
use rproxy::db::claims::{ClaimStore, NewItem, PgClaims};

const ITEMS: usize = 3_000;

fn worker_binary() -> std::path::PathBuf {
    // tests live in target/<profile>/deps; examples in target/<profile>/examples
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_owned();
    let bin = deps.parent().unwrap().join("examples/claim_worker");
    assert!(
        bin.is_file(),
        "build the example first (cargo build -p rproxy --examples): {}",
        bin.display()
    );
    bin
}

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_one_killed_each_item_settled_once() {
    let pg = Pg::start().await;
    let pool = pg.pool(4).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    let store = PgClaims(pool.clone());
    let items: Vec<NewItem> = (0..ITEMS)
        .map(|i| NewItem {
            user_id: 1,
            kind: "copy".into(),
            src_root: "a:".into(),
            dst_root: "b:".into(),
            item: format!("f{i}"),
        })
        .collect();
    for chunk in items.chunks(500) {
        store.enqueue(chunk).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let ran = |n: usize| dir.path().join(format!("ran-{n}"));
    let start = |n: usize| {
        Worker(
            Command::new(worker_binary())
                .args([&pg.url, &format!("instance-{n}"), ran(n).to_str().unwrap()])
                .spawn()
                .unwrap(),
        )
    };
    let t = Instant::now();
    let mut workers: Vec<Option<Worker>> = (0..3).map(|n| Some(start(n))).collect();
    // kill -9 instance 1 once it has run a few hundred items
    let lines = |n: usize| std::fs::read_to_string(ran(n)).unwrap_or_default().lines().count();
    let end = Instant::now() + Duration::from_secs(60);
    while lines(1) < 300 {
        assert!(Instant::now() < end, "instance 1 ran {} items", lines(1));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut killed = workers[1].take().unwrap();
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    let ran_by_killed = lines(1);
    for w in workers.iter_mut().flatten() {
        let end = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = w.0.try_wait().unwrap() {
                assert!(status.success(), "an instance failed: {status:?}");
                break;
            }
            assert!(Instant::now() < end, "an instance did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let elapsed = t.elapsed();
    let mut runs: HashMap<i64, u32> = HashMap::new();
    for n in 0..3 {
        for l in std::fs::read_to_string(ran(n)).unwrap_or_default().lines() {
            *runs.entry(l.parse().unwrap()).or_default() += 1;
        }
    }
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'done' AND lease_owner IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let twice = runs.values().filter(|n| **n == 2).count();
    let more = runs.values().filter(|n| **n > 2).count();
    // what the killed process ran but had not settled: its items that ended settled by another
    eprintln!("3 processes, instance 1 killed after running {ran_by_killed} items: {ITEMS} items done in {:.2} s, {twice} ran twice", elapsed.as_secs_f64());
    assert_eq!(done, ITEMS as i64, "every item done");
    assert_eq!(runs.len(), ITEMS, "every item ran");
    assert_eq!(more, 0, "nothing ran three times");
    // a kill between running and settling can repeat at most the killed one's last claim (50)
    assert!(twice <= 50, "{twice} items ran twice: more than one claim's worth");
    let killed_ids: std::collections::HashSet<i64> = std::fs::read_to_string(ran(1))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(
        runs.iter()
            .filter(|(_, n)| **n == 2)
            .all(|(id, _)| killed_ids.contains(id)),
        "an item ran twice that the killed instance had not run"
    );
}
