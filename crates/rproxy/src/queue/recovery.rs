//! Several instances on one database: leases renewed while a group runs; groups whose lease
//! ran out or whose owner is gone are reaped and their unfinished items run here; at start,
//! this instance's own unfinished groups are taken up again.

use tracing::{info, warn};

use super::*;
use crate::on_pool;

impl Queue {
    /// At start: a `job/stop` that crashed between taking a call out and ending it left a
    /// running call without a group; it waits again (only when no other instance is alive:
    /// another one's stop may be between those two steps right now). Then the groups a
    /// previous run left are reaped like any gone owner's.
    pub(super) async fn recover(&self) {
        let live = Registry(self.inner.pool.clone()).live().await.unwrap_or_default();
        if live.iter().all(|i| *i == self.inner.instance) {
            if let Err(e) = on_pool!(&self.inner.pool, p => sqlx::query("UPDATE queue SET state = 'queued' WHERE state = 'running' AND group_id IS NULL").execute(p).await.map(|r| r.rows_affected()))
            {
                warn!(error = %e, "cannot read the queue");
            }
        }
        self.reap().await;
    }

    pub(super) async fn reap_loop(&self) {
        loop {
            tokio::time::sleep(REAP_EVERY).await;
            self.reap().await;
            self.settle_ended().await;
        }
    }

    /// A safety net for ends that were never written: this instance's groups with calls still
    /// `running` whose engine batch has ended (and is not being run) are finished again.
    pub(super) async fn settle_ended(&self) {
        let batches: Result<Vec<i64>, _> = on_pool!(&self.inner.pool, p => sqlx::query_scalar(
            "SELECT DISTINCT g.batch_id FROM queue_groups g JOIN queue q ON q.group_id = g.id \
             WHERE g.owner = $1 AND q.state = 'running' AND g.batch_id IS NOT NULL",
        )
        .bind(&self.inner.instance)
        .fetch_all(p)
        .await);
        for batch in batches.unwrap_or_default() {
            let running = self
                .inner
                .running
                .lock()
                .map(|r| r.contains_key(&batch))
                .unwrap_or(true);
            if running {
                continue;
            }
            if let Ok(info) = self.inner.store.batch(batch).await {
                if !info.status.is_resumable() {
                    warn!(
                        batch,
                        "a queued batch ended without its calls' ends: finishing them now"
                    );
                    self.finish_batch(batch).await;
                }
            }
        }
    }

    /// Renews the leases of this instance's groups that still have items running.
    pub(super) async fn renew_loop(&self) {
        loop {
            tokio::time::sleep(LEASE / 3).await;
            let renewed = on_pool!(&self.inner.pool, p => sqlx::query(
                "UPDATE queue_groups SET lease_until = $1 WHERE owner = $2 \
                 AND id IN (SELECT DISTINCT group_id FROM queue WHERE state = 'running' AND group_id IS NOT NULL)",
            )
            .bind(now_ms() + LEASE.as_millis() as i64)
            .bind(&self.inner.instance)
            .execute(p)
            .await
            .map(|r| r.rows_affected()));
            if let Err(e) = renewed {
                warn!(error = %e, "cannot renew the queue's leases");
            }
        }
    }

    /// Takes over the groups with unfinished items whose owner is gone or whose lease ran out
    /// (a compare-and-set on owner and lease: one instance wins each) and runs them: a
    /// direct group call by call, a batch group as a batch of this instance (found again if
    /// this store made it before a crash). Moves the gone owner may have done are checked.
    pub(super) async fn reap(&self) {
        let registry = Registry(self.inner.pool.clone());
        let live = match registry.live().await {
            Ok(l) => l,
            Err(e) => return warn!(error = %e, "cannot read the instances"),
        };
        type Row = (i64, bool, Option<String>, Option<i64>);
        let rows: Result<Vec<Row>, _> = on_pool!(&self.inner.pool, p => sqlx::query_as(
            "SELECT id, direct, owner, lease_until FROM queue_groups \
             WHERE id IN (SELECT DISTINCT group_id FROM queue WHERE state = 'running' AND group_id IS NOT NULL) ORDER BY id",
        )
        .fetch_all(p)
        .await);
        let rows = match rows {
            Ok(r) => r,
            Err(e) => return warn!(error = %e, "cannot read the queue"),
        };
        let now = now_ms();
        for (gid, direct, owner, lease) in rows {
            let held = owner
                .as_ref()
                .is_some_and(|o| *o == self.inner.instance || (live.contains(o) && lease.unwrap_or(0) >= now));
            if held {
                continue;
            }
            let taken = on_pool!(&self.inner.pool, p => sqlx::query(
                "UPDATE queue_groups SET owner = $1, lease_until = $2 WHERE id = $3 AND COALESCE(owner, '') = $4 AND COALESCE(lease_until, 0) = $5",
            )
            .bind(&self.inner.instance)
            .bind(now + LEASE.as_millis() as i64)
            .bind(gid)
            .bind(owner.clone().unwrap_or_default())
            .bind(lease.unwrap_or(0))
            .execute(p)
            .await
            .map(|r| r.rows_affected()));
            if !matches!(taken, Ok(1)) {
                continue;
            }
            info!(
                group = gid,
                from = owner.as_deref().unwrap_or("-"),
                "queued group taken over"
            );
            let q = self.clone();
            if direct {
                tokio::spawn(async move { q.run_direct(gid, true).await });
                continue;
            }
            let Ok(slot) = self.inner.slots.clone().acquire_owned().await else {
                return;
            };
            tokio::spawn(async move { q.launch(gid, slot, true).await });
        }
    }
}
