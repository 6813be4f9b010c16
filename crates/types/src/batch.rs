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
    /// Items of a compare run, each with its own direction (copy either way, delete on
    /// either side); replaced and deleted files go to the backup place.
    Sync,
    /// One run of a two-way sync pair (rclone bisync): no items, a [`crate::BisyncReport`].
    Bisync,
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

    /// These counts moved on by a live progress frame of the same batch: items it reports
    /// done or failed beyond these leave the running, then the pending ones (the total stays);
    /// nothing goes back.
    pub fn with_progress(&self, p: &BatchProgress) -> StateCounts {
        let mut c = self.clone();
        let moved = |want: u64, have: &mut u64, running: &mut u64, pending: &mut u64| {
            let more = want.saturating_sub(*have).min(*running + *pending);
            let from_running = more.min(*running);
            *running -= from_running;
            *pending -= more - from_running;
            *have += more;
        };
        let (mut running, mut pending) = (c.running, c.pending);
        moved(p.items_done, &mut c.done, &mut running, &mut pending);
        moved(p.items_failed, &mut c.failed, &mut running, &mut pending);
        (c.running, c.pending) = (running, pending);
        c.bytes_done = c.bytes_done.max(p.bytes_done);
        c
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
    /// What a copy or move does with existing destination files (`None`: made before there
    /// was a choice, or a delete).
    #[serde(default)]
    pub on_conflict: Option<ConflictPolicy>,
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
    /// The first skipped items (at most [`BatchReport::SKIPPED_SHOWN`]) with the reason:
    /// existing destination files kept by the conflict policy, sources that vanished.
    #[serde(default)]
    pub skipped: Vec<SkippedItem>,
    /// The first items copied under another name because a file of theirs was at the
    /// destination (at most [`BatchReport::SKIPPED_SHOWN`]).
    #[serde(default)]
    pub renamed: Vec<RenamedItem>,
    /// A bisync run's report (`None` for other batches, and while it runs).
    #[serde(default)]
    pub bisync: Option<crate::BisyncReport>,
}

/// An item copied (or moved) under another name: `path` at the source, `to` at the
/// destination (both relative to the batch's roots).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamedItem {
    pub path: String,
    pub to: String,
}

impl BatchReport {
    pub const SKIPPED_SHOWN: usize = 1000;
}

/// One skipped item of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedItem {
    pub path: String,
    pub reason: String,
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

/// Reason of an item kept because the destination file is newer (see [`ConflictPolicy`]).
pub const KEPT_NEWER: &str = "kept: the file at the destination is newer";
/// Reason of an item kept because the user chose to skip existing files.
pub const KEPT_EXISTING: &str = "kept: the file exists at the destination (skip chosen)";

/// What a copy or move does with a file that already exists at the destination. Chosen once
/// for the batch ("for all") and, from the commander's conflict dialog, per file; recorded in
/// the batch and shown in its report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// Replace the destination file only when it is older than the source (or has the same
    /// time and another size); a newer destination file is kept. rclone's `--update`.
    #[default]
    Update,
    /// Replace it whatever its time, including a newer one.
    Overwrite,
    /// Keep every existing destination file.
    Skip,
    /// Keep the existing destination file and copy the source file beside it under a free
    /// name (`name (2).ext`, `name (3).ext`, ...), recorded in the report. As a batch's policy,
    /// a file that appears at the destination after planning is kept (never replaced).
    Rename,
}

impl ConflictPolicy {
    pub const ALL: [ConflictPolicy; 4] = [
        ConflictPolicy::Update,
        ConflictPolicy::Overwrite,
        ConflictPolicy::Skip,
        ConflictPolicy::Rename,
    ];

    /// `update` / `overwrite` / `skip`: how the command line and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::Update => "update",
            ConflictPolicy::Overwrite => "overwrite",
            ConflictPolicy::Skip => "skip",
            ConflictPolicy::Rename => "rename",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ConflictPolicy::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// A file of a planned copy or move that already exists at the destination, with both sides
/// as listed (sizes in bytes, times RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Relative to the batch's source (and destination) root.
    pub path: String,
    pub src_size: i64,
    pub src_time: String,
    pub dst_size: i64,
    pub dst_time: String,
    /// How the two compare, at the destination's time precision.
    pub newer: Newer,
}

