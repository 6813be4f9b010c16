//! Taking calls in: each call is a `queue` row committed before it is accepted (submissions
//! arriving together are inserted in one transaction), then its caller waits for its end or
//! gets a job id; counts for the operator views; stopping a waiting call.

use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};

use super::*;
use crate::{on_pool, on_tx};

impl Queue {
    /// Records a call (committed before it returns) and wakes the dispatcher: the item's id,
    /// and for an `_async` call its new job id. The job, the item and the `job_queued` event
    /// are one transaction; calls arriving together share it (group commit).
    pub async fn submit(
        &self,
        user_id: i64,
        path: &str,
        req: &Request,
        input: &Map<String, Value>,
        async_: bool,
    ) -> Result<(i64, Option<i64>), SubmitError> {
        self.send(
            user_id,
            path,
            req,
            Value::Object(input.clone()).to_string(),
            async_,
            false,
        )
        .await
    }

    /// A synchronous call run at once when a direct slot is free, instead of waiting for the
    /// dispatcher: its row is committed as running in a direct group of its own (leased like
    /// any group: if this process dies, another instance or the next start runs it), then a
    /// task of its own sends it to rcd (a client that hangs up does not cancel it) and records
    /// its end. Its outcome once recorded; `None` when every direct slot is taken or the
    /// queue is closing (then [`Queue::submit`] it).
    pub async fn run_now(
        &self,
        user_id: i64,
        path: &str,
        req: &Request,
        input: &Map<String, Value>,
    ) -> Option<Result<oneshot::Receiver<Outcome>, SubmitError>> {
        let permit = self.inner.direct.clone().try_acquire_owned().ok()?;
        if self.closing() {
            return None;
        }
        let input = Value::Object(input.clone()).to_string();
        let id = match self.send(user_id, path, req, input.clone(), false, true).await {
            Ok((id, _)) => id,
            Err(e) => return Some(Err(e)),
        };
        let (q, kind) = (self.clone(), kind_text(req.kind));
        let (tx, rx) = oneshot::channel();
        tokio::spawn(async move {
            let outcome = q.call_rcd(kind, &input).await;
            q.finish_item(id, outcome.clone()).await;
            drop(permit);
            let _ = tx.send(outcome);
        });
        Some(Ok(rx))
    }

    async fn send(
        &self,
        user_id: i64,
        path: &str,
        req: &Request,
        input: String,
        async_: bool,
        claim: bool,
    ) -> Result<(i64, Option<i64>), SubmitError> {
        let (reply, answer) = oneshot::channel();
        let s = Submission {
            user_id,
            path: path.to_owned(),
            req: req.clone(),
            input,
            async_,
            claim,
            reply,
        };
        self.inner.submissions.send(s).map_err(|_| SubmitError::ShuttingDown)?;
        answer.await.map_err(|_| SubmitError::ShuttingDown)?
    }

    /// Writes submissions as they come, all that are waiting in one transaction.
    pub(super) async fn submit_loop(&self, mut rx: mpsc::UnboundedReceiver<Submission>) {
        const GROUP_COMMIT: usize = 256;
        while let Some(first) = rx.recv().await {
            let mut group = vec![first];
            while group.len() < GROUP_COMMIT {
                match rx.try_recv() {
                    Ok(s) => group.push(s),
                    Err(_) => break,
                }
            }
            let written = self.insert_all(&group).await;
            let any_async = group.iter().any(|s| s.async_);
            let all_claimed = group.iter().all(|s| s.claim);
            match written {
                Ok(ids) => {
                    for (s, id) in group.into_iter().zip(ids) {
                        let _ = s.reply.send(Ok(id));
                    }
                }
                Err(e) => {
                    let err = if crate::db::health::is_connection_error(&e) {
                        SubmitError::Unavailable
                    } else {
                        SubmitError::Db(e.to_string())
                    };
                    for s in group {
                        let _ = s.reply.send(Err(err.clone()));
                    }
                }
            }
            // calls run at once (`run_now`) need no dispatcher
            if !all_claimed {
                self.inner.wake.notify_one();
            }
            if any_async {
                self.inner.events.notify();
            }
        }
    }

