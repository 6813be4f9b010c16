//! Notification settings as saved in the settings file (no secrets: those are in the
//! [`SecretStore`]), and the channels they describe.

use std::{collections::HashSet, sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};

use crate::secrets::SecretStore;

use super::{
    channel::Misconfigured,
    desktop::Desktop,
    email::{Email, EmailConfig, SmtpSecurity},
    message::{Lang, NotifyKind},
    telegram::{Telegram, TelegramConfig, TELEGRAM_API},
    webhook::{Webhook, WebhookConfig},
    ChannelSpec,
};
use crate::net;

pub const KEY_TELEGRAM_TOKEN: &str = "telegram.token";
pub const KEY_EMAIL_PASSWORD: &str = "email.password";
pub const KEY_WEBHOOK_HEADER: &str = "webhook.header";
/// The webhook URL is a credential (Slack, Discord and Teams URLs carry their token).
pub const KEY_WEBHOOK_URL: &str = "webhook.url";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    pub lang: Lang,
    pub desktop: ChannelToggle,
    pub webhook: WebhookSettings,
    pub telegram: TelegramSettings,
    pub email: EmailSettings,
    /// PEM file of extra CA certificates trusted for the webhook and Telegram (servers with a
    /// private or self-signed certificate); empty: the platform's roots only.
    pub ca_file: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            lang: Lang::En,
            desktop: ChannelToggle {
                enabled: true,
                only_problems: false,
            },
            webhook: WebhookSettings::default(),
            telegram: TelegramSettings::default(),
            email: EmailSettings::default(),
            ca_file: String::new(),
        }
    }
}

impl NotifySettings {
    /// Every channel off (a server, a test).
    pub fn none() -> Self {
        let mut s = NotifySettings::default();
        s.desktop.enabled = false;
        s
    }
}

/// On/off and which events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelToggle {
    pub enabled: bool,
    /// Only failures, errors, offline remotes and a failed rclone; else every event.
    pub only_problems: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    #[serde(flatten)]
    pub toggle: ChannelToggle,
    /// Only in settings files written before the URL became a secret; read once and moved to
    /// the secret store ([`KEY_WEBHOOK_URL`]). Never written.
    #[serde(skip_serializing)]
    pub url: String,
    /// Name of the extra header whose value is a secret (e.g. `Authorization`); empty: none.
    pub header_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TelegramSettings {
    #[serde(flatten)]
    pub toggle: ChannelToggle,
    pub api_base: String,
    pub chat_id: String,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        TelegramSettings {
            toggle: ChannelToggle::default(),
            api_base: TELEGRAM_API.into(),
            chat_id: String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    #[serde(flatten)]
    pub toggle: ChannelToggle,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: String,
    pub from: String,
    /// Comma-separated recipients.
    pub to: String,
    /// Allow the login over an unencrypted connection to another machine.
    pub allow_plaintext_login: bool,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            toggle: ChannelToggle::default(),
            host: String::new(),
            port: 587,
            security: SmtpSecurity::StartTls,
            user: String::new(),
            from: String::new(),
            to: String::new(),
            allow_plaintext_login: false,
        }
    }
}

/// The events of the "only problems" filter.
pub fn problems() -> HashSet<NotifyKind> {
    [
        NotifyKind::BatchCompletedWithErrors,
        NotifyKind::BatchFailed,
        NotifyKind::RemoteOffline,
        NotifyKind::SidecarFailed,
        NotifyKind::ScheduleMissed,
        NotifyKind::MountDown,
    ]
    .into()
}

fn filter(t: &ChannelToggle) -> HashSet<NotifyKind> {
    if t.only_problems {
        problems()
    } else {
        HashSet::new()
    }
}

impl NotifySettings {
    /// The channel named `name` ("desktop", "webhook", "telegram", "email"), enabled or not.
    pub fn channel(&self, name: &str, secrets: &SecretStore) -> Option<Arc<dyn super::Channel>> {
        let http = || net::http_client(Duration::from_secs(15), &net::TlsConfig::from_setting(&self.ca_file));
        Some(match name {
            "desktop" => Arc::new(Desktop),
            "webhook" => {
                let headers = match (self.webhook.header_name.trim(), secrets.get(KEY_WEBHOOK_HEADER)) {
                    ("", _) | (_, None) => vec![],
                    (name, Some(v)) => vec![(name.to_owned(), v)],
                };
                let url = secrets
                    .get(KEY_WEBHOOK_URL)
                    .unwrap_or_else(|| crate::secret::Secret::new(self.webhook.url.clone()));
                match http() {
                    Ok(http) => Arc::new(Webhook::new(WebhookConfig { url, headers }, http)),
                    Err(e) => Arc::new(Misconfigured {
                        name: "webhook",
                        reason: e.to_string(),
                    }),
                }
            }
            "telegram" => match http() {
                Ok(http) => Arc::new(Telegram::new(
                    TelegramConfig {
                        api_base: self.telegram.api_base.clone(),
                        token: secrets.get(KEY_TELEGRAM_TOKEN),
                        chat_id: self.telegram.chat_id.clone(),
                    },
                    http,
                )),
                Err(e) => Arc::new(Misconfigured {
                    name: "telegram",
                    reason: e.to_string(),
                }),
            },
            "email" => Arc::new(Email::new(EmailConfig {
                host: self.email.host.clone(),
                port: self.email.port,
                security: self.email.security,
                user: Some(self.email.user.clone()).filter(|u| !u.is_empty()),
                password: secrets.get(KEY_EMAIL_PASSWORD),
                from: self.email.from.clone(),
                to: self
                    .email
                    .to
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                allow_plaintext_login: self.email.allow_plaintext_login,
            })),
            _ => return None,
        })
    }

    /// Starts delivering `bus`'s events to the enabled channels, in the chosen language. Must
    /// run inside a tokio runtime. The one way the app and the command line start it.
    pub fn start(&self, bus: &crate::events::EventBus, secrets: &SecretStore) -> super::Notifier {
        let channels = self.channels(secrets);
        tracing::info!(channels = channels.len(), "notifications configured");
        super::Notifier::start(
            bus,
            channels,
            super::NotifyConfig {
                lang: self.lang,
                ..super::NotifyConfig::default()
            },
        )
    }

    /// The enabled channels with their filters.
    pub fn channels(&self, secrets: &SecretStore) -> Vec<ChannelSpec> {
        [
            ("desktop", &self.desktop),
            ("webhook", &self.webhook.toggle),
            ("telegram", &self.telegram.toggle),
            ("email", &self.email.toggle),
        ]
        .into_iter()
        .filter(|(_, t)| t.enabled)
        .filter(|(name, _)| {
            // a headless run (server, cron, ssh) has no desktop to show anything on
            let headless = *name == "desktop" && !super::desktop::session_available();
            if headless {
                tracing::info!("no desktop session: desktop notifications are off for this run");
            }
            !headless
        })
        .filter_map(|(name, t)| {
            Some(ChannelSpec {
                channel: self.channel(name, secrets)?,
                events: filter(t),
            })
        })
        .collect()
    }
}
