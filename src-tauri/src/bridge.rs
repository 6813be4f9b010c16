//! Forwards core events to the page as Tauri events.

use rcmd_core::{
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::{EVENT_BREAKER_STATE, EVENT_SIDECAR_STATE},
};
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::error::RecvError;

/// Runs until the bus closes. A lagging receiver re-sends the current state, so the page
/// never keeps a stale one.
pub fn spawn(app: AppHandle, bus: &EventBus, supervisor: Supervisor) {
    let mut rx = bus.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(CoreEvent::Sidecar { state }) => emit(&app, EVENT_SIDECAR_STATE, &state),
                Ok(CoreEvent::Breaker { snapshot, .. }) => emit(&app, EVENT_BREAKER_STATE, &snapshot),
                // the batch runner emits batch state itself (with its running/paused view)
                Ok(CoreEvent::Batch { .. }) => {}
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

fn emit(app: &AppHandle, event: &str, payload: &impl serde::Serialize) {
    if let Err(e) = app.emit(event, payload) {
        tracing::warn!(error = %e, event, "cannot emit event");
    }
}
