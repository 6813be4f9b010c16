//! One tick of the scheduler: due times since the last tick become runs, missed runs or
//! skipped runs; waiting runs start when their predecessor is finished.

use std::{future::Future, pin::Pin, sync::Arc};

use tracing::{info, warn};

use super::{
    clock::WallClock,
    cron::Cron,
    store::{ScheduleStore, Stored},
};
use crate::{
    batch::{BatchRequest, Runner, Selection, StoreError},
    events::{CoreEvent, EventBus},
    types::{BatchStatus, RunOutcome, ScheduleInfo, ScheduleRun, ScheduleSpec},
};

/// A due time counts as on time for this long after it (a tick every few seconds, or a
/// system timer once a minute, is well within it).
pub const GRACE_MS: i64 = 5 * 60_000;

/// At most this many missed due times are recorded one by one per tick; the rest are counted
/// in the last record's detail (an every-minute schedule after a week off).
const MAX_MISSED_RECORDS: usize = 50;

/// Starts the batch of a due schedule; returns the batch id.
pub trait Launch: Send + Sync + 'static {
    /// `origin` identifies the run: a second call with the same origin must not make a second
    /// batch.
    fn launch<'a>(
        &'a self,
        spec: &'a ScheduleSpec,
        origin: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + 'a>>;
}

/// The engine's launcher: creates the batch (once per origin) through the engine's one entry
/// point and starts it on `runner`.
#[derive(Clone)]
pub struct RunnerLaunch {
    pub runner: Runner,
    /// Runs schedules of kind bisync.
    pub pairs: crate::bisync::Pairs,
}

impl Launch for RunnerLaunch {
    fn launch<'a>(
        &'a self,
        spec: &'a ScheduleSpec,
        origin: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + 'a>> {
        Box::pin(async move {
            if spec.kind == rcmd_types::BatchKind::Sync {
                return self.launch_sync(spec, origin).await;
            }
            if spec.kind == rcmd_types::BatchKind::Bisync {
                // a pair that needs its resync fails the run with the reason (notified):
                // a schedule never resynchronises
                let pair = spec.pair.ok_or("this schedule names no two-way sync pair")?;
                let b = self
                    .pairs
                    .run(&pair.to_string(), Some(origin))
                    .await
                    .map_err(|e| e.to_string())?;
                return Ok(b.id);
            }
            let req = BatchRequest::new(spec.kind, &spec.src, spec.dst.as_deref(), Selection::All)
                .map_err(|e| e.to_string())?
                .with_origin(origin)
                .with_conflicts(spec.on_conflict, Default::default());
            // a crash after creating the batch: the same origin finds it
            let created = self.runner.create(&req).await.map_err(|e| e.to_string())?;
            self.runner.start(created.id).await.map_err(|e| e.to_string())?;
            Ok(created.id)
        })
    }
}

