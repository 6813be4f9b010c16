//! One bisync run as a batch: the checks before it, the rclone job (through the resilient
//! layer and the stall watchdog, progress from its stats group), and what its end means for
//! the batch (completed, failed with a class, paused for an outage) and for the pair (ready
//! or locked out).

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use rcmd_types::{
    BatchInfo, BatchProgress, BatchStatus, BisyncPreview, BisyncReport, FailureReason, PairState, CHECK_FILE,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{output, params, store::RunSpec, BisyncError, PairStore};
use crate::{
    batch::{
        processor::{store_err, Progress},
        BatchControl, Processor,
    },
    rc::{
        wire::{GroupStats, Transferred},
        RcClient,
    },
    remote_path::RemotePath,
    resilience::{
        classify::{classify_bisync, Failure},
        layer::Resilient,
        watchdog::{run_job_kept, JobUpdate, WatchdogConfig},
    },
    Error,
};

/// What the job left in its stats group, read before the group is deleted.
#[derive(Default)]
struct Leftovers {
    transferred: Vec<Transferred>,
    stats: GroupStats,
    /// How rclone names each side in `transferred` (`srcFs`/`dstFs`).
    names: [Vec<String>; 2],
}

/// The spellings rclone may use for side `fs` in a transfer's `srcFs`/`dstFs`: as given, and
/// as `operations/fsinfo` resolves it (an alias names the folder behind it).
async fn spellings(client: &RcClient, fs: &str) -> Vec<String> {
    let mut out = vec![fs.to_owned()];
    if let Ok(info) = client.call::<_, Value>("operations/fsinfo", &json!({ "fs": fs })).await {
        let name = info.get("Name").and_then(Value::as_str).unwrap_or_default();
        let root = info.get("Root").and_then(Value::as_str).unwrap_or_default();
        out.push(format!("{name}:{root}"));
        if name == "local" || root.starts_with('/') {
            out.push(root.to_owned());
        }
    }
    out
}

/// One `sync/bisync` job: its parameters, the sides as given, its stats group, the watchdog
/// and where its leftovers go.
#[derive(Clone)]
struct Job {
    params: serde_json::Map<String, Value>,
    /// The sides, when the run's report needs their spellings (a preview does not).
    sides: Option<[String; 2]>,
    group: String,
    cfg: WatchdogConfig,
    cancel: CancellationToken,
    left: Arc<Mutex<Leftovers>>,
}

/// Runs `job` on `client`, watched; the group's transfers and stats are kept in its
/// leftovers whatever the end.
async fn job(client: RcClient, job: Job, mut on_update: impl FnMut(&JobUpdate)) -> Result<Value, Error> {
    let Job {
        params,
        sides,
        group,
        cfg,
        cancel,
        left,
    } = job;
    let result = run_job_kept(
        &client,
        "sync/bisync",
        params,
        &group,
        &cfg,
        &cancel,
        &mut || std::future::ready(None),
        &mut on_update,
    )
    .await;
    let transferred = client.transferred(&group).await.unwrap_or_default();
    let stats: GroupStats = client
        .call("core/stats", &json!({ "group": group }))
        .await
        .unwrap_or_default();
    let names = match &sides {
        Some([a, b]) => [spellings(&client, a).await, spellings(&client, b).await],
        None => Default::default(),
    };
    if let Ok(mut l) = left.lock() {
        *l = Leftovers {
            transferred,
            stats,
            names,
        };
    }
    if let Err(e) = client.delete_group_stats(&group).await {
        tracing::debug!(error = %e, group, "could not delete stats group");
    }
    Ok(result.map_err(|e| Error::Rc(Box::new(e)))?.status.output)
}

/// A dry run of `run`: rclone's own account of what it would do, and the stats it counted.
pub(super) async fn dry_run(
    rc: &Resilient,
    run: &RunSpec,
    p1: &RemotePath,
    p2: &RemotePath,
    dir: &Path,
    cancel: &CancellationToken,
) -> Result<(BisyncPreview, GroupStats), BisyncError> {
    std::fs::create_dir_all(dir).map_err(|e| folder_err(dir, e))?;
    let params = params::params(run, p1, p2, dir, true)?;
    let left = Arc::new(Mutex::new(Leftovers::default()));
    let cfg = rc.watchdog().clone();
    // one attempt: most of bisync's stops are verdicts, not outages
    let out = rc
        .transfer_once(p1, Some(p2), None, cancel, |client| {
            let j = Job {
                params: params.clone(),
                sides: None,
                group: format!("bisync-preview-{:016x}", rand::random::<u64>()),
                cfg: cfg.clone(),
                cancel: cancel.clone(),
                left: left.clone(),
            };
            job(client, j, |_| {})
        })
        .await
        .map_err(BisyncError::Engine)?;
    let text = out.get("output").and_then(Value::as_str).unwrap_or_default();
    tracing::debug!(reply = %out, "bisync dry run");
    let stats = left.lock().map(|l| l.stats.clone()).unwrap_or_default();
    Ok((output::preview(text, run.resync), stats))
}

fn folder_err(dir: &Path, e: std::io::Error) -> Error {
    store_err(crate::batch::StoreError::Folder {
        path: dir.display().to_string(),
        source: e,
    })
}

/// How a run ended, before it is recorded.
enum End {
    Done(BisyncReport),
    /// Stopped for a reason no retry fixes (the guard, a missing marker, a lockout): the
    /// batch fails with it; nothing was changed unless the report says so.
    Refused(Failure, BisyncReport),
    /// An outage: the batch pauses, resumable; bisync recovers the interrupted run.
    Outage(Error),
    Cancelled,
    Paused,
}

impl Processor {
    /// Runs bisync batch `id` (called by [`Processor::run`] with the lease held and the
    /// status set to running).
    pub(crate) async fn run_bisync(
        &self,
        id: i64,
        control: &BatchControl,
        progress: &Progress,
    ) -> Result<BatchInfo, Error> {
        let pairs = PairStore::new(self.store.clone());
        let Some(run) = pairs.run(id).await.map_err(store_err)? else {
            return self
                .finish(
                    id,
                    Some(BatchStatus::Failed),
                    Some("the settings of this run are missing"),
                )
                .await;
        };
        // pause and cancel both stop the job; which one it was decides the status
        let stop = CancellationToken::new();
        let relay = {
            let (stop, pause, cancel) = (stop.clone(), control.pause.clone(), control.cancel.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = pause.cancelled() => {}
                    _ = cancel.cancelled() => {}
                }
                stop.cancel();
            })
        };
        let end = self.bisync_end(id, &run, &stop, progress).await;
        relay.abort();
        let end = match end {
            _ if control.cancel.is_cancelled() => End::Cancelled,
            _ if control.pause.is_cancelled() => End::Paused,
            e => e,
        };
        let set_pair = |state: PairState, detail: Option<String>| {
            let (pairs, pair) = (pairs.clone(), run.pair_id);
            async move {
                if let Some(pair) = pair {
                    if let Err(e) = pairs.set_state(pair, state, detail.as_deref()).await {
                        warn!(pair, error = %e, "cannot record the pair's state");
                    }
                }
            }
        };
        let keep = |report: &BisyncReport| {
            let (pairs, mut report) = (pairs.clone(), report.clone());
            report.pair_id = run.pair_id;
            report.pair_name = run.spec.name.clone();
            report.resync = run.resync;
            report.backup1 = run.backup1.clone();
            report.backup2 = run.backup2.clone();
            async move {
                if let Err(e) = pairs.set_report(id, &report).await {
                    warn!(batch = id, error = %e, "cannot record the run's report");
                }
            }
        };
        match end {
            End::Done(report) => {
                keep(&report).await;
                set_pair(PairState::Ready, None).await;
                info!(batch = id, pair = %run.spec.name, to1 = report.copied_to_path1, to2 = report.copied_to_path2, deleted = report.deleted, conflicts = report.conflicts.len(), "bisync run done");
                self.finish(id, Some(BatchStatus::Completed), None).await
            }
            End::Refused(f, mut report) => {
                let reason = format!(
                    "{} — {}",
                    f.message,
                    crate::resilience::classify::suggestion(f.reason).0
                );
                report.error = Some(reason.clone());
                report.reason = Some(f.reason);
                keep(&report).await;
                if f.reason == FailureReason::Lockout {
                    set_pair(PairState::LockedOut, Some(f.message.clone())).await;
                }
                warn!(batch = id, pair = %run.spec.name, reason = ?f.reason, error = %f.message, "bisync run refused");
                self.finish(id, Some(BatchStatus::Failed), Some(&reason)).await
            }
            End::Outage(e) => Err(e),
            End::Cancelled => self.finish(id, Some(BatchStatus::Cancelled), None).await,
            End::Paused => {
                self.finish(id, Some(BatchStatus::Paused), Some("paused by the user"))
                    .await
            }
        }
    }

    async fn bisync_end(&self, id: i64, run: &RunSpec, stop: &CancellationToken, progress: &Progress) -> End {
        let (p1, p2) = match (RemotePath::parse(&run.spec.path1), RemotePath::parse(&run.spec.path2)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                return End::Refused(
                    Failure::new(FailureReason::InvalidInput, e.to_string()),
                    BisyncReport::default(),
                )
            }
        };
        let dir = params::session_dir(&self.cfg.work_dir, &run.spec);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return End::Outage(folder_err(&dir, e));
        }
        // a run killed with its rclone left a lock nobody will remove
        params::expire_stale_locks(&dir);
        match run.resync {
            Some(_) => {
                if run.spec.check_access {
                    if let Err(e) = self.place_markers(&[&p1, &p2], stop).await {
                        return End::Outage(e);
                    }
                }
            }
            None => {
                if let Some(end) = self.before_run(run, &p1, &p2, &dir, stop).await {
                    return end;
                }
            }
        }
        let params = match params::params(run, &p1, &p2, &dir, false) {
            Ok(p) => p,
            Err(e) => {
                return End::Refused(
                    Failure::new(FailureReason::InvalidInput, e.to_string()),
                    BisyncReport::default(),
                )
            }
        };
        let left = Arc::new(Mutex::new(Leftovers::default()));
        let cfg = self.rc.watchdog().clone();
        let group = format!("bisync-{id}");
        let result = self
            .rc
            .transfer_once(&p1, Some(&p2), None, stop, |client| {
                let progress = progress.clone();
                let on_update = move |u: &JobUpdate| {
                    let s = &u.stats;
                    progress(BatchProgress {
                        id,
                        items_done: s.transfers + s.deletes,
                        items_failed: s.errors,
                        items_total: s.total_transfers.max(s.transfers) + s.deletes,
                        bytes_done: s.bytes,
                        bytes_total: s.total_bytes.max(s.bytes),
                        speed: s.speed,
                        eta_s: s.eta,
                    })
                };
                let j = Job {
                    params: params.clone(),
                    sides: Some([p1.to_string(), p2.to_string()]),
                    group: group.clone(),
                    cfg: cfg.clone(),
                    cancel: stop.clone(),
                    left: left.clone(),
                };
                job(client, j, on_update)
            })
            .await;
        let (transferred, stats, names) = left
            .lock()
            .map(|l| (l.transferred.clone(), l.stats.clone(), l.names.clone()))
            .unwrap_or_default();
        let report = output::report(&names[0], &names[1], &transferred, &stats);
        match result {
            Ok(_) => {
                if run.resync.is_some() {
                    params::keep_backup_listings(&dir);
                }
                End::Done(report)
            }
            Err(Error::Rc(e)) => {
                let f = classify_bisync(&e, params::has_listings(&dir));
                if f.retryable {
                    End::Outage(Error::Rc(e))
                } else {
                    End::Refused(f, report)
                }
            }
            Err(e) => End::Outage(e),
        }
    }

    /// The checks of a normal run before rclone is asked: bisync's listings are there (else
    /// a lockout), the marker is on both sides, the count guard holds. `None`: go on.
    async fn before_run(
        &self,
        run: &RunSpec,
        p1: &RemotePath,
        p2: &RemotePath,
        dir: &Path,
        stop: &CancellationToken,
    ) -> Option<End> {
        let refused =
            |reason, message: String| Some(End::Refused(Failure::new(reason, message), BisyncReport::default()));
        if !params::has_listings(dir) {
            return refused(
                FailureReason::Lockout,
                "bisync has no listings of the last run for this pair (never resynchronised here, or the last run was lost)".into(),
            );
        }
        if run.spec.check_access {
            for (side, root) in [("path1", p1), ("path2", p2)] {
                let marker = match root.join(CHECK_FILE) {
                    Ok(m) => m,
                    Err(e) => return Some(End::Outage(e.into())),
                };
                match self.rc.stat(&marker, stop).await {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        return refused(
                            FailureReason::AccessCheck,
                            format!("the check file {CHECK_FILE} is missing on {side} ({root}): that side may be unmounted, emptied or the wrong folder; nothing was changed"),
                        )
                    }
                    // the side is down: an outage, not a verdict on its files
                    Err(e) => return Some(End::Outage(e)),
                }
            }
        }
        if let Some(max) = run.spec.guard.max_files {
            match dry_run(&self.rc, run, p1, p2, dir, stop).await {
                Ok((preview, stats)) => {
                    let deletes = stats
                        .deletes
                        .max((preview.delete_path1.len() + preview.delete_path2.len()) as u64);
                    if deletes > max {
                        return refused(
                            FailureReason::LimitReached,
                            format!("too many deletes: this run would delete {deletes} files, the pair's limit is {max}; nothing was changed"),
                        );
                    }
                }
                Err(BisyncError::Engine(Error::Rc(e))) => {
                    let f = classify_bisync(&e, params::has_listings(dir));
                    return Some(if f.retryable {
                        End::Outage(Error::Rc(e))
                    } else {
                        End::Refused(f, BisyncReport::default())
                    });
                }
                Err(BisyncError::Engine(e)) => return Some(End::Outage(e)),
                Err(e) => return refused(FailureReason::InvalidInput, e.to_string()),
            }
        }
        None
    }

    /// Writes the check-access marker at each root that lacks it (before a resync, which
    /// then finds it on both sides).
    async fn place_markers(&self, roots: &[&RemotePath], stop: &CancellationToken) -> Result<(), Error> {
        for root in roots {
            let marker = root.join(CHECK_FILE)?;
            if self.rc.stat(&marker, stop).await?.is_some() {
                continue;
            }
            let (fs, dir) = (root.fs(), root.path().to_owned());
            self.rc
                .call(&[&root.remote], stop, |client| {
                    let (fs, dir) = (fs.clone(), dir.clone());
                    async move {
                        let body = futures_util::stream::once(async {
                            Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                                b"RCMD two-way sync check file: a run stops when this file is missing on a side. Keep it.\n",
                            ))
                        });
                        client.upload_file(&fs, &dir, CHECK_FILE, body).await.map_err(|e| Error::Rc(Box::new(e)))
                    }
                })
                .await?;
        }
        Ok(())
    }
}
