//! Runs batches inside the app: one task per running batch, status changes as Tauri events,
//! progress over IPC channels throttled to 10 Hz per batch.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rcmd_core::{
    batch::{BatchControl, Processor, Store},
    types::{BatchInfo, BatchProgress, BatchStatus, EVENT_BATCH_STATE},
};
use tauri::{ipc::Channel, AppHandle, Emitter};

/// Pause reason of a batch the app found interrupted at start.
pub const INTERRUPTED: &str = "interrupted: RCMD stopped while it ran";

/// The app's batch runner.
#[derive(Clone)]
pub struct Batches {
    pub store: Store,
    processor: Processor,
    running: Arc<Mutex<HashMap<i64, BatchControl>>>,
    listeners: Arc<Mutex<Vec<Channel<BatchProgress>>>>,
    app: AppHandle,
}

impl Batches {
    pub fn new(store: Store, processor: Processor, app: AppHandle) -> Self {
        Batches {
            store,
            processor,
            running: Arc::default(),
            listeners: Arc::default(),
            app,
        }
    }

    /// Batches a previous run left `running` were interrupted (the app exited or crashed):
    /// resume them when `auto_resume`, else show them as paused so the user can.
    pub async fn recover_interrupted(&self, auto_resume: bool) {
        let Ok(unfinished) = self.store.unfinished().await else { return };
        for b in unfinished.into_iter().filter(|b| b.status == BatchStatus::Running) {
            if auto_resume {
                tracing::info!(batch = b.id, "resuming interrupted batch");
                self.start(b.id);
            } else {
                let _ = self.store.set_status(b.id, BatchStatus::Paused, Some(INTERRUPTED)).await;
            }
        }
    }

    pub fn listen(&self, channel: Channel<BatchProgress>) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(channel);
        }
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.running.lock().map(|r| r.contains_key(&id)).unwrap_or(false)
    }

    /// Starts (or resumes) batch `id` in the background. No-op when it already runs.
    pub fn start(&self, id: i64) {
        let control = BatchControl::default();
        {
            let Ok(mut running) = self.running.lock() else { return };
            if running.contains_key(&id) {
                return;
            }
            running.insert(id, control.clone());
        }
        let this = self.clone();
        tauri::async_runtime::spawn(async move {
            this.emit_state(id).await;
            let listeners = this.listeners.clone();
            let last = Arc::new(Mutex::new(Instant::now() - Duration::from_secs(1)));
            let progress = Arc::new(move |p: BatchProgress| {
                // throttle: progress is frequent, the page needs ~10 updates a second
                if let Ok(mut l) = last.lock() {
                    if l.elapsed() < Duration::from_millis(100) && p.items_done < p.items_total {
                        return;
                    }
                    *l = Instant::now();
                }
                if let Ok(mut ls) = listeners.lock() {
                    ls.retain(|c| c.send(p.clone()).is_ok());
                }
            });
            if let Err(e) = this.processor.run(id, &control, progress).await {
                tracing::error!(batch = id, error = %e, "batch stopped with an error");
                let _ = this.store.set_status(id, BatchStatus::Paused, Some(&e.to_string())).await;
            }
            if let Ok(mut r) = this.running.lock() {
                r.remove(&id);
            }
            this.emit_state(id).await;
        });
    }

    /// Pauses a running batch (resumable).
    pub async fn pause(&self, id: i64) {
        if let Some(c) = self.control(id) {
            c.pause.cancel();
        }
    }

    /// Cancels a batch: stops it if running, else marks it cancelled.
    pub async fn cancel(&self, id: i64) -> Result<(), rcmd_core::batch::StoreError> {
        match self.control(id) {
            Some(c) => c.cancel.cancel(),
            None => {
                self.store.set_status(id, BatchStatus::Cancelled, None).await?;
                self.emit_state(id).await;
            }
        }
        Ok(())
    }

    fn control(&self, id: i64) -> Option<BatchControl> {
        self.running.lock().ok().and_then(|r| r.get(&id).cloned())
    }

    pub async fn emit_state(&self, id: i64) {
        if let Ok(info) = self.store.batch(id).await {
            self.emit(&info);
        }
    }

    fn emit(&self, info: &BatchInfo) {
        if let Err(e) = self.app.emit(EVENT_BATCH_STATE, info) {
            tracing::warn!(error = %e, "cannot emit batch state");
        }
    }
}
