//! Following rproxy's event stream from Rust (a browser EventSource cannot send
//! `Authorization`): one task reads the Server-Sent Events, hands each one on, and when the
//! stream drops (server restarted, network gone) reconnects with `Last-Event-ID`, so no stored
//! event is missed or repeated. Outages are reported as they begin and end.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::rc::{RcClient, RcError};

/// One event from the server.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerEvent {
    /// The stored event's id; `None` for transient frames (progress).
    pub id: Option<i64>,
    pub kind: String,
    pub data: Value,
}

/// What the follower reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Followed {
    Event(ServerEvent),
    /// The stream is open (again); `after` is how long it was down (zero the first time).
    Connected {
        after: Duration,
    },
    /// The stream dropped or could not be opened; the next try is in `retry_in`.
    Offline {
        error: String,
        retry_in: Duration,
    },
    /// The server refused the credentials (`expired`: the token was right but has expired):
    /// the follower stops.
    Refused {
        expired: bool,
    },
    /// The identity of the server's event store (`storeId` of `rproxy/whoami`) and the id
    /// following starts after, told once before the first `Connected`: keep both, and the id
    /// of every event after.
    Store {
        store: String,
        from: i64,
    },
    /// This account's role on the server (`role` of `rproxy/whoami`), told once before the
    /// first `Connected`.
    Role(String),
}

/// Where following starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// After event `id` of store `store` (what a previous run saw last). When the server's
    /// store is another one (the server was reinstalled, its ids started again), following
    /// starts from now instead: an old id would hide every new event below it.
    After { id: i64, store: Option<String> },
    /// After the newest event at the time of the first connection (`lastEventId` of
    /// `rproxy/whoami`): nothing older is replayed.
    Now,
    /// Everything the server keeps.
    Kept,
}

/// Longest wait between two reconnection attempts: a server back from a restart is found
/// within this long.
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Follows the event stream of the server behind `rc` from `from` until `stop` is cancelled
/// or the receiver is dropped.
pub fn follow(rc: RcClient, from: Start, stop: CancellationToken) -> mpsc::Receiver<Followed> {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let mut last = None;
        let mut start = match from {
            Start::Kept => None,
            other => Some(other),
        };
        let mut retry = Duration::from_millis(250);
        let mut down_since: Option<Instant> = None;
        loop {
            let opened = tokio::select! {
                _ = stop.cancelled() => return,
                r = open(&rc, &mut last, &mut start, &tx) => r,
            };
            let error = match opened {
                Ok(mut resp) => {
                    let after = down_since.take().map(|t| t.elapsed()).unwrap_or_default();
                    if tx.send(Followed::Connected { after }).await.is_err() {
                        return;
                    }
                    retry = Duration::from_millis(250);
                    let mut buf = String::new();
                    loop {
                        let chunk = tokio::select! {
                            _ = stop.cancelled() => return,
                            c = resp.chunk() => c,
                        };
                        match chunk {
                            Ok(Some(bytes)) => {
                                buf.push_str(&String::from_utf8_lossy(&bytes));
                                while let Some(end) = buf.find("\n\n") {
                                    let frame: String = buf.drain(..end + 2).collect();
                                    if let Some(ev) = parse_frame(&frame) {
                                        if let Some(id) = ev.id {
                                            last = Some(id);
                                        }
                                        if tx.send(Followed::Event(ev)).await.is_err() {
                                            return;
                                        }
                                    }
                                }
                            }
                            Ok(None) => break "the server closed the event stream".to_owned(),
                            Err(e) => break format!("the event stream dropped: {}", super::innermost(&e)),
                        }
                    }
                }
                Err(RcError::Unauthorized { expired, .. }) => {
                    let _ = tx.send(Followed::Refused { expired }).await;
                    return;
                }
                Err(e) => super::unreachable(&e),
            };
            down_since.get_or_insert_with(Instant::now);
            if tx.send(Followed::Offline { error, retry_in: retry }).await.is_err() {
                return;
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(retry) => {}
            }
            retry = (retry * 2).min(RETRY_MAX);
        }
    });
    rx
}

/// Opens the stream after `last`. The first time (`start` still set) it asks the server who it
/// is: its store's identity (handed on) and newest event id decide where to start.
async fn open(
    rc: &RcClient,
    last: &mut Option<i64>,
    start: &mut Option<Start>,
    tx: &mpsc::Sender<Followed>,
) -> Result<reqwest::Response, RcError> {
    if let Some(s) = start.as_ref() {
        let who: Value = rc.call("rproxy/whoami", &serde_json::json!({})).await?;
        let newest = who.get("lastEventId").and_then(Value::as_i64).unwrap_or(0);
        let store = who.get("storeId").and_then(Value::as_str).map(str::to_owned);
        if let Some(role) = who.get("role").and_then(Value::as_str) {
            let _ = tx.send(Followed::Role(role.to_owned())).await;
        }
        let from = match (s, &store) {
            (Start::After { id, store: Some(was) }, Some(now)) if was != now => {
                tracing::warn!(
                    last_seen = id,
                    newest,
                    "the server's event store is not the one seen before; following from now"
                );
                newest
            }
            (Start::After { id, .. }, _) => *id,
            _ => newest,
        };
        *last = Some(from);
        *start = None;
        if let Some(store) = store {
            let _ = tx.send(Followed::Store { store, from }).await;
        }
    }
    rc.open_events(*last).await
}

/// One SSE frame (`id:`, `event:`, `data:` lines); comments (keep-alives) give `None`.
fn parse_frame(frame: &str) -> Option<ServerEvent> {
    let (mut id, mut kind, mut data) = (None, None, String::new());
    for line in frame.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("event: ") {
            kind = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data: ") {
            data.push_str(v);
        }
    }
    Some(ServerEvent {
        id,
        kind: kind?,
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let e = parse_frame("id: 7\nevent: job_finished\ndata: {\"id\": 3}\n\n");
        assert_eq!(
            e,
            Some(ServerEvent {
                id: Some(7),
                kind: "job_finished".into(),
                data: serde_json::json!({ "id": 3 })
            })
        );
        assert_eq!(parse_frame(": keep-alive\n\n"), None);
        assert_eq!(
            parse_frame("event: batch_progress\ndata: {}\n\n").and_then(|e| e.id),
            None
        );
    }
}
