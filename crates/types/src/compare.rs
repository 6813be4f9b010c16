//! Comparing two folders and making them match: rows, directions, filters and the sync plan.

use serde::{Deserialize, Serialize};

/// How a path stands between the left and the right folder (rclone's `operations/check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareState {
    OnlyLeft,
    OnlyRight,
    /// On both sides with other content (by hash, or by bytes with `download`).
    Differ,
    /// On both sides with the same content.
    Same,
    /// Could not be compared (read error, no common hash).
    Error,
}

impl CompareState {
    pub const ALL: [CompareState; 5] = [
        CompareState::OnlyLeft,
        CompareState::OnlyRight,
        CompareState::Differ,
        CompareState::Same,
        CompareState::Error,
    ];
}

/// What the run does with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Copy left → right (replacing the right file).
    Right,
    /// Copy right → left.
    Left,
    Skip,
    /// Delete the file on the right.
    DeleteRight,
    /// Delete the file on the left.
    DeleteLeft,
}

impl Direction {
    pub const ALL: [Direction; 5] = [
        Direction::Right,
        Direction::Left,
        Direction::Skip,
        Direction::DeleteRight,
        Direction::DeleteLeft,
    ];

    /// How the command line and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Right => "right",
            Direction::Left => "left",
            Direction::Skip => "skip",
            Direction::DeleteRight => "delete_right",
            Direction::DeleteLeft => "delete_left",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Direction::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// Whether the row's direction is possible for its state (nothing to copy from a side
    /// that has no file, nothing to delete where there is none).
    pub fn fits(self, state: CompareState) -> bool {
        use CompareState::*;
        match self {
            Direction::Skip => true,
            Direction::Right | Direction::DeleteLeft => matches!(state, OnlyLeft | Differ | Same | Error),
            Direction::Left | Direction::DeleteRight => matches!(state, OnlyRight | Differ | Same | Error),
        }
    }

    pub fn is_delete(self) -> bool {
        matches!(self, Direction::DeleteLeft | Direction::DeleteRight)
    }
}

/// A compare's purpose, which sets the rows' default directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareMode {
    /// Both ways: what is only on one side goes to the other, a differing file goes from the
    /// newer side; nothing is deleted unless the user says so.
    #[default]
    TwoWay,
    /// Make the right side match the left (one-way sync): copies left → right, deletes what
    /// is only on the right.
    Mirror,
}

/// One side of a row as listed (size in bytes, time RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideEntry {
    pub size: i64,
    pub time: String,
}

/// One compared path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareRow {
    /// Relative to the left root (the right root for a path only on the right).
    pub path: String,
    /// Its bytes at the right when they differ from `path` (Unicode normalisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_path: Option<String>,
    pub state: CompareState,
    pub left: Option<SideEntry>,
    pub right: Option<SideEntry>,
    pub direction: Direction,
}

impl CompareRow {
    /// The path on the right side.
    pub fn right_path(&self) -> &str {
        self.right_path.as_deref().unwrap_or(&self.path)
    }
}

/// Rows and bytes per direction (what a run would do) and rows per state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareCounts {
    pub only_left: u64,
    pub only_right: u64,
    pub differ: u64,
    pub same: u64,
    pub error: u64,
    pub to_right: u64,
    pub to_right_bytes: u64,
    pub to_left: u64,
    pub to_left_bytes: u64,
    pub delete_right: u64,
    pub delete_right_bytes: u64,
    pub delete_left: u64,
    pub delete_left_bytes: u64,
    pub skip: u64,
}

impl CompareCounts {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a CompareRow>) -> Self {
        let mut c = CompareCounts::default();
        for r in rows {
            match r.state {
                CompareState::OnlyLeft => c.only_left += 1,
                CompareState::OnlyRight => c.only_right += 1,
                CompareState::Differ => c.differ += 1,
                CompareState::Same => c.same += 1,
                CompareState::Error => c.error += 1,
            }
            let bytes = |s: &Option<SideEntry>| s.as_ref().map_or(0, |s| s.size.max(0) as u64);
            match r.direction {
                Direction::Right => {
                    c.to_right += 1;
                    c.to_right_bytes += bytes(&r.left);
                }
                Direction::Left => {
                    c.to_left += 1;
                    c.to_left_bytes += bytes(&r.right);
                }
                Direction::DeleteRight => {
                    c.delete_right += 1;
                    c.delete_right_bytes += bytes(&r.right);
                }
                Direction::DeleteLeft => {
                    c.delete_left += 1;
                    c.delete_left_bytes += bytes(&r.left);
                }
                Direction::Skip => c.skip += 1,
            }
        }
        c
    }

    /// Files a run would write or delete.
    pub fn actions(&self) -> u64 {
        self.to_right + self.to_left + self.delete_right + self.delete_left
    }
}

