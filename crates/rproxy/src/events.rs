//! Durable events and the Server-Sent Events stream (`GET /rproxy/events`). Every event is a
//! row first; its id is the SSE `id`, so a client reconnecting with `Last-Event-ID` reads
//! exactly the rows after it that it may see (its own and public ones; admins all): no gap,
//! no duplicate. A broadcast only wakes streams; they always re-read the table. Transient
//! frames (queue progress, at most 1 Hz per batch) are not stored and carry no id: a client
//! that reconnects does not get them again, and they never move its cursor.
//!
//! Retention: events older than [`RETENTION`] are deleted (hourly). A client whose
//! `Last-Event-ID` is older than what was deleted cannot be given what it missed: it gets a
//! `reset` frame carrying a snapshot of the present (its unfinished jobs, the queue, rcd's
//! state) with the newest id, and the stream goes on from there.

use std::{convert::Infallible, time::Duration};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::Response,
};
use futures_util::StreamExt;
use serde_json::Value;

use crate::{
    db::{Pool, Tx},
    on_pool, on_tx,
};
use tokio::sync::broadcast;

use crate::{auth::User, policy::Role};

/// Events are kept this long.
pub const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A keep-alive comment this often on an idle stream.
/// How often a stream re-checks its caller's credentials (a removed user's or a revoked
/// token's stream ends within this, plus the verification cache's one-second watch).
pub const RECHECK: Duration = Duration::from_secs(2);

/// Whether a stream's caller may still read it.
pub type Alive =
    std::sync::Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync>;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The event store. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    pool: Pool,
    /// `None`: new rows to read; `Some`: a transient frame.
    wake: broadcast::Sender<Option<Transient>>,
    /// Set when the server stops: every stream ends (within [`RECHECK`]).
    closing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// A frame that is sent, not stored.
#[derive(Clone, Debug)]
struct Transient {
    kind: &'static str,
    user_id: Option<i64>,
    data: Value,
}

use rcmd_core::batch::store::now_ms;

/// Transient progress frames at most once a second per batch (the last frame of a batch, all
/// items settled, always goes).
#[derive(Default)]
pub struct ProgressThrottle {
    last: std::sync::Mutex<std::collections::HashMap<i64, std::time::Instant>>,
}

impl ProgressThrottle {
    pub const EVERY: Duration = Duration::from_secs(1);

    /// Whether a frame for `p` goes out now (and then it counts as sent).
    pub fn due(&self, p: &rcmd_core::types::BatchProgress) -> bool {
        let Ok(mut m) = self.last.lock() else { return false };
        let last = m.entry(p.id).or_insert_with(|| std::time::Instant::now() - Self::EVERY);
        let due = last.elapsed() >= Self::EVERY || p.items_done + p.items_failed >= p.items_total;
        if due {
            *last = std::time::Instant::now();
        }
        due
    }

    /// Batch `id` ended: its entry goes.
    pub fn forget(&self, id: i64) {
        if let Ok(mut m) = self.last.lock() {
            m.remove(&id);
        }
    }
}

impl Events {
    /// Ends every stream (the server stops): each ends within [`RECHECK`].
    pub fn close(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = self.wake.send(None);
    }

    /// The log over `pool`. On PostgreSQL it listens for other instances' appends, which
    /// holds one of the pool's connections (the pool needs at least two).
    pub fn new(pool: Pool) -> Events {
        let events = Events {
            pool,
            wake: broadcast::channel(256).0,
            closing: Default::default(),
        };
        if let Pool::Pg(pg) = &events.pool {
            // other instances' appends wake this instance's streams (LISTEN); they read the
            // table themselves, so a lost notification costs at most the keep-alive interval
            let (pg, wake) = (pg.clone(), events.wake.clone());
            tokio::spawn(async move {
                // the listener lives as long as the process
                let stop = tokio_util::sync::CancellationToken::new();
                match crate::db::events::PgWake::start(&pg, stop.clone()).await {
                    Ok(w) => loop {
                        w.notify.notified().await;
                        // no stream open right now is not an error
                        let _ = wake.send(None);
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for other instances' events; streams poll every 15 s")
                    }
                }
            });
        }
        events
    }

