//! Runs batches in the background for a long-lived front end (the app, later the server):
//! one task per running batch, status changes and throttled progress to a [`RunnerSink`],
//! and recovery of batches a previous run left interrupted.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rcmd_types::{BatchInfo, BatchProgress, BatchReport, BatchStatus};
use tracing::{info, warn};

use super::{BatchControl, Processor, Store, StoreError};

/// Pause reason of a batch found interrupted at start.
pub const INTERRUPTED: &str = "interrupted: RCMD stopped while it ran";

/// A stored batch as anyone outside its runner should see it: one left `running` with no live
/// runner (its process exited or was killed) was interrupted, and reads as paused with
/// [`INTERRUPTED`] as the reason (resume continues it).
pub fn as_seen(mut b: BatchInfo) -> BatchInfo {
    if b.status == BatchStatus::Running && b.runner.is_none() {
        b.status = BatchStatus::Paused;
        b.pause_reason = Some(INTERRUPTED.to_owned());
    }
    b
}

/// Where the runner reports (the app forwards to the window).
pub trait RunnerSink: Send + Sync + 'static {
    /// A batch's status changed (started, paused, finished, ...).
    fn state(&self, info: &BatchInfo);
    /// Progress of a running batch, at most `Runner::PROGRESS_EVERY` apart per batch (the
    /// last update of a batch is always sent).
    fn progress(&self, progress: &BatchProgress);
}

/// The background batch runner. Cheap to clone.
#[derive(Clone)]
pub struct Runner {
    processor: Processor,
    running: Arc<Mutex<HashMap<i64, BatchControl>>>,
    sink: Arc<dyn RunnerSink>,
}

