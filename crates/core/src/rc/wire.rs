//! rclone's request and reply bodies, as rclone spells them.

use serde::{Deserialize, Serialize};

/// rclone's error body.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub input: serde_json::Value,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub path: String,
}

/// An empty reply or request (`{}`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Empty {}

/// `operations/list` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListItem {
    pub path: String,
    pub name: String,
    pub size: i64,
    #[serde(default)]
    pub mime_type: Option<String>,
    pub mod_time: String,
    pub is_dir: bool,
}

impl From<ListItem> for rcmd_types::FileEntry {
    fn from(i: ListItem) -> Self {
        rcmd_types::FileEntry {
            name: i.name,
            path: i.path,
            size: i.size,
            mod_time: i.mod_time,
            is_dir: i.is_dir,
            mime_type: i.mime_type,
        }
    }
}

/// `operations/list` reply.
#[derive(Debug, Deserialize)]
pub struct ListReply {
    pub list: Vec<ListItem>,
}

/// `config/listremotes` reply (`remotes` is absent when there are none).
#[derive(Debug, Deserialize)]
pub struct RemotesReply {
    #[serde(default)]
    pub remotes: Vec<String>,
}

/// `core/version` reply (fields used by RCMD).
#[derive(Debug, Clone, Deserialize)]
pub struct VersionReply {
    pub version: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(rename = "goVersion", default)]
    pub go_version: String,
}

/// Reply of any call made with `_async: true`.
#[derive(Debug, Deserialize)]
pub struct JobStarted {
    pub jobid: i64,
    /// Identifies the rclone process; job ids restart at 1 in a new process.
    #[serde(rename = "executeId")]
    pub execute_id: String,
}

/// `job/status` reply.
#[derive(Debug, Clone, Deserialize)]
pub struct JobStatus {
    pub id: i64,
    #[serde(rename = "executeId", default)]
    pub execute_id: String,
    pub finished: bool,
    pub success: bool,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub output: serde_json::Value,
}

/// `core/stats` for one group (the fields RCMD uses).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupStats {
    pub bytes: u64,
    pub total_bytes: u64,
    pub checks: u64,
    pub transfers: u64,
    pub total_transfers: u64,
    pub deletes: u64,
    pub renames: u64,
    pub errors: u64,
    pub fatal_error: bool,
    pub retry_error: bool,
    pub last_error: String,
    pub speed: f64,
    pub eta: Option<f64>,
    /// Directory entries listed so far (listing a big tree is progress too).
    pub listed: u64,
    pub server_side_copies: u64,
    pub server_side_moves: u64,
    /// Transfers in flight.
    pub transferring: Vec<Transferring>,
}

/// One transfer in flight (`core/stats` `transferring`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Transferring {
    pub name: String,
    pub size: i64,
    /// Bytes moved so far (a server-side copy or move counts its bytes only when it ends).
    pub bytes: Option<u64>,
    /// `remote:root` of each side (`fs.ConfigString`).
    #[serde(rename = "srcFs")]
    pub src_fs: Option<String>,
    #[serde(rename = "dstFs")]
    pub dst_fs: Option<String>,
}

impl Transferring {
    /// Whether this looks like server-side work: both sides on the same remote (rclone then
    /// copies or moves on the server when the backend can) and no bytes counted yet.
    pub fn server_side(&self) -> bool {
        let remote = |fs: &Option<String>| fs.as_deref().and_then(|f| f.split_once(':')).map(|(r, _)| r.to_owned());
        self.bytes.unwrap_or(0) == 0 && remote(&self.src_fs).is_some() && remote(&self.src_fs) == remote(&self.dst_fs)
    }
}

impl GroupStats {
    /// A fingerprint that changes whenever the job does anything rclone reports: bytes,
    /// checks, transfers, deletes, renames, server-side copies and moves, listed entries, and
    /// the bytes of each transfer in flight. The stall watchdog watches it.
    pub fn progress(&self) -> u64 {
        let in_flight: u64 = self.transferring.iter().map(|t| t.bytes.unwrap_or(0)).sum();
        self.bytes
            + self.checks
            + self.transfers
            + self.deletes
            + self.renames
            + self.server_side_copies
            + self.server_side_moves
            + self.listed
            + in_flight
    }

    /// Files the job finished with: copied, checked identical, deleted, renamed, or copied or
    /// moved server-side (errors not counted).
    pub fn finished(&self) -> u64 {
        self.transfers + self.checks + self.deletes + self.renames + self.server_side_copies + self.server_side_moves
    }

    /// Whether a server-side copy or move is in flight: it reports nothing until it ends, so
    /// silence is not a stall.
    pub fn server_side_in_flight(&self) -> bool {
        self.transferring.iter().any(Transferring::server_side)
    }
}

/// One entry of `core/transferred`: a finished transfer, check, delete or rename of a group
/// (rclone keeps the last 100 per group).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Transferred {
    pub name: String,
    pub size: i64,
    pub bytes: u64,
    pub checked: bool,
    /// `transferring`, `deleting`, `checking`, `listing file - Path1`, ...
    pub what: String,
    pub error: String,
    /// Present on transfers (absent on checks and deletes).
    pub src_fs: String,
    pub dst_fs: String,
}
