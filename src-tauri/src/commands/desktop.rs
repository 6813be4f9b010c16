//! Desktop commands: the log view, start at login, the encrypted rclone config's password,
//! the tray's language.

use rcmd_core::{
    app_dirs,
    desktop::autostart,
    logs,
    secret::Secret,
    secrets::CONFIG_PASSWORD_KEY,
    settings::Settings,
    sidecar::config_lock::{self, UnlockError},
    types::{AutostartState, ConfigLock, IpcErrorKind, LogLine, LogQuery},
};
use tauri::{AppHandle, Manager, State};

use crate::{desktop::tray::TrayLang, error::CmdResult, state::AppState, CmdError};

fn internal(e: impl std::fmt::Display) -> CmdError {
    CmdError::new(IpcErrorKind::Internal, e.to_string())
}

/// The newest log lines matching `query` (app and rclone), oldest first.
#[tauri::command]
pub async fn logs_read(query: LogQuery) -> CmdResult<Vec<LogLine>> {
    tauri::async_runtime::spawn_blocking(move || logs::read(&app_dirs::log_dir(), &query))
        .await
        .map_err(internal)?
        .map_err(internal)
}

#[tauri::command]
pub fn autostart_state() -> AutostartState {
    let (enabled, minimized) = autostart::state();
    AutostartState { enabled, minimized }
}

/// Switches start at login on or off (optionally minimised to the tray).
#[tauri::command]
pub fn autostart_set(enabled: bool, minimized: bool) -> CmdResult<AutostartState> {
    let exe = std::env::current_exe().map_err(internal)?;
    autostart::set(enabled, minimized, &exe).map_err(internal)?;
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
    let path = config_lock::effective_config(state.engine.supervisor.rclone_config().as_deref());
    let encrypted = path.as_deref().is_some_and(config_lock::is_encrypted);
    ConfigLock {
        path: path.map(|p| p.display().to_string()),
        encrypted,
        unlocked: !state.engine.supervisor.config_locked(),
        remembered: state.engine.secrets.get(CONFIG_PASSWORD_KEY).is_some(),
    }
}

/// Checks `password` with rclone and, when right, restarts rclone with it (in its
/// environment). `remember`: keep it in the OS keyring (never in a plain file: without a
/// keyring it is asked at every start, and the answer says so).
#[tauri::command]
pub async fn config_unlock(
    app: AppHandle,
    state: State<'_, AppState>,
    password: String,
    remember: bool,
) -> CmdResult<ConfigLock> {
    let path = config_lock::effective_config(state.engine.supervisor.rclone_config().as_deref())
        .ok_or_else(|| CmdError::new(IpcErrorKind::InvalidInput, "no rclone config file"))?;
    let secret = Secret::new(password);
    let launcher = crate::sidecar::ShellLauncher::new(app.clone());
    match config_lock::check_password(&launcher, &path, &secret).await {
        Ok(()) => {}
        Err(e @ UnlockError::WrongPassword(_)) => {
            tracing::warn!("wrong rclone config password entered");
            return Err(CmdError::new(IpcErrorKind::InvalidInput, e.to_string()));
        }
        Err(e) => return Err(internal(e)),
    }
    state.engine.supervisor.set_config_password(Some(secret.clone()));
    tracing::info!(remember, "rclone config unlocked");
    let mut note = None;
    if remember {
        match state.engine.secrets.set(CONFIG_PASSWORD_KEY, Some(&secret)) {
            Ok(rcmd_core::secrets::Stored::Keyring) => {}
            Ok(rcmd_core::secrets::Stored::File) => {
                // a plain file next to the settings would undo the config's encryption
                let _ = state.engine.secrets.set(CONFIG_PASSWORD_KEY, None);
                note = Some("no OS keyring is available: the password will be asked at every start");
            }
            Err(e) => return Err(internal(e)),
        }
    } else if state.engine.secrets.get(CONFIG_PASSWORD_KEY).is_some() {
        let _ = state.engine.secrets.set(CONFIG_PASSWORD_KEY, None);
    }
    Settings::update(&state.settings_path, |s| {
        s.remember_config_password = remember && note.is_none()
    })
    .map_err(internal)?;
    if let Some(n) = note {
        return Err(CmdError::new(IpcErrorKind::InvalidInput, format!("unlocked; {n}")));
    }
    Ok(config_lock_state(state))
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
