//! Ends: an item's end recorded once (a single `UPDATE ... WHERE state = 'running'`), its
//! waiter and job told; a group's batch settled when the engine reports it ended; progress
//! frames for the users whose calls run.

use std::collections::HashMap;

use rcmd_core::{
    batch::RunnerSink,
    types::{BatchInfo, BatchProgress, BatchStatus, ItemState},
};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::*;
use crate::{db::until_ok, on_pool, on_tx};

impl Queue {
    /// Records the end of item `id` once (the first caller wins), finishes its job and wakes
    /// its waiters.
    pub(super) async fn finish_item(&self, id: i64, outcome: Outcome) {
        self.finish_items(vec![(id, outcome)]).await;
    }

    /// [`Queue::finish_item`] for many items; returns once they are written. An end that
    /// cannot be written (the database is away) is retried until it lands: a call never
    /// stays `running` because its end was lost. Writing an end twice is harmless (only a
    /// running item is ended).
    pub(super) async fn finish_items(&self, mut ends: Vec<(i64, Outcome)>) {
        if self.closing() {
            // failures while stopping are the stop's (rclone quitting), not the calls': those
            // stay `running` and are done again at the next start
            ends.retain(|(_, o)| o.is_ok());
        }
        if ends.is_empty() {
            return;
        }
        let (written, answer) = oneshot::channel();
        if self.inner.ends.send((ends, written)).is_ok() {
            let _ = answer.await;
        }
    }

    /// Writes ends as they come: all that wait (up to 500 a transaction) together, the way
    /// submissions are (group commit), so that many direct calls ending at once cost one
    /// transaction instead of one each. Then wakes the calls' waiters and the senders.
    pub(super) async fn end_loop(&self, mut rx: mpsc::UnboundedReceiver<Ends>) {
        const GROUP_COMMIT: usize = 500;
        while let Some((first, written)) = rx.recv().await {
            let (mut ends, mut senders) = (first, vec![written]);
            while ends.len() < GROUP_COMMIT {
                match rx.try_recv() {
                    Ok((more, w)) => {
                        ends.extend(more);
                        senders.push(w);
                    }
                    Err(_) => break,
                }
            }
            for block in ends.chunks(GROUP_COMMIT) {
                until_ok("queued calls' ends", || self.record_ends(block)).await;
                let mut waiting = self.inner.waiters.lock().ok();
                let woken: Vec<(Vec<oneshot::Sender<Outcome>>, &Outcome)> = block
                    .iter()
                    .filter_map(|(id, o)| Some((waiting.as_mut()?.remove(id)?, o)))
                    .collect();
                drop(waiting);
                for (waiters, outcome) in woken {
                    for w in waiters {
                        let _ = w.send(outcome.clone());
                    }
                }
            }
            for w in senders {
                let _ = w.send(());
            }
        }
    }