impl Runner {
    /// Progress updates per batch are at least this far apart (10 Hz).
    pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);

    pub fn new(processor: Processor, sink: Arc<dyn RunnerSink>) -> Self {
        Runner {
            processor,
            running: Arc::default(),
            sink,
        }
    }

    /// The resilient layer the batches run through.
    pub fn rc(&self) -> &crate::resilience::layer::Resilient {
        &self.processor.rc
    }

    pub fn store(&self) -> &Store {
        &self.processor.store
    }

    /// Plans and records `req` (see [`Processor::create`]) without starting it.
    pub async fn create(&self, req: &super::BatchRequest) -> Result<super::Created, super::StartError> {
        self.processor.create(req).await
    }

    /// What `req` would meet at its destination (see [`Processor::plan_conflicts`]).
    pub async fn plan_conflicts(
        &self,
        req: &super::BatchRequest,
    ) -> Result<rcmd_types::ConflictPlan, super::StartError> {
        self.processor.plan_conflicts(req).await
    }

    /// Plans, records and starts `req`: the batch as it is right after the start.
    pub async fn submit(&self, req: &super::BatchRequest) -> Result<BatchInfo, super::StartError> {
        let created = self.processor.create(req).await?;
        self.start(created.id).await?;
        Ok(self.batch(created.id).await?)
    }

    /// Plans and records a sync of compare rows without starting it (see
    /// [`Processor::create_sync`]).
    pub async fn processor_create_sync(
        &self,
        req: &super::SyncRequest,
    ) -> Result<(i64, rcmd_types::SyncPreview), super::SyncError> {
        self.processor.create_sync(req).await
    }

    /// Plans, records and starts a sync of compare rows (see [`Processor::create_sync`]).
    pub async fn submit_sync(
        &self,
        req: &super::SyncRequest,
    ) -> Result<(BatchInfo, rcmd_types::SyncPreview), super::SyncError> {
        let (id, preview) = self.processor.create_sync(req).await?;
        self.start(id).await.map_err(super::StartError::from)?;
        Ok((self.batch(id).await.map_err(super::StartError::from)?, preview))
    }

    /// The items this process's batches finished last, newest first.
    pub fn recent(&self) -> Vec<rcmd_types::TransferDone> {
        self.processor.recent.list()
    }

    /// Batches a previous run left `running` with no live lease were interrupted (the
    /// process exited or crashed): resumed when `auto_resume`, else marked paused so the user
    /// can resume them. Batches another process runs right now are left alone.
    pub async fn recover_interrupted(&self, auto_resume: bool) {
        let unfinished = match self.store().unfinished().await {
            Ok(u) => u,
            Err(e) => return warn!(error = %e, "cannot read unfinished batches"),
        };
        for b in unfinished.into_iter().filter(|b| b.status == BatchStatus::Running) {
            if let Some(runner) = &b.runner {
                info!(batch = b.id, runner, "batch is running elsewhere");
                continue;
            }
            if auto_resume {
                info!(batch = b.id, "resuming interrupted batch");
                if let Err(e) = self.start(b.id).await {
                    warn!(batch = b.id, error = %e, "cannot resume interrupted batch");
                }
            } else if let Err(e) = self
                .store()
                .set_status(b.id, BatchStatus::Paused, Some(INTERRUPTED))
                .await
            {
                warn!(batch = b.id, error = %e, "cannot mark batch interrupted");
            }
        }
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.running.lock().map(|r| r.contains_key(&id)).unwrap_or(false)
    }

    /// Every batch as a user should see it: a `running` batch that no process runs (no live
    /// lease) shows as paused; one run by this runner has no `runner` (it is not elsewhere).
    pub async fn list(&self) -> Result<Vec<BatchInfo>, StoreError> {
        let all = self.store().list().await?;
        Ok(all.into_iter().map(|b| self.view(b)).collect())
    }

    /// Batch `id` as [`Runner::list`] shows it.
    pub async fn batch(&self, id: i64) -> Result<BatchInfo, StoreError> {
        Ok(self.view(self.store().batch(id).await?))
    }

    /// The report of batch `id`, its state as [`Runner::list`] shows it.
    pub async fn report(&self, id: i64) -> Result<BatchReport, StoreError> {
        let mut r = self.store().report(id).await?;
        r.batch = self.view(r.batch);
        Ok(r)
    }

    /// What a stored state means here: a batch this runner runs has no other runner, and is
    /// running even before its run has recorded so (a resumed batch still reads "paused", a new
    /// one "queued", for a moment); one left "running" by no live runner was interrupted.
    fn view(&self, mut b: BatchInfo) -> BatchInfo {
        if self.is_running(b.id) {
            b.runner = None;
            if matches!(b.status, BatchStatus::Paused | BatchStatus::Queued) {
                b.status = BatchStatus::Running;
                b.pause_reason = None;
            }
            b
        } else {
            as_seen(b)
        }
    }

    /// Starts (or resumes) batch `id` in the background; no-op when this runner already runs
    /// it. Refused with [`StoreError::Leased`] while another process runs it.
    pub async fn start(&self, id: i64) -> Result<(), StoreError> {
        let info = self.store().batch(id).await?;
        if let (Some(runner), false) = (&info.runner, self.is_running(id)) {
            return Err(StoreError::Leased {
                id,
                runner: runner.clone(),
            });
        }
        let control = BatchControl::default();
        {
            let Ok(mut running) = self.running.lock() else {
                return Ok(());
            };
            if running.contains_key(&id) {
                return Ok(());
            }
            running.insert(id, control.clone());
        }
        let this = self.clone();
        tokio::spawn(async move {
            this.emit_state(id).await;
            let sink = this.sink.clone();
            let last = Mutex::new(Instant::now() - Self::PROGRESS_EVERY);
            let progress = Arc::new(move |p: BatchProgress| {
                if let Ok(mut l) = last.lock() {
                    if l.elapsed() < Self::PROGRESS_EVERY && p.items_done < p.items_total {
                        return;
                    }
                    *l = Instant::now();
                }
                sink.progress(&p);
            });
            // outages end the run paused (recorded by the processor); an error here means the
            // batch belongs to another process or the database itself failed
            if let Err(e) = this.processor.run(id, &control, progress).await {
                warn!(batch = id, error = %e, "batch stopped with an error");
            }
            if let Ok(mut r) = this.running.lock() {
                r.remove(&id);
            }
            this.emit_state(id).await;
        });
        Ok(())
    }

    /// Pauses a running batch (resumable).
    pub fn pause(&self, id: i64) {
        if let Some(c) = self.control(id) {
            c.pause.cancel();
        }
    }

    /// Cancels a batch: stops it if this runner runs it, else marks it cancelled (refused
    /// while another process runs it).
    pub async fn cancel(&self, id: i64) -> Result<(), StoreError> {
        match self.control(id) {
            Some(c) => c.cancel.cancel(),
            None => {
                if let Some(runner) = self.store().batch(id).await?.runner {
                    return Err(StoreError::Leased { id, runner });
                }
                self.store().set_status(id, BatchStatus::Cancelled, None).await?;
                self.emit_state(id).await;
            }
        }
        Ok(())
    }

    /// The batches this runner is running now.
    /// Starts every paused batch again ("resume all"); one that cannot start is logged.
    pub async fn resume_paused(&self) {
        let Ok(all) = self.list().await else { return };
        for b in all.iter().filter(|b| b.status == BatchStatus::Paused) {
            if let Err(e) = self.start(b.id).await {
                warn!(batch = b.id, error = %e, "cannot resume");
            }
        }
    }

    /// How many batches are paused (the interrupted ones included).
    pub async fn paused_count(&self) -> usize {
        self.list()
            .await
            .map(|l| l.iter().filter(|b| b.status == BatchStatus::Paused).count())
            .unwrap_or(0)
    }

    pub fn running_ids(&self) -> Vec<i64> {
        self.running
            .lock()
            .map(|r| r.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Pauses every running batch and waits (up to `grace`) for them to stop.
    pub async fn pause_all(&self, grace: Duration) {
        let ids: Vec<i64> = self
            .running
            .lock()
            .map(|r| r.keys().copied().collect())
            .unwrap_or_default();
        ids.iter().for_each(|id| self.pause(*id));
        let end = Instant::now() + grace;
        while Instant::now() < end && ids.iter().any(|id| self.is_running(*id)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn control(&self, id: i64) -> Option<BatchControl> {
        self.running.lock().ok().and_then(|r| r.get(&id).cloned())
    }

    async fn emit_state(&self, id: i64) {
        match self.batch(id).await {
            Ok(info) => self.sink.state(&info),
            Err(e) => warn!(batch = id, error = %e, "cannot read batch state"),
        }
    }
}
