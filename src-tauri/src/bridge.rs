//! Forwards core events to the page as Tauri events.

use std::sync::Arc;

use rcmd_core::{
    connection::ConnectionSink,
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::{
        BatchInfo, BatchProgress, ConnectionView, EVENT_BATCH_STATE, EVENT_BREAKER_STATE, EVENT_CONNECTION_STATE,
        EVENT_SCHEDULE_RUN, EVENT_SIDECAR_STATE,
    },
};
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::error::RecvError;

use rcmd_core::connection::Focus;

/// The local engine's events. Runs until the bus closes. A lagging receiver re-sends the
/// current state, so the page never keeps a stale one. Breakers go to the page only while
/// this computer is the active connection.
pub fn spawn(app: AppHandle, bus: &EventBus, supervisor: Supervisor, focus: Arc<Focus>) {
    let mut rx = bus.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(CoreEvent::Sidecar { state }) => emit(&app, EVENT_SIDECAR_STATE, &state),
                Ok(CoreEvent::Breaker { snapshot, .. }) if focus.local() => emit(&app, EVENT_BREAKER_STATE, &snapshot),
                Ok(CoreEvent::Schedule { run }) => emit(&app, EVENT_SCHEDULE_RUN, &run),
                // the batch runner emits batch state itself (with its running/paused view)
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "event bridge lagged; resending state");
                    // breakers resync when the page asks for breaker_states
                    emit(&app, EVENT_SIDECAR_STATE, &supervisor.state());
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// A server's breakers (the app's own, per server): to the page while that server is active.
fn spawn_breakers(app: AppHandle, bus: &EventBus, focus: Arc<Focus>, server: Option<String>) {
    let mut rx = bus.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(CoreEvent::Breaker { snapshot, .. }) if focus.server() == server => {
                    emit(&app, EVENT_BREAKER_STATE, &snapshot)
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// The connection's reports, to the page: the same events and progress channels the local
/// runner feeds, so the page does not know which backend it talks to.
pub struct PageSink {
    pub app: AppHandle,
    pub listeners: crate::batches::Listeners,
    pub focus: Arc<Focus>,
}

impl ConnectionSink for PageSink {
    fn connection_state(&self, view: &ConnectionView) {
        emit(&self.app, EVENT_CONNECTION_STATE, view);
    }

    fn batch_state(&self, info: &BatchInfo) {
        emit(&self.app, EVENT_BATCH_STATE, info);
    }

    fn batch_progress(&self, progress: &BatchProgress) {
        crate::batches::send_progress(&self.listeners, progress);
    }

    fn server_layer(&self, server: &str, bus: &EventBus) {
        spawn_breakers(self.app.clone(), bus, self.focus.clone(), Some(server.to_owned()));
    }
}

fn emit(app: &AppHandle, event: &str, payload: &impl serde::Serialize) {
    if let Err(e) = app.emit(event, payload) {
        tracing::warn!(error = %e, event, "cannot emit event");
    }
}
