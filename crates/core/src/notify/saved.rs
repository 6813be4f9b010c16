//! The user's notification settings as saved: secrets (tokens, passwords, the webhook URL) in
//! the secret store, the rest in the settings file; what a page may see of them; and saving
//! with the checks a user expects before anything is kept.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    send_test,
    settings::{NotifySettings, KEY_EMAIL_PASSWORD, KEY_TELEGRAM_TOKEN, KEY_WEBHOOK_HEADER, KEY_WEBHOOK_URL},
    Notifications,
};
use crate::{
    secret::Secret,
    secrets::{SecretStore, SecretStoreError},
    settings::{Settings, SettingsError},
};

/// The settings as a page sees them: secrets only say whether they are set.
#[derive(Clone, Debug, Serialize)]
pub struct NotifyView {
    pub settings: NotifySettings,
    pub telegram_token_set: bool,
    pub email_password_set: bool,
    pub webhook_header_set: bool,
    pub webhook_url_set: bool,
}

/// New secret values: `None` keeps the stored one, an empty string deletes it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewSecrets {
    pub telegram_token: Option<String>,
    pub email_password: Option<String>,
    pub webhook_header: Option<String>,
    pub webhook_url: Option<String>,
}

/// Why settings were not saved or a test not sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifySaveError {
    #[error("the webhook URL must start with http:// or https://")]
    WebhookUrl,
    /// The CA file cannot be used (the reason names the file).
    #[error("{0}")]
    CaFile(String),
    #[error("no channel {0:?}")]
    NoChannel(String),
    /// The test message was not delivered (the reason says why).
    #[error("{0}")]
    Test(String),
    #[error(transparent)]
    Secret(#[from] SecretStoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl NotifySaveError {
    /// Whether the input is wrong (as opposed to storage or delivery failing).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            NotifySaveError::WebhookUrl | NotifySaveError::CaFile(_) | NotifySaveError::NoChannel(_)
        )
    }
}

/// What a page may see of the saved settings (the keyring may be slow: call off the UI thread).
pub fn view(settings_path: &Path, secrets: &SecretStore) -> NotifyView {
    let mut settings = Settings::load(settings_path).unwrap_or_default().notifications;
    let legacy_url = std::mem::take(&mut settings.webhook.url);
    NotifyView {
        settings,
        telegram_token_set: secrets.get(KEY_TELEGRAM_TOKEN).is_some(),
        email_password_set: secrets.get(KEY_EMAIL_PASSWORD).is_some(),
        webhook_header_set: secrets.get(KEY_WEBHOOK_HEADER).is_some(),
        webhook_url_set: secrets.get(KEY_WEBHOOK_URL).is_some() || !legacy_url.is_empty(),
    }
}

impl Notifications {
    /// Checks and saves `settings` and `new` secrets, then delivers with them. The webhook URL
    /// is a credential: it goes to the secret store (an older settings file may still hold one
    /// in plain text; it moves over on this save).
    pub fn save(
        &self,
        settings_path: &Path,
        settings: &NotifySettings,
        new: NewSecrets,
    ) -> Result<(), NotifySaveError> {
        let store = &self.secrets;
        let mut settings = settings.clone();
        let legacy_url = Settings::load(settings_path)
            .map(|s| s.notifications.webhook.url)
            .unwrap_or_default();
        let new_url = new
            .webhook_url
            .clone()
            .or_else(|| (!legacy_url.is_empty() && store.get(KEY_WEBHOOK_URL).is_none()).then_some(legacy_url));
        if let Some(url) = new_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return Err(NotifySaveError::WebhookUrl);
            }
        }
        settings.webhook.url.clear();
        if !settings.ca_file.trim().is_empty() {
            // an unreadable CA file is refused now, not at the first failed delivery
            let tls = crate::net::TlsConfig::from_setting(&settings.ca_file);
            crate::net::http_client(std::time::Duration::from_secs(15), &tls)
                .map_err(|e| NotifySaveError::CaFile(e.to_string()))?;
        }
        for (key, value) in [
            (KEY_TELEGRAM_TOKEN, new.telegram_token),
            (KEY_EMAIL_PASSWORD, new.email_password),
            (KEY_WEBHOOK_HEADER, new.webhook_header),
            (KEY_WEBHOOK_URL, new_url),
        ] {
            if let Some(v) = value {
                let v = v.trim().to_owned();
                store.set(key, (!v.is_empty()).then(|| Secret::new(v)).as_ref())?;
            }
        }
        Settings::update(settings_path, |s| s.notifications = settings.clone())?;
        self.apply(&settings);
        Ok(())
    }

    /// Sends a test message through channel `name` with the saved settings.
    pub async fn test(&self, settings_path: &Path, name: &str) -> Result<(), NotifySaveError> {
        let settings = Settings::load(settings_path).unwrap_or_default().notifications;
        let channel = settings
            .channel(name, &self.secrets)
            .ok_or_else(|| NotifySaveError::NoChannel(name.to_owned()))?;
        send_test(channel.as_ref(), settings.lang)
            .await
            .map_err(|e| NotifySaveError::Test(e.to_string()))
    }
}
