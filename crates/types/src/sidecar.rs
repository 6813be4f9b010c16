//! The rclone sidecar's state, as the page sees it.

use serde::{Deserialize, Serialize};

/// Name of the Tauri event that carries a new [`SidecarState`].
pub const EVENT_SIDECAR_STATE: &str = "sidecar-state";

/// Lifecycle of the local rclone sidecar, as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SidecarState {
    /// A process is being launched; `attempt` counts launches since the last stable run.
    Starting { attempt: u32 },
    /// rclone answers on its RC port.
    Ready {
        pid: u32,
        /// The loopback port; 0 when rclone listens on a private unix socket.
        port: u16,
        /// Where the RC server listens: `unix:<path>` or `127.0.0.1:<port>`.
        #[serde(default)]
        endpoint: String,
        /// rclone's version string, e.g. `v1.75.2`.
        version: String,
        /// Milliseconds from supervisor start until this process answered `rc/noop`.
        ready_after_ms: u64,
    },
    /// The process died or stopped answering; a new one is launched after `retry_in_ms`.
    Restarting {
        attempt: u32,
        problem: SidecarProblem,
        retry_in_ms: u64,
    },
    /// The supervisor gave up; the user can ask for a restart.
    Failed { problem: SidecarProblem },
    /// Stopped on purpose (app exit).
    Stopped,
}

impl SidecarState {
    /// True when RC calls can be made.
    pub fn is_ready(&self) -> bool {
        matches!(self, SidecarState::Ready { .. })
    }
}

/// Why the sidecar is not running. The UI turns each variant into a localized sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SidecarProblem {
    /// The rclone binary could not be found or started.
    SpawnFailed { message: String },
    /// The process exited. `code` is its exit code, `signal` the signal that killed it (Unix).
    Exited { code: Option<i32>, signal: Option<i32> },
    /// The process never answered `rc/noop` within the readiness timeout.
    NotReady { timeout_ms: u64 },
    /// The process stopped answering health checks and was killed.
    Unresponsive { failed_checks: u32 },
    /// Too many launches in a row failed; `last` is the final one's problem.
    TooManyRestarts { attempts: u32, last: Box<SidecarProblem> },
}
