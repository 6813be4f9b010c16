//! The event log shared by every instance: an event is a row first, and its id (from the
//! database) is the SSE id, so a client's `Last-Event-ID` means the same on any instance.
//!
//! On PostgreSQL, ids are handed out at insert but become visible at commit; two instances
//! committing out of order would let a reader that already passed id 11 miss id 10 forever.
//! So appends take a transaction-scoped advisory lock: ids commit in the order they are
//! given, and "everything after my last id" never has a hole. A `NOTIFY` tells the other
//! instances to read; it only wakes them ([`PgWake`]): after a lost connection they read
//! again from the table, so a lost notification costs at most one poll interval.

use std::{future::Future, sync::Arc, time::Duration};

use sqlx::{postgres::PgListener, PgPool, Row, SqlitePool};
use tokio::sync::Notify;

use rcmd_core::batch::store::now_ms;

/// The advisory lock key that orders event appends (any constant unique to rproxy).
pub const APPEND_LOCK: i64 = 0x7270_7876_6576;
/// The channel other instances listen on.
pub const CHANNEL: &str = "rproxy_events";

/// One stored event: id, kind, JSON data.
pub type Stored = (i64, String, String);

/// The event log contract, one implementation per dialect.
pub trait EventLog: Send + Sync {
    /// Appends an event visible to `user_id` (and admins), or to everyone when `None`.
    fn append(&self, kind: &str, user_id: Option<i64>, data: &str) -> impl Future<Output = Result<i64, sqlx::Error>> + Send;
    /// Events after `after` that user `user_id` may see (all of them for an admin), oldest first.
    fn since(&self, user_id: i64, admin: bool, after: i64, limit: i64) -> impl Future<Output = Result<Vec<Stored>, sqlx::Error>> + Send;
    /// The newest id (0 when there is none).
    fn newest(&self) -> impl Future<Output = Result<i64, sqlx::Error>> + Send;
}

#[derive(Clone)]
pub struct SqliteEvents(pub SqlitePool);

impl EventLog for SqliteEvents {
    async fn append(&self, kind: &str, user_id: Option<i64>, data: &str) -> Result<i64, sqlx::Error> {
        // one writer: ids commit in order by themselves
        sqlx::query_scalar("INSERT INTO events (at, kind, user_id, data) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(now_ms())
            .bind(kind)
            .bind(user_id)
            .bind(data)
            .fetch_one(&self.0)
            .await
    }

    async fn since(&self, user_id: i64, admin: bool, after: i64, limit: i64) -> Result<Vec<Stored>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, kind, data FROM events WHERE id > ? AND (? OR user_id IS NULL OR user_id = ?) ORDER BY id LIMIT ?")
            .bind(after)
            .bind(admin)
            .bind(user_id)
            .bind(limit)
            .fetch_all(&self.0)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    async fn newest(&self) -> Result<i64, sqlx::Error> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM events").fetch_one(&self.0).await?.unwrap_or(0))
    }
}

#[derive(Clone)]
pub struct PgEvents(pub PgPool);

impl EventLog for PgEvents {
    async fn append(&self, kind: &str, user_id: Option<i64>, data: &str) -> Result<i64, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        // ids must commit in the order they are given (see the module comment)
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(APPEND_LOCK).execute(&mut *tx).await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO events (at, kind, user_id, data) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(now_ms())
            .bind(kind)
            .bind(user_id)
            .bind(data)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(id.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn since(&self, user_id: i64, admin: bool, after: i64, limit: i64) -> Result<Vec<Stored>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, kind, data FROM events WHERE id > $1 AND ($2 OR user_id IS NULL OR user_id = $3) ORDER BY id LIMIT $4")
            .bind(after)
            .bind(admin)
            .bind(user_id)
            .bind(limit)
            .fetch_all(&self.0)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    async fn newest(&self) -> Result<i64, sqlx::Error> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM events").fetch_one(&self.0).await?.unwrap_or(0))
    }
}

/// Wakes this instance's readers when any instance appends an event (PostgreSQL `LISTEN`;
/// or notifies another channel), and also after the listening connection was lost and came
/// back (a notification may have been missed: readers read the table again).
#[derive(Clone)]
pub struct PgWake {
    pub notify: Arc<Notify>,
}

impl PgWake {
    /// Listens on [`CHANNEL`] through a connection of `pool` until `stop` is cancelled.
    /// Must run inside a tokio runtime.
    pub async fn start(pool: &PgPool, stop: tokio_util::sync::CancellationToken) -> Result<PgWake, sqlx::Error> {
        PgWake::on(pool, CHANNEL, stop).await
    }

    /// Listens on `channel` (e.g. [`super::stops::CHANNEL`]) until `stop` is cancelled.
    pub async fn on(pool: &PgPool, channel: &str, stop: tokio_util::sync::CancellationToken) -> Result<PgWake, sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        tokio::spawn(async move {
            loop {
                let got = tokio::select! {
                    _ = stop.cancelled() => return,
                    r = listener.try_recv() => r,
                };
                match got {
                    Ok(Some(_)) => n.notify_waiters(),
                    // the connection was lost; the next try_recv reconnects and listens again
                    Ok(None) => {
                        tracing::warn!("event listener lost its connection; reading the table again");
                        n.notify_waiters();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        n.notify_waiters();
                    }
                }
            }
        });
        Ok(PgWake { notify })
    }
}
