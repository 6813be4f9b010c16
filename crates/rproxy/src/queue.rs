//! The durable queue of per-file calls. `operations/copyfile` and `operations/movefile` whose
//! source and destination name the same file below two roots become rows of the `queue`
//! table (committed before the call is accepted); a dispatcher gathers the rows waiting for
//! the same roots into a group, and each group becomes one batch of the engine's batch
//! processor: one rclone job over many files, with its retries, failure classes, verification
//! and exact resume, instead of one RC call per file.
//!
//! Exactly once: a group's batch is created with the origin `rproxy-queue/<group>`, so after
//! a crash between creating the batch and recording it, recovery finds the same batch; the
//! batch processor verifies in-flight items at the destination before redoing anything; an
//! item row is finished by a single `UPDATE ... WHERE state = 'running'`, so its end is
//! reported once.
//!
//! A synchronous caller waits for its own item's end; an `_async` caller gets an rproxy job
//! id at once, and the job finishes when the item does.
//!
//! Several instances on one database: a group belongs to the instance that formed it, under
//! a lease it renews while the group's items run ([`LEASE`]). Forming a group takes its rows
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two instances never take the same call.
//! An instance reaps groups whose lease ran out or whose owner is gone (its heartbeat stopped,
//! or its process on this host is dead) and runs their unfinished items itself: as its own
//! engine batch (each instance has its own batch store and rclone), checking moves the dead
//! owner may have done already. Items in flight at a crash may be copied again; copies of the
//! same file are idempotent, and an item's end is still recorded once.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use crate::{
    db::{until_ok, Pool},
    on_pool, on_tx,
};
use rcmd_core::{
    batch::{BatchRequest, Runner, RunnerSink, Selection, StartError, Store},
    remote_path::RemotePath,
    sidecar::Supervisor,
    types::{BatchInfo, BatchKind, BatchProgress, BatchStatus, ItemState},
};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot, Notify, OwnedSemaphorePermit, Semaphore};
use tracing::{info, warn};

use crate::{db::instances::Registry, events::Events, jobs::Jobs};

/// Engine batches running at once; calls arriving meanwhile wait and form bigger groups.
const SLOTS: usize = 2;
/// Most items in one group.
const GROUP_MAX: i64 = 5000;
/// A group of at most this many calls runs as direct rcd calls (no batch to set up: a lone
/// synchronous caller waits as long as it would at rcd); bigger groups become engine batches.
const DIRECT_MAX: i64 = 16;
/// Direct calls to rcd at once.
const DIRECT_CONCURRENCY: usize = 16;
/// A paused batch (an outage) is resumed after this long, at most `RESUMES` times; then its
/// remaining items fail with the pause reason.
const RESUME_AFTER: Duration = Duration::from_secs(10);
const RESUMES: u32 = 30;
/// How long a group's lease lasts; its owner renews it every third of that while the group
/// has items running.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often an instance looks for groups to reap.
const REAP_EVERY: Duration = Duration::from_secs(2);

/// What a queued call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: BatchKind,
    /// `remote:path` roots the item is below.
    pub src_root: String,
    pub dst_root: String,
    /// The path below both roots.
    pub item: String,
}

/// How a queued call ended.
pub type Outcome = Result<(), Failed>;

/// A queued call's failure, for rcd's error shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failed {
    /// The HTTP status rcd would answer (404 for a missing source, else 500).
    pub status: u16,
    pub error: String,
}

impl Failed {
    fn new(error: impl Into<String>) -> Failed {
        Failed {
            status: 500,
            error: error.into(),
        }
    }
}

/// What `job/stop` did to a queued call's job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It was still waiting: it ends now, failed with "context canceled" (rcd's word).
    Stopped,
    /// It is being copied as part of a group; a single file cannot be taken out of it.
    Running,
    /// It had ended already (rcd answers `{}` too).
    Finished,
}

/// A call waiting to be written.
struct Submission {
    user_id: i64,
    path: String,
    req: Request,
    input: String,
    async_: bool,
    reply: oneshot::Sender<Result<(i64, Option<i64>), SubmitError>>,
}

