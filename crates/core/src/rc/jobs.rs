//! rclone async jobs: start with `_async`/`_group`, poll `job/status` until finished.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tracing::{debug, instrument};

use super::{
    wire::{JobStarted, JobStatus},
    RcClient, RcError,
};
use crate::resilience::classify;

/// A started job. `execute_id` identifies the rclone process that runs it: job ids restart at
/// 1 when rclone restarts, so a status whose `executeId` differs is another job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobHandle {
    pub jobid: i64,
    pub execute_id: String,
    pub group: String,
}

/// How [`RcClient::wait_job`] polls.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    /// First poll interval; doubles up to `max_poll`.
    pub first_poll: Duration,
    pub max_poll: Duration,
    /// Give up (the job keeps running) after this long; `None` waits until it finishes.
    pub timeout: Option<Duration>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            first_poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(500),
            timeout: None,
        }
    }
}

impl RcClient {
    /// Starts `path` as an async job in stats group `group`.
    #[instrument(level = "debug", skip(self, params), err(Display))]
    pub async fn start_job(
        &self,
        path: &str,
        mut params: Map<String, Value>,
        group: &str,
    ) -> Result<JobHandle, RcError> {
        params.insert("_async".into(), Value::Bool(true));
        params.insert("_group".into(), Value::String(group.to_owned()));
        let started: JobStarted = self.call(path, &params).await?;
        debug!(jobid = started.jobid, "job started");
        Ok(JobHandle {
            jobid: started.jobid,
            execute_id: started.execute_id,
            group: group.to_owned(),
        })
    }

    /// One `job/status` poll, checked against the handle's `executeId`.
    pub async fn job_status(&self, job: &JobHandle) -> Result<JobStatus, RcError> {
        let status: JobStatus = match self
            .call_with_timeout(
                "job/status",
                &json!({ "jobid": job.jobid }),
                Some(Duration::from_secs(10)),
            )
            .await
        {
            Ok(s) => s,
            Err(e) if classify::is_job_not_found(&e) => {
                return Err(RcError::JobLost {
                    jobid: job.jobid,
                    reason: "rclone no longer knows it (restarted, or the job expired)".into(),
                })
            }
            Err(e) => return Err(e),
        };
        if status.execute_id != job.execute_id {
            return Err(RcError::JobLost {
                jobid: job.jobid,
                reason: "rclone was restarted; the id now names another job".into(),
            });
        }
        Ok(status)
    }

    /// Polls until the job finishes. Returns its status on success, [`RcError::JobFailed`] when it
    /// finished with an error, [`RcError::JobLost`] when rclone forgot it.
    pub async fn wait_job(&self, job: &JobHandle, opts: &WaitOptions) -> Result<JobStatus, RcError> {
        let start = Instant::now();
        let mut interval = opts.first_poll;
        loop {
            let status = self.job_status(job).await?;
            if status.finished {
                return if status.success {
                    Ok(status)
                } else {
                    Err(RcError::JobFailed {
                        jobid: job.jobid,
                        message: status.error,
                        stats: None,
                    })
                };
            }
            if let Some(limit) = opts.timeout {
                if start.elapsed() >= limit {
                    return Err(RcError::JobTimeout {
                        jobid: job.jobid,
                        waited: start.elapsed(),
                    });
                }
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(opts.max_poll);
        }
    }

    /// The finished transfers, checks, deletes and renames of `group` (the last 100).
    pub async fn transferred(&self, group: &str) -> Result<Vec<super::wire::Transferred>, RcError> {
        #[derive(serde::Deserialize)]
        struct Reply {
            #[serde(default)]
            transferred: Vec<super::wire::Transferred>,
        }
        let r: Reply = self.call("core/transferred", &json!({ "group": group })).await?;
        Ok(r.transferred)
    }

    /// Drops the stats of a finished job's group so rclone's memory does not grow.
    pub async fn delete_group_stats(&self, group: &str) -> Result<(), RcError> {
        let _: Value = self.call("core/stats-delete", &json!({ "group": group })).await?;
        Ok(())
    }
}
