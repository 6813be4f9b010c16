//! The claim contract (`rproxy::db::claims`) on SQLite and on a real PostgreSQL: three
//! instances take 3,000 queued items in batches under leases; one dies mid-run (`kill -9`
//! modelled: it stops with items claimed, some of them already copied, nothing settled);
//! after its lease runs out the others' reapers hand its items back and they complete. Every
//! item ends done, settled exactly once; the only items run twice are the dead instance's in
//! flight (counted).

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::pg::Pg;
use rproxy::db::claims::{ClaimStore, NewItem, Outcome, PgClaims, SqliteClaims};

const ITEMS: usize = 3_000;
const LEASE: Duration = Duration::from_millis(1_500);

struct Run {
    /// How many times each item was run.
    runs: HashMap<i64, u32>,
    settled: u64,
    /// Items the dead instance ran without settling.
    in_flight_at_kill: usize,
    reaped: u64,
}

async fn three_instances<S: ClaimStore + Clone + 'static>(
    store: S,
    count_open: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = i64> + Send>>,
) -> Run {
    let items: Vec<NewItem> = (0..ITEMS)
        .map(|i| NewItem {
            user_id: 1,
            kind: "copy".into(),
            src_root: "src:".into(),
            dst_root: "dst:".into(),
            item: format!("d{}/f{i:04}", i % 7),
        })
        .collect();
    for chunk in items.chunks(500) {
        store.enqueue(chunk).await.unwrap();
    }
    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let in_flight = Arc::new(Mutex::new(0usize));
    let mut workers = vec![];
    for n in 0..3 {
        let (store, runs, in_flight) = (store.clone(), runs.clone(), in_flight.clone());
        workers.push(tokio::spawn(async move {
            let owner = format!("instance-{n}");
            let (mut settled, mut reaped, mut claimed_total) = (0u64, 0u64, 0usize);
            let mut last_beat = Instant::now();
            let end = Instant::now() + Duration::from_secs(120);
            loop {
                assert!(Instant::now() < end, "{owner} did not finish");
                if last_beat.elapsed() > LEASE / 3 {
                    store.renew(&owner, LEASE).await.unwrap();
                    reaped += store.reap().await.unwrap();
                    last_beat = Instant::now();
                }
                let got = store.claim(&owner, 50, LEASE).await.unwrap();
                if got.is_empty() {
                    // nothing waiting; what is still running elsewhere is drained by the caller
                    reaped += store.reap().await.unwrap();
                    return (settled, reaped, owner);
                }
                claimed_total += got.len();
                let dies = n == 1 && claimed_total >= 600;
                let mut outcomes = vec![];
                for (k, c) in got.iter().enumerate() {
                    if dies && k == got.len() / 2 {
                        // killed mid-batch: half its claim copied, nothing recorded
                        *in_flight.lock().unwrap() += k;
                        return (settled, reaped, owner);
                    }
                    *runs.lock().unwrap().entry(c.id).or_default() += 1;
                    outcomes.push((c.id, Outcome::Done));
                }
                settled += store.settle(&owner, &outcomes).await.unwrap();
            }
        }));
    }
    let mut settled = 0;
    let mut reaped = 0;
    for w in workers {
        let (s, r, _) = w.await.unwrap();
        settled += s;
        reaped += r;
    }
    // the survivors stopped when the queue looked empty; the dead one's items come back only
    // after its lease: one last survivor drains them
    let end = Instant::now() + Duration::from_secs(60);
    while count_open().await > 0 {
        assert!(Instant::now() < end, "items left running");
        reaped += store.reap().await.unwrap();
        let got = store.claim("instance-0", 50, LEASE).await.unwrap();
        let mut outcomes = vec![];
        for c in &got {
            *runs.lock().unwrap().entry(c.id).or_default() += 1;
            outcomes.push((c.id, Outcome::Done));
        }
        settled += store.settle("instance-0", &outcomes).await.unwrap();
        if got.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let runs = runs.lock().unwrap().clone();
    let in_flight_at_kill = *in_flight.lock().unwrap();
    Run {
        runs,
        settled,
        in_flight_at_kill,
        reaped,
    }
}

fn check(label: &str, r: &Run, t: Duration) {
    let twice = r.runs.values().filter(|n| **n == 2).count();
    let more = r.runs.values().filter(|n| **n > 2).count();
    eprintln!(
        "{label}: {ITEMS} items in {:.2} s; settled {}, reaped {}, run twice {twice} (in flight at the kill: {})",
        t.as_secs_f64(),
        r.settled,
        r.reaped,
        r.in_flight_at_kill
    );
    assert_eq!(r.runs.len(), ITEMS, "{label}: every item ran");
    assert_eq!(r.settled, ITEMS as u64, "{label}: every item settled exactly once");
    assert_eq!(more, 0, "{label}: nothing ran three times");
    assert!(r.in_flight_at_kill > 0, "{label}: the kill did not happen mid-batch");
    assert_eq!(
        twice, r.in_flight_at_kill,
        "{label}: only the dead instance's in-flight items ran twice"
    );
    assert!(
        r.reaped >= r.in_flight_at_kill as u64,
        "{label}: the dead instance's items were handed back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_postgres_settle_each_item_once() {
    let pg = Pg::start().await;
    let pool = pg.pool(12).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    let p2 = pool.clone();
    let t = Instant::now();
    let run = three_instances(PgClaims(pool.clone()), move || {
        let p = p2.clone();
        Box::pin(async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')")
                .fetch_one(&p)
                .await
                .unwrap()
        })
    })
    .await;
    check("postgres", &run, t.elapsed());
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'done' AND lease_owner IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(done, ITEMS as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_on_sqlite_settle_each_item_once() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let pool = users.pool().sqlite().unwrap().clone();
    let p2 = pool.clone();
    let t = Instant::now();
    let run = three_instances(SqliteClaims(pool.clone()), move || {
        let p = p2.clone();
        Box::pin(async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')")
                .fetch_one(&p)
                .await
                .unwrap()
        })
    })
    .await;
    check("sqlite", &run, t.elapsed());
}
