//! Wire types shared by the RCMD core, the Tauri shell and the wasm UI.
//!
//! Everything here is plain serde data, so the UI (built for wasm32 with another compiler)
//! and the backend agree on one definition of each message; [`listing`] is the one rule both
//! sides apply to a folder's rows (their order and filter).

mod batch;
mod bisync;
mod compare;
mod connection;
mod desktop;
mod error;
mod files;
pub mod listing;
mod mount;
mod remotes;
mod resilience;
mod schedule;
mod sidecar;

pub use batch::*;
pub use bisync::*;
pub use compare::*;
pub use connection::*;
pub use desktop::*;
pub use error::*;
pub use files::*;
pub use mount::*;
pub use remotes::*;
pub use resilience::*;
pub use schedule::*;
pub use sidecar::*;
