//! Runs a batch to the end (or to a pause) with durable checkpoints.
//!
//! Per chunk: claim (one transaction) → one rclone job over the chunk's file list, through
//! the resilient layer (breakers, retries) and the stall watchdog → settle (one transaction).
//! When the job succeeds every item of the chunk is done; otherwise the destination is listed
//! and each item is settled by what is really there. Items found `running` at start (the app
//! or rclone died mid-chunk) are verified the same way before anything is redone.

use std::{
    collections::VecDeque,
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use rcmd_types::{BatchInfo, BatchKind, BatchProgress, BatchStatus, FailureReason};
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{
    probe::SideProbe,
    settle::After,
    store::{now_ms, ItemOutcome, ItemRow, Store},
};
use crate::{
    rc::RcError,
    remote_path::RemotePath,
    resilience::{
        classify::Failure,
        layer::Resilient,
        retry::{Backoff, Classify},
        watchdog::{run_job_probed, WatchdogConfig},
    },
    Error,
};

/// Tuning of the processor.
#[derive(Clone, Debug)]
pub struct ProcessorConfig {
    /// Items per rclone job.
    pub chunk_items: i64,
    /// Bytes per rclone job (a chunk holds at least one item).
    pub chunk_bytes: i64,
    /// Attempts per item before it is recorded as failed.
    pub max_attempts: i64,
    /// Delay of the retry queue.
    pub backoff: Backoff,
    /// The batch pauses when at least `pause_failure_rate` of the last `failure_window`
    /// settled items failed (and at least `failure_window / 2` were seen).
    pub failure_window: usize,
    pub pause_failure_rate: f64,
    pub watchdog: WatchdogConfig,
    /// Folder for the chunks' file lists.
    pub work_dir: PathBuf,
}

impl ProcessorConfig {
    pub fn new(work_dir: PathBuf) -> Self {
        ProcessorConfig {
            chunk_items: 5000,
            chunk_bytes: 4 << 30,
            max_attempts: 3,
            backoff: Backoff {
                base: Duration::from_secs(2),
                cap: Duration::from_secs(120),
            },
            failure_window: 50,
            pause_failure_rate: 0.5,
            watchdog: WatchdogConfig::default(),
            work_dir,
        }
    }
}

/// Stops a running batch: `pause` keeps it resumable, `cancel` ends it. Either stops the
/// current rclone job.
#[derive(Clone, Debug, Default)]
pub struct BatchControl {
    pub pause: CancellationToken,
    pub cancel: CancellationToken,
    /// The batch's check for existing destination files: set by [`Processor::run`] from the
    /// batch (callers leave it `None`).
    pub guard: Option<super::conflict::Guard>,
    /// More `_config` for the jobs of the chunk at hand (a sync batch's lane): set by the
    /// processor.
    pub extra: Option<Map<String, Value>>,
}

/// Runs batches from a [`Store`] through a [`Resilient`] layer.
#[derive(Clone)]
pub struct Processor {
    pub store: Store,
    pub rc: Arc<Resilient>,
    pub cfg: ProcessorConfig,
    /// Status changes are published here (notifications listen).
    pub bus: Option<crate::events::EventBus>,
    /// This process's identity for batch leases.
    pub owner: super::LeaseOwner,
    /// The items finished last (for the transfers view).
    pub recent: super::Recent,
}

pub(crate) type Progress = Arc<dyn Fn(BatchProgress) + Send + Sync>;

/// At most this many items of a failed chunk are retried one by one to learn their errors.
const INDIVIDUAL_RETRY_MAX: usize = 100;

/// The settled items of a chunk, a pause request (breaker open), and the per-item successes
/// and failures that count for the failure-rate window.
struct ChunkResult {
    outcomes: Vec<(i64, ItemOutcome)>,
    pause: Option<String>,
    samples: Vec<bool>,
}

impl Processor {
    /// How `item` of a batch runs: its sync direction's lane, or the batch's own kind and
    /// roots.
    fn lane_of(
        &self,
        sync: Option<&super::sync::SyncMeta>,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        item: &ItemRow,
    ) -> Result<super::sync::Lane, Error> {
        match (sync, dst, item.action.as_deref().and_then(rcmd_types::Direction::parse)) {
            (Some(meta), Some(right), Some(action)) => super::sync::lane(action, src, right, meta),
            _ => Ok(super::sync::Lane {
                kind,
                src: src.clone(),
                dst: dst.cloned(),
                config: Map::new(),
                prune_root: None,
            }),
        }
    }

    /// Removes the folders the done deletes of a chunk may have left empty (see
    /// `batch::sync`); a folder that still holds files stays. Best effort: a folder left
    /// behind is empty, never a lost file.
    async fn prune(&self, root: &RemotePath, items: &[ItemRow], outcomes: &[(i64, ItemOutcome)]) {
        let mut folders: Vec<&str> = items
            .iter()
            .filter(|i| {
                outcomes
                    .iter()
                    .any(|(id, o)| *id == i.id && matches!(o, ItemOutcome::Done))
            })
            .filter_map(|i| i.prune.as_deref())
            .collect();
        folders.sort_unstable();
        folders.dedup();
        for f in folders {
            let Ok(dir) = root.join(f) else { continue };
            match self.rc.remove_empty_dirs(&dir, false, &CancellationToken::new()).await {
                Ok(()) => debug!(folder = %dir, "emptied folder removed"),
                Err(e) if super::request::is_gone(&e) => {}
                Err(e) => warn!(folder = %dir, error = %e, "cannot remove an emptied folder"),
            }
        }
    }

    pub fn new(store: Store, rc: Arc<Resilient>, cfg: ProcessorConfig) -> Self {
        Processor {
            store,
            rc,
            cfg,
            bus: None,
            owner: super::LeaseOwner::default(),
            recent: super::Recent::default(),
        }
    }

    /// Runs batch `id` until it completes, pauses, is cancelled or fails. Safe to call on a
    /// batch interrupted by a crash: in-flight items are verified first.
    ///
    /// An outage (a remote or rclone gone, a verification or checkpoint that cannot be
    /// written) never leaves the batch `running`: it ends `paused` with the reason, resumable
    /// once the cause is gone. `Err` only when even that status cannot be recorded.
    ///
    /// Only one process runs a batch at a time: the run holds the batch's lease (renewed by a
    /// heartbeat) and is refused with [`StoreError::Leased`](super::StoreError::Leased), naming
    /// the holder, while another process holds a live one.
    pub async fn run(&self, id: i64, control: &BatchControl, progress: Progress) -> Result<BatchInfo, Error> {
        self.store.acquire_lease(id, &self.owner).await.map_err(store_err)?;
        // losing the lease (this process froze longer than its timeout and another took the
        // batch over) stops the running job like a pause; status writes then fail as LeaseLost
        let local = BatchControl {
            pause: control.pause.child_token(),
            cancel: control.cancel.clone(),
            guard: self.store.guard(id).await.map_err(store_err)?,
            extra: None,
        };
        let heartbeat = {
            let (store, owner, stop) = (self.store.clone(), self.owner.clone(), local.pause.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(owner.heartbeat_every()).await;
                    match store.renew_lease(id, &owner).await {
                        Ok(()) => {}
                        Err(e @ super::StoreError::LeaseLost { .. }) => {
                            warn!(batch = id, error = %e, "lease lost; stopping");
                            stop.cancel();
                            return;
                        }
                        Err(e) => warn!(batch = id, error = %e, "cannot renew the batch lease"),
                    }
                }
            })
        };
        // the heartbeat ends with this run, also when the run is dropped mid-way (an
        // aborted task): a renewing orphan would keep the batch leased to nobody
        let heartbeat = AbortOnDrop(heartbeat);
        let result = self.run_leased(id, &local, progress).await;
        drop(heartbeat);
        if let Err(e) = self.store.release_lease(id, &self.owner).await {
            warn!(batch = id, error = %e, "cannot release the batch lease");
        }
        result
    }

    async fn run_leased(&self, id: i64, control: &BatchControl, progress: Progress) -> Result<BatchInfo, Error> {
        match self.run_inner(id, control, progress).await {
            Ok(info) => Ok(info),
            // another process owns the batch now: its status is not ours to write
            Err(e) if is_lease_lost(&e) => Err(e),
            Err(e) if control.cancel.is_cancelled() => {
                info!(batch = id, error = %e, "batch cancelled");
                self.finish(id, Some(BatchStatus::Cancelled), None).await
            }
            Err(e) => {
                let f = e.failure();
                warn!(batch = id, reason = ?f.reason, error = %e, "batch paused by an error");
                let reason = format!("{e}");
                self.finish(id, Some(BatchStatus::Paused), Some(&reason)).await
            }
        }
    }

    async fn run_inner(&self, id: i64, control: &BatchControl, progress: Progress) -> Result<BatchInfo, Error> {
        let batch = self.store.batch(id).await.map_err(store_err)?;
        if !batch.status.is_resumable() {
            return Ok(batch);
        }
        let src = RemotePath::parse(&batch.src)?;
        let dst = batch.dst.as_deref().map(RemotePath::parse).transpose()?;
        self.set_status(id, BatchStatus::Running, None).await?;
        if batch.kind == BatchKind::Bisync {
            return self.run_bisync(id, control, &progress).await;
        }
        std::fs::create_dir_all(&self.cfg.work_dir).map_err(|e| {
            store_err(super::StoreError::Folder {
                path: self.cfg.work_dir.display().to_string(),
                source: e,
            })
        })?;

        if let (BatchStatus::Queued, Some(d), BatchKind::Copy | BatchKind::Move) =
            (batch.status, dst.as_ref(), batch.kind)
        {
            // first run: names the destination would merge fail before anything is written
            self.fail_collisions(id, d).await?;
        }
        let revived = self.store.revive_paused(id).await.map_err(store_err)?;
        if revived > 0 {
            info!(
                batch = id,
                items = revived,
                "items held back by a paused remote or a full destination are queued again"
            );
        }
        // items a crash left in flight: settle them by what is really there
        let in_flight = self.store.running(id).await.map_err(store_err)?;
        let sync = match batch.kind {
            BatchKind::Sync => Some(self.store.sync_meta(id).await.map_err(store_err)?.unwrap_or_default()),
            _ => None,
        };
        if !in_flight.is_empty() {
            info!(
                batch = id,
                items = in_flight.len(),
                "verifying items that were in flight"
            );
            // a sync batch's items are verified by their direction's lane
            for group in by_action(&in_flight) {
                let lane = self.lane_of(sync.as_ref(), batch.kind, &src, dst.as_ref(), &group[0])?;
                let outcomes = self
                    .verify(
                        lane.kind,
                        &lane.src,
                        lane.dst.as_ref(),
                        &group,
                        After::Interrupted,
                        control.guard,
                    )
                    .await?;
                self.store.checkpoint(id, &outcomes).await.map_err(store_err)?;
            }
        }

        let mut window: VecDeque<bool> = VecDeque::new();
        let mut chunk_no = now_ms();
        loop {
            if control.cancel.is_cancelled() {
                return self.finish(id, Some(BatchStatus::Cancelled), None).await;
            }
            if control.pause.is_cancelled() {
                return self
                    .finish(id, Some(BatchStatus::Paused), Some("paused by the user"))
                    .await;
            }
            chunk_no += 1;
            let items = self
                .store
                .claim(id, chunk_no, self.cfg.chunk_items, self.cfg.chunk_bytes)
                .await
                .map_err(store_err)?;
            if items.is_empty() {
                // only retry-queue items left, waiting for their time?
                match self.store.next_ready_at(id).await.map_err(store_err)? {
                    Some(at) => {
                        let wait = Duration::from_millis((at - now_ms()).clamp(0, 60_000) as u64);
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => continue,
                            _ = control.cancel.cancelled() => continue,
                            _ = control.pause.cancelled() => continue,
                        }
                    }
                    None => return self.finish(id, None, None).await,
                }
            }
            let lane = self.lane_of(sync.as_ref(), batch.kind, &src, dst.as_ref(), &items[0])?;
            let lane_control = BatchControl {
                extra: Some(lane.config.clone()),
                ..control.clone()
            };
            let chunk = match self
                .run_chunk(
                    id,
                    lane.kind,
                    &lane.src,
                    lane.dst.as_ref(),
                    &items,
                    &lane_control,
                    &progress,
                )
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    // the chunk could not be settled (its remote is gone): back to the queue
                    // without using an attempt; rclone's copy skips what already arrived. A
                    // job that may still be writing keeps its items in flight instead, to be
                    // verified on resume.
                    if !still_writing(&e) && !is_lease_lost(&e) {
                        let requeue: Vec<_> = items.iter().map(|i| (i.id, ItemOutcome::Requeue)).collect();
                        if let Err(se) = self.store.checkpoint(id, &requeue).await {
                            warn!(batch = id, error = %se, "cannot requeue the chunk's items");
                        }
                    }
                    return Err(e);
                }
            };
            for ok in chunk.samples {
                window.push_back(ok);
                while window.len() > self.cfg.failure_window {
                    window.pop_front();
                }
            }
            let settled = std::time::Instant::now();
            self.store.checkpoint(id, &chunk.outcomes).await.map_err(store_err)?;
            if let Some(root) = &lane.prune_root {
                self.prune(root, &items, &chunk.outcomes).await;
            }
            // "finished lately" lists transfers: a deleted file was not transferred
            if batch.kind != BatchKind::Delete && lane.prune_root.is_none() {
                self.remember(&items, &chunk.outcomes);
            }
            self.report_progress(id, &progress).await;
            debug!(
                batch = id,
                checkpoint_ms = settled.elapsed().as_millis() as u64,
                "chunk settled"
            );
            if let Some(reason) = chunk.pause {
                return self.finish(id, Some(BatchStatus::Paused), Some(&reason)).await;
            }
            if window.len() >= self.cfg.failure_window / 2 {
                let rate = window.iter().filter(|ok| !**ok).count() as f64 / window.len() as f64;
                if rate >= self.cfg.pause_failure_rate {
                    let reason = format!("{:.0}% of the last {} items failed", rate * 100.0, window.len());
                    warn!(batch = id, %reason, "pausing batch");
                    return self.finish(id, Some(BatchStatus::Paused), Some(&reason)).await;
                }
            }
        }
    }

    /// A chunk of one item that goes to another name at the destination: its own
    /// `copyfile`/`movefile` job, then the same evidence as any chunk.
    async fn run_renamed(
        &self,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        item: &ItemRow,
        control: &BatchControl,
    ) -> Result<ChunkResult, Error> {
        let items = std::slice::from_ref(item);
        let (outcomes, pause) = match self.single(kind, src, dst, item, control).await {
            Ok(()) => (
                self.verify(kind, src, dst, items, After::Succeeded, control.guard)
                    .await?,
                None,
            ),
            Err(Error::Cancelled) => (vec![(item.id, ItemOutcome::Requeue)], None),
            // the job may still be writing, or a side is down: as for any chunk
            Err(e) if still_writing(&e) || unreachable(&e) => return Err(e),
            Err(e) => match self.pause_reason(&e, dst).await {
                Some(reason) => (vec![(item.id, ItemOutcome::Requeue)], Some(reason)),
                None => (vec![(item.id, self.settle_failed(item, &e.failure()))], None),
            },
        };
        let samples = outcomes
            .iter()
            .filter(|(_, o)| !matches!(o, ItemOutcome::Skipped { .. } | ItemOutcome::Requeue))
            .map(|(_, o)| matches!(o, ItemOutcome::Done))
            .collect();
        Ok(ChunkResult {
            outcomes,
            pause,
            samples,
        })
    }

    /// One chunk: the job, then the outcome of each item. The second value asks to pause the
    /// batch (a remote's breaker is open).
    #[allow(clippy::too_many_arguments)]
    async fn run_chunk(
        &self,
        id: i64,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        items: &[ItemRow],
        control: &BatchControl,
        progress: &Progress,
    ) -> Result<ChunkResult, Error> {
        if let [item] = items {
            if item.dst_path.is_some() {
                return self.run_renamed(kind, src, dst, item, control).await;
            }
        }
        let list = self.cfg.work_dir.join(format!("batch-{id}-{}.list", items[0].id));
        let text: String = items.iter().map(|i| format!("{}\n", i.path)).collect();
        std::fs::write(&list, text).map_err(|e| {
            store_err(super::StoreError::Folder {
                path: list.display().to_string(),
                source: e,
            })
        })?;

        let (path, mut params) = job_params(kind, src, dst);
        params.insert(
            "_filter".into(),
            json!({ "FilesFromRaw": [list.display().to_string()] }),
        );
        if let Some(guard) = control.guard {
            params.insert("_config".into(), guard.config());
        }
        add_config(&mut params, control);
        let group = format!("rcmd/batch/{id}/{}", items[0].id);
        // pause or cancel stop the job (the watchdog sends job/stop)
        let stop = CancellationToken::new();
        let watcher = stop_on_control(&stop, control);
        let base = self.store.batch(id).await.map_err(store_err)?.counts;
        let chunk_items = items.len() as u64;
        let chunk_bytes = Arc::new(AtomicU64::new(0));
        let wcfg = self.cfg.watchdog.clone();
        let started = std::time::Instant::now();
        let result = self
            .rc
            .transfer_once(src, dst, Some(&items[0].path), &stop, |rc| {
                let (params, group, wcfg, stop, progress, chunk_bytes) = (
                    params.clone(),
                    group.clone(),
                    wcfg.clone(),
                    stop.clone(),
                    progress.clone(),
                    chunk_bytes.clone(),
                );
                let base = base.clone();
                let probe = SideProbe::new(rc.clone(), src, dst, &items[0].path);
                async move {
                    run_job_probed(
                        &rc,
                        path,
                        params,
                        &group,
                        &wcfg,
                        &stop,
                        || probe.clone().check(),
                        |u| {
                            chunk_bytes.store(u.stats.bytes, Ordering::Relaxed);
                            let bytes_done = base.bytes_done + u.stats.bytes;
                            let left = base.bytes_total.saturating_sub(bytes_done) as f64;
                            // files of this chunk that landed (a move: copied then deleted, one
                            // each; a delete: deleted) already: shown as they
                            // happen; the chunk's verification makes them "done" in the store
                            let landed = u.stats.transfers.max(u.stats.deletes).min(chunk_items);
                            progress(BatchProgress {
                                id,
                                items_done: base.done + landed,
                                items_failed: base.failed,
                                items_total: base.total(),
                                bytes_done,
                                bytes_total: base.bytes_total,
                                speed: u.stats.speed,
                                eta_s: (u.stats.speed > 0.0).then(|| left / u.stats.speed),
                            });
                        },
                    )
                    .await
                    .map_err(Error::from)
                }
            })
            .await;
        stop.cancel();
        let _ = watcher.await;
        let _ = std::fs::remove_file(&list);

        let e = match result {
            Ok(_) => {
                // "done" needs evidence of what the remotes hold, never rclone's counts alone:
                // a source file that vanished after planning is silently skipped by a
                // --files-from job, and a server that merges two names reports both copied
                // while one object holds the other's bytes (see `collide`)
                let job_time = started.elapsed();
                let mut outcomes = self
                    .verify(kind, src, dst, items, After::Succeeded, control.guard)
                    .await?;
                debug!(
                    batch = id,
                    items = items.len(),
                    job_ms = job_time.as_millis() as u64,
                    verify_ms = (started.elapsed() - job_time).as_millis() as u64,
                    "chunk ran"
                );
                // a file list cannot name what is not UTF-8: such items get a job of their own
                for (item, (_, outcome)) in items.iter().zip(outcomes.iter_mut()) {
                    if super::raw_names::is_lossy(&item.path)
                        && matches!(outcome, ItemOutcome::Retry { .. } | ItemOutcome::Failed { .. })
                    {
                        *outcome = match self.single(kind, src, dst, item, control).await {
                            Ok(()) => ItemOutcome::Done,
                            Err(Error::Cancelled) => ItemOutcome::Requeue,
                            Err(e) => self.settle_failed(item, &e.failure()),
                        };
                    }
                }
                let samples = outcomes
                    .iter()
                    .filter(|(_, o)| !matches!(o, ItemOutcome::Skipped { .. }))
                    .map(|(_, o)| matches!(o, ItemOutcome::Done))
                    .collect();
                return Ok(ChunkResult {
                    outcomes,
                    pause: None,
                    samples,
                });
            }
            Err(e) => e,
        };
        if still_writing(&e) {
            // the job may still be writing: settle nothing now; the batch pauses and its items
            // stay in flight, to be verified when it resumes
            return Err(e);
        }
        if unreachable(&e) {
            // a side is down: listing it to verify would only wait for it; the chunk goes back
            // to the queue (rclone's copy skips what already arrived) and the batch pauses
            return Err(e);
        }
        let failure = e.failure();
        info!(batch = id, reason = ?failure.reason, error = %e, "chunk did not complete; verifying its items");
        // a paused remote or a full destination is the batch's condition, not the items':
        // the batch pauses with the cause and its items wait in the queue
        let pause = self.pause_reason(&e, dst).await;
        // rclone died or lost the job: not the items' fault, so no attempt is used
        let crashed = matches!(failure.reason, FailureReason::JobLost | FailureReason::RcloneNotReady);
        if control.pause.is_cancelled() || control.cancel.is_cancelled() || pause.is_some() || crashed {
            // stopped on purpose: settle what is done, queue the rest as it was
            let outcomes = self
                .verify(kind, src, dst, items, After::Interrupted, control.guard)
                .await?;
            return Ok(ChunkResult {
                outcomes,
                pause,
                samples: vec![],
            });
        }
        let verified = self
            .verify(kind, src, dst, items, After::Failed(&failure), control.guard)
            .await?;
        let missing: Vec<&ItemRow> = items
            .iter()
            .zip(&verified)
            .filter(|(_, (_, o))| !matches!(o, ItemOutcome::Done | ItemOutcome::Skipped { .. }))
            .map(|(i, _)| i)
            .collect();
        if missing.len() > INDIVIDUAL_RETRY_MAX {
            // a chunk-wide failure (rclone died, the remote went away): queue with backoff,
            // not counted against the items
            return Ok(ChunkResult {
                outcomes: verified,
                pause: None,
                samples: vec![],
            });
        }
        // few items missing: one call each gives each item its own error and class
        let mut outcomes: Vec<(i64, ItemOutcome)> = verified
            .into_iter()
            .filter(|(_, o)| matches!(o, ItemOutcome::Done | ItemOutcome::Skipped { .. }))
            .collect();
        let mut samples = vec![true; outcomes.len()];
        let mut pause = None;
        for item in missing {
            if control.pause.is_cancelled() || control.cancel.is_cancelled() || pause.is_some() {
                outcomes.push((item.id, ItemOutcome::Requeue));
                continue;
            }
            let outcome = match self.single(kind, src, dst, item, control).await {
                Ok(()) => ItemOutcome::Done,
                // stopped by pause/cancel: back in the queue, not a failure of the item
                Err(Error::Cancelled) => ItemOutcome::Requeue,
                Err(e) => match self.pause_reason(&e, dst).await {
                    Some(reason) => {
                        pause = Some(reason);
                        ItemOutcome::Requeue
                    }
                    None => self.settle_failed(item, &e.failure()),
                },
            };
            if !matches!(outcome, ItemOutcome::Requeue) {
                samples.push(matches!(outcome, ItemOutcome::Done));
            }
            outcomes.push((item.id, outcome));
        }
        Ok(ChunkResult {
            outcomes,
            pause,
            samples,
        })
    }

    /// Retry queue while attempts last and the failure is retryable; failed otherwise.
    pub(super) fn settle_failed(&self, item: &ItemRow, f: &Failure) -> ItemOutcome {
        if f.retryable && item.attempts < self.cfg.max_attempts {
            let delay = self.cfg.backoff.delay(item.attempts as u32, &mut rand::thread_rng());
            ItemOutcome::Retry {
                failure: f.clone(),
                not_before: now_ms() + delay.as_millis() as i64,
            }
        } else {
            ItemOutcome::Failed { failure: f.clone() }
        }
    }

    pub(crate) async fn finish(
        &self,
        id: i64,
        status: Option<BatchStatus>,
        reason: Option<&str>,
    ) -> Result<BatchInfo, Error> {
        let status = match status {
            Some(s) => s,
            None => {
                let c = self.store.batch(id).await.map_err(store_err)?.counts;
                if c.failed == 0 {
                    // before the status: a crash in between repeats it on resume
                    self.remove_emptied(id).await?;
                    BatchStatus::Completed
                } else if c.done + c.skipped == 0 {
                    BatchStatus::Failed
                } else {
                    BatchStatus::CompletedWithErrors
                }
            }
        };
        self.set_status(id, status, reason).await?;
        self.store.batch(id).await.map_err(store_err)
    }

    async fn set_status(&self, id: i64, status: BatchStatus, reason: Option<&str>) -> Result<(), Error> {
        // only the lease holder writes the batch's status
        self.store.renew_lease(id, &self.owner).await.map_err(store_err)?;
        info!(batch = id, ?status, reason, "batch status");
        self.store.set_status(id, status, reason).await.map_err(store_err)?;
        if let Some(bus) = &self.bus {
            if let Ok(info) = self.store.batch(id).await {
                bus.emit(crate::events::CoreEvent::Batch { info });
            }
        }
        Ok(())
    }

    /// Counts after a checkpoint (no transfer speed: between chunks nothing moves).
    /// Keeps the chunk's finished items for the transfers view.
    fn remember(&self, items: &[ItemRow], outcomes: &[(i64, ItemOutcome)]) {
        let at = now_ms();
        self.recent.push(outcomes.iter().filter_map(|(id, o)| {
            let error = match o {
                ItemOutcome::Done => String::new(),
                ItemOutcome::Failed { failure } => failure.message.clone(),
                _ => return None,
            };
            let item = items.iter().find(|i| i.id == *id)?;
            Some(rcmd_types::TransferDone {
                name: item.path.clone(),
                size: item.size,
                error,
                completed_at_ms: at,
            })
        }));
    }

    async fn report_progress(&self, id: i64, progress: &Progress) {
        if let Ok(b) = self.store.batch(id).await {
            let c = b.counts;
            progress(BatchProgress {
                id,
                items_done: c.done,
                items_failed: c.failed,
                items_total: c.total(),
                bytes_done: c.bytes_done,
                bytes_total: c.bytes_total,
                speed: 0.0,
                eta_s: None,
            });
        }
    }
}

