//! The app's side of the core batch runner: status changes become Tauri events, progress
//! goes to the page's IPC channels (the runner throttles it to 10 Hz per batch).

use std::sync::{Arc, Mutex};

use rcmd_core::{
    batch::{Processor, Runner, RunnerSink},
    types::{BatchInfo, BatchProgress, EVENT_BATCH_STATE},
};
use tauri::{ipc::Channel, AppHandle, Emitter};

/// Forwards the runner's reports to the window.
struct WindowSink {
    app: AppHandle,
    listeners: Arc<Mutex<Vec<Channel<BatchProgress>>>>,
}

impl RunnerSink for WindowSink {
    fn state(&self, info: &BatchInfo) {
        if let Err(e) = self.app.emit(EVENT_BATCH_STATE, info) {
            tracing::warn!(error = %e, "cannot emit batch state");
        }
    }

    fn progress(&self, p: &BatchProgress) {
        if let Ok(mut ls) = self.listeners.lock() {
            ls.retain(|c| c.send(p.clone()).is_ok());
        }
    }
}

/// The runner plus the page's progress channels.
#[derive(Clone)]
pub struct Batches {
    pub runner: Runner,
    listeners: Arc<Mutex<Vec<Channel<BatchProgress>>>>,
}

impl Batches {
    pub fn new(processor: Processor, app: AppHandle) -> Self {
        let listeners: Arc<Mutex<Vec<Channel<BatchProgress>>>> = Arc::default();
        let sink = Arc::new(WindowSink { app, listeners: listeners.clone() });
        Batches { runner: Runner::new(processor, sink), listeners }
    }

    pub fn listen(&self, channel: Channel<BatchProgress>) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(channel);
        }
    }
}
