//! The batch database: batches, items and an event log in SQLite (WAL, `synchronous=FULL`,
//! so a committed checkpoint survives a power loss). Every checkpoint is one transaction.

use std::{path::Path, str::FromStr, time::Duration};

use rcmd_types::{
    BatchInfo, BatchKind, BatchReport, BatchStatus, FailedItem, FailureClass, FailureReason, ItemState, RenamedItem,
    SkippedItem, StateCounts,
};
use serde::{de::DeserializeOwned, Serialize};
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Row, SqlitePool,
};

use super::{lease, plan::PlannedItem};
use crate::resilience::classify::{suggestion, Failure};

/// Failures of the batch database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("batch database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("cannot migrate the batch database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("no batch {0}")]
    NoBatch(i64),
    #[error("no schedule {0}")]
    NoSchedule(i64),
    #[error("cannot create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    /// The database file could not be opened or migrated (locked, corrupt, not a file, disk
    /// full).
    #[error("cannot open the batch database {path}: {source}")]
    Open { path: String, source: Box<StoreError> },
    /// Another process runs the batch (its lease is live).
    #[error("batch {id} is already running in another process ({runner}); wait for it or stop it there")]
    Leased { id: i64, runner: String },
    /// This runner's lease was taken over (its heartbeat stopped for longer than the timeout).
    #[error("batch {id} was taken over by another process ({runner})")]
    LeaseLost { id: i64, runner: String },
}

/// An item as the processor sees it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub path: String,
    pub size: i64,
    pub mod_time: String,
    pub attempts: i64,
    /// Its path at the destination when it is copied under another name ("rename the
    /// copy"); `None`: [`ItemRow::path`].
    pub dst_path: Option<String>,
    /// A sync batch's item: its direction (`right`, `left`, `delete_right`, `delete_left`).
    pub action: Option<String>,
    /// A sync batch's delete: the folder it may leave empty (see `batch::sync`).
    pub prune: Option<String>,
}

impl ItemRow {
    /// Where the item goes at the destination (relative to its root).
    pub fn dst(&self) -> &str {
        self.dst_path.as_deref().unwrap_or(&self.path)
    }
}

/// How an item ended up after a chunk.
#[derive(Clone, Debug)]
pub enum ItemOutcome {
    /// At the destination; its bytes are its planned size.
    Done,
    /// Not done; try again when its turn comes (`not_before` unix ms).
    Retry {
        failure: Failure,
        not_before: i64,
    },
    Failed {
        failure: Failure,
    },
    /// Verified not done after a crash or a pause: back in the queue without counting as a
    /// failure or an attempt.
    Requeue,
    /// Nothing to do any more (the source vanished after planning), with the reason.
    Skipped {
        reason: String,
    },
}

/// The batch database. Cheap to clone.
/// A planned batch to record (see [`Store::insert`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewBatch<'a> {
    pub origin: Option<&'a str>,
    pub kind: BatchKind,
    pub src: &'a str,
    pub dst: Option<&'a str>,
    pub items: &'a [PlannedItem],
    /// Folders to remove once empty after a clean end (relative to `src`; "" = below `src`).
    pub cleanup: &'a [String],
    /// The conflict policy chosen (copy and move).
    pub on_conflict: Option<rcmd_types::ConflictPolicy>,
    /// The check the batch's jobs run with (see [`super::conflict`]).
    pub guard: Option<super::conflict::Guard>,
    /// Items recorded as skipped from the start: path and reason (destination files kept).
    pub kept: &'a [(String, &'a str)],
    /// Items that go to another path at the destination: source path → destination path.
    pub renamed: &'a [(String, String)],
    /// A sync batch: each item's direction and folder to prune, and the batch's settings
    /// (JSON of [`super::sync::SyncMeta`]).
    pub sync: Option<SyncInsert<'a>>,
}

