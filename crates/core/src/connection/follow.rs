//! Following the active server's event stream: link state changes become the connection's
//! state, batch events go to the sink as the local runner's do, and every event id is kept
//! (`servers-seen.json`) to resume from.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::sync::mpsc;

use super::Connections;
use crate::{
    events::CoreEvent,
    rc::RcClient,
    rproxy_client::{
        self,
        events::{Followed, ServerEvent},
    },
    settings::ServerEntry,
    types::{BatchInfo, BatchProgress, ConnectionView, LinkState},
};

impl Connections {
    /// Turns what the follower reports into the page's events, while generation `generation`
    /// is active.
    pub(super) async fn follow(
        &self,
        entry: ServerEntry,
        client: RcClient,
        generation: u64,
        view: Arc<Mutex<ConnectionView>>,
        mut events: mpsc::Receiver<Followed>,
    ) {
        let mut seen_saved = Instant::now();
        while let Some(f) = events.recv().await {
            let active = self.inner.focus.is(generation);
            // refused is final for this link: what the follower reports after it (the stream's
            // drop, racing the refused call) would hide it
            let refused = view.lock().unwrap_or_else(|e| e.into_inner()).state == LinkState::Refused;
            if refused && matches!(f, Followed::Connected { .. } | Followed::Offline { .. }) {
                continue;
            }
            let changed = {
                let mut v = view.lock().unwrap_or_else(|e| e.into_inner());
                let changed = match &f {
                    Followed::Connected { after } => {
                        v.state = LinkState::Connected;
                        v.error = None;
                        v.retry_in_ms = None;
                        v.down_for_ms = (!after.is_zero()).then_some(after.as_millis() as u64);
                        if !after.is_zero() {
                            tracing::info!(server = %entry.name, down_ms = after.as_millis() as u64, "server is back");
                        }
                        Some(v.clone())
                    }
                    Followed::Offline { error, retry_in } => {
                        if v.state != LinkState::Offline {
                            tracing::warn!(server = %entry.name, %error, "server offline");
                        }
                        v.state = LinkState::Offline;
                        v.error = Some(error.clone());
                        v.retry_in_ms = Some(retry_in.as_millis() as u64);
                        Some(v.clone())
                    }
                    Followed::Refused { expired } => {
                        v.state = LinkState::Refused;
                        let e = crate::rc::RcError::Unauthorized {
                            path: "rproxy/events".into(),
                            expired: *expired,
                        };
                        v.error = rproxy_client::refusal_of(&e);
                        tracing::warn!(server = %entry.name, expired, "server refused the credentials");
                        Some(v.clone())
                    }
                    Followed::Store { store, from } => {
                        self.inner.seen.set_store(&entry.name, &entry.url, store, *from);
                        None
                    }
                    Followed::Role(role) => {
                        // shown with the next change (the connection that follows at once)
                        v.role = Some(role.clone());
                        None
                    }
                    Followed::Event(_) => None,
                };
                // every change is numbered, so the page can tell an older view from a newer
                changed.map(|_| {
                    v.seq += 1;
                    v.clone()
                })
            };
            if let Some(v) = changed {
                if active {
                    self.emit(&v);
                }
                if v.state == LinkState::Connected && active {
                    // anything that changed while the page was not told (first connection,
                    // a reset) shows at once
                    self.resync(&client).await;
                }
                if v.state == LinkState::Connected || v.state == LinkState::Offline {
                    self.inner.seen.flush();
                }
                continue;
            }
            let Followed::Event(ev) = f else { continue };
            if let Some(id) = ev.id {
                self.inner.seen.set(&entry.name, &entry.url, id);
                if seen_saved.elapsed() > Duration::from_millis(500) {
                    self.inner.seen.flush();
                    seen_saved = Instant::now();
                }
            }
            self.on_event(&entry, &client, ev, active).await;
        }
        self.inner.seen.flush();
    }

    async fn on_event(&self, entry: &ServerEntry, client: &RcClient, ev: ServerEvent, active: bool) {
        match ev.kind.as_str() {
            "batch_state" => {
                let Ok(info) = serde_json::from_value::<BatchInfo>(ev.data) else {
                    return;
                };
                // one line per batch change: what the app saw of the server, for diagnosis
                tracing::info!(server = %entry.name, event = ev.id, batch = info.id, status = ?info.status, "server batch state");
                if active {
                    self.inner.sink.batch_state(&info);
                }
                // a server batch that ends is news on this desktop too
                let mut noted = info;
                noted.src = format!("[{}] {}", entry.name, noted.src);
                self.inner.engine_bus.emit(CoreEvent::Batch { info: noted });
            }
            "batch_progress" if active => {
                if let Ok(p) = serde_json::from_value::<BatchProgress>(ev.data) {
                    self.inner.sink.batch_progress(&p);
                }
            }
            "reset" if active => self.resync(client).await,
            _ => {}
        }
    }

    /// Reports the state of every server batch.
    async fn resync(&self, client: &RcClient) {
        match rproxy_client::batches::list(client).await {
            Ok(all) => all.iter().for_each(|b| self.inner.sink.batch_state(b)),
            Err(e) => tracing::warn!(error = %e, "cannot list the server's batches"),
        }
    }
}
