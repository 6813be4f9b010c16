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
//! id at once, and the job finishes when the item does. While a direct slot is free, a
//! synchronous call runs at once: its row is committed as running in a direct group of its
//! own (leased like any group) and a task of its own sends it to rcd, without a dispatcher
//! round. A few waiting calls are left to gather for [`GATHER`] before they run as direct
//! calls, so a burst of `_async` calls becomes an engine batch.
//!
//! Writes are group-committed: the calls submitted together are one transaction of three
//! statements (jobs, queue rows, events) whatever their number, and the ends recorded
//! together another (successes in one `UPDATE`, their jobs in one, their events in one).
//!
//! Several instances on one database: a group belongs to the instance that formed it, under
//! a lease it renews while the group's items run ([`LEASE`]). Forming a group takes its rows
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two instances never take the same call.
//! An instance reaps groups whose lease ran out or whose owner is gone (its heartbeat stopped,
//! or its process on this host is dead) and runs their unfinished items itself: as its own
//! engine batch (each instance has its own batch store and rclone), checking moves the dead
//! owner may have done already. Items in flight at a crash may be copied again; copies of the
//! same file are idempotent, and an item's end is still recorded once.
//!
//! The files follow the seams: `submit.rs` (calls in, waiters, counts), `dispatch.rs` (groups
//! formed and launched as engine batches), `direct.rs` (small groups as rcd calls through the
//! resilient layer), `finish.rs` (ends recorded once, batches settled, progress) and
//! `recovery.rs` (leases, reaping, taking up unfinished groups at start).

mod direct;
mod dispatch;
mod finish;
mod recovery;
mod submit;

use finish::Sink;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use crate::db::Pool;
use rcmd_core::{
    batch::{Runner, Store},
    remote_path::RemotePath,
    types::BatchKind,
};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot, Notify, OwnedSemaphorePermit, Semaphore};
use tracing::info;

use crate::{db::instances::Registry, events::Events, jobs::Jobs};

/// Engine batches running at once; calls arriving meanwhile wait and form bigger groups.
const SLOTS: usize = 2;
/// Most items in one group.
const GROUP_MAX: i64 = 5000;
/// A group of at most this many calls runs as direct rcd calls (no batch to set up: a lone
/// synchronous caller waits as long as it would at rcd); bigger groups become engine batches.
const DIRECT_MAX: i64 = 16;
/// A few waiting calls are left to gather this long (from the oldest one's arrival) before
/// they run as direct calls: a burst of `_async` calls arriving meanwhile becomes one engine
/// batch (one rclone job for many files) instead of a copyfile each, which cost rclone
/// several times the CPU and slowed the accepting of the rest. Synchronous calls do not wait
/// here while a direct slot is free (`Queue::run_now`).
const GATHER: Duration = Duration::from_millis(100);
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

/// The end a waiting caller gets when rproxy stops before its call ended.
pub fn shutting_down() -> Failed {
    Failed::new("rproxy is shutting down; the file stays queued and completes after the restart")
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

/// Items' ends to record, and who waits until they are written.
type Ends = (Vec<(i64, Outcome)>, oneshot::Sender<()>);

/// A call waiting to be written.
struct Submission {
    user_id: i64,
    path: String,
    req: Request,
    input: String,
    async_: bool,
    /// Written as running in a direct group of its own, to be run at once (`Queue::run_now`).
    claim: bool,
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
    /// The engine's resilient layer: direct calls wait for a restarting rclone through it.
    rc: Arc<rcmd_core::resilience::layer::Resilient>,
    jobs: Jobs,
    events: Events,
    waiters: Mutex<HashMap<i64, Vec<oneshot::Sender<Outcome>>>>,
    wake: Notify,
    submissions: mpsc::UnboundedSender<Submission>,
    /// Ends to record, with who waits for them to be written (see `finish::end_loop`).
    ends: mpsc::UnboundedSender<Ends>,
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
        jobs: Jobs,
        events: Events,
        instance: String,
    ) -> Queue {
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        let (submit_tx, submit_rx) = mpsc::unbounded_channel();
        let (ends_tx, ends_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            pool,
            store: processor.store.clone(),
            runner: OnceLock::new(),
            rc: processor.rc.clone(),
            jobs,
            events,
            waiters: Mutex::default(),
            wake: Notify::new(),
            submissions: submit_tx,
            ends: ends_tx,
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
        let e = q.clone();
        tokio::spawn(async move { e.end_loop(ends_rx).await });
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
