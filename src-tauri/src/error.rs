//! The one mapping from core errors to the error the page receives.

use rcmd_core::{
    rc::RcError,
    resilience::classify,
    sidecar::SidecarError,
    types::{IpcError, IpcErrorKind},
    Error,
};
use serde::Serialize;

/// Error of every command: serialized as [`IpcError`] `{kind, message}`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CmdError(IpcError);

impl CmdError {
    pub fn new(kind: IpcErrorKind, message: impl Into<String>) -> Self {
        CmdError(IpcError { kind, message: message.into() })
    }
}

impl<E: Into<Error>> From<E> for CmdError {
    fn from(err: E) -> Self {
        let err = err.into();
        let kind = match &err {
            Error::Path(_) => IpcErrorKind::InvalidInput,
            Error::Sidecar(SidecarError::NotReady { .. }) => IpcErrorKind::NotReady,
            Error::Sidecar(_) => IpcErrorKind::Internal,
            Error::Rc(rc) if classify::is_not_found(rc) => IpcErrorKind::NotFound,
            Error::Rc(rc) if classify::is_bad_request(rc) => IpcErrorKind::InvalidInput,
            Error::Rc(RcError::Transport { .. }) => IpcErrorKind::Transport,
            Error::Rc(_) => IpcErrorKind::Rclone,
        };
        tracing::debug!(error = %err, ?kind, "command failed");
        CmdError(IpcError { kind, message: err.to_string() })
    }
}

pub type CmdResult<T> = Result<T, CmdError>;
