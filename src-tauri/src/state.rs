//! State shared by the commands.

use std::{path::PathBuf, sync::Arc};

use rcmd_core::{resilience::layer::Resilient, sidecar::Supervisor};

use crate::{batches::Batches, notifications::Notifications};

pub struct AppState {
    pub supervisor: Supervisor,
    /// Every RC call of the app goes through this layer.
    pub rc: Arc<Resilient>,
    pub settings_path: PathBuf,
    /// Why the settings file could not be used at start (it was kept aside as `.bak`).
    pub settings_problem: Option<String>,
    pub batches: Batches,
    pub notifications: Notifications,
}
