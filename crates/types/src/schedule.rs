//! Scheduled batches and their runs.

use serde::{Deserialize, Serialize};

use crate::BatchKind;

/// What a schedule does when its time comes while the batch of its previous run is still
/// unfinished (running, queued or paused): never two runs at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    /// This run is skipped (and reported as skipped).
    #[default]
    Skip,
    /// This run waits until the previous batch is finished, then starts (one run waits at most).
    Wait,
}

/// A scheduled batch as the user describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub name: String,
    /// Five-field cron expression in local time, e.g. `0 2 * * *` (every night at 02:00).
    pub cron: String,
    pub kind: BatchKind,
    pub src: String,
    pub dst: Option<String>,
    #[serde(default)]
    pub overlap: Overlap,
    /// After the computer was off or asleep at run time: run the latest missed run once, late
    /// (older missed runs are reported as missed either way).
    #[serde(default = "yes")]
    pub catch_up: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// What the runs do with files that exist at the destination (default: a newer one is
    /// never replaced).
    #[serde(default)]
    pub on_conflict: crate::ConflictPolicy,
    /// A scheduled sync's filter, delete guard and backups (`None`: no filter, the default
    /// guard, dated backups).
    #[serde(default)]
    pub sync: Option<ScheduledSync>,
    /// A schedule of kind bisync runs this pair (its `src`/`dst` are the pair's sides, for
    /// display).
    #[serde(default)]
    pub pair: Option<i64>,
    /// Watch mode: the schedule also runs when its local folder changes (the cron stays
    /// as the periodic full run: events can be missed).
    #[serde(default)]
    pub watch: Option<WatchTrigger>,
}

/// How a watched schedule reacts to changes in its local folder: a run starts once the
/// folder has been quiet for `quiet_secs` after a change (at the latest
/// [`WatchTrigger::MAX_DELAY_FACTOR`] times that after the first change of a burst that
/// never pauses). A change while a run is going queues one more run (one waits at most).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WatchTrigger {
    pub quiet_secs: u32,
}

impl WatchTrigger {
    pub const MAX_DELAY_FACTOR: u32 = 12;
}

impl Default for WatchTrigger {
    fn default() -> Self {
        WatchTrigger { quiet_secs: 5 }
    }
}

/// Where the watch of one schedule stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchStatus {
    pub schedule_id: i64,
    pub name: String,
    /// The local folders watched.
    pub folders: Vec<String>,
    /// `None`: watching. Else why not (no local folder, the system's watch limit, ...);
    /// the schedule's periodic runs go on.
    pub problem: Option<String>,
    /// Runs started by changes since the watch began.
    pub triggered: u64,
}

/// Event: the watches changed (payload: every [`WatchStatus`]).
pub const EVENT_WATCH: &str = "watch-status";

/// How a scheduled sync runs: a run the delete guard refuses stops (recorded as failed,
/// notified) instead of deleting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduledSync {
    pub filter: crate::FilterSpec,
    pub guard: crate::DeleteGuard,
    pub backup: crate::BackupPlace,
}

fn yes() -> bool {
    true
}

/// A stored schedule with its next time and its latest run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInfo {
    pub id: i64,
    #[serde(flatten)]
    pub spec: ScheduleSpec,
    /// Unix ms of the next run (none when disabled).
    pub next_ms: Option<i64>,
    pub last: Option<ScheduleRun>,
}

/// What became of one due time of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Its batch was started on time.
    Started,
    /// Its batch was started after the computer woke or RCMD started (catch-up).
    StartedLate,
    /// Nothing ran: RCMD was not running or the computer was off or asleep.
    Missed,
    /// Nothing ran: the previous run was unfinished (overlap rule "skip").
    Skipped,
    /// Waiting for the previous run to finish (overlap rule "wait").
    Waiting,
    /// The batch could not be created (the error is in `detail`).
    Failed,
}

/// One due time of a schedule and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRun {
    pub schedule_id: i64,
    pub schedule_name: String,
    /// Unix ms of the due time.
    pub due_ms: i64,
    pub outcome: RunOutcome,
    pub batch_id: Option<i64>,
    pub detail: Option<String>,
    /// Unix ms when this was recorded.
    pub at_ms: i64,
}

/// Event: a schedule run was recorded or changed (payload [`ScheduleRun`]).
pub const EVENT_SCHEDULE_RUN: &str = "schedule-run";
