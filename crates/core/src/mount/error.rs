//! Why a mount or serve could not be set up, started or stopped.

/// Failures of [`super::Mounts`]. Messages name the mount and say what to do; no secrets.
#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("{0}")]
    Invalid(String),
    #[error("there is no mount or serve named {0:?}")]
    Unknown(String),
    #[error("a mount or serve named {0:?} already exists")]
    Exists(String),
    #[error("{name} is running; take it down first")]
    Running { name: String },
    /// Another RCMD process (the app, `rcmd-cli mount up`) runs it.
    #[error("{name} is already running in another RCMD process (pid {pid}); take it down there, or with: rcmd-cli mount down {name}")]
    Elsewhere { name: String, pid: u32 },
    /// FUSE (or its equivalent) is missing: the text says what to install.
    #[error("{0}")]
    NoFuse(String),
    /// Uploads are still pending: unmounting now would leave them in the cache.
    #[error("{name}: {count} upload(s) still pending ({files}); wait for them, or unmount anyway (rclone uploads them the next time this remote is mounted)")]
    Pending { name: String, count: u64, files: String },
    #[error("{name}: {message}")]
    Failed { name: String, message: String },
    #[error(transparent)]
    Store(#[from] crate::batch::StoreError),
    #[error("cannot store the serve's password: {0}")]
    Secret(String),
}
