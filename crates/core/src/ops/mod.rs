//! The operations of the commander over an [`RcClient`](crate::rc::RcClient): files and
//! folders, the commander's extras (rename, properties, emptied folders, transfer figures),
//! and remotes.

mod commander;
mod files;
mod remotes;

pub use commander::*;
pub use files::*;
pub use remotes::*;