    /// Each item's end, its job's final status and the job's `job_finished` event, in one
    /// transaction: a crash leaves all of them or none (then the items are still `running`
    /// and end again after the restart). The successes are one statement, their jobs
    /// another, the events a third, whatever their number; failures are one each.
    pub(super) async fn record_ends(&self, ends: &[(i64, Outcome)]) -> Result<(), sqlx::Error> {
        let mut tx = self.inner.pool.begin().await?;
        let now = now_ms();
        // (job, owner, created, error) of each item this transaction ended
        let mut ended: Vec<(Option<i64>, i64, i64, Option<String>)> = Vec::with_capacity(ends.len());
        let done: Vec<i64> = ends.iter().filter(|(_, o)| o.is_ok()).map(|(id, _)| *id).collect();
        if !done.is_empty() {
            let rows: Vec<(Option<i64>, i64, i64)> = on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "UPDATE queue SET state = 'done', error = NULL, error_status = NULL, finished_at = ",
                );
                q.push_bind(now).push(" WHERE state = 'running' AND id IN (");
                let mut ids = q.separated(", ");
                for id in &done {
                    ids.push_bind(*id);
                }
                q.push(") RETURNING job_id, user_id, created_at");
                q.build_query_as().fetch_all(c).await?
            });
            ended.extend(
                rows.into_iter()
                    .map(|(job, owner, created)| (job, owner, created, None)),
            );
        }
        for (id, f) in ends.iter().filter_map(|(id, o)| Some((id, o.as_ref().err()?))) {
            let row: Option<(Option<i64>, i64, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
                "UPDATE queue SET state = 'failed', error = $1, error_status = $2, finished_at = $3 WHERE id = $4 AND state = 'running' RETURNING job_id, user_id, created_at",
            )
            .bind(&f.error)
            .bind(i64::from(f.status))
            .bind(now)
            .bind(id)
            .fetch_optional(c)
            .await?);
            ended.extend(row.map(|(job, owner, created)| (job, owner, created, Some(f.error.clone()))));
        }
        // the jobs of `_async` calls: their final status, then an event for each one this
        // transaction finished (a job finished already keeps its status and gets no event)
        let finals: Vec<(i64, i64, Value)> = ended
            .into_iter()
            .filter_map(|(job, owner, created, error)| {
                let job = job?;
                let status = crate::jobs::queued_status(job, created, Some((now, error)), &self.inner.jobs.execute_id);
                Some((job, owner, status))
            })
            .collect();
        let finished = Jobs::finish_queued_many(&mut tx, &finals).await?;
        let events: Vec<(&str, Option<i64>, Value)> = finals
            .iter()
            .filter(|(job, _, _)| finished.contains(job))
            .map(|(job, owner, status)| ("job_finished", Some(*owner), crate::jobs::end_event(*job, status)))
            .collect();
        Events::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        self.inner.events.notify();
        Ok(())
    }

    /// Batch `batch` ended (or paused): its items' ends go to their calls.
    pub(super) async fn finish_batch(&self, batch: i64) {
        let (pool, instance) = (&self.inner.pool, &self.inner.instance);
        let gid: Option<i64> = until_ok("a finished batch's group", || async move {
            on_pool!(pool, p => sqlx::query_scalar("SELECT id FROM queue_groups WHERE batch_id = $1 AND owner = $2")
                .bind(batch)
                .bind(instance)
                .fetch_optional(p)
                .await)
        })
        .await;
        let Some(gid) = gid else {
            return;
        };
        let (results, info) = match (
            self.inner.store.item_results(batch).await,
            self.inner.store.batch(batch).await,
        ) {
            (Ok(r), Ok(i)) => (r, i),
            (Err(e), _) | (_, Err(e)) => return warn!(batch, error = %e, "cannot read a finished batch"),
        };
        let by_path: HashMap<&str, (ItemState, Option<&String>)> =
            results.iter().map(|(p, s, e)| (p.as_str(), (*s, e.as_ref()))).collect();
        let rows: Vec<(i64, String)> = until_ok("a finished batch's calls", || async move {
            on_pool!(pool, p => sqlx::query_as("SELECT id, item FROM queue WHERE group_id = $1 AND state = 'running'").bind(gid).fetch_all(p).await)
        })
        .await;
        let mut ends = Vec::with_capacity(rows.len());
        for (id, item) in rows {
            let outcome = match by_path.get(item.as_str()) {
                Some((ItemState::Done, _)) => Ok(()),
                Some((ItemState::Failed | ItemState::Skipped, e)) => {
                    Err(Failed::new(e.cloned().unwrap_or_else(|| "failed".into())))
                }
                // not in the batch: missing at planning time, answered by rcd directly
                None => continue,
                Some(_) => Err(Failed::new(format!(
                    "the queue's batch ended ({:?}) before this file: {}",
                    info.status,
                    info.pause_reason.clone().unwrap_or_default()
                ))),
            };
            ends.push((id, outcome));
        }
        self.finish_items(ends).await;
    }

    /// Ends reported by the runner, handled one at a time.
    pub(super) async fn ended_loop(&self, mut ended: mpsc::UnboundedReceiver<BatchInfo>) {
        while let Some(info) = ended.recv().await {
            match info.status {
                BatchStatus::Paused if self.closing() => {
                    if let Ok(mut r) = self.inner.running.lock() {
                        r.remove(&info.id);
                    }
                }
                BatchStatus::Paused => {
                    let resumes = self.inner.running.lock().ok().and_then(|mut r| {
                        r.get_mut(&info.id).map(|e| {
                            e.1 += 1;
                            e.1
                        })
                    });
                    let Some(n) = resumes else { continue };
                    let q = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(RESUME_AFTER).await;
                        let Some(runner) = q.runner() else { return };
                        let r = if n > RESUMES {
                            runner.cancel(info.id).await
                        } else {
                            runner.start(info.id).await
                        };
                        if let Err(e) = r {
                            warn!(batch = info.id, error = %e, "cannot resume a queued batch");
                        }
                    });
                }
                s if s.is_resumable() => {}
                _ => {
                    self.finish_batch(info.id).await;
                    if let Ok(mut r) = self.inner.running.lock() {
                        r.remove(&info.id);
                    }
                    self.inner.progress.forget(info.id);
                }
            }
        }
    }

    /// A queue progress frame for the users with calls in batch `p.id`, at most once a second.
    pub(super) fn progress(&self, p: &BatchProgress) {
        if !self.inner.progress.due(p) {
            return;
        }
        let (q, p) = (self.clone(), p.clone());
        tokio::spawn(async move {
            let users: Vec<i64> = on_pool!(&q.inner.pool, db => sqlx::query_scalar("SELECT DISTINCT q.user_id FROM queue q JOIN queue_groups g ON q.group_id = g.id WHERE g.batch_id = $1 AND g.owner = $2")
                .bind(p.id)
                .bind(&q.inner.instance)
                .fetch_all(db)
                .await)
                .unwrap_or_default();
            let data = json!({ "batch": p.id, "done": p.items_done, "failed": p.items_failed, "total": p.items_total, "bytes": p.bytes_done, "speed": p.speed });
            for u in users {
                q.inner.events.transient("queue_progress", Some(u), data.clone());
            }
        });
    }
}

/// The runner's reports, passed to the queue.
pub(super) struct Sink {
    pub(super) ended: mpsc::UnboundedSender<BatchInfo>,
    pub(super) queue: std::sync::Weak<Inner>,
}

impl RunnerSink for Sink {
    fn state(&self, info: &BatchInfo) {
        let _ = self.ended.send(info.clone());
    }

    fn progress(&self, progress: &BatchProgress) {
        if let Some(inner) = self.queue.upgrade() {
            Queue { inner }.progress(progress);
        }
    }
}
