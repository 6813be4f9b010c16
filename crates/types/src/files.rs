//! Folder listings, transfers, properties and the app's first snapshot.

use serde::{Deserialize, Serialize};

use crate::{ConnectionView, SidecarState};

/// One entry of a directory listing (`operations/list`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    /// Path relative to the remote's root.
    pub path: String,
    /// Size in bytes; -1 when the backend does not know it.
    pub size: i64,
    /// RFC 3339 modification time as rclone reports it.
    pub mod_time: String,
    pub is_dir: bool,
    /// Left out of the JSON when unknown (listings never ask for it: 18 bytes an entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// A directory listing and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirListing {
    pub entries: Vec<FileEntry>,
    /// Age in ms of a cached listing served while the remote's breaker is open.
    pub stale_ms: Option<u64>,
    /// The fallback remote that answered while the remote's breaker is open.
    pub fallback: Option<String>,
}

/// The first rows of a folder, in the order and with the filter the pane asked for
/// ([`crate::listing::visible`]), sent before the whole listing: a big folder's first screen
/// does not wait for all of it to cross to the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirPage {
    pub entries: Vec<FileEntry>,
    /// How many entries the folder has (shown or not).
    pub total: usize,
    /// Where the whole listing waits to be taken (once).
    pub rest: u64,
}

/// A folder opened in a pane: all of it, or (a big one) its first rows and where the rest is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DirOpened {
    Whole(DirListing),
    First(DirPage),
}

/// Space usage of a remote (`operations/about`); each field is absent when the backend can't tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteUsage {
    pub total: Option<i64>,
    pub used: Option<i64>,
    pub free: Option<i64>,
    pub trashed: Option<i64>,
    pub other: Option<i64>,
    pub objects: Option<i64>,
}

/// One file being transferred right now (`core/stats` `transferring`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferNow {
    pub name: String,
    /// Size in bytes; -1 when unknown.
    pub size: i64,
    pub bytes: u64,
    /// 0..=100
    pub percentage: u8,
    /// Bytes per second (rclone's moving average).
    pub speed: f64,
    pub eta_s: Option<u64>,
    /// `remote:root` of each side, when rclone reports it.
    pub src_fs: Option<String>,
    pub dst_fs: Option<String>,
}

/// An item a batch finished (done or failed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferDone {
    pub name: String,
    pub size: i64,
    /// Empty when it succeeded.
    pub error: String,
    /// Unix ms.
    pub completed_at_ms: i64,
}

/// The transfers view: everything in flight, the last finished, the total speed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferStats {
    /// Bytes per second over all transfers.
    pub speed: f64,
    pub bytes: u64,
    pub transfers: u64,
    pub errors: u64,
    pub transferring: Vec<TransferNow>,
    /// Newest first.
    pub done: Vec<TransferDone>,
}

/// `core/bwlimit`: the live limit; `rate` is rclone's text ("off", "10M", "1M:512k").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BwLimit {
    pub rate: String,
    /// Bytes per second for download/upload; -1 when off.
    pub bytes_per_second: i64,
}

/// What "Properties" shows for one file or folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Properties {
    pub path: String,
    pub is_dir: bool,
    /// Total size (a folder: every file below it).
    pub bytes: i64,
    /// Files below a folder; 1 for a file.
    pub count: i64,
    pub mod_time: Option<String>,
    pub mime_type: Option<String>,
    /// (hash name, hex) for each hash the backend supports (files only).
    pub hashes: Vec<(String, String)>,
    /// A public link, when the backend makes one; else why not.
    pub public_link: Option<String>,
    pub public_link_error: Option<String>,
}

/// What the page asks for when it loads (Tauri does not replay events to late listeners).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSnapshot {
    pub app_version: String,
    pub sidecar: SidecarState,
    /// The rclone config file in use, when one was chosen explicitly.
    pub rclone_config: Option<String>,
    /// Batches interrupted by a crash or exit resume when the app starts.
    pub auto_resume_batches: bool,
    /// The engine could not start (database locked or corrupt, disk full): shown instead of
    /// the file browser.
    #[serde(default)]
    pub startup_error: Option<String>,
    /// The settings file was unusable and kept aside; the app runs with defaults.
    #[serde(default)]
    pub settings_problem: Option<String>,
    /// What the app talks to (`None` only when the engine did not start).
    #[serde(default)]
    pub connection: Option<ConnectionView>,
    /// This computer's home folder: where the local disk opens.
    #[serde(default)]
    pub home_dir: Option<String>,
}

impl AppSnapshot {
    /// The snapshot of an app whose engine did not start, for `problem`.
    pub fn not_started(app_version: String, problem: String) -> Self {
        AppSnapshot {
            app_version,
            sidecar: SidecarState::Stopped,
            rclone_config: None,
            auto_resume_batches: false,
            startup_error: Some(problem),
            settings_problem: None,
            connection: None,
            home_dir: None,
        }
    }
}

/// What a quick view (F3) shows of a file: text (at most a bounded start of it), an image
/// (its bytes are asked for separately), a PDF (opened in the system's viewer), or nothing
/// for other binary files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickView {
    pub name: String,
    pub size: i64,
    pub mod_time: String,
    /// `text`, `image`, `pdf` or `binary`.
    pub kind: String,
    /// The image's MIME type.
    pub mime: Option<String>,
    pub text: Option<String>,
    /// The text is the start of a longer file.
    pub cut: bool,
    /// Shown from the copy an earlier view fetched (nothing was transferred).
    pub reused: bool,
}

/// The Tauri event carrying each [`EditEvent`].
pub const EVENT_EDIT: &str = "edit";

/// What an edit session (F4) reports: the file opened in the system's editor, each save
/// uploaded, a remote copy that changed meanwhile (the upload waits for an answer), a failure,
/// the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EditEvent {
    Opened {
        id: u64,
        spec: String,
    },
    Uploaded {
        id: u64,
        spec: String,
        size: i64,
    },
    /// The remote file is not the one that was opened: upload anyway, or keep it.
    RemoteChanged {
        id: u64,
        spec: String,
    },
    /// This save was not uploaded (the remote copy was kept); the edit stays on this computer.
    Kept {
        id: u64,
        spec: String,
    },
    Failed {
        id: u64,
        spec: String,
        message: String,
    },
    Stopped {
        id: u64,
        spec: String,
    },
}

impl EditEvent {
    pub fn id(&self) -> u64 {
        match self {
            EditEvent::Opened { id, .. }
            | EditEvent::Uploaded { id, .. }
            | EditEvent::RemoteChanged { id, .. }
            | EditEvent::Kept { id, .. }
            | EditEvent::Failed { id, .. }
            | EditEvent::Stopped { id, .. } => *id,
        }
    }
}
