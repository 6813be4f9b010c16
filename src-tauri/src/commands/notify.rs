//! Notification settings, "send test" and delivery status.

use rcmd_core::notify::{
    saved::{self, NewSecrets, NotifySaveError, NotifyView},
    settings::NotifySettings,
    ChannelStatus,
};
use serde::Serialize;
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

fn notify_err(e: NotifySaveError) -> CmdError {
    CmdError::judged(&e, e.is_bad_input())
}

/// Async, so a slow keyring never holds the window's thread.
#[tauri::command]
pub async fn notify_settings(state: State<'_, AppState>) -> CmdResult<NotifyView> {
    let (path, secrets) = (state.settings_path.clone(), state.engine.secrets.clone());
    tokio::task::spawn_blocking(move || saved::view(&path, &secrets))
        .await
        .map_err(CmdError::internal)
}

/// Saves the settings and secrets, and restarts delivery with them.
#[tauri::command]
pub async fn save_notify_settings(
    state: State<'_, AppState>,
    settings: NotifySettings,
    secrets: NewSecrets,
) -> CmdResult<()> {
    state
        .engine
        .notifications
        .save(&state.settings_path, &settings, secrets)
        .map_err(notify_err)
}

/// Sends a test message through one channel with the saved settings; the error says why not.
#[tauri::command]
pub async fn notify_test(state: State<'_, AppState>, channel: String) -> CmdResult<()> {
    state
        .engine
        .notifications
        .test(&state.settings_path, &channel)
        .await
        .map_err(notify_err)
}

#[derive(Serialize)]
pub struct ChannelStatusView {
    pub channel: &'static str,
    #[serde(flatten)]
    pub status: ChannelStatus,
}

#[tauri::command]
pub fn notify_status(state: State<'_, AppState>) -> Vec<ChannelStatusView> {
    state
        .engine
        .notifications
        .statuses()
        .into_iter()
        .map(|(channel, status)| ChannelStatusView { channel, status })
        .collect()
}