/// Which files an operation covers, set per call through rclone's `_filter` (never globally):
/// the compare, its preview and its run, and copy/move batches apply the same filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilterSpec {
    /// rclone include patterns (`*.jpg`, `/photos/**`); when any is given, only matching
    /// files are covered.
    pub include: Vec<String>,
    /// rclone exclude patterns, applied before the includes.
    pub exclude: Vec<String>,
    /// rclone sizes: `100k`, `10M`, `1G`.
    pub min_size: Option<String>,
    pub max_size: Option<String>,
    /// rclone ages: `30m`, `2d`, `1y`. `min_age`: only files older than this.
    pub min_age: Option<String>,
    pub max_age: Option<String>,
    /// Folders holding a file of this name are left out (`.nosync`).
    pub exclude_if_present: Option<String>,
}

impl FilterSpec {
    pub fn is_empty(&self) -> bool {
        *self == FilterSpec::default()
    }
}

/// A saved filter under a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterPreset {
    pub name: String,
    pub filter: FilterSpec,
}

/// What may be deleted by one sync before it refuses to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteGuard {
    /// At most this many files (`None`: no count limit).
    pub max_files: Option<u64>,
    /// At most this share of the files on the side deleted from, in percent (`None`: none).
    pub max_percent: Option<u32>,
}

impl Default for DeleteGuard {
    fn default() -> Self {
        DeleteGuard {
            max_files: None,
            max_percent: Some(50),
        }
    }
}

/// Where replaced and deleted files go (on the same remote as the side they leave).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "path")]
pub enum BackupPlace {
    /// `<parent>/.rcmd-backup/<date-time>/<folder>`: the default.
    #[default]
    Dated,
    /// This `remote:path` (must be on the same remote as the side it backs up).
    At(String),
    /// Replaced and deleted files are gone for good (the user turned backups off).
    Off,
}

/// What a sync or a compare run would do, before anything is written: shown by the
/// preview, recorded as the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPreview {
    pub left: String,
    pub right: String,
    pub counts: CompareCounts,
    /// Files on the right (left) before the run, for the delete guard's share.
    pub right_files: u64,
    pub left_files: u64,
    /// Where replaced and deleted files of each side go (`None`: nowhere, or nothing there).
    pub backup_right: Option<String>,
    pub backup_left: Option<String>,
    /// Why the guard refuses this run (`None`: it may run).
    pub refused: Option<String>,
    /// The actions, in the order they run (blocking deletes, copies, deletes), at most
    /// [`SyncPreview::SHOWN`].
    pub actions: Vec<PlannedAction>,
}

impl SyncPreview {
    pub const SHOWN: usize = 100_000;
}

/// One file a run writes or deletes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub path: String,
    pub direction: Direction,
    pub size: i64,
}

/// Progress of a running compare.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareProgress {
    /// Files checked so far.
    pub checks: u64,
    /// Directory entries listed so far.
    pub listed: u64,
    /// Bytes read (hashing or downloading).
    pub bytes: u64,
}

/// A page of a compare's rows (the view asks for the rows it shows, never all of them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparePage {
    pub compare: u64,
    pub left: String,
    pub right: String,
    /// Rows shown (their states toggled on), in total.
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<PagedRow>,
    /// Of all rows (whatever is shown).
    pub counts: CompareCounts,
    /// Sides told apart by size alone (no common hash, no byte compare).
    pub by_size_only: bool,
    pub left_files: u64,
    pub right_files: u64,
}

/// A row with its index in the compare (how the view names it back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagedRow {
    pub index: u32,
    pub row: CompareRow,
}

/// A finished compare as it travels (from rproxy's `rproxy/batch/compare` to the app).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareResult {
    pub left: String,
    pub right: String,
    pub mode: CompareMode,
    #[serde(default)]
    pub filter: FilterSpec,
    pub hash: Option<String>,
    pub download: bool,
    pub left_files: u64,
    pub right_files: u64,
    pub rows: Vec<CompareRow>,
}

/// A sync asked of a server: its preview, and the batch when it was started (not for a dry
/// run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncStarted {
    pub batch: Option<crate::BatchInfo>,
    pub preview: SyncPreview,
}
