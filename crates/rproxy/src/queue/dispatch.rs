//! Forming groups and running them: the oldest waiting call and every call with the same
//! roots become one group; a small group runs as direct rcd calls, a bigger one as one batch
//! of the engine's batch processor (created once per group: origin `rproxy-queue/<group>`).

use std::{collections::BTreeSet, time::Duration};

use rcmd_core::{
    batch::{BatchRequest, Selection, StartError},
    types::{BatchKind, ConflictPolicy},
};
use tokio::sync::OwnedSemaphorePermit;
use tracing::{info, warn};

use super::*;
use crate::{db::until_ok, on_pool, on_tx};

impl Queue {
    /// Groups waiting calls: small groups run as direct calls, bigger ones as engine batches
    /// (at most `SLOTS` at once). While the slots or direct permits are taken, calls keep
    /// arriving and the next group is bigger: the busier the queue, the bigger its batches.
    pub(super) async fn dispatch_loop(&self) {
        loop {
            if self.closing() {
                return;
            }
            // the permit first, the group after: calls stay `queued` (and can be stopped)
            // until something can run them
            let (waiting, oldest_at) = match self.oldest_waiting().await {
                Ok(n) => n,
                Err(e) => {
                    warn!(error = %e, "cannot read the queue");
                    (0, 0)
                }
            };
            if waiting == 0 {
                let _ = tokio::time::timeout(Duration::from_secs(1), self.inner.wake.notified()).await;
                continue;
            }
            let direct = waiting <= DIRECT_MAX;
            let age = Duration::from_millis(now_ms().saturating_sub(oldest_at).max(0) as u64);
            if direct && age < GATHER {
                // more may be on the way: a few more milliseconds can make them one batch
                tokio::time::sleep(GATHER - age).await;
                continue;
            }
            let semaphore = if direct { &self.inner.direct } else { &self.inner.slots };
            let Ok(permit) = semaphore.clone().acquire_owned().await else {
                return;
            };
            let gid = match self
                .form_group(if direct { DIRECT_MAX } else { GROUP_MAX }, direct)
                .await
            {
                Ok(Some(gid)) => gid,
                // stopped meanwhile
                Ok(None) => continue,
                Err(e) => {
                    warn!(error = %e, "cannot read the queue");
                    continue;
                }
            };
            let q = self.clone();
            if direct {
                tokio::spawn(async move {
                    q.run_direct(gid, false).await;
                    drop(permit);
                });
            } else {
                tokio::spawn(async move { q.launch(gid, permit, false).await });
            }
        }
    }

    /// How many calls wait with the same roots as the oldest waiting call, counted up to
    /// `DIRECT_MAX + 1` (all the dispatcher needs to know; an index answers it), and when
    /// that call arrived (ms).
    pub(super) async fn oldest_waiting(&self) -> Result<(i64, i64), sqlx::Error> {
        let (n, at): (i64, Option<i64>) = on_pool!(&self.inner.pool, p => sqlx::query_as(
            "SELECT COUNT(*), MAX(n.created_at) FROM (SELECT f.created_at FROM queue q, (SELECT kind, src_root, dst_root, created_at FROM queue WHERE state = 'queued' ORDER BY id LIMIT 1) f \
             WHERE q.state = 'queued' AND q.kind = f.kind AND q.src_root = f.src_root AND q.dst_root = f.dst_root LIMIT $1) AS n",
        )
        .bind(DIRECT_MAX + 1)
        .fetch_one(p)
        .await?);
        Ok((n, at.unwrap_or(0)))
    }

