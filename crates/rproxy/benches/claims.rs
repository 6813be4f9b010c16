//! Enqueue + claim + settle throughput of the claim store on PostgreSQL (a private cluster,
//! as in the tests) against SQLite, in the same run: `items` queued calls in batches of 500,
//! then 3 workers claiming 50 at a time and settling them. Only ratios and items/s are
//! reported (the target: at least 2,000 items/s on PostgreSQL here).
//!
//!     cargo bench -p rproxy --bench claims [-- items [rounds]]      (default 20000 3)

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

#[path = "../tests/common/pg.rs"]
mod pg;

use std::time::{Duration, Instant};

use rproxy::db::claims::{ClaimStore, NewItem, Outcome, PgClaims, SqliteClaims};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let items = args.first().copied().unwrap_or(20_000);
    let rounds = args.get(1).copied().unwrap_or(3).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(items, rounds));
}

/// Seconds to queue `n` items and have 3 workers claim and settle all of them.
async fn once<S: ClaimStore + Clone + 'static>(store: S, n: usize) -> f64 {
    let t = Instant::now();
    let all: Vec<NewItem> = (0..n)
        .map(|i| NewItem {
            user_id: 1,
            kind: "copy".into(),
            src_root: "a:".into(),
            dst_root: "b:".into(),
            item: format!("f{i}"),
        })
        .collect();
    for chunk in all.chunks(500) {
        store.enqueue(chunk).await.unwrap();
    }
    let mut workers = vec![];
    for w in 0..3 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let owner = format!("bench-{w}");
            loop {
                let got = store.claim(&owner, 50, Duration::from_secs(30)).await.unwrap();
                if got.is_empty() {
                    return;
                }
                let done: Vec<(i64, Outcome)> = got.iter().map(|c| (c.id, Outcome::Done)).collect();
                store.settle(&owner, &done).await.unwrap();
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run(items: usize, rounds: usize) {
    let pg = pg::Pg::start().await;
    let pool = pg.pool(8).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let (mut on_pg, mut on_lite) = (vec![], vec![]);
    for _ in 0..rounds {
        on_pg.push(once(PgClaims(pool.clone()), items).await);
        on_lite.push(once(SqliteClaims(users.pool().sqlite().unwrap().clone()), items).await);
    }
    let (p, l) = (median(on_pg), median(on_lite));
    println!("claims: {items} items enqueued, claimed and settled by 3 workers, median of {rounds}");
    println!("  postgres: {:.2} s = {:.0} items/s", p, items as f64 / p);
    println!("  sqlite:   {:.2} s = {:.0} items/s", l, items as f64 / l);
    println!("  postgres / sqlite time: {:.2}x", p / l);
}
