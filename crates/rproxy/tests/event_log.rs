//! The shared event log (`rproxy::db::events`): the same visibility contract on SQLite and
//! PostgreSQL; on PostgreSQL, three instances appending at once while a fourth tails the log
//! "after my last id" (as an SSE stream resumed with Last-Event-ID does) never see a hole or a
//! repeat, and the LISTEN wake-up survives its connection being killed.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::pg::Pg;
use rproxy::db::events::{EventLog, PgEvents, PgWake, SqliteEvents};
use tokio_util::sync::CancellationToken;

async fn visibility<L: EventLog>(log: &L) {
    let base = log.newest().await.unwrap();
    let a = log.append("job_finished", Some(1), "{\"id\":1}").await.unwrap();
    let b = log.append("job_finished", Some(2), "{\"id\":2}").await.unwrap();
    let c = log.append("rcd_state", None, "{\"state\":\"up\"}").await.unwrap();
    assert!(a < b && b < c);
    assert_eq!(log.newest().await.unwrap(), c);
    let ids = |v: Vec<(i64, String, String)>| v.into_iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(ids(log.since(1, false, base, 100).await.unwrap()), [a, c], "user 1 sees its own and public events");
    assert_eq!(ids(log.since(2, false, base, 100).await.unwrap()), [b, c]);
    assert_eq!(ids(log.since(9, true, base, 100).await.unwrap()), [a, b, c], "an admin sees all");
    assert_eq!(ids(log.since(9, true, a, 1).await.unwrap()), [b], "after an id, limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    visibility(&SqliteEvents(users.pool().sqlite().unwrap().clone())).await;
    let pg = Pg::start().await;
    let pool = pg.pool(2).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    visibility(&PgEvents(pool)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_appending_instances_and_a_tailing_reader_see_no_hole() {
    const EACH: usize = 300;
    let pg = Pg::start().await;
    let reader_pool = pg.pool(2).await;
    rproxy::db::migrate_pg(&reader_pool).await.unwrap();
    let stop = CancellationToken::new();
    let wake = PgWake::start(&reader_pool, stop.clone()).await.unwrap();
    let mut appenders = vec![];
    for n in 0..3 {
        // each instance its own pool, as separate processes would have
        let log = PgEvents(pg.pool(4).await);
        appenders.push(tokio::spawn(async move {
            let mut mine = vec![];
            for i in 0..EACH {
                mine.push(log.append("job_finished", None, &format!("{{\"instance\":{n},\"i\":{i}}}")).await.unwrap());
            }
            mine
        }));
    }
    // the reader: "everything after my last id", woken by NOTIFY (and every 200 ms)
    let log = PgEvents(reader_pool.clone());
    let (mut seen, mut last) = (vec![], 0);
    let end = Instant::now() + Duration::from_secs(60);
    while seen.len() < 3 * EACH {
        assert!(Instant::now() < end, "the reader saw {} of {}", seen.len(), 3 * EACH);
        let got = log.since(0, true, last, 500).await.unwrap();
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
    let killed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%') t")
        .fetch_one(&reader_pool)
        .await
        .unwrap();
    assert_eq!(killed, 1, "the listening connection was not found");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let writer = PgEvents(pg.pool(1).await);
    let t = Instant::now();
    // three appends in a row each wake the reader (not a left-over wake-up of the reconnection)
    let mut in_a_row = 0;
    for _ in 0..40 {
        let notified = wake.notify.notified();
        let id = writer.append("rcd_state", None, "{}").await.unwrap();
        if tokio::time::timeout(Duration::from_millis(500), notified).await.is_ok() {
            assert!(log.since(0, true, last, 500).await.unwrap().iter().any(|e| e.0 == id));
            in_a_row += 1;
            if in_a_row == 3 {
                break;
            }
        } else {
            in_a_row = 0;
        }
    }
    assert_eq!(in_a_row, 3, "no steady wake-up within {:?} after the listener's connection was killed", t.elapsed());
    eprintln!("event log: {} events from 3 instances tailed with no hole or repeat; wake-up back {:.0} ms after its connection was killed", seen.len(), t.elapsed().as_secs_f64() * 1000.0);
    stop.cancel();
}