    /// Takes the oldest waiting call and every waiting call with the same roots (up to `max`)
    /// into a new group, in one transaction.
    pub(super) async fn form_group(&self, max: i64, direct: bool) -> Result<Option<i64>, sqlx::Error> {
        let mut tx = self.inner.pool.begin().await?;
        // PostgreSQL: rows another instance is taking are skipped, not waited for (SQLite has
        // one writer at a time and needs no row locks)
        let lock = if matches!(tx, crate::db::Tx::Pg(..)) {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let first: Option<(String, String, String)> = on_tx!(&mut tx, c => sqlx::query_as(&format!("SELECT kind, src_root, dst_root FROM queue WHERE state = 'queued' ORDER BY id LIMIT 1{lock}"))
            .fetch_optional(c)
            .await?);
        let Some((kind, src, dst)) = first else {
            return Ok(None);
        };
        let gid: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO queue_groups (kind, src_root, dst_root, direct, created_at, owner, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
            .bind(&kind)
            .bind(&src)
            .bind(&dst)
            .bind(direct)
            .bind(now_ms())
            .bind(&self.inner.instance)
            .bind(now_ms() + LEASE.as_millis() as i64)
            .fetch_one(c)
            .await?);
        on_tx!(&mut tx, c => sqlx::query(&format!(
            "UPDATE queue SET group_id = $1, state = 'running' WHERE id IN \
             (SELECT id FROM queue WHERE state = 'queued' AND kind = $2 AND src_root = $3 AND dst_root = $4 ORDER BY id LIMIT $5{lock})",
        ))
        .bind(gid)
        .bind(&kind)
        .bind(&src)
        .bind(&dst)
        .bind(max)
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(Some(gid))
    }

    /// Turns group `gid` into an engine batch (or finds the one a crash left) and runs it;
    /// the slot is held until the batch ends.
    pub(super) async fn launch(&self, gid: i64, slot: OwnedSemaphorePermit, recovering: bool) {
        let mut slot = Some(slot);
        for attempt in 0u32.. {
            match self.try_launch(gid, &mut slot, recovering).await {
                Ok(()) => return,
                Err(e) => {
                    // rcd or the source remote is down: the group waits, nothing is lost
                    warn!(group = gid, attempt, error = %e, "cannot start a queued group yet");
                    tokio::time::sleep(Duration::from_secs(2u64.pow(attempt.min(5)))).await;
                }
            }
        }
    }

    pub(super) async fn try_launch(
        &self,
        gid: i64,
        slot: &mut Option<OwnedSemaphorePermit>,
        recovering: bool,
    ) -> Result<(), String> {
        let row: Result<(String, String, String), _> = on_pool!(&self.inner.pool, p => sqlx::query_as("SELECT kind, src_root, dst_root FROM queue_groups WHERE id = $1")
            .bind(gid)
            .fetch_one(p)
            .await);
        let (kind, src, dst) = row.map_err(|e| e.to_string())?;
        // the batch is looked up in this instance's own store: a group reaped from another
        // instance gets a batch here, of its unfinished items
        let runner = self.runner().ok_or("the queue's runner is not ready")?;
        let batch = {
            let origin = format!("rproxy-queue/{gid}");
            let batch = match self.inner.store.by_origin(&origin).await.map_err(|e| e.to_string())? {
                Some(b) => b,
                None => {
                    let items: Result<Vec<String>, _> = on_pool!(&self.inner.pool, p => sqlx::query_scalar("SELECT DISTINCT item FROM queue WHERE group_id = $1 AND state = 'running'")
                        .bind(gid)
                        .fetch_all(p)
                        .await);
                    let items = items.map_err(|e| e.to_string())?;
                    let kind = if kind == "move" {
                        BatchKind::Move
                    } else {
                        BatchKind::Copy
                    };
                    // rclone's copyfile/movefile replace a different destination file: the
                    // queue keeps the semantics of the calls it was given
                    let req = BatchRequest::new(kind, &src, Some(&dst), Selection::Files(items.clone()))
                        .map_err(|e| e.to_string())?
                        .with_origin(origin)
                        .with_conflicts(ConflictPolicy::Overwrite, Default::default());
                    let created = match runner.create(&req).await {
                        Ok(c) => c,
                        Err(StartError::NoFiles(_)) => {
                            // nothing to batch: every file is missing; rcd says why, per file
                            self.direct_missing(gid, &items, &BTreeSet::new(), recovering).await;
                            return Ok(());
                        }
                        Err(e) => return Err(e.to_string()),
                    };
                    // files missing at planning time get rcd's own answer, one call each
                    let missing: BTreeSet<String> = created.missing.into_iter().collect();
                    let found: BTreeSet<String> = items.iter().filter(|i| !missing.contains(*i)).cloned().collect();
                    let q = self.clone();
                    tokio::spawn(async move { q.direct_missing(gid, &items, &found, recovering).await });
                    created.id
                }
            };
            on_pool!(&self.inner.pool, p => sqlx::query("UPDATE queue_groups SET batch_id = $1 WHERE id = $2").bind(batch).bind(gid).execute(p).await.map(|r| r.rows_affected()))
                .map_err(|e| e.to_string())?;
            batch
        };
        let info = self.inner.store.batch(batch).await.map_err(|e| e.to_string())?;
        if !info.status.is_resumable() {
            // it ended before rproxy recorded its items' ends
            drop(slot.take());
            self.finish_batch(batch).await;
            return Ok(());
        }
        if let (Ok(mut running), Some(s)) = (self.inner.running.lock(), slot.take()) {
            running.entry(batch).or_insert((s, 0));
        }
        runner.start(batch).await.map_err(|e| e.to_string())?;
        info!(group = gid, batch, "queued group running");
        Ok(())
    }

    /// Items of group `gid` not in `found` go to rcd one by one, so a missing source gets
    /// exactly rcd's answer.
    pub(super) async fn direct_missing(&self, gid: i64, items: &[String], found: &BTreeSet<String>, recovering: bool) {
        let missing: Vec<&String> = items.iter().filter(|i| !found.contains(*i)).collect();
        if missing.is_empty() {
            return;
        }
        let pool = &self.inner.pool;
        let rows: Vec<(i64, String, String, String)> = until_ok("a group's missing files", || async move {
            on_pool!(pool, p => sqlx::query_as("SELECT id, item, input, kind FROM queue WHERE group_id = $1 AND state = 'running'").bind(gid).fetch_all(p).await)
        })
        .await;
        for (id, item, input, kind) in rows {
            if !missing.contains(&&item) {
                continue;
            }
            if recovering && kind == "move" && self.moved_already(&input).await {
                self.finish_item(id, Ok(())).await;
                continue;
            }
            let outcome = self.call_rcd(&kind, &input).await;
            self.finish_item(id, outcome).await;
        }
    }
}
