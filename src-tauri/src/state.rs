//! State shared by the commands.

use std::path::PathBuf;

use rcmd_core::sidecar::Supervisor;

pub struct AppState {
    pub supervisor: Supervisor,
    pub settings_path: PathBuf,
}