/// The queue. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    store: Store,
    runner: OnceLock<Runner>,
    rcd: Supervisor,
    jobs: Jobs,
    events: Events,
    waiters: Mutex<HashMap<i64, Vec<oneshot::Sender<Outcome>>>>,
    wake: Notify,
    submissions: mpsc::UnboundedSender<Submission>,
    slots: Arc<Semaphore>,
    direct: Arc<Semaphore>,
    /// The slot each running batch holds, and how often it was resumed.
    running: Mutex<HashMap<i64, (OwnedSemaphorePermit, u32)>>,
    progress: crate::events::ProgressThrottle,
    /// This process in the instances table: the owner of the groups it forms or reaps.
    instance: String,
    /// Set by [`Queue::drain`]: no new group starts, nothing more is ended as failed.
    closing: std::sync::atomic::AtomicBool,
}

/// Why a call could not be queued.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the queue is shutting down")]
    ShuttingDown,
    #[error("the server's database is unreachable")]
    Unavailable,
    #[error("cannot write the call: {0}")]
    Db(String),
}

/// The request a call makes of the queue, when it can be queued: `operations/copyfile` or
/// `operations/movefile` with only the four file parameters (and `_async`), configured
/// remotes (not local paths, not inline remotes), the same file name at both ends and roots
/// that do not overlap. Anything else goes to rcd as it is.
pub fn eligible(path: &str, params: &Map<String, Value>) -> Option<Request> {
    let kind = match path {
        "operations/copyfile" => BatchKind::Copy,
        "operations/movefile" => BatchKind::Move,
        _ => return None,
    };
    const KEYS: [&str; 5] = ["srcFs", "srcRemote", "dstFs", "dstRemote", "_async"];
    if params.keys().any(|k| !KEYS.contains(&k.as_str())) {
        return None;
    }
    let text = |k: &str| params.get(k).and_then(Value::as_str);
    let (src_fs, dst_fs) = (
        RemotePath::parse(text("srcFs")?).ok()?,
        RemotePath::parse(text("dstFs")?).ok()?,
    );
    // the server's own disk (`:local:`, an inline remote) is never queued: rcd answers it,
    // after the policy (which refuses inline remotes)
    if [&src_fs, &dst_fs]
        .iter()
        .any(|p| p.remote.as_str() == rcmd_core::remote_path::LOCAL_DISK)
    {
        return None;
    }
    let (src, dst) = (
        src_fs.join(text("srcRemote")?).ok()?,
        dst_fs.join(text("dstRemote")?).ok()?,
    );
    let (rel_src, rel_dst) = (src_fs.relative(src.path()), dst_fs.relative(dst.path()));
    let (src_root, dst_root, item) = if rel_src == rel_dst && src.path() != src_fs.path() {
        // the same relative path at both ends: the call's own roots, so calls for files in
        // many folders still share one group
        (src_fs, dst_fs, rel_src.to_owned())
    } else {
        let name = |p: &RemotePath| p.path().rsplit('/').next().unwrap_or("").to_owned();
        let item = name(&src);
        if item.is_empty() || item != name(&dst) {
            return None;
        }
        (src.parent(), dst.parent(), item)
    };
    // rclone refuses a job between overlapping roots on one remote
    let within = |a: &RemotePath, b: &RemotePath| {
        b.path().is_empty() || a.path() == b.path() || a.path().starts_with(&format!("{}/", b.path()))
    };
    if src_root.remote == dst_root.remote
        && src_root.is_absolute() == dst_root.is_absolute()
        && (within(&src_root, &dst_root) || within(&dst_root, &src_root))
    {
        return None;
    }
    Some(Request {
        kind,
        src_root: src_root.to_string(),
        dst_root: dst_root.to_string(),
        item,
    })
}

fn kind_text(kind: BatchKind) -> &'static str {
    match kind {
        BatchKind::Move => "move",
        _ => "copy",
    }
}

use rcmd_core::batch::store::now_ms;