/// See [`NewBatch::sync`].
pub(crate) type SyncInsert<'a> = (
    &'a std::collections::HashMap<String, (rcmd_types::Direction, Option<String>)>,
    &'a str,
);

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn text<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn parse<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // filename(), not a URL: a path may hold '?', '#' or spaces
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Store::connect(opts).await.map_err(|e| StoreError::Open {
            path: path.display().to_string(),
            source: Box::new(e),
        })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A private in-memory database (tests).
    pub async fn open_memory() -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        Store::connect(opts).await
    }

    async fn connect(opts: SqliteConnectOptions) -> Result<Store, StoreError> {
        // one connection: writes are serialised anyway, and an in-memory db is per connection
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Creates a batch with its items in one transaction; returns its id.
    pub async fn create(
        &self,
        kind: BatchKind,
        src: &str,
        dst: Option<&str>,
        items: &[PlannedItem],
    ) -> Result<i64, StoreError> {
        self.create_inner(None, kind, src, dst, items).await
    }

    /// Like [`Store::create`] for a batch another system knows as `origin`: when a batch with
    /// that origin exists already (the caller crashed after creating it), its id is returned
    /// and nothing is created, so a retried creation never makes a second batch.
    pub async fn create_once(
        &self,
        origin: &str,
        kind: BatchKind,
        src: &str,
        dst: Option<&str>,
        items: &[PlannedItem],
    ) -> Result<i64, StoreError> {
        if let Some(id) = self.by_origin(origin).await? {
            return Ok(id);
        }
        self.create_inner(Some(origin), kind, src, dst, items).await
    }

    /// The counter new batch ids continue from (0 before any batch or floor).
    pub async fn id_floor(&self) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'batches'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Makes new batch ids continue above `floor` (several stores sharing one id space, such
    /// as rproxy instances on one database, each take a range). Only ever raises the counter.
    pub async fn raise_id_floor(&self, floor: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO sqlite_sequence (name, seq) SELECT 'batches', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'batches')").execute(&mut *tx).await?;
        sqlx::query("UPDATE sqlite_sequence SET seq = ? WHERE name = 'batches' AND seq < ?")
            .bind(floor)
            .bind(floor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The batch created for `origin`, if any.
    pub async fn by_origin(&self, origin: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT id FROM batches WHERE origin = ?")
            .bind(origin)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A sync batch's items in the order they run: path (on the side read or deleted from),
    /// direction and state.
    pub async fn sync_actions(&self, id: i64) -> Result<Vec<(String, rcmd_types::Direction, ItemState)>, StoreError> {
        let rows: Vec<(String, Option<String>, String)> =
            sqlx::query_as("SELECT path, action, state FROM items WHERE batch_id = ? ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(path, action, state)| {
                Some((path, rcmd_types::Direction::parse(action.as_deref()?)?, parse(&state)?))
            })
            .collect())
    }

    /// Every item of batch `id`: path, state, and the error or skip reason.
    pub async fn item_results(&self, id: i64) -> Result<Vec<(String, ItemState, Option<String>)>, StoreError> {
        let rows = sqlx::query("SELECT path, state, last_error FROM items WHERE batch_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.get(0),
                    parse::<ItemState>(&r.get::<String, _>(1)).unwrap_or(ItemState::Pending),
                    r.get(2),
                )
            })
            .collect())
    }

    async fn create_inner(
        &self,
        origin: Option<&str>,
        kind: BatchKind,
        src: &str,
        dst: Option<&str>,
        items: &[PlannedItem],
    ) -> Result<i64, StoreError> {
        self.insert(&NewBatch {
            origin,
            kind,
            src,
            dst,
            items,
            cleanup: &[],
            on_conflict: None,
            guard: None,
            kept: &[],
            renamed: &[],
            sync: None,
        })
        .await
    }

    /// Records a planned batch, queued, in one transaction. Front ends create batches with
    /// [`Processor::create`](super::Processor::create), which plans them first.
    pub(crate) async fn insert(&self, new: &NewBatch<'_>) -> Result<i64, StoreError> {
        let NewBatch {
            origin,
            kind,
            src,
            dst,
            items,
            cleanup,
            on_conflict,
            guard,
            kept,
            renamed,
            sync,
        } = *new;
        let cleanup = (!cleanup.is_empty()).then(|| serde_json::to_string(cleanup).unwrap_or_default());
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO batches (kind, src, dst, status, created_at, updated_at, origin, cleanup, on_conflict, guard, sync) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(text(kind))
        .bind(src)
        .bind(dst)
        .bind(now)
        .bind(now)
        .bind(origin)
        .bind(cleanup)
        .bind(on_conflict.map(|p| p.as_str()))
        .bind(guard.map(|g| g.as_str()))
        .bind(sync.map(|(_, meta)| meta))
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        // kept destination files are skipped items from the start, with their reason
        let kept_reason: std::collections::HashMap<&str, &str> =
            kept.iter().map(|(path, reason)| (path.as_str(), *reason)).collect();
        let renamed_to: std::collections::HashMap<&str, &str> =
            renamed.iter().map(|(path, to)| (path.as_str(), to.as_str())).collect();
        // multi-row inserts: one statement per 500 items (9 parameters each, well under
        // SQLite's limit) instead of one per item
        for block in items.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO items (batch_id, path, size, mod_time, state, last_error, dst_path, action, prune) ",
            );
            q.push_values(block, |mut row, item| {
                let reason = kept_reason.get(item.path.as_str()).copied();
                let action = sync.and_then(|(a, _)| a.get(&item.path));
                row.push_bind(id)
                    .push_bind(&item.path)
                    .push_bind(item.size)
                    .push_bind(&item.mod_time)
                    .push_bind(if reason.is_some() { "skipped" } else { "pending" })
                    .push_bind(reason)
                    .push_bind(renamed_to.get(item.path.as_str()).copied())
                    .push_bind(action.map(|(d, _)| d.as_str()))
                    .push_bind(action.and_then(|(_, p)| p.clone()));
            });
            q.build().execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO batch_events (batch_id, at, kind, detail) VALUES (?, ?, 'created', ?)")
            .bind(id)
            .bind(now)
            .bind(match (on_conflict, kept.len(), renamed.len()) {
                (Some(p), 0, 0) => format!("{} items; existing files: {}", items.len(), p.as_str()),
                (Some(p), k, r) => format!(
                    "{} items; existing files: {}, {k} kept, {r} copied under another name",
                    items.len(),
                    p.as_str()
                ),
                (None, _, _) => format!("{} items", items.len()),
            })
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The check batch `id`'s jobs run with for existing destination files.
    pub(crate) async fn guard(&self, id: i64) -> Result<Option<super::conflict::Guard>, StoreError> {
        let g: Option<Option<String>> = sqlx::query_scalar("SELECT guard FROM batches WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(g.ok_or(StoreError::NoBatch(id))?
            .as_deref()
            .and_then(super::conflict::Guard::parse))
    }

    /// A sync batch's settings (`None` for other batches).
    pub(crate) async fn sync_meta(&self, id: i64) -> Result<Option<super::sync::SyncMeta>, StoreError> {
        let m: Option<Option<String>> = sqlx::query_scalar("SELECT sync FROM batches WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(m.ok_or(StoreError::NoBatch(id))?
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok()))
    }

    /// Batch `id`'s source and the folders to remove once empty after a clean end.
    pub(crate) async fn cleanup(&self, id: i64) -> Result<(String, Vec<String>), StoreError> {
        let row: Option<(String, Option<String>)> = sqlx::query_as("SELECT src, cleanup FROM batches WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let (src, cleanup) = row.ok_or(StoreError::NoBatch(id))?;
        let folders = cleanup
            .and_then(|c| serde_json::from_str::<Vec<String>>(&c).ok())
            .unwrap_or_default();
        Ok((src, folders))
    }

    /// One batch with its counts.
    pub async fn batch(&self, id: i64) -> Result<BatchInfo, StoreError> {
        let row = sqlx::query(
            "SELECT id, kind, src, dst, status, pause_reason, created_at, updated_at, lease_host, lease_pid, lease_heartbeat, lease_timeout, on_conflict FROM batches WHERE id = ?",
        )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NoBatch(id))?;
        let counts = self.counts(id).await?;
        Ok(BatchInfo {
            id: row.get(0),
            kind: parse(row.get::<String, _>(1).as_str()).unwrap_or(BatchKind::Copy),
            src: row.get(2),
            dst: row.get(3),
            status: parse(row.get::<String, _>(4).as_str()).unwrap_or(BatchStatus::Failed),
            pause_reason: row.get(5),
            created_at_ms: row.get(6),
            updated_at_ms: row.get(7),
            counts,
            runner: lease::live_runner(row.get(8), row.get(9), row.get(10), row.get(11)),
            on_conflict: row
                .get::<Option<String>, _>(12)
                .and_then(|p| rcmd_types::ConflictPolicy::parse(&p)),
        })
    }

    async fn counts(&self, id: i64) -> Result<StateCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*), COALESCE(SUM(MAX(size, 0)), 0), COALESCE(SUM(bytes), 0) FROM items WHERE batch_id = ? GROUP BY state",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut c = StateCounts::default();
        for r in rows {
            let n = r.get::<i64, _>(1) as u64;
            c.bytes_total += r.get::<i64, _>(2) as u64;
            match parse::<ItemState>(r.get::<String, _>(0).as_str()) {
                Some(ItemState::Pending) => c.pending = n,
                Some(ItemState::Running) => c.running = n,
                Some(ItemState::Done) => {
                    c.done = n;
                    c.bytes_done += r.get::<i64, _>(2) as u64;
                }
                Some(ItemState::Failed) => c.failed = n,
                Some(ItemState::Skipped) => c.skipped = n,
                None => {}
            }
        }
        Ok(c)
    }

    /// All batches, newest first.
    pub async fn list(&self) -> Result<Vec<BatchInfo>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM batches ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.batch(id).await?);
        }
        Ok(out)
    }

    /// Batches a crash or a pause left unfinished.
    pub async fn unfinished(&self) -> Result<Vec<BatchInfo>, StoreError> {
        // filtered in SQL: a server's store holds many finished batches
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM batches WHERE status IN ('queued', 'running', 'paused') ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.batch(id).await?);
        }
        Ok(out)
    }

    pub async fn set_status(&self, id: i64, status: BatchStatus, reason: Option<&str>) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE batches SET status = ?, pause_reason = ?, updated_at = ? WHERE id = ?")
            .bind(text(status))
            .bind(reason)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO batch_events (batch_id, at, kind, detail) VALUES (?, ?, 'status', ?)")
            .bind(id)
            .bind(now)
            .bind(format!(
                "{}{}",
                text(status),
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            ))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `max_items` ready pending items (and at most `max_bytes`, but at least one)
    /// as chunk `chunk`, in one transaction.
    pub async fn claim(&self, id: i64, chunk: i64, max_items: i64, max_bytes: i64) -> Result<Vec<ItemRow>, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let candidates: Vec<ItemRow> = sqlx::query_as(
            "SELECT id, path, size, mod_time, attempts, dst_path, action, prune FROM items WHERE batch_id = ? AND state = 'pending' AND not_before <= ? ORDER BY id LIMIT ?",
        )
        .bind(id)
        .bind(now)
        .bind(max_items)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::new();
        let mut bytes = 0i64;
        for item in candidates {
            if !claimed.is_empty() && bytes + item.size.max(0) > max_bytes {
                break;
            }
            // a sync batch's chunk holds one direction (one rclone job)
            if claimed.first().is_some_and(|f: &ItemRow| f.action != item.action) {
                break;
            }
            // an item with another name at the destination runs alone (its own copyfile: a
            // file list names the same path on both sides)
            let renamed = item.dst_path.is_some();
            if renamed && !claimed.is_empty() {
                break;
            }
            bytes += item.size.max(0);
            claimed.push(ItemRow {
                attempts: item.attempts + 1,
                ..item
            });
            if renamed {
                break;
            }
        }
        if let (Some(first), Some(last)) = (claimed.first(), claimed.last()) {
            // the claimed items are exactly the ready pending ones in this id range
            sqlx::query(
                "UPDATE items SET state = 'running', chunk = ?, attempts = attempts + 1 WHERE batch_id = ? AND state = 'pending' AND not_before <= ? AND id BETWEEN ? AND ?",
            )
            .bind(chunk)
            .bind(id)
            .bind(now)
            .bind(first.id)
            .bind(last.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Settles items after a chunk, in one transaction.
    pub async fn checkpoint(&self, id: i64, outcomes: &[(i64, ItemOutcome)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // done items (nearly all of them) are settled 500 ids per statement
        let done: Vec<i64> = outcomes
            .iter()
            .filter(|(_, o)| matches!(o, ItemOutcome::Done))
            .map(|(i, _)| *i)
            .collect();
        for block in done.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "UPDATE items SET state = 'done', chunk = NULL, bytes = MAX(size, 0), last_error = NULL, failure_class = NULL, failure_reason = NULL WHERE batch_id = ",
            );
            q.push_bind(id).push(" AND id IN (");
            let mut ids = q.separated(", ");
            for item in block {
                ids.push_bind(*item);
            }
            ids.push_unseparated(")");
            q.build().execute(&mut *tx).await?;
        }
        for (item, outcome) in outcomes {
            let q = match outcome {
                ItemOutcome::Done => continue,
                // a crash or a pause is not the item's failure: give back the attempt its
                // claim took
                ItemOutcome::Requeue => sqlx::query(
                    "UPDATE items SET state = 'pending', chunk = NULL, attempts = MAX(attempts - 1, 0) WHERE id = ? AND batch_id = ?",
                ),
                ItemOutcome::Retry { failure, not_before } => sqlx::query(
                    "UPDATE items SET state = 'pending', chunk = NULL, failure_class = ?, failure_reason = ?, last_error = ?, retryable = 1, not_before = ? WHERE id = ? AND batch_id = ?",
                )
                .bind(text(failure.class))
                .bind(text(failure.reason))
                .bind(&failure.message)
                .bind(*not_before),
                ItemOutcome::Skipped { reason } => sqlx::query(
                    "UPDATE items SET state = 'skipped', chunk = NULL, last_error = ?, retryable = 0 WHERE id = ? AND batch_id = ?",
                )
                .bind(reason),
                ItemOutcome::Failed { failure } => sqlx::query(
                    "UPDATE items SET state = 'failed', chunk = NULL, failure_class = ?, failure_reason = ?, last_error = ?, retryable = ? WHERE id = ? AND batch_id = ?",
                )
                .bind(text(failure.class))
                .bind(text(failure.reason))
                .bind(&failure.message)
                .bind(failure.retryable),
            };
            q.bind(item).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE batches SET updated_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The pending items' ids and paths, in planned order.
    pub async fn pending_paths(&self, id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, path FROM items WHERE batch_id = ? AND state = 'pending' ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Items left `running` by a crash.
    pub async fn running(&self, id: i64) -> Result<Vec<ItemRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, path, size, mod_time, attempts, dst_path, action, prune FROM items WHERE batch_id = ? AND state = 'running' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Earliest time a pending item may run, if any is pending.
    pub async fn next_ready_at(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MIN(not_before) FROM items WHERE batch_id = ? AND state = 'pending'")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Items recorded as failed only because their remote was paused or the destination was
    /// full (never the items' own fault; older versions stored them so) go back to the queue,
    /// with the attempt that failure used. Returns how many.
    pub async fn revive_paused(&self, id: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE items SET state = 'pending', not_before = 0, attempts = MAX(attempts - 1, 0) WHERE batch_id = ? AND state = 'failed' AND failure_reason IN (?, ?)",
        )
        .bind(id)
        .bind(text(FailureReason::RemotePaused))
        .bind(text(FailureReason::StorageFull))
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Puts failed items back in the queue and the batch back to `queued` (user: "retry
    /// failed"), in one transaction. Returns how many items were requeued.
    pub async fn retry_failed(&self, id: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n =
            sqlx::query("UPDATE items SET state = 'pending', not_before = 0 WHERE batch_id = ? AND state = 'failed'")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if n > 0 {
            sqlx::query("UPDATE batches SET status = 'queued', pause_reason = NULL, updated_at = ? WHERE id = ?")
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO batch_events (batch_id, at, kind, detail) VALUES (?, ?, 'retry_failed', ?)")
                .bind(id)
                .bind(now_ms())
                .bind(format!("{n} items"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn event(&self, id: i64, kind: &str, detail: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO batch_events (batch_id, at, kind, detail) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(now_ms())
            .bind(kind)
            .bind(detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sum of all items' attempts (tests check that nothing ran twice).
    pub async fn attempts(&self, id: i64) -> Result<Vec<(String, i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT path, attempts, state FROM items WHERE batch_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    /// The partial-success report.
    pub async fn report(&self, id: i64) -> Result<BatchReport, StoreError> {
        let batch = self.batch(id).await?;
        let rows = sqlx::query(
            "SELECT path, attempts, failure_class, failure_reason, retryable, COALESCE(last_error, '') FROM items WHERE batch_id = ? AND state = 'failed' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let failed = rows
            .into_iter()
            .map(|r| {
                let reason: Option<FailureReason> = r.get::<Option<String>, _>(3).and_then(|s| parse(&s));
                let (en, ko) = reason.map(suggestion).unwrap_or(("", ""));
                FailedItem {
                    path: r.get(0),
                    attempts: r.get::<i64, _>(1) as u32,
                    class: r.get::<Option<String>, _>(2).and_then(|s| parse::<FailureClass>(&s)),
                    reason,
                    retryable: r.get::<bool, _>(4),
                    error: r.get(5),
                    suggestion_en: en.to_owned(),
                    suggestion_ko: ko.to_owned(),
                }
            })
            .collect::<Vec<_>>();
        let resumable = batch.status.is_resumable() || failed.iter().any(|f| f.retryable);
        let retried: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE batch_id = ? AND attempts > 1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        // the skipped items with their reasons (existing destination files kept, sources
        // that vanished), the first ones only: a report stays small
        let skipped = sqlx::query_as::<_, (String, String)>(
            "SELECT path, COALESCE(last_error, '') FROM items WHERE batch_id = ? AND state = 'skipped' ORDER BY id LIMIT ?",
        )
        .bind(id)
        .bind(BatchReport::SKIPPED_SHOWN as i64)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(path, reason)| SkippedItem { path, reason })
        .collect();
        let renamed = sqlx::query_as::<_, (String, String)>(
            "SELECT path, dst_path FROM items WHERE batch_id = ? AND dst_path IS NOT NULL ORDER BY id LIMIT ?",
        )
        .bind(id)
        .bind(BatchReport::SKIPPED_SHOWN as i64)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(path, to)| RenamedItem { path, to })
        .collect();
        let bisync = if batch.kind == rcmd_types::BatchKind::Bisync {
            crate::bisync::PairStore::new(self.clone()).report(id).await?
        } else {
            None
        };
        Ok(BatchReport {
            bisync,
            batch,
            failed,
            resumable,
            retried: retried as u64,
            skipped,
            renamed,
        })
    }
}
