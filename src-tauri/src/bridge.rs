//! Forwards core events to the page as Tauri events.

use rcmd_core::{
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::EVENT_SIDECAR_STATE,
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
                Ok(CoreEvent::Sidecar { state }) => emit(&app, &state),
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "event bridge lagged; resending state");
                    emit(&app, &supervisor.state());
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

fn emit(app: &AppHandle, state: &rcmd_core::types::SidecarState) {
    if let Err(e) = app.emit(EVENT_SIDECAR_STATE, state) {
        tracing::warn!(error = %e, "cannot emit sidecar state");
    }
}
