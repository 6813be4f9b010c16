//! One "instance" for the multi-process claim test (`tests/claims_processes.rs`): claims
//! queued items from the PostgreSQL database at `$1` as owner `$2` in batches of 50 under a
//! 1.5 s lease (renewed, reaping others' expired leases), "runs" each by appending its id to
//! the file `$3` (flushed per item, so a kill -9 leaves exactly what ran), and settles them.
//! Exits when nothing is queued or running.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::{io::Write, time::Duration};

use rproxy::db::claims::{ClaimStore, Outcome, PgClaims};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, owner, ran) = (&args[0], &args[1], &args[2]);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap();
    let store = PgClaims(pool.clone());
    let lease = Duration::from_millis(1_500);
    let mut out = std::fs::OpenOptions::new().create(true).append(true).open(ran).unwrap();
    loop {
        store.renew(owner, lease).await.unwrap();
        store.reap().await.unwrap();
        let got = store.claim(owner, 50, lease).await.unwrap();
        if got.is_empty() {
            let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')")
                .fetch_one(&pool)
                .await
                .unwrap();
            if open == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let mut done = vec![];
        for c in got {
            // the work: a little time per item, recorded before it is settled
            tokio::time::sleep(Duration::from_millis(2)).await;
            writeln!(out, "{}", c.id).unwrap();
            out.flush().unwrap();
            done.push((c.id, Outcome::Done));
        }
        store.settle(owner, &done).await.unwrap();
    }
}
