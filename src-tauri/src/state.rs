//! State shared by the commands.

use std::path::PathBuf;

use rcmd_core::{schedule::Scheduler, secrets::SecretStore, sidecar::Supervisor};

use crate::{batches::Batches, connection::Connections, notifications::Notifications};

pub struct AppState {
    pub supervisor: Supervisor,
    /// What the app talks to; every RC call goes through its layer (`conn.rc()`).
    pub conn: Connections,
    pub settings_path: PathBuf,
    /// Why the settings file could not be used at start (it was kept aside as `.bak`).
    pub settings_problem: Option<String>,
    pub batches: Batches,
    pub notifications: Notifications,
    /// This computer's scheduled batches (ticked every 15 s while the app runs).
    pub scheduler: Scheduler,
    /// Keyring (or private file) for tokens and passwords.
    pub secrets: SecretStore,
}
