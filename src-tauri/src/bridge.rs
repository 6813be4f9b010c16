//! Forwards core events to the page: the engine's events and the connection's reports as
//! Tauri events, the runner's batch states as events and its progress (throttled by the runner
//! to 10 Hz per batch) to the page's IPC channels, the runner's only while this computer is
//! the active connection (a server's batches come from its events).

use std::sync::{Arc, Mutex};

use rcmd_core::{
    batch::RunnerSink,
    connection::ConnectionSink,
    engine::Engine,
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::{
        BatchInfo, BatchProgress, ConnectionView, EVENT_BATCH_STATE, EVENT_BREAKER_STATE, EVENT_CONNECTION_STATE,
        EVENT_MOUNT_STATE, EVENT_SCHEDULE_RUN, EVENT_SIDECAR_STATE,
    },
};
use tauri::{ipc::Channel, AppHandle, Emitter};
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
                Ok(CoreEvent::Mount { status } | CoreEvent::Serve { status }) => emit(&app, EVENT_MOUNT_STATE, &status),
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

/// The page: the local runner's reports (while this computer is the active connection) and
/// the connection's (a server's batches, the link's state) arrive through the same events and
/// progress channels, so the page does not know which backend it talks to.
#[derive(Clone)]
pub struct Page {
    app: AppHandle,
    /// The page's progress channels.
    listeners: Arc<Mutex<Vec<Channel<BatchProgress>>>>,
    focus: Arc<Focus>,
}

impl Page {
    /// The page of `app`; the runner's reports go to it from now on.
    pub fn attach(engine: &Engine, app: AppHandle, focus: Arc<Focus>) -> Self {
        let page = Page {
            app,
            listeners: Arc::default(),
            focus,
        };
        engine.attach(Arc::new(page.clone()));
        page
    }

    /// Sends progress of every running batch (of the active connection) to `channel` too.
    pub fn listen(&self, channel: Channel<BatchProgress>) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(channel);
        }
    }

    /// Sends `p` to every open channel (closed ones are dropped).
    fn send_progress(&self, p: &BatchProgress) {
        if let Ok(mut ls) = self.listeners.lock() {
            ls.retain(|c| c.send(p.clone()).is_ok());
        }
    }
}

impl RunnerSink for Page {
    fn state(&self, info: &BatchInfo) {
        if self.focus.local() {
            emit(&self.app, EVENT_BATCH_STATE, info);
        }
    }

    fn progress(&self, p: &BatchProgress) {
        if self.focus.local() {
            self.send_progress(p);
        }
    }
}

impl ConnectionSink for Page {
    fn connection_state(&self, view: &ConnectionView) {
        emit(&self.app, EVENT_CONNECTION_STATE, view);
    }

    fn batch_state(&self, info: &BatchInfo) {
        emit(&self.app, EVENT_BATCH_STATE, info);
    }

    fn batch_progress(&self, progress: &BatchProgress) {
        self.send_progress(progress);
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
