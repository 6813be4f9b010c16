//! Desktop commands: the log view, start at login, the encrypted rclone config's password,
//! the tray's language.

use rcmd_core::{
    app_dirs,
    desktop::autostart,
    logs,
    secret::Secret,
    types::{AutostartState, ConfigLock, IpcErrorKind, LogLine, LogQuery},
};
use tauri::{AppHandle, Manager, State};

use crate::{desktop::tray::TrayLang, error::CmdResult, state::AppState, CmdError};

/// The newest log lines matching `query` (app and rclone), oldest first.
#[tauri::command]
pub async fn logs_read(query: LogQuery) -> CmdResult<Vec<LogLine>> {
    tauri::async_runtime::spawn_blocking(move || logs::read(&app_dirs::log_dir(), &query))
        .await
        .map_err(CmdError::internal)?
        .map_err(CmdError::internal)
}

#[tauri::command]
pub fn autostart_state() -> AutostartState {
    let (enabled, minimized) = autostart::state();
    AutostartState { enabled, minimized }
}

/// Switches start at login on or off (optionally minimised to the tray).
#[tauri::command]
pub fn autostart_set(enabled: bool, minimized: bool) -> CmdResult<AutostartState> {
    let exe = std::env::current_exe().map_err(CmdError::internal)?;
    autostart::set(enabled, minimized, &exe).map_err(CmdError::internal)?;
    tracing::info!(enabled, minimized, "start at login changed");
    Ok(autostart_state())
}

/// Refuses a call that needs this computer's rclone config while it waits for its password:
/// rclone would only answer with a panic (and log its stack) for each one.
pub fn refuse_if_locked(state: &AppState) -> CmdResult<()> {
    if state.conn.is_local() && state.engine.supervisor.config_locked() {
        return Err(CmdError::new(
            IpcErrorKind::NotReady,
            "the rclone config is encrypted: enter its password first",
        ));
    }
    Ok(())
}

#[tauri::command]
pub fn config_lock_state(state: State<'_, AppState>) -> ConfigLock {
    state.engine.config_lock()
}

/// Checks `password` with rclone and, when right, restarts rclone with it; `remember`: keep it
/// in the OS keyring (see `Engine::unlock_config`).
#[tauri::command]
pub async fn config_unlock(state: State<'_, AppState>, password: String, remember: bool) -> CmdResult<ConfigLock> {
    let unlocked = state
        .engine
        .unlock_config(Secret::new(password), remember, &state.settings_path)
        .await;
    unlocked.map_err(|e| CmdError::judged(&e, e.is_bad_input()))
}

/// The page's language, for the tray's words.
#[tauri::command]
pub fn set_ui_language(app: AppHandle, lang: String) {
    if let Some(l) = app.try_state::<TrayLang>() {
        if let Ok(mut l) = l.0.lock() {
            *l = rcmd_core::desktop::tray_model::Lang::parse(&lang);
        }
    }
}