impl RunnerLaunch {
    /// A scheduled sync: compared now (one way, the schedule's filter), refused by its delete
    /// guard before anything is written (the run fails with the reason and is notified), else
    /// started as a sync batch.
    async fn launch_sync(&self, spec: &ScheduleSpec, origin: &str) -> Result<i64, String> {
        if let Some(id) = self.runner.store().by_origin(origin).await.map_err(|e| e.to_string())? {
            return Ok(id);
        }
        let sync = spec.sync.clone().unwrap_or_default();
        let dst = spec.dst.as_deref().unwrap_or_default();
        let req = crate::compare::CompareRequest::new(&spec.src, dst, sync.filter, rcmd_types::CompareMode::Mirror)
            .map_err(|e| e.to_string())?;
        let c = crate::compare::compare(
            self.runner.rc(),
            &req,
            &tokio_util::sync::CancellationToken::new(),
            Arc::new(|_| {}),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut s = crate::batch::SyncRequest::from_comparison(&c);
        s.guard = sync.guard;
        s.backup = sync.backup;
        s.origin = Some(origin.to_owned());
        match self.runner.submit_sync(&s).await {
            Ok((info, _)) => Ok(info.id),
            Err(crate::batch::SyncError::Nothing) => Err("nothing to do: the folders match".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Why a schedule was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("a schedule needs a name")]
    NoName,
    #[error("a two-way sync schedule needs a pair")]
    NoPair,
    #[error("watch mode: {0}")]
    Watch(String),
    #[error(transparent)]
    Cron(#[from] super::cron::CronError),
    /// Its batch could never run (a bad path, no destination, the same place).
    #[error(transparent)]
    Request(#[from] crate::batch::StartError),
    #[error(transparent)]
    Filter(crate::compare::FilterError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScheduleError {
    /// Whether the schedule as given is wrong (as opposed to the database failing).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ScheduleError::Store(e) if !matches!(e, StoreError::NoSchedule(_)))
    }
}

/// Turns due times into runs. Cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    store: ScheduleStore,
    clock: Arc<dyn WallClock>,
    launch: Arc<dyn Launch>,
    bus: Option<EventBus>,
}

impl Scheduler {
    pub fn new(
        store: ScheduleStore,
        clock: Arc<dyn WallClock>,
        launch: Arc<dyn Launch>,
        bus: Option<EventBus>,
    ) -> Self {
        Scheduler {
            store,
            clock,
            launch,
            bus,
        }
    }

    pub fn store(&self) -> &ScheduleStore {
        &self.store
    }

    /// Checks `spec` (cron, paths) before it is stored.
    pub fn validate(spec: &ScheduleSpec) -> Result<(), ScheduleError> {
        if spec.name.trim().is_empty() {
            return Err(ScheduleError::NoName);
        }
        Cron::parse(&spec.cron)?;
        if spec.kind == rcmd_types::BatchKind::Bisync {
            return match spec.pair {
                Some(_) => Self::validate_watch(spec),
                None => Err(ScheduleError::NoPair),
            };
        }
        BatchRequest::new(spec.kind, &spec.src, spec.dst.as_deref(), Selection::All)?;
        if let Some(s) = &spec.sync {
            crate::compare::filter::to_rclone(&s.filter).map_err(ScheduleError::Filter)?;
        }
        Self::validate_watch(spec)
    }

    /// A watched schedule needs a quiet time and a source that can be a local folder (a
    /// bisync pair's sides are checked when the watch starts).
    fn validate_watch(spec: &ScheduleSpec) -> Result<(), ScheduleError> {
        let Some(w) = spec.watch else { return Ok(()) };
        if w.quiet_secs == 0 || w.quiet_secs > 3600 {
            return Err(ScheduleError::Watch(
                "the quiet time must be between 1 s and 1 h".into(),
            ));
        }
        if spec.kind == rcmd_types::BatchKind::Delete {
            return Err(ScheduleError::Watch("a delete cannot run on change".into()));
        }
        Ok(())
    }

    /// Adds a schedule; its first run is its first due time from now.
    pub async fn add(&self, spec: &ScheduleSpec) -> Result<i64, ScheduleError> {
        Self::validate(spec)?;
        Ok(self.store.add(spec, self.clock.now_ms()).await?)
    }

    pub async fn update(&self, id: i64, spec: &ScheduleSpec) -> Result<(), ScheduleError> {
        Self::validate(spec)?;
        Ok(self.store.update(id, spec, self.clock.now_ms()).await?)
    }

    /// Every schedule with its next time and latest run.
    pub async fn list(&self) -> Result<Vec<ScheduleInfo>, StoreError> {
        let mut out = Vec::new();
        for s in self.store.all().await? {
            let next_ms = if s.spec.enabled {
                self.next_due(&s.spec.cron, s.checked_until.max(self.clock.now_ms()))
            } else {
                None
            };
            let last = self.store.runs(Some(s.id), 1).await?.into_iter().next();
            out.push(ScheduleInfo {
                id: s.id,
                spec: s.spec,
                next_ms,
                last,
            });
        }
        Ok(out)
    }

    /// The first due time of `cron` after `after_ms`.
    fn next_due(&self, cron: &str, after_ms: i64) -> Option<i64> {
        let cron = Cron::parse(cron).ok()?;
        cron.next_after(self.clock.local(after_ms))
            .map(|t| self.clock.unix_ms(t))
    }

    /// Ticks every `every` in the background, for as long as the process runs (inside a
    /// tokio runtime).
    pub fn tick_every(self, every: std::time::Duration) {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.tick().await {
                    warn!(error = %e, "scheduler tick failed");
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    /// Handles everything due up to now; returns the runs recorded or changed.
    pub async fn tick(&self) -> Result<Vec<ScheduleRun>, StoreError> {
        let mut changed = Vec::new();
        for s in self.store.all().await? {
            if !s.spec.enabled {
                continue;
            }
            self.start_waiting(&s, &mut changed).await?;
            self.handle_due(&s, &mut changed).await?;
        }
        for run in &changed {
            info!(schedule = %run.schedule_name, due_ms = run.due_ms, outcome = ?run.outcome, batch = ?run.batch_id, "schedule run");
            if let Some(bus) = &self.bus {
                bus.emit(CoreEvent::Schedule { run: run.clone() });
            }
        }
        Ok(changed)
    }

    /// A run of schedule `id` now, asked by its watch (`detail`: what changed). The overlap
    /// rule is always "wait" here: a change during a run queues one run (one waits at most),
    /// so no change is left for the periodic run to find. Returns the run recorded, if any.
    pub async fn trigger(&self, id: i64, detail: &str) -> Result<Option<ScheduleRun>, StoreError> {
        let mut s = self.store.get(id).await?;
        if !s.spec.enabled {
            return Ok(None);
        }
        s.spec.overlap = crate::types::Overlap::Wait;
        let mut changed = Vec::new();
        // a due time of its own (unique per schedule): the next free millisecond
        let mut due = self.clock.now_ms();
        while self.store.run(id, due).await?.is_some() {
            due += 1;
        }
        self.run_or_hold(&s, due, RunOutcome::Started, Some(detail), &mut changed)
            .await?;
        for run in &changed {
            info!(schedule = %run.schedule_name, outcome = ?run.outcome, batch = ?run.batch_id, detail, "watch run");
            if let Some(bus) = &self.bus {
                bus.emit(CoreEvent::Schedule { run: run.clone() });
            }
        }
        Ok(changed.pop())
    }

    async fn handle_due(&self, s: &Stored, changed: &mut Vec<ScheduleRun>) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        // a clock set back: wait for it to pass the handled span again
        if now <= s.checked_until {
            return Ok(());
        }
        let Ok(cron) = Cron::parse(&s.spec.cron) else {
            warn!(schedule = s.id, cron = %s.spec.cron, "schedule has an invalid cron expression; not run");
            return Ok(());
        };
        let mut dues = Vec::new();
        let mut count = 0usize;
        let mut t = self.clock.local(s.checked_until);
        while let Some(next) = cron.next_after(t) {
            let ms = self.clock.unix_ms(next);
            if ms > now {
                break;
            }
            count += 1;
            // keep the first records and the latest due time; count the rest
            if dues.len() < MAX_MISSED_RECORDS {
                dues.push(ms);
            } else if let Some(last) = dues.last_mut() {
                *last = ms;
            }
            t = next;
        }
        // another process took this span: its runs are its to record
        if !self.store.advance(s.id, s.checked_until, now).await? {
            return Ok(());
        }
        let Some((&latest, older)) = dues.split_last() else {
            return Ok(());
        };
        let uncounted = count - dues.len();
        for &due in older {
            self.note(
                s,
                due,
                RunOutcome::Missed,
                None,
                Some("RCMD was not running (or the computer was off or asleep) at this time"),
                changed,
            )
            .await?;
        }
        let more = (uncounted > 0)
            .then(|| format!("{uncounted} more due times before this one were missed (not listed one by one)"));
        let late = now - latest > GRACE_MS;
        if late && !s.spec.catch_up {
            let detail = match &more {
                Some(m) => format!("RCMD was not running at this time; {m}"),
                None => "RCMD was not running (or the computer was off or asleep) at this time".to_owned(),
            };
            return self
                .note(s, latest, RunOutcome::Missed, None, Some(&detail), changed)
                .await;
        }
        let outcome = if late {
            RunOutcome::StartedLate
        } else {
            RunOutcome::Started
        };
        self.run_or_hold(s, latest, outcome, more.as_deref(), changed).await
    }

    /// Starts the run due at `due`, unless the previous run is unfinished (overlap rule).
    async fn run_or_hold(
        &self,
        s: &Stored,
        due: i64,
        outcome: RunOutcome,
        detail: Option<&str>,
        changed: &mut Vec<ScheduleRun>,
    ) -> Result<(), StoreError> {
        if let Some((batch, status)) = self.unfinished_previous(s.id).await? {
            let status = crate::batch::store::text(status);
            return match s.spec.overlap {
                crate::types::Overlap::Skip => {
                    let detail = format!("the previous run (batch {batch}) is still {status}");
                    self.note(s, due, RunOutcome::Skipped, None, Some(&detail), changed)
                        .await
                }
                crate::types::Overlap::Wait => {
                    if self.store.waiting(s.id).await?.is_some() {
                        let detail = format!("a run already waits for batch {batch}");
                        return self
                            .note(s, due, RunOutcome::Skipped, None, Some(&detail), changed)
                            .await;
                    }
                    let detail = format!("waits for the previous run (batch {batch}, {status})");
                    self.note(s, due, RunOutcome::Waiting, None, Some(&detail), changed)
                        .await
                }
            };
        }
        // the record first: a second process that got here too stops at the unique key
        if !self
            .store
            .record(s.id, due, outcome, None, detail, self.clock.now_ms())
            .await?
        {
            return Ok(());
        }
        self.launch_recorded(s, due, outcome, detail, changed).await
    }

    async fn launch_recorded(
        &self,
        s: &Stored,
        due: i64,
        outcome: RunOutcome,
        detail: Option<&str>,
        changed: &mut Vec<ScheduleRun>,
    ) -> Result<(), StoreError> {
        let origin = format!("schedule:{}:{due}", s.id);
        let now = self.clock.now_ms();
        match self.launch.launch(&s.spec, &origin).await {
            Ok(batch) => {
                self.store
                    .set_outcome(s.id, due, outcome, Some(batch), detail, now)
                    .await?
            }
            Err(e) => {
                warn!(schedule = s.id, error = %e, "scheduled batch could not start");
                self.store
                    .set_outcome(s.id, due, RunOutcome::Failed, None, Some(&e), now)
                    .await?
            }
        }
        if let Some(run) = self.store.run(s.id, due).await? {
            changed.push(run);
        }
        Ok(())
    }

    /// A waiting run whose predecessor is finished now starts (late if its time is past).
    async fn start_waiting(&self, s: &Stored, changed: &mut Vec<ScheduleRun>) -> Result<(), StoreError> {
        let Some(due) = self.store.waiting(s.id).await? else {
            return Ok(());
        };
        let previous = self.store.last_batch(s.id).await?;
        if self.unfinished_previous(s.id).await?.is_some() {
            return Ok(());
        }
        if !self.store.take_waiting(s.id, due, self.clock.now_ms()).await? {
            return Ok(());
        }
        let detail = previous.map(|b| format!("waited for batch {b}"));
        let outcome = if self.clock.now_ms() - due > GRACE_MS {
            RunOutcome::StartedLate
        } else {
            RunOutcome::Started
        };
        self.launch_recorded(s, due, outcome, detail.as_deref(), changed).await
    }

    /// The previous run's batch and status when it is not finished yet.
    async fn unfinished_previous(&self, id: i64) -> Result<Option<(i64, BatchStatus)>, StoreError> {
        let Some(batch) = self.store.last_batch(id).await? else {
            return Ok(None);
        };
        match self.store.batches().batch(batch).await {
            Ok(info)
                if matches!(
                    info.status,
                    BatchStatus::Queued | BatchStatus::Running | BatchStatus::Paused
                ) =>
            {
                Ok(Some((batch, info.status)))
            }
            Ok(_) | Err(StoreError::NoBatch(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn note(
        &self,
        s: &Stored,
        due: i64,
        outcome: RunOutcome,
        batch: Option<i64>,
        detail: Option<&str>,
        changed: &mut Vec<ScheduleRun>,
    ) -> Result<(), StoreError> {
        if self
            .store
            .record(s.id, due, outcome, batch, detail, self.clock.now_ms())
            .await?
        {
            if let Some(run) = self.store.run(s.id, due).await? {
                changed.push(run);
            }
        }
        Ok(())
    }
}