    /// The group's jobs, queue rows and `job_queued` events: three statements in one
    /// transaction, whatever the group's size (a statement per row cost a round trip to the
    /// database each). Each submission's item id and job id, in order.
    pub(super) async fn insert_all(&self, group: &[Submission]) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
        let mut tx = self.inner.pool.begin().await?;
        let asyncs: Vec<(i64, &str)> = group
            .iter()
            .filter(|s| s.async_)
            .map(|s| (s.user_id, s.path.as_str()))
            .collect();
        let mut job_ids = Jobs::create_queued_many(&mut tx, &asyncs).await?.into_iter();
        let jobs: Vec<Option<i64>> = group
            .iter()
            .map(|s| if s.async_ { job_ids.next() } else { None })
            .collect();
        let now = now_ms();
        // a direct group for each call run at once, owned and leased by this instance
        let mut gids = if !group.iter().any(|s| s.claim) {
            Vec::new()
        } else {
            let lease = now + LEASE.as_millis() as i64;
            let mut gids: Vec<i64> = on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO queue_groups (kind, src_root, dst_root, direct, created_at, owner, lease_until) ",
                );
                q.push_values(group.iter().filter(|s| s.claim), |mut row, s| {
                    row.push_bind(kind_text(s.req.kind))
                        .push_bind(&s.req.src_root)
                        .push_bind(&s.req.dst_root)
                        .push_bind(true)
                        .push_bind(now)
                        .push_bind(&self.inner.instance)
                        .push_bind(lease);
                });
                q.push(" RETURNING id");
                q.build_query_scalar().fetch_all(c).await?
            });
            // one statement numbers its rows in VALUES order (see Jobs::create_queued_many)
            gids.sort_unstable();
            gids
        }
        .into_iter();
        let rows: Vec<(&Submission, Option<i64>, Option<i64>)> = group
            .iter()
            .zip(jobs.iter().copied())
            .map(|(s, job)| (s, job, if s.claim { gids.next() } else { None }))
            .collect();
        let mut ids: Vec<i64> = on_tx!(&mut tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO queue (user_id, job_id, kind, src_root, dst_root, item, input, group_id, state, created_at) ",
            );
            q.push_values(&rows, |mut row, (s, job, gid)| {
                row.push_bind(s.user_id)
                    .push_bind(*job)
                    .push_bind(kind_text(s.req.kind))
                    .push_bind(&s.req.src_root)
                    .push_bind(&s.req.dst_root)
                    .push_bind(&s.req.item)
                    .push_bind(&s.input)
                    .push_bind(*gid)
                    .push_bind(if gid.is_some() { "running" } else { "queued" })
                    .push_bind(now);
            });
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_all(c).await?
        });
        // one statement numbers its rows in VALUES order (see Jobs::create_queued_many)
        ids.sort_unstable();
        let events: Vec<(&str, Option<i64>, Value)> = rows
            .iter()
            .filter_map(|(s, job, _)| Some(("job_queued", Some(s.user_id), json!({ "id": (*job)?, "path": s.path }))))
            .collect();
        Events::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(ids.into_iter().zip(jobs).collect())
    }

    /// `job/stop` of job `job` when it is a queued call's; `None` when it is not.
    pub async fn stop_job(&self, job: i64) -> Result<Option<Stop>, sqlx::Error> {
        let row: Option<(i64, String)> = on_pool!(&self.inner.pool, p => sqlx::query_as("SELECT id, state FROM queue WHERE job_id = $1").bind(job).fetch_optional(p).await?);
        let Some((id, state)) = row else {
            return Ok(None);
        };
        match state.as_str() {
            "queued" => {
                // taken out of the waiting calls atomically: the dispatcher takes only `queued`
                let n = on_pool!(&self.inner.pool, p => sqlx::query("UPDATE queue SET state = 'running' WHERE id = $1 AND state = 'queued'").bind(id).execute(p).await?.rows_affected());
                if n == 0 {
                    return Ok(Some(Stop::Running));
                }
                self.finish_item(id, Err(Failed::new("context canceled"))).await;
                Ok(Some(Stop::Stopped))
            }
            "running" => Ok(Some(Stop::Running)),
            _ => Ok(Some(Stop::Finished)),
        }
    }

    /// Waits for item `id` to end.
    pub async fn wait(&self, id: i64) -> Outcome {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.inner.waiters.lock() {
            w.entry(id).or_default().push(tx);
        }
        // it may have ended before the waiter was there
        if let Ok(Some(end)) = self.ended(id).await {
            return end;
        }
        rx.await.unwrap_or_else(|_| Err(shutting_down()))
    }

    /// The end of item `id`, once it ended.
    pub(super) async fn ended(&self, id: i64) -> Result<Option<Outcome>, sqlx::Error> {
        let row: Option<(String, Option<String>, Option<i64>)> = on_pool!(&self.inner.pool, p => sqlx::query_as("SELECT state, error, error_status FROM queue WHERE id = $1").bind(id).fetch_optional(p).await?);
        Ok(row.and_then(|(state, error, status)| match state.as_str() {
            "done" => Some(Ok(())),
            "failed" => Some(Err(Failed {
                status: status.unwrap_or(500) as u16,
                error: error.unwrap_or_default(),
            })),
            _ => None,
        }))
    }

    /// Items still waiting or running (for the queue's own status).
    pub async fn pending(&self) -> Result<i64, sqlx::Error> {
        self.pending_of(None).await
    }

    /// This instance's load: queued calls it is running now (in groups it owns), not the
    /// whole database's backlog (which every instance shares).
    pub async fn load(&self) -> Result<i64, sqlx::Error> {
        on_pool!(&self.inner.pool, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM queue q JOIN queue_groups g ON g.id = q.group_id WHERE q.state = 'running' AND g.owner = $1",
        )
        .bind(&self.inner.instance)
        .fetch_one(p)
        .await)
    }

    /// Items of user `user_id` (everyone's: `None`) still waiting or running.
    pub async fn pending_of(&self, user_id: Option<i64>) -> Result<i64, sqlx::Error> {
        on_pool!(&self.inner.pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running') AND ($1 IS NULL OR user_id = $1)")
            .bind(user_id)
            .fetch_one(p)
            .await)
    }
}
