//! Notification settings, "send test" and delivery status.

use rcmd_core::{
    notify::{
        send_test,
        settings::{NotifySettings, KEY_EMAIL_PASSWORD, KEY_TELEGRAM_TOKEN, KEY_WEBHOOK_HEADER, KEY_WEBHOOK_URL},
        ChannelStatus,
    },
    secret::Secret,
    settings::Settings,
    types::IpcErrorKind,
};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

/// Settings as the page sees them: secrets only say whether they are set.
#[derive(Serialize)]
pub struct NotifyView {
    pub settings: NotifySettings,
    pub telegram_token_set: bool,
    pub email_password_set: bool,
    pub webhook_header_set: bool,
    pub webhook_url_set: bool,
}

/// New secret values: `None` keeps the stored one, an empty string deletes it.
#[derive(Deserialize, Default)]
pub struct NewSecrets {
    pub telegram_token: Option<String>,
    pub email_password: Option<String>,
    pub webhook_header: Option<String>,
    pub webhook_url: Option<String>,
}

fn internal(e: impl std::fmt::Display) -> CmdError {
    CmdError::new(IpcErrorKind::Internal, e.to_string())
}

/// Async, so a slow keyring never holds the window's thread.
#[tauri::command]
pub async fn notify_settings(state: State<'_, AppState>) -> CmdResult<NotifyView> {
    let settings = Settings::load(&state.settings_path).unwrap_or_default().notifications;
    let secrets = state.engine.secrets.clone();
    tokio::task::spawn_blocking(move || notify_view(settings, &secrets))
        .await
        .map_err(internal)
}

fn notify_view(mut settings: NotifySettings, s: &rcmd_core::secrets::SecretStore) -> NotifyView {
    let legacy_url = std::mem::take(&mut settings.webhook.url);
    NotifyView {
        settings,
        telegram_token_set: s.get(KEY_TELEGRAM_TOKEN).is_some(),
        email_password_set: s.get(KEY_EMAIL_PASSWORD).is_some(),
        webhook_header_set: s.get(KEY_WEBHOOK_HEADER).is_some(),
        webhook_url_set: s.get(KEY_WEBHOOK_URL).is_some() || !legacy_url.is_empty(),
    }
}

/// Saves the settings and secrets, and restarts delivery with them.
#[tauri::command]
pub async fn save_notify_settings(
    state: State<'_, AppState>,
    settings: NotifySettings,
    secrets: NewSecrets,
) -> CmdResult<()> {
    let store = &state.engine.secrets;
    // the URL is a credential: it goes to the secret store (an older settings file may still
    // hold one in plain text; it moves over on the next save)
    let mut settings = settings;
    let legacy_url = Settings::load(&state.settings_path)
        .map(|s| s.notifications.webhook.url)
        .unwrap_or_default();
    let new_url = secrets
        .webhook_url
        .clone()
        .or_else(|| (!legacy_url.is_empty() && store.get(KEY_WEBHOOK_URL).is_none()).then_some(legacy_url));
    if let Some(url) = new_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(CmdError::new(
                IpcErrorKind::InvalidInput,
                "the webhook URL must start with http:// or https://",
            ));
        }
    }
    settings.webhook.url.clear();
    if !settings.ca_file.trim().is_empty() {
        // an unreadable CA file is refused now, not at the first failed delivery
        let tls = rcmd_core::net::TlsConfig::from_setting(&settings.ca_file);
        rcmd_core::net::http_client(std::time::Duration::from_secs(15), &tls)
            .map_err(|e| CmdError::new(IpcErrorKind::InvalidInput, e.to_string()))?;
    }
    for (key, value) in [
        (KEY_TELEGRAM_TOKEN, secrets.telegram_token),
        (KEY_EMAIL_PASSWORD, secrets.email_password),
        (KEY_WEBHOOK_HEADER, secrets.webhook_header),
        (KEY_WEBHOOK_URL, new_url),
    ] {
        if let Some(v) = value {
            let v = v.trim().to_owned();
            store
                .set(key, (!v.is_empty()).then(|| Secret::new(v)).as_ref())
                .map_err(internal)?;
        }
    }
    Settings::update(&state.settings_path, |s| s.notifications = settings.clone()).map_err(internal)?;
    state.engine.notifications.apply(&settings);
    Ok(())
}

/// Sends a test message through one channel with the saved settings; the error says why not.
#[tauri::command]
pub async fn notify_test(state: State<'_, AppState>, channel: String) -> CmdResult<()> {
    let settings = Settings::load(&state.settings_path).unwrap_or_default().notifications;
    let ch = settings
        .channel(&channel, &state.engine.secrets)
        .ok_or_else(|| CmdError::new(IpcErrorKind::InvalidInput, format!("no channel {channel:?}")))?;
    send_test(ch.as_ref(), settings.lang)
        .await
        .map_err(|e| CmdError::new(IpcErrorKind::Internal, e.to_string()))
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
