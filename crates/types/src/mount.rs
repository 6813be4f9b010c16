//! Mounts and serves: what the user set up, and how each one is doing.

use serde::{Deserialize, Serialize};

/// A mount's or serve's [`MountStatus`] changed.
pub const EVENT_MOUNT_STATE: &str = "mount-state";

/// What the Mounts tab needs to know about this computer before the first mount.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MountSupport {
    /// The mount types rclone offers here, the default first.
    pub types: Vec<String>,
    /// Why mounting cannot work here, with what to install (`None`: it can).
    pub missing: Option<String>,
    /// A suggested mount point for a new mount (a folder in the home folder; `*` on Windows).
    pub suggested_root: String,
}

/// Uploads not done yet in a mount's cache, when taking it down was refused because of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingUploads {
    pub name: String,
    pub count: u64,
    /// The first file names.
    pub files: Vec<String>,
}

/// rclone's VFS cache modes (`--vfs-cache-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheMode {
    Off,
    Minimal,
    /// Files opened for writing are written to the cache first, then uploaded: what most
    /// programs need (and the only mode where an upload can wait for a remote that is down).
    #[default]
    Writes,
    Full,
}

impl CacheMode {
    pub const ALL: [CacheMode; 4] = [CacheMode::Off, CacheMode::Minimal, CacheMode::Writes, CacheMode::Full];

    /// rclone's number for the mode in `vfsOpt.CacheMode`.
    pub fn rclone_value(self) -> u8 {
        match self {
            CacheMode::Off => 0,
            CacheMode::Minimal => 1,
            CacheMode::Writes => 2,
            CacheMode::Full => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CacheMode::Off => "off",
            CacheMode::Minimal => "minimal",
            CacheMode::Writes => "writes",
            CacheMode::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<CacheMode> {
        CacheMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A mount the user set up: `fs` (a remote or a folder in it) shown at `mount_point`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSpec {
    /// Unique, chosen by the user (`photos`).
    pub name: String,
    /// `remote:path` (or a local folder).
    pub fs: String,
    /// A folder on Linux/macOS; a drive letter (`X:`) or `*` on Windows.
    pub mount_point: String,
    /// `mount`, `cmount`, `mount2` or `nfsmount`; empty: rclone's default for the OS.
    #[serde(default)]
    pub mount_type: String,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub cache_mode: CacheMode,
    /// `--vfs-cache-max-size` (`10G`); empty: no limit.
    #[serde(default)]
    pub cache_max_size: String,
    /// Mounted when the app (or `rcmd-cli mount up --auto`) starts.
    #[serde(default)]
    pub auto_mount: bool,
}

/// Where a supervised mount or serve is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MountState {
    /// Not mounted, and nobody asked for it.
    Stopped,
    Mounting,
    Mounted,
    /// Mounted, but its remote does not answer (its breaker is open): reads and uploads wait.
    Degraded,
    /// Found dead or stale: being unmounted and mounted again.
    Recovering,
    /// Could not be mounted (the message says why); tried again later unless it cannot work
    /// (FUSE missing).
    Failed,
    /// Being unmounted (waiting for uploads first).
    Unmounting,
}

/// One mount's or serve's state as the window, the tray and notifications see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MountStatus {
    pub name: String,
    pub state: MountState,
    /// Why it is degraded, recovering or failed; no secrets in it.
    #[serde(default)]
    pub message: Option<String>,
    /// Uploads not yet done (queued or in progress) in the mount's VFS cache.
    #[serde(default)]
    pub pending_uploads: u64,
    /// Bytes in the mount's VFS cache on disk.
    #[serde(default)]
    pub cache_bytes: u64,
    /// Times it was found dead and mounted again since it was started.
    #[serde(default)]
    pub recoveries: u32,
    /// Unix ms of the last change of state.
    #[serde(default)]
    pub since_ms: u64,
}

/// A mount as listed: what was set up, and how it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MountView {
    pub spec: MountSpec,
    pub status: MountStatus,
}

/// What happens to uploads still pending when a mount is taken down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingChoice {
    /// Refuse while uploads are pending (the default: the caller shows them and asks).
    #[default]
    Refuse,
    /// Wait until they are done (or the deadline passes), then unmount.
    Wait,
    /// Unmount anyway: rclone keeps the files in its cache and uploads them the next time
    /// this remote is mounted.
    Leave,
}

/// Protocols `serve/start` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServeProtocol {
    Webdav,
    Http,
    Sftp,
    Ftp,
    Dlna,
}

impl ServeProtocol {
    pub const ALL: [ServeProtocol; 5] = [
        ServeProtocol::Webdav,
        ServeProtocol::Http,
        ServeProtocol::Sftp,
        ServeProtocol::Ftp,
        ServeProtocol::Dlna,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServeProtocol::Webdav => "webdav",
            ServeProtocol::Http => "http",
            ServeProtocol::Sftp => "sftp",
            ServeProtocol::Ftp => "ftp",
            ServeProtocol::Dlna => "dlna",
        }
    }

    pub fn parse(s: &str) -> Option<ServeProtocol> {
        ServeProtocol::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// DLNA has no users: it can only run without authentication.
    pub fn has_auth(self) -> bool {
        !matches!(self, ServeProtocol::Dlna)
    }
}

/// A serve the user set up: `fs` offered over `protocol` at `addr`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeSpec {
    pub name: String,
    pub fs: String,
    pub protocol: ServeProtocol,
    /// `host:port`; loopback by default.
    pub addr: String,
    /// The generated user; empty when the user chose no authentication (loopback only).
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub auto_start: bool,
}

/// A serve as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServeView {
    pub spec: ServeSpec,
    pub status: MountStatus,
}

/// What creating a serve returns once: the generated password (kept in the keyring, never
/// shown again).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServeCreated {
    pub spec: ServeSpec,
    pub password: Option<String>,
}
