//! Following one server batch to its end through the server's event stream (as the app's
//! connection does), not by polling: the batch is read once on each (re)connection and after
//! each of its progress frames; its state events are taken as they come.

use std::time::Duration;

use super::{
    batches,
    events::{Followed, Start},
    is_offline,
    link::Link,
};
use crate::{
    rc::{RcClient, RcError},
    types::{BatchInfo, BatchProgress, BatchStatus},
};

/// What following a server batch reports.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchNews {
    /// The batch as it is now.
    State(BatchInfo),
    /// The server cannot be reached; the stream is tried again in `retry_in`.
    Offline { error: String, retry_in: Duration },
    /// The server is reachable again after `after` offline.
    Back { after: Duration },
}

/// Follows batch `id` on server `server` (behind `client`) until it stops running; returns
/// its last state. `news` hears every change, outages and returns. Ends with the server's
/// refusal when the credentials are refused (or expire) on the way.
pub async fn follow_batch(
    client: &RcClient,
    server: &str,
    id: i64,
    mut news: impl FnMut(BatchNews),
) -> Result<BatchInfo, RcError> {
    // started before the first read: a change right after it comes as an event
    let (_link, mut stream) = Link::start(server, client.clone(), Start::Now);
    // the batch as last read; progress frames move its counts on between reads
    let mut last: Option<BatchInfo> = None;
    while let Some(f) = stream.recv().await {
        let read_again = match f {
            Followed::Connected { after } => {
                if !after.is_zero() {
                    news(BatchNews::Back { after });
                }
                true
            }
            Followed::Offline { error, retry_in } => {
                news(BatchNews::Offline { error, retry_in });
                false
            }
            Followed::Refused { expired } => {
                return Err(RcError::Unauthorized {
                    path: "rproxy/events".into(),
                    expired,
                })
            }
            Followed::Store { .. } | Followed::Role(_) => false,
            Followed::Event(ev) => match ev.kind.as_str() {
                "batch_state" => {
                    match serde_json::from_value::<BatchInfo>(ev.data).ok().filter(|b| b.id == id) {
                        Some(info) if ended(&info) => {
                            news(BatchNews::State(info.clone()));
                            return Ok(info);
                        }
                        Some(info) => {
                            news(BatchNews::State(info.clone()));
                            last = Some(info);
                        }
                        None => {}
                    }
                    false
                }
                // files landing one by one (the stored counts move when a chunk is verified)
                "batch_progress" => match serde_json::from_value::<BatchProgress>(ev.data) {
                    Ok(p) if p.id == id => match last.as_mut() {
                        Some(info) => {
                            info.counts = info.counts.with_progress(&p);
                            news(BatchNews::State(info.clone()));
                            false
                        }
                        None => true,
                    },
                    _ => false,
                },
                // the server's event log started over: what changed meanwhile is unknown
                "reset" => true,
                _ => false,
            },
        };
        if !read_again {
            continue;
        }
        match batches::report(client, id).await {
            Ok(report) => {
                let info = report.batch;
                news(BatchNews::State(info.clone()));
                if ended(&info) {
                    return Ok(info);
                }
                last = Some(info);
            }
            // the stream reports the outage and the return
            Err(e) if is_offline(&e) => {}
            Err(e) => return Err(e),
        }
    }
    // the follower only stops when told to or refused (returned above)
    Err(RcError::Unexpected {
        path: "rproxy/events".into(),
        status: 0,
        snippet: "the server's event stream ended".into(),
        retry_after: None,
    })
}

/// Whether a batch has stopped running (done, failed, paused or cancelled).
fn ended(b: &BatchInfo) -> bool {
    !matches!(b.status, BatchStatus::Queued | BatchStatus::Running)
}
