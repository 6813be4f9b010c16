//! Why a chunk stopped moving: a cheap probe of each side, so a dead remote pauses the batch
//! with its cause within seconds instead of after the stall watchdog's two minutes.

use crate::{
    ops,
    rc::RcClient,
    remote_path::RemotePath,
    resilience::classify::{self, Failure},
};
use rcmd_types::FailureReason;
use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc,
};

/// Probes the source and destination of a chunk (a stat of its first item on each side).
/// Clones share the count of timed-out probes.
#[derive(Clone)]
pub(super) struct SideProbe {
    rc: RcClient,
    sides: Arc<Vec<(&'static str, RemotePath)>>,
    /// Probes in a row that timed out: a slow answer is not yet a dead remote.
    timeouts: Arc<AtomicU32>,
}

/// Timed-out probes in a row before a side counts as unreachable (a refused or reset
/// connection counts at once).
const TIMEOUTS_TO_DOWN: u32 = 2;

impl SideProbe {
    pub(super) fn new(rc: RcClient, src: &RemotePath, dst: Option<&RemotePath>, first: &str) -> Self {
        let mut sides = Vec::new();
        if let Ok(p) = src.join(first) {
            sides.push(("source", p));
        }
        if let Some(Ok(p)) = dst.map(|d| d.join(first)) {
            sides.push(("destination", p));
        }
        SideProbe {
            rc,
            sides: Arc::new(sides),
            timeouts: Arc::default(),
        }
    }

    /// `Some("the destination cannot be reached (wd): ...")` when a side is down; `None`
    /// while both answer (or when rclone itself does not: that is not a remote's fault).
    pub(super) async fn check(self) -> Option<String> {
        for (side, path) in self.sides.iter() {
            // the batch's rclone is reached directly (this computer's, or the server's own)
            let Err(e) = ops::probe(&self.rc, path, true).await else {
                continue;
            };
            let f: Failure = classify::classify(&e);
            if !f.counts_against_remote() || !f.retryable {
                continue;
            }
            if f.reason == FailureReason::Timeout
                && self.timeouts.fetch_add(1, Ordering::Relaxed) + 1 < TIMEOUTS_TO_DOWN
            {
                return None;
            }
            tracing::info!(side, remote = %path.remote, error = %e, "a side of a stalled chunk is unreachable");
            // a probe that timed out is rclone waiting on the remote, not rclone unreachable:
            // say what was seen instead of the transport error of the call to rclone
            let why = if f.reason == FailureReason::Timeout {
                format!(
                    "no answer within {} s, {TIMEOUTS_TO_DOWN} times in a row",
                    ops::PROBE_TIMEOUT.as_secs()
                )
            } else {
                // the raw error (URLs, Go wrappers) is in the log line above
                classify::network_cause(&f.message)
                    .map(str::to_owned)
                    .unwrap_or_else(|| f.message.clone())
            };
            return Some(format!("the {side} cannot be reached ({}): {why}", path.remote));
        }
        self.timeouts.store(0, Ordering::Relaxed);
        None
    }
}
