//! Forwards core events to the page as Tauri events.

use std::sync::Arc;

use rcmd_core::{
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::{EVENT_BREAKER_STATE, EVENT_SCHEDULE_RUN, EVENT_SIDECAR_STATE},
};
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::error::RecvError;

use crate::focus::Focus;

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
pub fn spawn_breakers(app: AppHandle, bus: &EventBus, focus: Arc<Focus>, server: Option<String>) {
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

fn emit(app: &AppHandle, event: &str, payload: &impl serde::Serialize) {
    if let Err(e) = app.emit(event, payload) {
        tracing::warn!(error = %e, event, "cannot emit event");
    }
}
