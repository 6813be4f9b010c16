//! The crate's error type: one variant per module error, sources kept.

use crate::{path::PathError, rc::RcError, sidecar::SidecarError};

/// Any failure of the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Rc(#[from] RcError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Sidecar(#[from] SidecarError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
