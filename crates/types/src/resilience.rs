//! Failure classes and reasons, and circuit breakers.

use serde::{Deserialize, Serialize};

/// Name of the Tauri event that carries a [`BreakerSnapshot`] after a breaker changed state.
pub const EVENT_BREAKER_STATE: &str = "breaker-state";

/// What a failure means for what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Try again later (maybe after `retry_after`).
    Retryable,
    /// Needs the user: credentials, permissions, quota, configuration.
    Permanent,
    /// The object or directory does not exist.
    NotFound,
    /// Stopped on purpose; never retried.
    Cancelled,
    /// A job moved some items and failed others.
    Partial,
}

/// The specific cause, finer than the class; each has a suggestion for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    RateLimited,
    ServerError,
    Network,
    Timeout,
    Stalled,
    JobLost,
    RcloneNotReady,
    RemotePaused,
    Unauthorized,
    Forbidden,
    StorageFull,
    NeedsReconnect,
    RemoteNotConfigured,
    BackendMissing,
    BadRequest,
    NotFound,
    Cancelled,
    Partial,
    Unknown,
    /// The RC endpoint itself (the local rclone, or an rproxy server) refused RCMD's
    /// credentials: about the connection, never about a remote.
    RcRefused,
    /// The server's identity could not be verified: its TLS certificate is not trusted,
    /// expired or for another name, it refused ours, or an SSH host key changed.
    Certificate,
    /// The object is in an archive storage class and must be restored first.
    NotRestored,
    /// The destination does not accept the name (too long, characters or encoding).
    InvalidName,
    /// A folder to remove still holds something.
    NotEmpty,
    /// One of rclone's own stop conditions was reached (--max-transfer, --max-duration,
    /// --max-delete, overlapping remotes, --immutable).
    LimitReached,
    /// An encrypted (crypt) file cannot be decrypted: wrong password or salt, not encrypted,
    /// or damaged.
    Undecryptable,
    /// The copy arrived with another size or hash than the source: retried.
    Corrupted,
    /// The name asked for is taken (a rename or new folder onto an existing entry): the
    /// user's case, not a fault.
    Exists,
    /// A remote name or path the user gave is not valid (checked before rclone is asked).
    InvalidInput,
    /// Not possible for this item here (a quick view of a folder or of a file too big); the
    /// message says what to do instead.
    Unsupported,
    /// A two-way sync lost track of its last run (its listings are gone or distrusted): only
    /// a previewed resync goes on.
    Lockout,
    /// A two-way sync's check-access marker is missing on a side (unmounted, emptied, the
    /// wrong folder): the run stopped before changing anything.
    AccessCheck,
    /// The RC endpoint (an rproxy server) does not let this account do this (HTTP 403: its
    /// role, or remotes that are not its own): asking again cannot help.
    NotPermitted,
}

/// A classified failure as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureInfo {
    pub class: FailureClass,
    pub reason: FailureReason,
    /// Whether retrying can help (retryable, or a partial job whose errors were retryable).
    pub retryable: bool,
    pub retry_after_ms: Option<u64>,
    /// The error text (no secrets).
    pub message: String,
    pub suggestion_en: String,
    pub suggestion_ko: String,
}

/// Circuit breaker states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
    /// Opened by the user; stays open until reset.
    ForcedOpen,
}

/// Why a breaker changed state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BreakerReason {
    FailureRate { rate: f64, calls: u32 },
    ConsecutiveFailures { count: u32 },
    SlowCalls { rate: f64, calls: u32 },
    OpenElapsed,
    ProbeFailed,
    ProbesSucceeded { count: u32 },
    ManualReset,
    ForcedOpen,
}

/// The state of one remote's breaker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakerSnapshot {
    pub remote: String,
    pub state: BreakerState,
    /// Share of failed calls in the sliding window (0..1); `None` below the minimum number of calls.
    pub failure_rate: Option<f64>,
    pub calls_in_window: u32,
    pub consecutive_failures: u32,
    /// How many times it opened in a row (the open time grows with it).
    pub trips: u32,
    /// Milliseconds until the next probe is allowed, when open.
    pub next_probe_in_ms: Option<u64>,
    pub last_failure: Option<FailureInfo>,
    /// Why it last changed state.
    pub last_reason: Option<BreakerReason>,
}
