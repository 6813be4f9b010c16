//! A small group's items as direct rcd calls through the engine's resilient layer, one at a
//! time, each answered as rcd answered it; a move that a dead rcd had finished is not redone.

use std::time::Duration;

use rcmd_core::remote_path::RemotePath;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::*;
use crate::{db::until_ok, on_pool};

impl Queue {
    /// Runs the items of direct group `gid` as rcd calls, one at a time. After a crash
    /// (`recovering`), a move whose source is gone and whose destination is there was done
    /// before the crash: it is not sent again (rcd would answer "object not found").
    pub(super) async fn run_direct(&self, gid: i64, recovering: bool) {
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
    pub(super) async fn moved_already(&self, input: &str) -> bool {
        let params: Map<String, Value> = serde_json::from_str(input).unwrap_or_default();
        let Some(req) = eligible("operations/movefile", &params) else {
            return false;
        };
        self.moved(&req.src_root, &req.dst_root, &req.item).await
    }

    /// Whether `item` is gone below `src` and there below `dst` (a move of it was done);
    /// false when rcd cannot tell.
    pub(super) async fn moved(&self, src: &str, dst: &str, item: &str) -> bool {
        self.exists(src, item).await == Some(false) && self.exists(dst, item).await == Some(true)
    }

    /// Whether file `item` is below `root` (`None` when rcd cannot tell).
    pub(super) async fn exists(&self, root: &str, item: &str) -> Option<bool> {
        let file = RemotePath::parse(root).ok()?.join(item).ok()?;
        let never = CancellationToken::new();
        let asked = self.inner.rc.call_once(&[], &never, |rc| {
            let file = file.clone();
            async move { Ok(rcmd_core::ops::exists(&rc, &file).await?) }
        });
        asked.await.ok()
    }

    /// One queued call sent to rcd as it came (without `_async`), through the engine's
    /// resilient layer (which waits for a restarting rclone): its own answer. When rcd dies
    /// during the call (the supervisor restarts it), the call is sent again to the new one, up
    /// to `RCD_ATTEMPTS` times; a move the dead rcd had finished is not redone. The retries are
    /// the queue's: only it knows how to check a move before sending it again.
    pub(super) async fn call_rcd(&self, kind: &str, input: &str) -> Outcome {
        const RCD_ATTEMPTS: u32 = 5;
        let mut params: Map<String, Value> = serde_json::from_str(input).unwrap_or_default();
        params.remove("_async");
        let path = if kind == "move" {
            "operations/movefile"
        } else {
            "operations/copyfile"
        };
        let body = serde_json::to_vec(&params).unwrap_or_default();
        let (mut last, never) = (String::new(), CancellationToken::new());
        for attempt in 0..RCD_ATTEMPTS {
            if attempt > 0 && kind == "move" && self.moved_already(input).await {
                return Ok(());
            }
            let sent = self.inner.rc.call_once(&[], &never, |rc| {
                let body = body.clone();
                async move { Ok(rc.call_raw(path, body).await?) }
            });
            match sent.await {
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
                // rcd went away mid-call, or is not back yet: wait for the next one
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
}
