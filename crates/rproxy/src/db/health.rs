//! Whether the database answers. A connection failure (refused, reset, timed out, the
//! server shutting down) marks it down, logged once ("database unreachable"); while down,
//! requests fail fast with 503 and `Retry-After` instead of hanging on the pool, and a probe
//! every [`PROBE_EVERY`] brings it back ("database back", logged once).

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use super::Pool;
use crate::on_pool;

/// Time between probes while the database is down; also the `Retry-After` given.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The database's state, shared by every part of one process. Cheap to clone.
#[derive(Clone, Default)]
pub struct Health {
    down: Arc<AtomicBool>,
    probing: Arc<AtomicBool>,
}

impl Health {
    /// True while the database is known to be unreachable.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Notes a failed query: a connection failure marks the database down (and starts the
    /// probe); other errors (a constraint, a bad query) say nothing about reachability.
    pub fn failed(&self, pool: &Pool, e: &sqlx::Error) {
        if is_connection_error(e) {
            self.down(pool, e);
        }
    }

    /// Marks the database down (`why` is logged once per outage) and starts the probe.
    pub fn down(&self, pool: &Pool, why: &dyn std::fmt::Display) {
        if !self.down.swap(true, Ordering::SeqCst) {
            tracing::error!(error = %why, "database unreachable: requests are answered 503 until it is back");
        }
        if !self.probing.swap(true, Ordering::SeqCst) {
            let (this, pool) = (self.clone(), pool.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(PROBE_EVERY).await;
                    let ok = on_pool!(&pool, p => sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(p).await).is_ok();
                    if ok {
                        this.down.store(false, Ordering::SeqCst);
                        this.probing.store(false, Ordering::SeqCst);
                        tracing::info!("database back");
                        return;
                    }
                }
            });
        }
    }
}

/// Errors that say the database could not be reached (as opposed to a refused query).
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Protocol(_) => true,
        // class 08: connection exception; 57P01-57P03: the server is shutting down or starting
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}