/// Which side of a [`Conflict`] is newer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Newer {
    Source,
    Destination,
    /// Same time; `same_size` tells whether they are likely the same file.
    Neither {
        same_size: bool,
    },
}

/// The conflicts a planned copy or move would meet (the commander asks about them before it
/// starts the batch).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictPlan {
    /// Files the batch would copy.
    pub items: u64,
    /// The first conflicts, sorted by path (at most [`ConflictPlan::SHOWN`]).
    pub conflicts: Vec<Conflict>,
    /// All conflicts, also beyond the ones listed.
    pub total: u64,
}

impl ConflictPlan {
    pub const SHOWN: usize = 500;
}

/// A batch id as people read and type it. A server instance numbers its batches above
/// `store << 32` (ids stay unique when several instances share one database); shown raw
/// that is `#4294967297`, so such an id reads as `store-n` (`1-1`). Small ids stay as they are.
pub fn batch_id_text(id: i64) -> String {
    if id > u32::MAX as i64 {
        format!("{}-{}", id >> 32, id & 0xffff_ffff)
    } else {
        id.to_string()
    }
}

/// Reads an id in either form of [`batch_id_text`] (`7`, `1-1`, or the raw `4294967297`).
pub fn parse_batch_id(s: &str) -> Result<i64, String> {
    let s = s.trim().trim_start_matches('#');
    let bad = || format!("{s:?} is not a batch id (a number such as 7, or a server's 1-7)");
    match s.split_once('-') {
        Some((store, n)) => {
            let store: i64 = store.parse().map_err(|_| bad())?;
            let n: i64 = n.parse().map_err(|_| bad())?;
            if !(1..=i32::MAX as i64).contains(&store) || !(0..=u32::MAX as i64).contains(&n) {
                return Err(bad());
            }
            Ok((store << 32) + n)
        }
        None => s.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(bad),
    }
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn progress_moves_counts_on_and_never_back() {
        let c = StateCounts {
            pending: 15,
            running: 4,
            done: 1,
            bytes_done: 10,
            bytes_total: 200,
            ..Default::default()
        };
        let p = |done, failed, bytes| BatchProgress {
            id: 1,
            items_done: done,
            items_failed: failed,
            items_total: 20,
            bytes_done: bytes,
            bytes_total: 200,
            ..Default::default()
        };
        let moved = c.with_progress(&p(7, 1, 90));
        assert_eq!((moved.done, moved.failed, moved.running, moved.pending), (7, 1, 0, 12));
        assert_eq!((moved.total(), moved.bytes_done), (20, 90));
        assert_eq!(moved.with_progress(&p(3, 0, 5)), moved, "an older frame");
        let all = c.with_progress(&p(40, 0, 200));
        assert_eq!((all.done, all.running, all.pending, all.total()), (20, 0, 0, 20));
    }

    #[test]
    fn server_batch_ids_read_as_store_and_number() {
        assert_eq!(batch_id_text(7), "7");
        assert_eq!(batch_id_text((1 << 32) + 1), "1-1");
        assert_eq!(batch_id_text((3 << 32) + 250), "3-250");
        for id in [1, 7, u32::MAX as i64, (1 << 32) + 1, (3 << 32) + 250] {
            assert_eq!(parse_batch_id(&batch_id_text(id)), Ok(id));
        }
        assert_eq!(parse_batch_id("4294967297"), Ok((1 << 32) + 1), "the raw form too");
        assert_eq!(parse_batch_id("#12"), Ok(12));
        for bad in ["", "-1", "0", "a", "1-", "-5", "1-x", "0-3", "--help"] {
            assert!(parse_batch_id(bad).is_err(), "{bad:?}");
        }
    }
}
