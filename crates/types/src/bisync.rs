//! Two-way sync pairs (rclone's bisync): the pair as the user sets it up, its state, the
//! preview of a run and the report of one.

use serde::{Deserialize, Serialize};

use crate::FilterSpec;

/// The check-access marker RCMD writes at the root of both sides when a pair is set up:
/// a run where it is missing on a side (unmounted, emptied, wrong folder) stops before
/// anything is changed.
pub const CHECK_FILE: &str = ".rcmd-bisync-check";

/// What happens to a file changed on both sides since the last run. Both rules keep both
/// versions: the loser is renamed (`name.conflict1` / `name.conflict2`), never dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictRule {
    /// Both versions are kept on both sides, each with a numbered suffix.
    #[default]
    KeepBoth,
    /// The newer version keeps the name; the older one is kept with a numbered suffix.
    NewerWins,
}

/// Which side wins for a file that differs between the sides during a resync (rclone's
/// `--resync-mode`). A resync never deletes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncMode {
    /// The newer file (by modification time) wins: the safe default.
    #[default]
    Newer,
    Older,
    Larger,
    Smaller,
    Path1,
    Path2,
}

impl ResyncMode {
    pub const ALL: [ResyncMode; 6] = [
        ResyncMode::Newer,
        ResyncMode::Path1,
        ResyncMode::Path2,
        ResyncMode::Older,
        ResyncMode::Larger,
        ResyncMode::Smaller,
    ];

    /// rclone's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResyncMode::Newer => "newer",
            ResyncMode::Older => "older",
            ResyncMode::Larger => "larger",
            ResyncMode::Smaller => "smaller",
            ResyncMode::Path1 => "path1",
            ResyncMode::Path2 => "path2",
        }
    }

    pub fn parse(s: &str) -> Option<ResyncMode> {
        ResyncMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The delete guard of a pair: a run that would delete more than this on either side stops
/// before anything is changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BisyncGuard {
    /// At most this share of a side's files, in percent (rclone's `--max-delete`).
    pub max_percent: u32,
    /// At most this many files per run (`None`: no count limit). Checked by a dry run
    /// before the real one.
    pub max_files: Option<u64>,
}

impl Default for BisyncGuard {
    fn default() -> Self {
        BisyncGuard {
            max_percent: 50,
            max_files: None,
        }
    }
}

/// A bisync pair as the user sets it up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSpec {
    pub name: String,
    /// `remote:path` (or a local folder) of each side.
    pub path1: String,
    pub path2: String,
    #[serde(default)]
    pub filter: FilterSpec,
    #[serde(default)]
    pub guard: BisyncGuard,
    #[serde(default)]
    pub conflicts: ConflictRule,
    /// Replaced and deleted files go to a dated backup folder next to each side.
    #[serde(default = "yes")]
    pub backups: bool,
    /// Runs stop when the marker file [`CHECK_FILE`] is missing on a side.
    #[serde(default = "yes")]
    pub check_access: bool,
    /// A run's lock on the pair expires after this long without renewal (a run that died).
    #[serde(default = "lock_minutes")]
    pub lock_minutes: u32,
}

fn yes() -> bool {
    true
}

fn lock_minutes() -> u32 {
    5
}

impl PairSpec {
    /// A pair of `path1` and `path2` with every guard rail at its default.
    pub fn new(name: &str, path1: &str, path2: &str) -> Self {
        PairSpec {
            name: name.to_owned(),
            path1: path1.to_owned(),
            path2: path2.to_owned(),
            filter: FilterSpec::default(),
            guard: BisyncGuard::default(),
            conflicts: ConflictRule::default(),
            backups: true,
            check_access: true,
            lock_minutes: lock_minutes(),
        }
    }
}

/// Where a pair stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairState {
    /// Never synchronised: the first run is a guided resync.
    #[default]
    New,
    /// Runs go on from the last one.
    Ready,
    /// bisync lost track of the last run (its listings are gone or distrusted): only a
    /// previewed resync goes on. Never resynchronised automatically.
    LockedOut,
}

/// A stored pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairInfo {
    pub id: i64,
    #[serde(flatten)]
    pub spec: PairSpec,
    pub state: PairState,
    /// Why the pair is locked out, or what the last run said.
    pub detail: Option<String>,
    /// The batch of the latest run (resync or run).
    pub last_batch: Option<i64>,
    pub updated_ms: i64,
}

/// What one run (or resync) would do, from rclone's own dry run: nothing was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BisyncPreview {
    /// The resync mode previewed (`None`: a normal run).
    pub resync: Option<ResyncMode>,
    /// Paths (relative to the side) each side would receive.
    pub to_path1: Vec<String>,
    pub to_path2: Vec<String>,
    /// Paths that would be deleted on each side (kept in its backup folder when backups are on).
    pub delete_path1: Vec<String>,
    pub delete_path2: Vec<String>,
    /// Paths changed on both sides (both versions are kept).
    pub conflicts: Vec<String>,
}

impl BisyncPreview {
    pub fn is_empty(&self) -> bool {
        self.to_path1.is_empty()
            && self.to_path2.is_empty()
            && self.delete_path1.is_empty()
            && self.delete_path2.is_empty()
            && self.conflicts.is_empty()
    }
}

/// A file changed on both sides: the two versions, as they are named on path1 after the run
/// (the same names exist on path2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BisyncConflict {
    pub path: String,
    pub versions: Vec<String>,
}

/// What one run did (kept per run).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BisyncReport {
    pub pair_id: Option<i64>,
    pub pair_name: String,
    pub resync: Option<ResyncMode>,
    /// Files copied either way (all of them, also when the names below are partial).
    pub copied: u64,
    /// Files copied to each side (counted from the names below).
    pub copied_to_path1: u64,
    pub copied_to_path2: u64,
    /// Files deleted (on either side; in its backup folder when backups are on).
    pub deleted: u64,
    pub bytes: u64,
    pub errors: u64,
    /// The names behind the counts (rclone keeps the last 100 of a run).
    pub files_to_path1: Vec<String>,
    pub files_to_path2: Vec<String>,
    pub deleted_files: Vec<String>,
    pub conflicts: Vec<BisyncConflict>,
    /// The backup folders of this run (`None`: backups off).
    pub backup1: Option<String>,
    pub backup2: Option<String>,
    /// Why the run stopped, when it did, and the class of it.
    pub error: Option<String>,
    pub reason: Option<crate::FailureReason>,
    /// The names above are the last ones only (more happened than rclone kept).
    pub names_partial: bool,
}

/// Event: a pair changed (state, settings, removed) (payload: the pair's id).
pub const EVENT_PAIR: &str = "bisync-pair";
