//! The error every command returns to the page.

use serde::{Deserialize, Serialize};

use crate::FailureInfo;

/// The error every Tauri command returns: a stable `kind` the UI localizes, plus detail text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpcError {
    pub kind: IpcErrorKind,
    /// Detail in English from the backend (never contains secrets).
    pub message: String,
    /// The classified failure, with a suggestion, when there is one.
    #[serde(default)]
    pub failure: Option<FailureInfo>,
}

/// Coarse error categories for the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorKind {
    /// rclone is starting, restarting or failed.
    NotReady,
    /// The user gave a bad remote name or path.
    InvalidInput,
    /// The file or directory does not exist.
    NotFound,
    /// rclone answered with an error.
    Rclone,
    /// rclone could not be reached.
    Transport,
    /// The remote's circuit breaker is open: calls are paused.
    CircuitOpen,
    /// The server of the active connection is offline or refused RCMD's credentials.
    Connection,
    /// Anything else.
    Internal,
}
