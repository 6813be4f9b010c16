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
    /// Time between reads of the job's stats (progress, stall detection). The job's end is
    /// noticed sooner: `job/status` is polled every 20-100 ms.
    pub poll: Duration,
    /// How long to wait for a stopped job to end before giving up on it.
    pub stop_grace: Duration,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        WatchdogConfig {
            stall_after: Duration::from_secs(120),
            poll: Duration::from_millis(500),
            stop_grace: Duration::from_secs(180),
        }
    }
}

/// Where a watched job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobPhase {
    Running,
    /// `job/stop` was sent; rclone has not finished the job yet.
    Stopping { why: StopWhy },
    Finished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopWhy {
    Stalled,
    Cancelled,
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
    mut on_update: impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError> {
    let job = rc.start_job(path, params, group).await?;
    let result = watch(rc, &job, cfg, cancel, &mut on_update).await;
    if let Err(e) = rc.delete_group_stats(group).await {
        tracing::debug!(error = %e, group, "could not delete stats group");
    }
    result
}

async fn watch(
    rc: &RcClient,
    job: &JobHandle,
    cfg: &WatchdogConfig,
    cancel: &CancellationToken,
    on_update: &mut impl FnMut(&JobUpdate),
) -> Result<JobOutcome, RcError> {
    let mut last_progress = 0u64;
    let mut moved_at = Instant::now();
    let mut stopping: Option<(StopWhy, Instant)> = None;
    // job/status is a cheap lookup: poll it often to notice the end quickly. core/stats
    // aggregates rclone's accounting under a lock; polling it often slowed transfers in the
    // benchmark, so it is read at most every `cfg.poll`.
    let mut interval = Duration::from_millis(20);
    let mut stats = GroupStats::default();
    let mut stats_at: Option<Instant> = None;
    loop {
        let status = rc.job_status(job).await?;
        if status.finished || stats_at.is_none_or(|t| t.elapsed() >= cfg.poll) {
            stats = group_stats(rc, &job.group).await.unwrap_or_default();
            stats_at = Some(Instant::now());
        }
        if status.finished {
            on_update(&JobUpdate { job: job.clone(), phase: JobPhase::Finished, stats: stats.clone() });
            return match (stopping, status.success) {
                (Some((StopWhy::Stalled, _)), _) => Err(RcError::Stalled { jobid: job.jobid, idle: moved_at.elapsed() }),
                (_, true) => Ok(JobOutcome { status, stats }),
                (_, false) => Err(RcError::JobFailed { jobid: job.jobid, message: status.error, stats: Some(stats) }),
            };
        }
        if stats.progress() != last_progress {
            last_progress = stats.progress();
            moved_at = Instant::now();
        }
        if stopping.is_none() {
            let why = if cancel.is_cancelled() {
                Some(StopWhy::Cancelled)
            } else if moved_at.elapsed() >= cfg.stall_after {
                Some(StopWhy::Stalled)
            } else {
                None
            };
            if let Some(why) = why {
                info!(jobid = job.jobid, ?why, idle = ?moved_at.elapsed(), "stopping job");
                if let Err(e) = rc.call::<_, Value>("job/stop", &json!({ "jobid": job.jobid })).await {
                    warn!(error = %e, "job/stop failed");
                }
                stopping = Some((why, Instant::now()));
            }
        }
        if let Some((why, since)) = stopping {
            if since.elapsed() >= cfg.stop_grace {
                warn!(jobid = job.jobid, "job did not end after job/stop; giving up on it");
                return Err(match why {
                    StopWhy::Stalled => RcError::Stalled { jobid: job.jobid, idle: moved_at.elapsed() },
                    StopWhy::Cancelled => RcError::JobFailed { jobid: job.jobid, message: "context canceled".into(), stats: Some(stats) },
                });
            }
        }
        let phase = match stopping {
            Some((why, _)) => JobPhase::Stopping { why },
            None => JobPhase::Running,
        };
        on_update(&JobUpdate { job: job.clone(), phase, stats: stats.clone() });
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

/// Longest wait between two `job/status` polls.
const STATUS_POLL_MAX: Duration = Duration::from_millis(100);

/// `core/stats` of one group.
pub async fn group_stats(rc: &RcClient, group: &str) -> Result<GroupStats, RcError> {
    rc.call_with_timeout("core/stats", &json!({ "group": group }), Some(Duration::from_secs(10))).await
}
