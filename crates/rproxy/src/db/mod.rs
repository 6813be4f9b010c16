//! rproxy's store for several instances: the PostgreSQL schema (`migrations-pg/`, kept in
//! step with the SQLite one in `migrations/`) and the parts written for both dialects: the
//! event log whose ids mean the same on every instance (`events`), job stops asked on another
//! instance (`stops`), the instances' registry and the database's health. Queued calls are
//! leased per group by the queue itself (`crate::queue`).

pub mod events;
pub mod health;
pub mod instances;
pub mod stops;

/// Brings a PostgreSQL database to the current schema.
pub async fn migrate_pg(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations-pg").run(pool).await
}

use sqlx::{PgPool, SqlitePool};

/// Runs the database work `f` until it succeeds: work that needs it (ending calls) must not
/// be dropped because the database was away for a while. Waits 0.1 s, doubling up to 5 s;
/// logs once when it starts failing and once when it answers again.
pub async fn until_ok<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut wait = std::time::Duration::from_millis(100);
    let mut failing = false;
    loop {
        match f().await {
            Ok(v) => {
                if failing {
                    tracing::info!(what, "database work done after retrying");
                }
                return v;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(what, error = %e, "database work failed; retrying until the database answers");
                    failing = true;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
}

/// rproxy's database: the embedded SQLite (one instance) or a shared PostgreSQL. Queries are
/// written once with `$1…$N` placeholders (sqlx binds them by number on SQLite too) and run
/// on either through [`on_pool!`]; the few that differ by dialect `match` on the pool.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Pool {
    /// The SQLite pool, when this is SQLite (tests and tools that only run there).
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Pool::Sqlite(p) => Some(p),
            Pool::Pg(_) => None,
        }
    }
}

/// Runs `$body` with `$p` bound to the dialect's pool (`&SqlitePool` or `&PgPool`): the same
/// code, type-checked for each dialect.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::db::Pool::Sqlite($p) => $body,
            $crate::db::Pool::Pg($p) => $body,
        }
    };
}

/// A transaction on either dialect.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// A PostgreSQL transaction, and whether it holds the event-append lock already (taken,
    /// with its `NOTIFY`, once per transaction: both last until the commit anyway).
    Pg(sqlx::Transaction<'static, sqlx::Postgres>, bool),
}

impl Pool {
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Pg(p) => Tx::Pg(p.begin().await?, false),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Pg(t, _) => t.commit().await,
        }
    }
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Pg(t, _) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
