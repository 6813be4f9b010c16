//! The audit log: one row per answered call (user, path, remote, status) in the database,
//! written in the background in batches so a request never waits for it. A full queue drops
//! entries and says so in the log.

use serde_json::{json, Map, Value};
use sqlx::Row;

use crate::{db::Pool, on_pool};
use tokio::sync::mpsc;

/// One audited call.
#[derive(Debug)]
pub struct Entry {
    pub user: String,
    pub path: String,
    pub remote: Option<String>,
    pub status: u16,
}

/// Sends entries to the writer task. Cheap to clone.
#[derive(Clone)]
pub struct Audit {
    tx: mpsc::Sender<Entry>,
    pool: Pool,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Audit {
    /// Starts the writer (inside a tokio runtime).
    pub fn start(pool: Pool) -> Audit {
        let (tx, mut rx) = mpsc::channel::<Entry>(10_000);
        let writer = pool.clone();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(first) = rx.recv().await {
                batch.push(first);
                // gather for up to 50 ms: one statement for many calls instead of one each
                let until = tokio::time::Instant::now() + std::time::Duration::from_millis(50);
                while batch.len() < 500 {
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(more)) => batch.push(more),
                        _ => break,
                    }
                }
                // kept and retried until written: the audit log does not lose entries to an
                // outage of the database (new ones queue meanwhile, up to the channel's size)
                crate::db::until_ok("audit log entries", || write(&writer, &batch)).await;
                batch.clear();
            }
        });
        Audit {
            tx,
            pool,
            dropped: Default::default(),
        }
    }

    /// Queues `entry`. Only when 10,000 entries wait (a long database outage) is one
    /// dropped, and never silently: the first drop and every 1,000th after are logged with
    /// the count, as is the `dropped` total in [`Audit::dropped`].
    pub fn record(&self, entry: Entry) {
        if self.tx.try_send(entry).is_err() {
            let n = self.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n == 1 || n.is_multiple_of(1000) {
                tracing::error!(
                    dropped = n,
                    "audit queue full (the database is away): audit entries dropped"
                );
            }
        }
    }

    /// Audit entries dropped since start (the queue was full).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The latest `limit` entries, newest first (`rproxy/audit`).
    pub async fn latest(&self, limit: i64) -> Result<Value, sqlx::Error> {
        // "user" is a reserved word on PostgreSQL: quoted in every dialect
        let entries: Vec<Value> = on_pool!(&self.pool, p => {
            let rows = sqlx::query(r#"SELECT at, "user", path, remote, status FROM audit ORDER BY id DESC LIMIT $1"#).bind(limit).fetch_all(p).await?;
            rows.iter()
                .map(|r| json!({ "at": r.get::<i64, _>(0), "user": r.get::<String, _>(1), "path": r.get::<String, _>(2), "remote": r.get::<Option<String>, _>(3), "status": r.get::<i64, _>(4) }))
                .collect()
        });
        Ok(json!({ "entries": entries }))
    }
}

/// One multi-row INSERT per batch (a statement per row cost ~170 us of CPU per request in
/// the rc/noop benchmark).
async fn write(pool: &Pool, batch: &[Entry]) -> Result<(), sqlx::Error> {
    let at = rcmd_core::batch::store::now_ms();
    on_pool!(pool, p => {
        let mut q = sqlx::QueryBuilder::new(r#"INSERT INTO audit (at, "user", path, remote, status) "#);
        q.push_values(batch, |mut row, e| {
            row.push_bind(at).push_bind(&e.user).push_bind(&e.path).push_bind(&e.remote).push_bind(e.status as i64);
        });
        q.build().execute(p).await?;
    });
    Ok(())
}

/// The remote of the first fs-like parameter (`fs`, `srcFs`, ...), for the log.
pub fn first_remote(params: &Map<String, Value>) -> Option<String> {
    params
        .iter()
        .filter(|(k, _)| *k == "fs" || k.ends_with("Fs"))
        .find_map(|(_, v)| v.as_str().and_then(|s| s.split_once(':')).map(|(r, _)| r.to_owned()))
}
