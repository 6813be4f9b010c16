//! The event log (`rproxy::events::Events`, `rproxy::db::events`): the same visibility
//! contract on SQLite and PostgreSQL; on PostgreSQL, three instances appending at once while a fourth tails the log
//! "after my last id" (as an SSE stream resumed with Last-Event-ID does) never see a hole or a
//! repeat, and the LISTEN wake-up survives its connection being killed.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::pg::Pg;
use rproxy::{
    auth::User,
    db::{events::PgWake, Pool},
    events::Events,
    policy::Role,
};
use tokio_util::sync::CancellationToken;

fn user(id: i64, role: Role) -> User {
    User {
        id,
        name: format!("u{id}"),
        role,
        remotes: vec![],
    }
}

async fn visibility(log: &Events) {
    let base = log.newest().await.unwrap();
    let a = log
        .emit("job_finished", Some(1), serde_json::json!({ "id": 1 }))
        .await
        .unwrap();
    let b = log
        .emit("job_finished", Some(2), serde_json::json!({ "id": 2 }))
        .await
        .unwrap();
    let c = log
        .emit("rcd_state", None, serde_json::json!({ "state": "up" }))
        .await
        .unwrap();
    assert!(a < b && b < c);
    assert_eq!(log.newest().await.unwrap(), c);
    let ids = |v: Vec<(i64, String, String)>| v.into_iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(
        ids(log.since(&user(1, Role::Operator), base, 100).await.unwrap()),
        [a, c],
        "user 1 sees its own and public events"
    );
    assert_eq!(
        ids(log.since(&user(2, Role::Operator), base, 100).await.unwrap()),
        [b, c]
    );
    assert_eq!(
        ids(log.since(&user(9, Role::Admin), base, 100).await.unwrap()),
        [a, b, c],
        "an admin sees all"
    );
    assert_eq!(
        ids(log.since(&user(9, Role::Admin), a, 1).await.unwrap()),
        [b],
        "after an id, limited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    visibility(&Events::new(users.pool().clone())).await;
    let pg = Pg::start().await;
    let pool = pg.pool(2).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    visibility(&Events::new(Pool::Pg(pool))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_appending_instances_and_a_tailing_reader_see_no_hole() {
    const EACH: usize = 300;
    let pg = Pg::start().await;
    let reader_pool = pg.pool(4).await;
    rproxy::db::migrate_pg(&reader_pool).await.unwrap();
    let stop = CancellationToken::new();
    let wake = PgWake::start(&reader_pool, stop.clone()).await.unwrap();
    let mut appenders = vec![];
    for n in 0..3 {
        // each instance its own pool, as separate processes would have
        let log = Events::new(Pool::Pg(pg.pool(4).await));
        appenders.push(tokio::spawn(async move {
            let mut mine = vec![];
            for i in 0..EACH {
                mine.push(
                    log.emit("job_finished", None, serde_json::json!({ "instance": n, "i": i }))
                        .await
                        .unwrap(),
                );
            }
            mine
        }));
    }
    // the reader: "everything after my last id", woken by NOTIFY (and every 200 ms)
    let log = Events::new(Pool::Pg(reader_pool.clone()));
    let admin = user(0, Role::Admin);
    let (mut seen, mut last) = (vec![], 0);
    let end = Instant::now() + Duration::from_secs(60);
    while seen.len() < 3 * EACH {
        assert!(Instant::now() < end, "the reader saw {} of {}", seen.len(), 3 * EACH);
        let got = log.since(&admin, last, 500).await.unwrap();
        for (id, _, _) in &got {
            seen.push(*id);
            last = *id;
        }
        if got.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(200), wake.notify.notified()).await;
        }
    }
    let mut appended: Vec<i64> = vec![];
    for a in appenders {
        appended.extend(a.await.unwrap());
    }
    appended.sort_unstable();
    assert_eq!(seen, appended, "the tailing reader missed or repeated events");

    // the listener's connection is killed: the wake-up comes back by itself
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%') t",
    )
    .fetch_one(&reader_pool)
    .await
    .unwrap();
    // every Events on PostgreSQL listens too (the reader's own, the appenders'): all are cut
    assert!(killed >= 1, "the listening connection was not found");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let writer = Events::new(Pool::Pg(pg.pool(2).await));
    let t = Instant::now();
    // three appends in a row each wake the reader (not a left-over wake-up of the reconnection)
    let mut in_a_row = 0;
    for _ in 0..40 {
        let notified = wake.notify.notified();
        let id = writer.emit("rcd_state", None, serde_json::json!({})).await.unwrap();
        if tokio::time::timeout(Duration::from_millis(500), notified).await.is_ok() {
            assert!(log.since(&admin, last, 500).await.unwrap().iter().any(|e| e.0 == id));
            in_a_row += 1;
            if in_a_row == 3 {
                break;
            }
        } else {
            in_a_row = 0;
        }
    }
    assert_eq!(
        in_a_row,
        3,
        "no steady wake-up within {:?} after the listener's connection was killed",
        t.elapsed()
    );
    eprintln!("event log: {} events from 3 instances tailed with no hole or repeat; wake-up back {:.0} ms after its connection was killed", seen.len(), t.elapsed().as_secs_f64() * 1000.0);
    stop.cancel();
}
