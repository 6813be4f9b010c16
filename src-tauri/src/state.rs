//! State shared by the commands.

use std::path::PathBuf;

use rcmd_core::{connection::Connections, engine::Engine};

use crate::bridge::Page;

pub struct AppState {
    /// This computer's engine: sidecar, runner, scheduler (ticked every 15 s while the app
    /// runs), notifier and secret store (keyring, or a private file).
    pub engine: Engine,
    /// What the app talks to; every RC call goes through its layer (`conn.rc()`).
    pub conn: Connections,
    pub settings_path: PathBuf,
    /// Why the settings file could not be used at start (it was kept aside as `.bak`).
    pub settings_problem: Option<String>,
    /// Where the engine's and the connection's reports go.
    pub page: Page,
    /// The files open in an editor (F4), uploaded back on each save.
    pub edits: std::sync::Arc<rcmd_core::edit::Edits>,
    /// Big folders' listings whose first rows went ahead to the page.
    pub held: crate::held::HeldListings,
}
