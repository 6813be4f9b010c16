//! Batches: kinds, states, counts, reports and progress.

use serde::{Deserialize, Serialize};

use crate::{FailureClass, FailureReason};

/// Name of the Tauri event that carries a [`BatchInfo`] after a batch changed status.
pub const EVENT_BATCH_STATE: &str = "batch-state";

/// What a batch does with its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Copy,
    Move,
    Delete,
}

/// Lifecycle of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Queued,
    Running,
    Paused,
    Completed,
    CompletedWithErrors,
    Failed,
    Cancelled,
}

impl BatchStatus {
    /// The batch can still make progress (by running or resuming it).
    pub fn is_resumable(self) -> bool {
        matches!(self, BatchStatus::Queued | BatchStatus::Running | BatchStatus::Paused)
    }
}

/// Lifecycle of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

/// Counts and bytes per item state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub pending: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
    pub skipped: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl StateCounts {
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.done + self.failed + self.skipped
    }
}

/// A batch as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub id: i64,
    pub kind: BatchKind,
    pub src: String,
    pub dst: Option<String>,
    pub status: BatchStatus,
    pub pause_reason: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub counts: StateCounts,
    /// The process running the batch right now, when its lease is live ("host pid 1234");
    /// a `running` batch without one was interrupted.
    #[serde(default)]
    pub runner: Option<String>,
}

/// One failed item of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedItem {
    pub path: String,
    pub attempts: u32,
    pub class: Option<FailureClass>,
    pub reason: Option<FailureReason>,
    pub retryable: bool,
    pub error: String,
    pub suggestion_en: String,
    pub suggestion_ko: String,
}

/// The partial-success report of a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    pub batch: BatchInfo,
    pub failed: Vec<FailedItem>,
    pub resumable: bool,
    /// Items handed to rclone more than once (in flight at a crash, or retried).
    pub retried: u64,
}

/// Live progress of a running batch (sent often, throttled).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchProgress {
    pub id: i64,
    pub items_done: u64,
    pub items_failed: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Bytes per second over the current chunk.
    pub speed: f64,
    pub eta_s: Option<f64>,
}