/// Cancels `stop` when the batch is paused or cancelled; ends when `stop` fires.
pub(super) fn stop_on_control(stop: &CancellationToken, control: &BatchControl) -> tokio::task::JoinHandle<()> {
    let (stop, control) = (stop.clone(), control.clone());
    tokio::spawn(async move {
        tokio::select! {
            _ = control.pause.cancelled() => stop.cancel(),
            _ = control.cancel.cancelled() => stop.cancel(),
            _ = stop.cancelled() => {}
        }
    })
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Adds the lane's `_config` (see [`BatchControl::extra`]) to a job's parameters.
pub(super) fn add_config(params: &mut Map<String, Value>, control: &BatchControl) {
    let Some(extra) = control.extra.as_ref().filter(|e| !e.is_empty()) else {
        return;
    };
    let config = params.entry("_config").or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(c) = config {
        c.extend(extra.clone());
    }
}

/// Groups items by their sync direction (one group for other batches), in order.
fn by_action(items: &[ItemRow]) -> Vec<Vec<ItemRow>> {
    let mut groups: Vec<Vec<ItemRow>> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|g| g[0].action == item.action) {
            Some(g) => g.push(item.clone()),
            None => groups.push(vec![item.clone()]),
        }
    }
    groups
}

/// The rclone call for a chunk of `kind`.
pub(super) fn job_params(
    kind: BatchKind,
    src: &RemotePath,
    dst: Option<&RemotePath>,
) -> (&'static str, Map<String, Value>) {
    let mut p = Map::new();
    match (kind, dst) {
        (BatchKind::Copy, Some(d)) | (BatchKind::Move, Some(d)) => {
            p.insert("srcFs".into(), json!(src.to_string()));
            p.insert("dstFs".into(), json!(d.to_string()));
            let path = if kind == BatchKind::Copy {
                "sync/copy"
            } else {
                "sync/move"
            };
            (path, p)
        }
        _ => {
            p.insert("fs".into(), json!(src.to_string()));
            ("operations/delete", p)
        }
    }
}

/// The job that owned the items did not end after job/stop: it may still be writing.
fn still_writing(e: &Error) -> bool {
    matches!(e, Error::Rc(rc) if matches!(**rc, RcError::JobNotStopped { .. }))
}

/// A probe found a side of the job unreachable.
fn unreachable(e: &Error) -> bool {
    matches!(e, Error::Rc(rc) if matches!(**rc, RcError::Unreachable { .. }))
}

fn is_lease_lost(e: &Error) -> bool {
    matches!(e, Error::Store(b) if matches!(**b, super::StoreError::LeaseLost { .. }))
}

pub(crate) fn store_err(e: super::StoreError) -> Error {
    Error::Store(Box::new(e))
}
