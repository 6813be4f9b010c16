//! The event log shared by every instance ([`crate::events::Events`] over a
//! [`super::Pool`]): an event is a row first, and its id (from the database) is the SSE id, so
//! a client's `Last-Event-ID` means the same on any instance.
//!
//! On PostgreSQL, ids are handed out at insert but become visible at commit; two instances
//! committing out of order would let a reader that already passed id 11 miss id 10 forever.
//! So appends take a transaction-scoped advisory lock ([`APPEND_LOCK`]): ids commit in the
//! order they are given, and "everything after my last id" never has a hole. A `NOTIFY` on
//! [`CHANNEL`] tells the other instances to read; it only wakes them ([`PgWake`]): after a
//! lost connection they read again from the table, so a lost notification costs at most one
//! poll interval.

use std::{sync::Arc, time::Duration};

use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::Notify;

/// The advisory lock key that orders event appends (any constant unique to rproxy).
pub const APPEND_LOCK: i64 = 0x7270_7876_6576;
/// The channel other instances listen on.
pub const CHANNEL: &str = "rproxy_events";

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
    pub async fn on(
        pool: &PgPool,
        channel: &str,
        stop: tokio_util::sync::CancellationToken,
    ) -> Result<PgWake, sqlx::Error> {
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
