//! The crate's error type: one variant per module error, sources kept.

use std::time::Duration;

use rcmd_types::FailureReason;

use crate::{
    rc::RcError,
    remote_path::PathError,
    resilience::{
        classify::{self, Failure},
        retry::Classify,
    },
    sidecar::SidecarError,
};

/// Any failure of the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Boxed: RC errors are large and most results never hold one.
    #[error(transparent)]
    Rc(Box<RcError>),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Sidecar(#[from] SidecarError),
    /// The remote's circuit breaker is open: the call was not made.
    #[error("{}", describe_open(.remote, .retry_in, *.forced))]
    CircuitOpen {
        remote: String,
        retry_in: Option<Duration>,
        forced: bool,
        last_failure: Option<Failure>,
    },
    /// The rproxy server of the active connection cannot be reached: the call was not made.
    /// `reason` is the last connection error (no credentials in it).
    #[error("server {server} offline ({reason}); retrying in {} s", .retry_in.as_secs_f64().ceil())]
    ServerOffline {
        server: String,
        reason: String,
        retry_in: Duration,
    },
    /// The caller cancelled the operation.
    #[error("cancelled")]
    Cancelled,
    /// The batch database failed.
    #[error(transparent)]
    Store(Box<crate::batch::StoreError>),
    /// A quick view that cannot be (a folder, too big, on a server).
    #[error(transparent)]
    View(#[from] crate::view::ViewError),
}

fn describe_open(remote: &str, retry_in: &Option<Duration>, forced: bool) -> String {
    match (forced, retry_in) {
        (true, _) => format!("calls to remote '{remote}' are paused by the user; reset its breaker to resume"),
        (false, Some(d)) => format!(
            "remote '{remote}' failed repeatedly; calls are paused and will be tried again in {:.0} s",
            d.as_secs_f64().ceil()
        ),
        (false, None) => format!("remote '{remote}' is being probed after repeated failures; try again in a moment"),
    }
}

impl From<RcError> for Error {
    fn from(e: RcError) -> Self {
        Error::Rc(Box::new(e))
    }
}

impl Classify for Error {
    fn failure(&self) -> Failure {
        match self {
            Error::Rc(e) => classify::classify(e),
            Error::Path(e @ (PathError::Indistinct { .. } | PathError::WindowsName { .. })) => {
                Failure::new(FailureReason::InvalidName, e.to_string())
            }
            // the user's input (a name taken, a path that is no path), never "please report"
            Error::Path(e @ (PathError::Exists { .. } | PathError::RemoteExists { .. })) => {
                Failure::new(FailureReason::Exists, e.to_string())
            }
            Error::Path(e) => Failure::new(FailureReason::InvalidInput, e.to_string()),
            Error::Sidecar(SidecarError::NotReady { .. }) => {
                Failure::new(FailureReason::RcloneNotReady, self.to_string())
            }
            Error::Sidecar(e) => Failure::new(FailureReason::Unknown, e.to_string()),
            Error::CircuitOpen { retry_in, .. } => {
                // fail fast: retrying here would defeat the breaker; the class still says
                // "retryable later" and when
                let mut f = Failure::new(FailureReason::RemotePaused, self.to_string()).with_retry_after(*retry_in);
                f.retryable = false;
                f
            }
            Error::ServerOffline { retry_in, .. } => {
                // fail fast like an open breaker: the connection's follower is already retrying
                let mut f = Failure::new(FailureReason::Network, self.to_string()).with_retry_after(Some(*retry_in));
                f.retryable = false;
                f
            }
            Error::Cancelled => Failure::new(FailureReason::Cancelled, "cancelled"),
            Error::Store(e) => Failure::new(FailureReason::Unknown, e.to_string()),
            Error::View(e @ crate::view::ViewError::Gone { .. }) => {
                Failure::new(FailureReason::NotFound, e.to_string())
            }
            Error::View(e @ crate::view::ViewError::Cache { .. }) => {
                Failure::new(FailureReason::Unknown, e.to_string())
            }
            Error::View(e) => Failure::new(FailureReason::Unsupported, e.to_string()),
        }
    }
}

impl Classify for RcError {
    fn failure(&self) -> Failure {
        classify::classify(self)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
