//! The one mapping from core errors to the error the page receives.

use rcmd_core::{
    rc::RcError,
    resilience::{classify, retry::Classify},
    sidecar::SidecarError,
    types::{IpcError, IpcErrorKind},
    Error,
};
use serde::Serialize;

/// Error of every command: serialized as [`IpcError`] `{kind, message, failure}`. Boxed, as
/// the failure info with its two suggestions is large and only errors carry it.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CmdError(Box<IpcError>);

impl CmdError {
    pub fn new(kind: IpcErrorKind, message: impl Into<String>) -> Self {
        CmdError(Box::new(IpcError {
            kind,
            message: message.into(),
            failure: None,
        }))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        CmdError::new(IpcErrorKind::InvalidInput, message)
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        CmdError::new(IpcErrorKind::Internal, e.to_string())
    }

    /// `e` as invalid input when the user can act on it (core's `is_bad_input`), else as a
    /// failure of this computer.
    pub fn judged(e: impl std::fmt::Display, bad_input: bool) -> Self {
        if bad_input {
            CmdError::invalid(e.to_string())
        } else {
            CmdError::internal(e)
        }
    }
}

impl<E: Into<Error>> From<E> for CmdError {
    fn from(err: E) -> Self {
        let err = err.into();
        let kind = match &err {
            Error::Path(_) => IpcErrorKind::InvalidInput,
            Error::Sidecar(SidecarError::NotReady { .. }) => IpcErrorKind::NotReady,
            Error::Sidecar(_) | Error::Cancelled | Error::Store(_) => IpcErrorKind::Internal,
            Error::View(rcmd_core::view::ViewError::Gone { .. }) => IpcErrorKind::NotFound,
            Error::View(rcmd_core::view::ViewError::Cache { .. }) => IpcErrorKind::Internal,
            Error::View(_) => IpcErrorKind::InvalidInput,
            Error::CircuitOpen { .. } => IpcErrorKind::CircuitOpen,
            Error::ServerOffline { .. } => IpcErrorKind::Connection,
            Error::Rc(rc) if matches!(**rc, RcError::Unauthorized { .. }) => IpcErrorKind::Connection,
            Error::Rc(rc) if classify::is_not_found(rc) => IpcErrorKind::NotFound,
            Error::Rc(rc) if classify::is_bad_request(rc) => IpcErrorKind::InvalidInput,
            Error::Rc(rc) if matches!(**rc, RcError::Transport { .. }) => IpcErrorKind::Transport,
            Error::Rc(_) => IpcErrorKind::Rclone,
        };
        let failure = Some(err.failure().info());
        tracing::debug!(error = %err, ?kind, "command failed");
        CmdError(Box::new(IpcError {
            kind,
            message: err.to_string(),
            failure,
        }))
    }
}

pub type CmdResult<T> = Result<T, CmdError>;
