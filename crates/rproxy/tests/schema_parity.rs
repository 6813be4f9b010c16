//! The SQLite and PostgreSQL migrations describe the same store: after both ran, every table
//! has the same columns in both (names; types differ by dialect on purpose).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::pg::Pg;

type Schema = BTreeMap<String, BTreeSet<String>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_hold_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let mut lite = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'")
        .fetch_all(users.pool().sqlite().unwrap())
        .await
        .unwrap();
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&t)
            .fetch_all(users.pool().sqlite().unwrap())
            .await
            .unwrap();
        lite.insert(t, cols.into_iter().collect());
    }

    let pg = Pg::start().await;
    let pool = pg.pool(2).await;
    rproxy::db::migrate_pg(&pool).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut post = Schema::new();
    for (t, c) in rows {
        post.entry(t).or_default().insert(c);
    }
    assert!(
        lite.contains_key("queue") && lite["queue"].contains("lease_until"),
        "{lite:?}"
    );
    assert_eq!(lite, post, "the two dialects' schemas differ");
}
