//! rproxy's store for several instances: the PostgreSQL schema (`migrations-pg/`, kept in
//! step with the SQLite one in `migrations/`) and the parts already written for both dialects.
//! Scale-out is being built in slices: claiming queued calls under leases (`claims`) and the
//! event log whose ids mean the same on every instance (`events`) first.

pub mod claims;
pub mod events;
pub mod health;
pub mod instances;
pub mod stops;

/// Brings a PostgreSQL database to the current schema.
pub async fn migrate_pg(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations-pg").run(pool).await
}

use sqlx::{PgPool, SqlitePool};

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
