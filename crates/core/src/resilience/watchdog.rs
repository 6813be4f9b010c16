//! Runs an rclone async job to the end while watching its progress.
//!
//! Measured on rclone 1.75: when the remote server dies mid-transfer, the job can keep running
//! with zero errors for ten minutes and more. The watchdog polls `job/status` (checking
//! `executeId`) and `core/stats` of the job's own group; when neither bytes, checks, transfers,
//! deletes nor renames move for `stall_after`, it calls `job/stop` and waits for the job to end
//! (`job/stop` takes ~6 s on webdav/s3 and 100+ s on sftp to take effect): the job is then
//! *stopping*, and the result is a retryable [`RcError::Stalled`]. Cancellation stops the job
//! the same way. The group's stats are deleted at the end.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::rc::{
    wire::{GroupStats, JobStatus},
    JobHandle, RcClient, RcError,
};

/// Watchdog settings.
#[derive(Clone, Debug)]
pub struct WatchdogConfig {
    /// No progress for this long means stalled.
    pub stall_after: Duration,
    /// The stall limit while a server-side copy or move is in flight: rclone reports nothing
    /// about one until it ends, so only a much longer silence counts.
    pub stall_after_server_side: Duration,
    /// Stop a job when this many of its transfers failed in a row with nothing succeeding in
    /// between (its remote went away): rclone would otherwise try every remaining file.
    pub fail_after_errors: u64,
    /// Time between reads of the job's stats (progress, stall detection). The job's end is
    /// noticed sooner: `job/status` is polled every 20-100 ms.
    pub poll: Duration,
    /// How long to wait for a stopped job to end before giving up on it.
    pub stop_grace: Duration,
    /// While a job makes no progress, its remotes are probed this often (the first time after
    /// this long without progress); a probe that finds one unreachable stops the job at once
    /// instead of waiting for `stall_after`.
    pub probe_every: Duration,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        WatchdogConfig {
            stall_after: Duration::from_secs(120),
            stall_after_server_side: Duration::from_secs(1800),
            fail_after_errors: 10,
            poll: Duration::from_millis(500),
            stop_grace: Duration::from_secs(180),
            probe_every: Duration::from_secs(5),
        }
    }
}

/// Where a watched job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobPhase {
    Running,
    /// `job/stop` was sent; rclone has not finished the job yet.
    Stopping {
        why: StopWhy,
    },
    Finished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopWhy {
    Stalled,
    Cancelled,
    /// Its transfers kept failing with nothing succeeding.
    Failing,
    /// A probe found one of its remotes unreachable.
    Unreachable,
}

/// A progress report, sent after every poll.
#[derive(Clone, Debug)]
pub struct JobUpdate {
    pub job: JobHandle,
    pub phase: JobPhase,
    pub stats: GroupStats,
}

/// The end of a successful job.
#[derive(Clone, Debug)]
pub struct JobOutcome {
    pub status: JobStatus,
    pub stats: GroupStats,
}

