//! Conditions of the batch, not of its items: a remote's open breaker or a full destination
//! pause the batch with the cause, and the items wait in the queue.

use rcmd_types::FailureReason;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::Processor;
use crate::resilience::retry::Classify;
use crate::{remote_path::RemotePath, Error};

impl Processor {
    /// Why `e` pauses the whole batch instead of failing items: a remote's breaker is open,
    /// or the destination is full ("destination full: 0 B free on dst:path", with the free
    /// space `operations/about` reports for the destination when it can).
    pub(super) async fn pause_reason(&self, e: &Error, dst: Option<&RemotePath>) -> Option<String> {
        if let Error::CircuitOpen {
            remote,
            forced,
            last_failure,
            ..
        } = e
        {
            // the cause and what happens next: the batch waits for the user's Resume (the
            // breaker's own retry is for calls, not for this batch)
            let down = |f: &crate::resilience::classify::Failure| {
                matches!(
                    f.reason,
                    FailureReason::Network | FailureReason::Timeout | FailureReason::Stalled
                )
            };
            return Some(match (forced, last_failure) {
                (true, _) => {
                    format!("waiting: calls to {remote} are paused by the user; reset its breaker, then press Resume")
                }
                (false, Some(f)) if down(f) => format!(
                    "waiting: {remote} unreachable ({}); paused until you press Resume once it is back",
                    f.message
                ),
                (false, Some(f)) => format!(
                    "waiting: {remote} failed repeatedly ({}); paused until you press Resume once it works again",
                    f.message
                ),
                (false, None) => {
                    format!("waiting: {remote} failed repeatedly; paused until you press Resume once it works again")
                }
            });
        }
        let f = e.failure();
        if f.reason != FailureReason::StorageFull {
            return None;
        }
        let Some(dst) = dst else {
            return Some(format!("storage full: {}", f.message));
        };
        let free = self.free_space(dst).await;
        Some(match free {
            Some(free) => format!(
                "destination full: {} free on {dst} ({})",
                crate::units::bytes(free),
                f.message
            ),
            None => format!("destination full on {dst}: {}", f.message),
        })
    }

    /// Free space at `dst` as the backend reports it (`operations/about`; the folder itself
    /// may not exist yet, so its parents are asked in turn). `None` when no answer.
    async fn free_space(&self, dst: &RemotePath) -> Option<u64> {
        let cancel = CancellationToken::new();
        let mut dir = dst.clone();
        // bounded: a path's parents end at its root
        for _ in 0..64 {
            let fs = dir.to_string();
            let reply = self
                .rc
                .call_once(&[], &cancel, |rc| {
                    let fs = fs.clone();
                    async move { Ok(rc.call::<_, Value>("operations/about", &json!({ "fs": fs })).await?) }
                })
                .await;
            match reply {
                Ok(v) => return v.get("free").and_then(Value::as_u64),
                Err(_) if !dir.path().is_empty() => dir = dir.parent(),
                Err(_) => return None,
            }
        }
        None
    }
}