    /// Sends a frame without storing it (no id), to streams of `user_id` and admins (or
    /// everyone when `None`).
    pub fn transient(&self, kind: &'static str, user_id: Option<i64>, data: Value) {
        let _ = self.wake.send(Some(Transient { kind, user_id, data }));
    }

    /// Records an event visible to `user_id` (and admins), or to everyone when `None`.
    pub async fn emit(&self, kind: &str, user_id: Option<i64>, data: Value) -> Result<i64, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let id = Events::insert(&mut tx, kind, user_id, &data).await?;
        tx.commit().await?;
        self.notify();
        Ok(id)
    }

    /// Records an event inside the caller's transaction (so it is stored exactly when what it
    /// reports is); call [`Events::notify`] after the commit.
    pub async fn insert(tx: &mut Tx, kind: &str, user_id: Option<i64>, data: &Value) -> Result<i64, sqlx::Error> {
        let at = now_ms();
        Self::lock_append(tx).await?;
        let id: i64 = on_tx!(tx, c => sqlx::query_scalar("INSERT INTO events (at, kind, user_id, data) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(at)
            .bind(kind)
            .bind(user_id)
            .bind(data.to_string())
            .fetch_one(c)
            .await?);
        Ok(id)
    }

    /// Records many events in one statement inside the caller's transaction (see
    /// [`Events::insert`]); call [`Events::notify`] after the commit.
    pub async fn insert_many(tx: &mut Tx, events: &[(&str, Option<i64>, Value)]) -> Result<(), sqlx::Error> {
        if events.is_empty() {
            return Ok(());
        }
        let at = now_ms();
        Self::lock_append(tx).await?;
        on_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO events (at, kind, user_id, data) ");
            q.push_values(events, |mut row, (kind, user_id, data)| {
                row.push_bind(at).push_bind(*kind).push_bind(*user_id).push_bind(data.to_string());
            });
            q.build().execute(c).await?;
        });
        Ok(())
    }

    /// On PostgreSQL, the event-append lock and the `NOTIFY`, once per transaction.
    async fn lock_append(tx: &mut Tx) -> Result<(), sqlx::Error> {
        if let Tx::Pg(t, locked @ false) = tx {
            // ids commit in the order they are given (see db::events): a reader after its last
            // id never skips one committed late. The lock and the NOTIFY (delivered at commit)
            // are taken once per transaction: a transaction ending 500 calls appends 500 events
            sqlx::query("SELECT pg_advisory_xact_lock($1), pg_notify($2, '')")
                .bind(crate::db::events::APPEND_LOCK)
                .bind(crate::db::events::CHANNEL)
                .execute(&mut **t)
                .await?;
            *locked = true;
        }
        Ok(())
    }

    /// Deletes events older than `older_than`; remembers the highest id deleted, so a client
    /// asking for events after an older id is told they are gone. Returns how many went.
    pub async fn prune(&self, older_than: Duration) -> Result<u64, sqlx::Error> {
        let cutoff = now_ms() - older_than.as_millis() as i64;
        let mut tx = self.pool.begin().await?;
        let last: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT MAX(id) FROM events WHERE at < $1").bind(cutoff).fetch_one(c).await?);
        let Some(last) = last else { return Ok(0) };
        let n = on_tx!(&mut tx, c => {
            let n = sqlx::query("DELETE FROM events WHERE id <= $1").bind(last).execute(&mut *c).await?.rows_affected();
            sqlx::query("INSERT INTO meta (key, value) VALUES ('events_pruned_through', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(last.to_string())
                .execute(&mut *c)
                .await?;
            n
        });
        tx.commit().await?;
        Ok(n)
    }

    /// The newest stored event id (0 when there is none): a client starting "from now" follows
    /// from here.
    pub async fn newest(&self) -> Result<i64, sqlx::Error> {
        let newest: Option<i64> =
            on_pool!(&self.pool, p => sqlx::query_scalar("SELECT MAX(id) FROM events").fetch_one(p).await?);
        Ok(newest.unwrap_or(0))
    }

    /// Whether events after `last_id` were deleted by retention (the client missed some that
    /// cannot be replayed); then the newest id, to continue from after a snapshot.
    pub async fn gone_after(&self, last_id: i64) -> Result<Option<i64>, sqlx::Error> {
        let pruned: Option<String> = on_pool!(&self.pool, p => sqlx::query_scalar("SELECT value FROM meta WHERE key = 'events_pruned_through'").fetch_optional(p).await?);
        let pruned: i64 = pruned.and_then(|v| v.parse().ok()).unwrap_or(0);
        if last_id >= pruned {
            return Ok(None);
        }
        Ok(Some(self.newest().await?.max(pruned)))
    }

    /// Wakes the streams to read new rows.
    pub fn notify(&self) {
        let _ = self.wake.send(None);
    }

    /// Events after `after` that `user` may see, oldest first.
    pub async fn since(&self, user: &User, after: i64, limit: i64) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
        let rows: Vec<(i64, String, String)> = on_pool!(&self.pool, p => sqlx::query_as("SELECT id, kind, data FROM events WHERE id > $1 AND ($2 OR user_id IS NULL OR user_id = $3) ORDER BY id LIMIT $4")
            .bind(after)
            .bind(user.role == Role::Admin)
            .bind(user.id)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// The SSE response for `user`, starting after `last_id`; with `reset`, the stream opens
    /// with a `reset` frame (id `reset.0`, data `reset.1`) and goes on after that id.
    ///
    /// `alive` is asked every [`RECHECK`] whether the caller's credentials still hold (a
    /// removed user or a revoked token): when it says no, the stream ends.
    pub fn stream(&self, user: User, last_id: i64, reset: Option<(i64, Value)>, alive: Alive) -> Response {
        let events = self.clone();
        let wake = self.wake.subscribe();
        let first = reset
            .as_ref()
            .map(|(id, data)| Bytes::from(format!("id: {id}\nevent: reset\ndata: {data}\n\n")));
        let last_id = reset.map(|(id, _)| id).unwrap_or(last_id);
        let state = (
            events,
            user,
            last_id,
            wake,
            (alive, std::time::Instant::now(), std::time::Instant::now()),
        );
        let stream = futures_util::stream::unfold(
            state,
            |(events, user, mut cursor, mut wake, (alive, mut checked, mut said))| async move {
                loop {
                    if events.closing.load(std::sync::atomic::Ordering::SeqCst) {
                        // the server stops: the client reconnects (to another instance, or this
                        // one after its restart) with Last-Event-ID and misses nothing
                        return None;
                    }
                    if checked.elapsed() >= RECHECK {
                        if !alive().await {
                            tracing::info!(user = %user.name, "event stream ended: its credentials are no longer valid");
                            return None;
                        }
                        checked = std::time::Instant::now();
                    }
                    match events.since(&user, cursor, 500).await {
                        Ok(rows) if !rows.is_empty() => {
                            let mut chunk = String::new();
                            for (id, kind, data) in rows {
                                chunk.push_str(&format!("id: {id}\nevent: {kind}\ndata: {data}\n\n"));
                                cursor = id;
                            }
                            return Some((
                                Ok::<_, Infallible>(Bytes::from(chunk)),
                                (events, user, cursor, wake, (alive, checked, said)),
                            ));
                        }
                        Ok(_) => {}
                        // the database is busy or gone: try again on the next wake or keep-alive
                        Err(e) => tracing::warn!(error = %e, "cannot read events"),
                    }
                    match tokio::time::timeout(RECHECK, wake.recv()).await {
                        Ok(Ok(Some(t))) => {
                            if user.role == Role::Admin || t.user_id.is_none() || t.user_id == Some(user.id) {
                                let frame = format!("event: {}\ndata: {}\n\n", t.kind, t.data);
                                return Some((
                                    Ok(Bytes::from(frame)),
                                    (events, user, cursor, wake, (alive, checked, said)),
                                ));
                            }
                        }
                        Ok(Ok(None)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                        Ok(Err(broadcast::error::RecvError::Closed)) => return None,
                        Err(_) if said.elapsed() >= KEEP_ALIVE => {
                            said = std::time::Instant::now();
                            return Some((
                                Ok(Bytes::from_static(b": keep-alive\n\n")),
                                (events, user, cursor, wake, (alive, checked, said)),
                            ));
                        }
                        Err(_) => continue,
                    }
                }
            },
        );
        let stream = futures_util::stream::iter(first.map(Ok::<_, Infallible>)).chain(stream);
        let mut resp = Response::new(Body::from_stream(stream));
        *resp.status_mut() = StatusCode::OK;
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        resp
    }
}
