//! App-level commands: state snapshot, sidecar restart, settings.

use std::path::PathBuf;

use rcmd_core::{settings::Settings, types::AppSnapshot};
use tauri::{AppHandle, Manager, State};

use crate::{error::CmdResult, startup_error::StartupProblem, state::AppState, CmdError};

/// Everything the page needs on load (events sent before it listened are not replayed).
/// When the engine could not start, the snapshot carries the reason.
#[tauri::command]
pub fn app_snapshot(app: AppHandle) -> AppSnapshot {
    tracing::info!("page loaded and asked for the app state");
    let app_version = env!("CARGO_PKG_VERSION").to_owned();
    let Some(state) = app.try_state::<AppState>() else {
        let problem = app
            .try_state::<StartupProblem>()
            .map(|p| p.0.clone())
            .unwrap_or_else(|| "RCMD did not start".into());
        return AppSnapshot::not_started(app_version, problem);
    };
    AppSnapshot {
        app_version,
        sidecar: state.engine.supervisor.state(),
        rclone_config: state.engine.supervisor.rclone_config().map(|p| p.display().to_string()),
        auto_resume_batches: Settings::load(&state.settings_path)
            .map(|s| s.auto_resume_batches)
            .unwrap_or(false),
        startup_error: None,
        settings_problem: state.settings_problem.clone(),
        connection: Some(state.conn.view()),
        home_dir: rcmd_core::app_dirs::home_dir().map(|p| p.display().to_string()),
    }
}

/// Whether interrupted batches resume by themselves when the app starts.
#[tauri::command]
pub fn set_auto_resume(state: State<'_, AppState>, on: bool) -> CmdResult<()> {
    Settings::update(&state.settings_path, |s| s.auto_resume_batches = on)
        .map(|_| ())
        .map_err(CmdError::internal)
}

/// Starts a fresh rclone (also after the supervisor gave up).
#[tauri::command]
pub fn restart_sidecar(state: State<'_, AppState>) {
    state.engine.supervisor.restart();
}

/// Chooses the rclone config file (`None`/empty: rclone's default), saves it and restarts
/// rclone with it.
#[tauri::command]
pub fn set_rclone_config(state: State<'_, AppState>, path: Option<String>) -> CmdResult<()> {
    let path = path
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    if let Some(p) = &path {
        if !p.is_file() {
            return Err(CmdError::invalid(format!("{} is not a file", p.display())));
        }
    }
    Settings::update(&state.settings_path, |s| s.rclone_config = path.clone()).map_err(CmdError::internal)?;
    state.engine.supervisor.set_rclone_config(path);
    Ok(())
}
