//! App-level commands: state snapshot, sidecar restart, settings.

use std::path::PathBuf;

use rcmd_core::{settings::Settings, types::{AppSnapshot, IpcErrorKind}};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

/// Everything the page needs on load (events sent before it listened are not replayed).
#[tauri::command]
pub fn app_snapshot(state: State<'_, AppState>) -> AppSnapshot {
    tracing::info!("page loaded and asked for the app state");
    AppSnapshot {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        sidecar: state.supervisor.state(),
        rclone_config: state.supervisor.rclone_config().map(|p| p.display().to_string()),
        auto_resume_batches: Settings::load(&state.settings_path).map(|s| s.auto_resume_batches).unwrap_or(false),
    }
}

/// Whether interrupted batches resume by themselves when the app starts.
#[tauri::command]
pub fn set_auto_resume(state: State<'_, AppState>, on: bool) -> CmdResult<()> {
    Settings::update(&state.settings_path, |s| s.auto_resume_batches = on)
        .map(|_| ())
        .map_err(|e| CmdError::new(IpcErrorKind::Internal, e.to_string()))
}

/// Starts a fresh rclone (also after the supervisor gave up).
#[tauri::command]
pub fn restart_sidecar(state: State<'_, AppState>) {
    state.supervisor.restart();
}

/// Chooses the rclone config file (`None`/empty: rclone's default), saves it and restarts
/// rclone with it.
#[tauri::command]
pub fn set_rclone_config(state: State<'_, AppState>, path: Option<String>) -> CmdResult<()> {
    let path = path.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).map(PathBuf::from);
    if let Some(p) = &path {
        if !p.is_file() {
            return Err(CmdError::new(
                IpcErrorKind::InvalidInput,
                format!("{} is not a file", p.display()),
            ));
        }
    }
    Settings::update(&state.settings_path, |s| s.rclone_config = path.clone())
        .map_err(|e| CmdError::new(IpcErrorKind::Internal, e.to_string()))?;
    state.supervisor.set_rclone_config(path);
    Ok(())
}