/// Starts `path` as a job in `group` and watches it to the end.
pub async fn run_job(
    rc: &RcClient,
    path: &str,
    params: Map<String, Value>,
    group: &str,
    cfg: &WatchdogConfig,
    cancel: &CancellationToken,
    on_update: impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError> {
    run_job_probed(
        rc,
        path,
        params,
        group,
        cfg,
        cancel,
        || std::future::ready(None),
        on_update,
    )
    .await
}

/// Like [`run_job`]; while the job makes no progress, `probe` is asked every
/// `cfg.probe_every` whether one of its remotes is unreachable: `Some(why)` stops the job
/// with [`RcError::Unreachable`] (`why` names the side and the error).
#[allow(clippy::too_many_arguments)]
pub async fn run_job_probed<P, Fut>(
    rc: &RcClient,
    path: &str,
    params: Map<String, Value>,
    group: &str,
    cfg: &WatchdogConfig,
    cancel: &CancellationToken,
    mut probe: P,
    mut on_update: impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError>
where
    P: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let result = run_job_kept(rc, path, params, group, cfg, cancel, &mut probe, &mut on_update).await;
    if let Err(e) = rc.delete_group_stats(group).await {
        tracing::debug!(error = %e, group, "could not delete stats group");
    }
    result
}

/// Like [`run_job_probed`], but the group's stats are left for the caller to read (its
/// `core/transferred`, say) and delete ([`RcClient::delete_group_stats`]).
#[allow(clippy::too_many_arguments)]
pub async fn run_job_kept<P, Fut>(
    rc: &RcClient,
    path: &str,
    params: Map<String, Value>,
    group: &str,
    cfg: &WatchdogConfig,
    cancel: &CancellationToken,
    probe: &mut P,
    on_update: &mut impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError>
where
    P: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let job = rc.start_job(path, params, group).await?;
    watch(rc, &job, cfg, cancel, probe, on_update).await
}

async fn watch<P, Fut>(
    rc: &RcClient,
    job: &JobHandle,
    cfg: &WatchdogConfig,
    cancel: &CancellationToken,
    probe: &mut P,
    on_update: &mut impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError>
where
    P: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    // when the remotes were last probed (reset by progress) and what a probe found
    let mut probed_at = Instant::now();
    let mut unreachable = String::new();
    let mut last_progress = 0u64;
    let mut moved_at = Instant::now();
    // failures in a row: errors counted since the last success of any kind
    let (mut last_ok, mut errors_at_ok) = (0u64, 0u64);
    // rclone's error when the job was found failing (later ones may only say "cancelled")
    let mut failing_error = String::new();
    let mut stopping: Option<(StopWhy, Instant)> = None;
    // job/status is a cheap lookup: poll it often to notice the end quickly. core/stats
    // aggregates rclone's accounting under a lock; polling it often slowed transfers in the
    // benchmark, so it is read at most every `cfg.poll`.
    let mut interval = Duration::from_millis(20);
    let mut stats = GroupStats::default();
    let mut stats_at: Option<Instant> = None;
    loop {
        let status = job_status(rc, job).await?;
        if status.finished {
            // the job's totals are its report: a lost answer is asked again, not taken as 0
            stats = final_stats(rc, &job.group, stats).await;
        } else if stats_at.is_none_or(|t| t.elapsed() >= cfg.poll) {
            // a failed read says nothing: keep the last stats, it is neither progress nor a stall
            match group_stats(rc, &job.group).await {
                Ok(s) => stats = s,
                Err(e) => tracing::debug!(error = %e, "core/stats failed; progress unknown"),
            }
            stats_at = Some(Instant::now());
        }
        if status.finished {
            on_update(&JobUpdate {
                job: job.clone(),
                phase: JobPhase::Finished,
                stats: stats.clone(),
            });
            return match (stopping, status.success) {
                (Some((StopWhy::Stalled, _)), _) => Err(RcError::Stalled {
                    jobid: job.jobid,
                    idle: moved_at.elapsed(),
                }),
                (Some((StopWhy::Failing, _)), _) => Err(RcError::JobFailing {
                    jobid: job.jobid,
                    errors: stats.errors,
                    last_error: failing_error,
                }),
                (Some((StopWhy::Unreachable, _)), _) => Err(RcError::Unreachable {
                    jobid: job.jobid,
                    message: unreachable,
                }),
                (_, true) => Ok(JobOutcome { status, stats }),
                (_, false) => Err(RcError::JobFailed {
                    jobid: job.jobid,
                    message: status.error,
                    stats: Some(stats),
                }),
            };
        }
        if stats.progress() != last_progress {
            last_progress = stats.progress();
            moved_at = Instant::now();
            probed_at = moved_at;
        }
        if stopping.is_none() && !cancel.is_cancelled() && probed_at.elapsed() >= cfg.probe_every {
            // no progress for a while: ask why now rather than after the stall limit
            if let Some(why) = probe().await {
                unreachable = why;
            }
            probed_at = Instant::now();
        }
        let ok = stats.finished();
        if ok != last_ok {
            (last_ok, errors_at_ok) = (ok, stats.errors);
        }
        if stopping.is_none() {
            let stall_limit = if stats.server_side_in_flight() {
                cfg.stall_after_server_side
            } else {
                cfg.stall_after
            };
            let why = if cancel.is_cancelled() {
                Some(StopWhy::Cancelled)
            } else if !unreachable.is_empty() {
                Some(StopWhy::Unreachable)
            } else if moved_at.elapsed() >= stall_limit {
                Some(StopWhy::Stalled)
            } else if cfg.fail_after_errors > 0 && stats.errors.saturating_sub(errors_at_ok) >= cfg.fail_after_errors {
                Some(StopWhy::Failing)
            } else {
                None
            };
            if let Some(why) = why {
                failing_error = stats.last_error.clone();
                info!(jobid = job.jobid, ?why, idle = ?moved_at.elapsed(), errors = stats.errors, "stopping job");
                if let Err(e) = rc.call::<_, Value>("job/stop", &json!({ "jobid": job.jobid })).await {
                    warn!(error = %e, "job/stop failed");
                }
                stopping = Some((why, Instant::now()));
            }
        }
        if let Some((_, since)) = stopping {
            if since.elapsed() >= cfg.stop_grace {
                // the job may still be writing: the caller must not redo its work now
                warn!(jobid = job.jobid, "job did not end after job/stop");
                return Err(RcError::JobNotStopped {
                    jobid: job.jobid,
                    waited: since.elapsed(),
                });
            }
        }
        let phase = match stopping {
            Some((why, _)) => JobPhase::Stopping { why },
            None => JobPhase::Running,
        };
        on_update(&JobUpdate {
            job: job.clone(),
            phase,
            stats: stats.clone(),
        });
        let wait = tokio::time::sleep(interval);
        interval = (interval * 2).min(STATUS_POLL_MAX);
        if stopping.is_none() {
            tokio::select! {
                _ = wait => {}
                _ = cancel.cancelled() => {}
            }
        } else {
            wait.await;
        }
    }
}

/// `job/status`, asked up to three times a second apart before a transport failure counts:
/// a lost answer must not abandon a job that is still running.
async fn job_status(rc: &RcClient, job: &JobHandle) -> Result<JobStatus, RcError> {
    let mut tries = 0;
    loop {
        match rc.job_status(job).await {
            Err(RcError::Transport { .. }) if tries < 2 => {
                tries += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
}

/// Longest wait between two `job/status` polls.
const STATUS_POLL_MAX: Duration = Duration::from_millis(100);

/// The group's stats once its job has ended, asked up to three times (a second apart) so
/// that one lost answer does not report a finished copy as 0 bytes; `last` if all fail.
async fn final_stats(rc: &RcClient, group: &str, last: GroupStats) -> GroupStats {
    for attempt in 1..=3 {
        match group_stats(rc, group).await {
            Ok(s) => return s,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "core/stats of a finished job failed");
                if attempt < 3 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
    last
}

/// `core/stats` of one group.
pub async fn group_stats(rc: &RcClient, group: &str) -> Result<GroupStats, RcError> {
    rc.call_with_timeout("core/stats", &json!({ "group": group }), Some(Duration::from_secs(10)))
        .await
}
