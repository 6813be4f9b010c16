//! The app's side of the local batch runner: status changes become Tauri events, progress
//! goes to the page's IPC channels (the runner throttles it to 10 Hz per batch), both only
//! while this computer is the active connection (a server's batches come from its events).

use std::sync::{Arc, Mutex};

use rcmd_core::{
    batch::RunnerSink,
    engine::Engine,
    types::{BatchInfo, BatchProgress, EVENT_BATCH_STATE},
};
use tauri::{ipc::Channel, AppHandle, Emitter};

use rcmd_core::connection::Focus;

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