impl Queue {
    /// The queue over rproxy's database and the engine's batch store and processor; starts
    /// its dispatcher and recovers what a previous run left (inside a tokio runtime).
    pub fn start(
        pool: Pool,
        processor: rcmd_core::batch::Processor,
        rcd: Supervisor,
        jobs: Jobs,
        events: Events,
        instance: String,
    ) -> Queue {
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        let (submit_tx, submit_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            pool,
            store: processor.store.clone(),
            runner: OnceLock::new(),
            rcd,
            jobs,
            events,
            waiters: Mutex::default(),
            wake: Notify::new(),
            submissions: submit_tx,
            slots: Arc::new(Semaphore::new(SLOTS)),
            direct: Arc::new(Semaphore::new(DIRECT_CONCURRENCY)),
            running: Mutex::default(),
            progress: Default::default(),
            instance,
            closing: Default::default(),
        });
        let q = Queue { inner };
        let sink = Arc::new(Sink {
            ended: ended_tx,
            queue: Arc::downgrade(&q.inner),
        });
        let _ = q.inner.runner.set(Runner::new(processor, sink));
        let (a, b, c) = (q.clone(), q.clone(), q.clone());
        tokio::spawn(async move { a.ended_loop(ended_rx).await });
        tokio::spawn(async move { c.submit_loop(submit_rx).await });
        tokio::spawn(async move {
            b.recover().await;
            b.dispatch_loop().await;
        });
        let (r, l) = (q.clone(), q.clone());
        tokio::spawn(async move { r.reap_loop().await });
        tokio::spawn(async move { l.renew_loop().await });
        q
    }

    /// Graceful stop (SIGTERM): no new group starts; running batches and direct calls get
    /// `grace` to finish; batches still running then are paused (a file in flight goes back
    /// to pending and is copied again, whole, by whoever runs the group next: this server
    /// after its restart, or another instance once the lease runs out). Nothing is ended as
    /// failed because of the stop.
    pub async fn drain(&self, grace: Duration) {
        use std::sync::atomic::Ordering;
        self.inner.closing.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        let end = tokio::time::Instant::now() + grace;
        let busy = |q: &Queue| {
            let batches = q.inner.running.lock().map(|r| r.len()).unwrap_or(0);
            batches > 0 || q.inner.direct.available_permits() < DIRECT_CONCURRENCY
        };
        while busy(self) && tokio::time::Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let left = self.inner.running.lock().map(|r| r.len()).unwrap_or(0);
        if left > 0 {
            if let Some(runner) = self.runner() {
                runner.pause_all(Duration::from_secs(15)).await;
            }
        }
        info!(
            paused = left,
            "queue drained: unfinished files are done again at the next start"
        );
    }

    fn closing(&self) -> bool {
        self.inner.closing.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn runner(&self) -> Option<&Runner> {
        self.inner.runner.get()
    }

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
        let (reply, answer) = oneshot::channel();
        let s = Submission {
            user_id,
            path: path.to_owned(),
            req: req.clone(),
            input: Value::Object(input.clone()).to_string(),
            async_,
            reply,
        };
        self.inner.submissions.send(s).map_err(|_| SubmitError::ShuttingDown)?;
        answer.await.map_err(|_| SubmitError::ShuttingDown)?
    }

    /// Writes submissions as they come, all that are waiting in one transaction.
    async fn submit_loop(&self, mut rx: mpsc::UnboundedReceiver<Submission>) {
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
            self.inner.wake.notify_one();
            if any_async {
                self.inner.events.notify();
            }
        }
    }

    async fn insert_all(&self, group: &[Submission]) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
        let mut tx = self.inner.pool.begin().await?;
        let mut ids = Vec::with_capacity(group.len());
        for s in group {
            let job = match s.async_ {
                true => Some(Jobs::create_queued(&mut tx, s.user_id, &s.path).await?),
                false => None,
            };
            let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
                "INSERT INTO queue (user_id, job_id, kind, src_root, dst_root, item, input, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8) RETURNING id",
            )
            .bind(s.user_id)
            .bind(job)
            .bind(kind_text(s.req.kind))
            .bind(&s.req.src_root)
            .bind(&s.req.dst_root)
            .bind(&s.req.item)
            .bind(&s.input)
            .bind(now_ms())
            .fetch_one(c)
            .await?);
            if let Some(job) = job {
                Events::insert(
                    &mut tx,
                    "job_queued",
                    Some(s.user_id),
                    &json!({ "id": job, "path": s.path }),
                )
                .await?;
            }
            ids.push((id, job));
        }
        tx.commit().await?;
        Ok(ids)
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
        rx.await.unwrap_or_else(|_| {
            Err(Failed::new(
                "rproxy is shutting down; the file stays queued and completes after the restart",
            ))
        })
    }

    /// The end of item `id`, once it ended.
    async fn ended(&self, id: i64) -> Result<Option<Outcome>, sqlx::Error> {
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

    /// Groups waiting calls: small groups run as direct calls, bigger ones as engine batches
    /// (at most `SLOTS` at once). While the slots or direct permits are taken, calls keep
    /// arriving and the next group is bigger: the busier the queue, the bigger its batches.
    async fn dispatch_loop(&self) {
        loop {
            if self.closing() {
                return;
            }
            // the permit first, the group after: calls stay `queued` (and can be stopped)
            // until something can run them
            let waiting = match self.oldest_waiting().await {
                Ok(n) => n,
                Err(e) => {
                    warn!(error = %e, "cannot read the queue");
                    0
                }
            };
            if waiting == 0 {
                let _ = tokio::time::timeout(Duration::from_secs(1), self.inner.wake.notified()).await;
                continue;
            }
            let direct = waiting <= DIRECT_MAX;
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
    /// `DIRECT_MAX + 1` (all the dispatcher needs to know; an index answers it).
    async fn oldest_waiting(&self) -> Result<i64, sqlx::Error> {
        on_pool!(&self.inner.pool, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM queue q, (SELECT kind, src_root, dst_root FROM queue WHERE state = 'queued' ORDER BY id LIMIT 1) f \
             WHERE q.state = 'queued' AND q.kind = f.kind AND q.src_root = f.src_root AND q.dst_root = f.dst_root LIMIT $1) AS n",
        )
        .bind(DIRECT_MAX + 1)
        .fetch_one(p)
        .await)
    }

    /// Runs the items of direct group `gid` as rcd calls, one at a time. After a crash
    /// (`recovering`), a move whose source is gone and whose destination is there was done
    /// before the crash: it is not sent again (rcd would answer "object not found").
    async fn run_direct(&self, gid: i64, recovering: bool) {
        type Item = (i64, String, String, String, String, String);
        let pool = &self.inner.pool;
        let rows: Vec<Item> = until_ok("a direct group's calls", || async move {
            on_pool!(pool, p => sqlx::query_as("SELECT id, input, kind, src_root, dst_root, item FROM queue WHERE group_id = $1 AND state = 'running' ORDER BY id")
                .bind(gid)
                .fetch_all(p)
                .await)
        })
        .await;
        for (id, input, kind, src, dst, item) in rows {
            if self.closing() {
                // the rest stays `running`: the next start (or another instance) runs it
                return;
            }
            if recovering && kind == "move" && self.moved(&src, &dst, &item).await {
                self.finish_item(id, Ok(())).await;
                continue;
            }
            let outcome = self.call_rcd(&kind, &input).await;
            self.finish_item(id, outcome).await;
        }
    }

    /// Whether the move `input` (a queued call's parameters) was done already: its source is
    /// gone and its destination is there (a crashed run, here or on another instance, did it).
    async fn moved_already(&self, input: &str) -> bool {
        let params: Map<String, Value> = serde_json::from_str(input).unwrap_or_default();
        let Some(req) = eligible("operations/movefile", &params) else {
            return false;
        };
        self.moved(&req.src_root, &req.dst_root, &req.item).await
    }

    /// Whether `item` is gone below `src` and there below `dst` (a move of it was done);
    /// false when rcd cannot tell.
    async fn moved(&self, src: &str, dst: &str, item: &str) -> bool {
        self.exists(src, item).await == Some(false) && self.exists(dst, item).await == Some(true)
    }

    /// Whether file `item` is below `root` (`None` when rcd cannot tell).
    async fn exists(&self, root: &str, item: &str) -> Option<bool> {
        let rc = self.inner.rcd.client().ok()?;
        let root = RemotePath::parse(root).ok()?;
        rcmd_core::ops::exists(&rc, &root.join(item).ok()?).await.ok()
    }

    /// One queued call sent to rcd as it came (without `_async`): its own answer. When rcd
    /// dies during the call (the supervisor restarts it), the call is sent again to the new
    /// one, up to `RCD_ATTEMPTS` times; a move the dead rcd had finished is not redone.
    async fn call_rcd(&self, kind: &str, input: &str) -> Outcome {
        const RCD_ATTEMPTS: u32 = 5;
        let mut params: Map<String, Value> = serde_json::from_str(input).unwrap_or_default();
        params.remove("_async");
        let path = if kind == "move" {
            "operations/movefile"
        } else {
            "operations/copyfile"
        };
        let mut last = String::new();
        for attempt in 0..RCD_ATTEMPTS {
            if attempt > 0 && kind == "move" && self.moved_already(input).await {
                return Ok(());
            }
            let rc = match self.inner.rcd.client() {
                Ok(rc) => rc,
                Err(_) => match self.inner.rcd.wait_ready(Duration::from_secs(60)).await {
                    Ok(rc) => rc,
                    Err(e) => return Err(Failed::new(e.to_string())),
                },
            };
            match rc.call_raw(path, serde_json::to_vec(&params).unwrap_or_default()).await {
                Ok(reply) if reply.status == 200 => return Ok(()),
                Ok(reply) => {
                    return Err(Failed {
                        status: reply.status,
                        error: serde_json::from_slice::<Value>(&reply.body)
                            .ok()
                            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                            .unwrap_or_else(|| String::from_utf8_lossy(&reply.body).into_owned()),
                    })
                }
                // rcd went away mid-call: wait for the next one
                Err(e) => {
                    warn!(attempt, error = %e, "rcd did not answer a queued call; sending it again");
                    last = e.to_string();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        Err(Failed::new(format!(
            "rclone did not answer after {RCD_ATTEMPTS} attempts: {last}"
        )))
    }

    /// Takes the oldest waiting call and every waiting call with the same roots (up to `max`)
    /// into a new group, in one transaction.
    async fn form_group(&self, max: i64, direct: bool) -> Result<Option<i64>, sqlx::Error> {
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
    async fn launch(&self, gid: i64, slot: OwnedSemaphorePermit, recovering: bool) {
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

    async fn try_launch(
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
                    let req = BatchRequest::new(kind, &src, Some(&dst), Selection::Files(items.clone()))
                        .map_err(|e| e.to_string())?
                        .with_origin(origin);
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
    async fn direct_missing(&self, gid: i64, items: &[String], found: &BTreeSet<String>, recovering: bool) {
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

    /// Records the end of item `id` once (the first caller wins), finishes its job and wakes
    /// its waiters.
    async fn finish_item(&self, id: i64, outcome: Outcome) {
        self.finish_items(vec![(id, outcome)]).await;
    }

    /// [`Queue::finish_item`] for many items, 500 to a transaction. An end that cannot be
    /// written (the database is away) is retried until it lands: a call never stays
    /// `running` because its end was lost. Writing an end twice is harmless (only a running
    /// item is ended).
    async fn finish_items(&self, mut ends: Vec<(i64, Outcome)>) {
        if self.closing() {
            // failures while stopping are the stop's (rclone quitting), not the calls': those
            // stay `running` and are done again at the next start
            ends.retain(|(_, o)| o.is_ok());
        }
        for block in ends.chunks(500) {
            until_ok("queued calls' ends", || self.record_ends(block)).await;
            let mut waiting = self.inner.waiters.lock().ok();
            let woken: Vec<(Vec<oneshot::Sender<Outcome>>, &Outcome)> = block
                .iter()
                .filter_map(|(id, o)| Some((waiting.as_mut()?.remove(id)?, o)))
                .collect();
            drop(waiting);
            for (senders, outcome) in woken {
                for w in senders {
                    let _ = w.send(outcome.clone());
                }
            }
        }
    }

    /// Each item's end, its job's final status and the job's `job_finished` event, in one
    /// transaction: a crash leaves all of them or none (then the items are still `running`
    /// and end again after the restart).
    async fn record_ends(&self, ends: &[(i64, Outcome)]) -> Result<(), sqlx::Error> {
        let mut tx = self.inner.pool.begin().await?;
        for (id, outcome) in ends {
            let err = outcome.as_ref().err();
            let row: Option<(Option<i64>, i64, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
                "UPDATE queue SET state = $1, error = $2, error_status = $3, finished_at = $4 WHERE id = $5 AND state = 'running' RETURNING job_id, user_id, created_at",
            )
            .bind(if err.is_none() { "done" } else { "failed" })
            .bind(err.map(|f| f.error.clone()))
            .bind(err.map(|f| i64::from(f.status)))
            .bind(now_ms())
            .bind(id)
            .fetch_optional(c)
            .await?);
            let Some((job, owner, created)) = row else { continue };
            if let Some(job) = job {
                let status = crate::jobs::queued_status(
                    job,
                    created,
                    Some((now_ms(), err.map(|f| f.error.clone()))),
                    &self.inner.jobs.execute_id,
                );
                if Jobs::finish_queued(&mut tx, job, &status).await? {
                    Events::insert(
                        &mut tx,
                        "job_finished",
                        Some(owner),
                        &crate::jobs::end_event(job, &status),
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        self.inner.events.notify();
        Ok(())
    }

    /// Batch `batch` ended (or paused): its items' ends go to their calls.
    async fn finish_batch(&self, batch: i64) {
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
    async fn ended_loop(&self, mut ended: mpsc::UnboundedReceiver<BatchInfo>) {
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

    /// At start: a `job/stop` that crashed between taking a call out and ending it left a
    /// running call without a group; it waits again (only when no other instance is alive:
    /// another one's stop may be between those two steps right now). Then the groups a
    /// previous run left are reaped like any gone owner's.
    async fn recover(&self) {
        let live = Registry(self.inner.pool.clone()).live().await.unwrap_or_default();
        if live.iter().all(|i| *i == self.inner.instance) {
            if let Err(e) = on_pool!(&self.inner.pool, p => sqlx::query("UPDATE queue SET state = 'queued' WHERE state = 'running' AND group_id IS NULL").execute(p).await.map(|r| r.rows_affected()))
            {
                warn!(error = %e, "cannot read the queue");
            }
        }
        self.reap().await;
    }

    async fn reap_loop(&self) {
        loop {
            tokio::time::sleep(REAP_EVERY).await;
            self.reap().await;
            self.settle_ended().await;
        }
    }

    /// A safety net for ends that were never written: this instance's groups with calls still
    /// `running` whose engine batch has ended (and is not being run) are finished again.
    async fn settle_ended(&self) {
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
    async fn renew_loop(&self) {
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
    async fn reap(&self) {
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

    /// A queue progress frame for the users with calls in batch `p.id`, at most once a second.
    fn progress(&self, p: &BatchProgress) {
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
struct Sink {
    ended: mpsc::UnboundedSender<BatchInfo>,
    queue: std::sync::Weak<Inner>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(src_fs: &str, src: &str, dst_fs: &str, dst: &str) -> Map<String, Value> {
        json!({ "srcFs": src_fs, "srcRemote": src, "dstFs": dst_fs, "dstRemote": dst })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn which_calls_are_queued() {
        let q = eligible("operations/copyfile", &params("a:", "d/x.txt", "b:backup", "d/x.txt"));
        assert_eq!(
            q,
            Some(Request {
                kind: BatchKind::Copy,
                src_root: "a:".into(),
                dst_root: "b:backup".into(),
                item: "d/x.txt".into()
            })
        );
        // the same name in different folders: the folders are the roots
        let q = eligible("operations/copyfile", &params("a:", "d/x.txt", "b:backup", "e/x.txt"));
        assert_eq!(
            q,
            Some(Request {
                kind: BatchKind::Copy,
                src_root: "a:d".into(),
                dst_root: "b:backup/e".into(),
                item: "x.txt".into()
            })
        );
        let q = eligible("operations/movefile", &params("a:/abs", "x", "b:", "y/x"));
        assert_eq!(
            q.map(|r| (r.kind, r.src_root, r.dst_root)),
            Some((BatchKind::Move, "a:/abs".into(), "b:y".into()))
        );
        // a rename, a local path, an inline remote, extra options, overlapping roots: to rcd
        assert_eq!(eligible("operations/copyfile", &params("a:", "x", "b:", "y")), None);
        assert_eq!(eligible("operations/copyfile", &params("/tmp", "x", "b:", "x")), None);
        assert_eq!(
            eligible("operations/copyfile", &params(":local:/tmp", "x", "b:", "x")),
            None
        );
        assert_eq!(eligible("operations/copyfile", &params("a:", "x", "a:sub", "x")), None);
        assert_eq!(eligible("operations/copyfile", &params("a:d", "x", "a:", "d/x")), None);
        let mut extra = params("a:", "x", "b:", "x");
        extra.insert("_config".into(), json!({ "DryRun": true }));
        assert_eq!(eligible("operations/copyfile", &extra), None);
        assert_eq!(
            eligible("operations/copyfile", &params("a:", "../x", "b:", "../x")),
            None
        );
        assert!(eligible("operations/copyfile", &params("a:one", "x", "a:two", "x")).is_some());
        assert_eq!(eligible("operations/deletefile", &params("a:", "x", "b:", "x")), None);
    }
}
