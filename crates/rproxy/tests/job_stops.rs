//! `job/stop` across instances at the store level (`rproxy::db::stops::Stops`) on SQLite and
//! PostgreSQL: a stop asked on one instance is taken exactly once by the instance running the
//! job, and not by another; on PostgreSQL the runner is woken by NOTIFY at once.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::pg::Pg;
use rproxy::db::{
    events::PgWake,
    stops::{Stops, CHANNEL},
    Pool,
};
use tokio_util::sync::CancellationToken;

async fn contract(asked: &Stops, runner: &Stops) {
    asked.request(6, "instance-a").await.unwrap();
    asked.request(6, "instance-a").await.unwrap();
    asked.request(7, "instance-a").await.unwrap();
    // the runner of jobs 5 and 6 takes the request for 6, once; 7 waits for its own runner
    assert_eq!(runner.take(&[5, 6]).await.unwrap(), [6]);
    assert_eq!(runner.take(&[5, 6]).await.unwrap(), Vec::<i64>::new(), "taken twice");
    assert_eq!(runner.take(&[7, 8]).await.unwrap(), [7]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stops_reach_the_running_instance_on_both_dialects() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let lite = Stops(users.pool().clone());
    contract(&lite, &lite).await;

    let pg = Pg::start().await;
    let (a, b) = (pg.pool(2).await, pg.pool(2).await);
    rproxy::db::migrate_pg(&a).await.unwrap();
    contract(&Stops(Pool::Pg(a.clone())), &Stops(Pool::Pg(b.clone()))).await;

    // the runner (instance b) is woken by the request on instance a, no poll needed
    let stop = CancellationToken::new();
    let wake = PgWake::on(&b, CHANNEL, stop.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let woken = wake.notify.notified();
    let t = Instant::now();
    Stops(Pool::Pg(a)).request(42, "instance-a").await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("the runner was not woken");
    assert_eq!(Stops(Pool::Pg(b.clone())).take(&[41, 42]).await.unwrap(), [42]);
    eprintln!(
        "job stop: request on one instance reached the runner in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    stop.cancel();
}
