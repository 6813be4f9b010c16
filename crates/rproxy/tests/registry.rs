//! The instances registry (`rproxy::db::instances`) on SQLite and PostgreSQL: a beat creates
//! or renews an instance's row; an instance silent for longer than the limit is listed as gone.

#![allow(clippy::unwrap_used)]

mod common;

use common::pg::Pg;
use rproxy::db::{
    instances::{Registry, GONE_AFTER},
    Pool,
};

async fn contract(r: &Registry, age: impl AsyncFn(&str, i64)) {
    r.beat("a", "starting", 0).await.unwrap();
    r.beat("a", "up unix:/x v1.75.2", 3).await.unwrap();
    r.beat("b", "up unix:/y v1.75.2", 0).await.unwrap();
    let all = r.list().await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let a = all.iter().find(|i| i.id == "a").unwrap();
    assert_eq!((a.rcd.as_str(), a.load, a.alive), ("up unix:/x v1.75.2", 3, true));
    assert!(a.heartbeat_at >= a.started_at);
    // b stops beating
    age("b", GONE_AFTER.as_millis() as i64 + 1_000).await;
    let all = r.list().await.unwrap();
    assert!(!all.iter().find(|i| i.id == "b").unwrap().alive, "{all:?}");
    assert!(all.iter().find(|i| i.id == "a").unwrap().alive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_register_and_go_stale_on_both_dialects() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let lite = users.pool().sqlite().unwrap().clone();
    contract(&Registry(Pool::Sqlite(lite.clone())), async |id: &str, ms: i64| {
        sqlx::query("UPDATE instances SET heartbeat_at = heartbeat_at - ? WHERE id = ?")
            .bind(ms)
            .bind(id)
            .execute(&lite)
            .await
            .unwrap();
    })
    .await;
    let pg = Pg::start().await;
    let pool = pg.pool(2).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    contract(&Registry(Pool::Pg(pool.clone())), async |id: &str, ms: i64| {
        sqlx::query("UPDATE instances SET heartbeat_at = heartbeat_at - $1 WHERE id = $2")
            .bind(ms)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
}
