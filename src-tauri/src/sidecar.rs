//! Resolves the bundled rclone through tauri-plugin-shell's sidecar lookup.

use rcmd_core::sidecar::{Launcher, SidecarError};
use tauri::AppHandle;
use tauri_plugin_shell::ShellExt;

/// File name of the sidecar (`bundle.externalBin` in tauri.conf.json). Not `rclone`, so the
/// .deb does not clash with Debian's rclone package at `/usr/bin/rclone`.
const SIDECAR: &str = "rcmd-rclone";

pub struct ShellLauncher {
    app: AppHandle,
}

impl ShellLauncher {
    pub fn new(app: AppHandle) -> Self {
        ShellLauncher { app }
    }
}

impl Launcher for ShellLauncher {
    /// The plugin finds the binary next to the app's executable; the core then spawns it
    /// itself (as `std::process::Command`) to set the parent-death signal, which the plugin's
    /// own spawn cannot.
    fn command(&self) -> Result<std::process::Command, SidecarError> {
        let cmd = self
            .app
            .shell()
            .sidecar(SIDECAR)
            .map_err(|e| SidecarError::Launch { message: e.to_string() })?;
        Ok(cmd.into())
    }
}
