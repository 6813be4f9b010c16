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
        EVENT_SCHEDULE_RUN, EVENT_SIDECAR_STATE,
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
    pub listeners: Listeners,
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
        send_progress(&self.listeners, progress);
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

/// The page's progress channels.
pub type Listeners = Arc<Mutex<Vec<Channel<BatchProgress>>>>;

/// Sends `p` to every open channel (closed ones are dropped).
pub fn send_progress(listeners: &Listeners, p: &BatchProgress) {
    if let Ok(mut ls) = listeners.lock() {
        ls.retain(|c| c.send(p.clone()).is_ok());
    }
}

/// Forwards the runner's reports to the window.
struct WindowSink {
    app: AppHandle,
    listeners: Listeners,
    focus: Arc<Focus>,
}

impl RunnerSink for WindowSink {
    fn state(&self, info: &BatchInfo) {
        if !self.focus.local() {
            return;
        }
        if let Err(e) = self.app.emit(EVENT_BATCH_STATE, info) {
            tracing::warn!(error = %e, "cannot emit batch state");
        }
    }

    fn progress(&self, p: &BatchProgress) {
        if self.focus.local() {
            send_progress(&self.listeners, p);
        }
    }
}

/// The page's progress channels.
#[derive(Clone)]
pub struct Batches {
    pub listeners: Listeners,
}

impl Batches {
    /// Sends `engine`'s batch reports to the window from now on.
    pub fn attach(engine: &Engine, app: AppHandle, focus: Arc<Focus>) -> Self {
        let listeners: Listeners = Arc::default();
        engine.attach(Arc::new(WindowSink {
            app,
            listeners: listeners.clone(),
            focus,
        }));
        Batches { listeners }
    }

    pub fn listen(&self, channel: Channel<BatchProgress>) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(channel);
        }
    }
}
