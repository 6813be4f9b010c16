//! Telegram Bot API `sendMessage` with HTML formatting. The API base URL is configurable
//! (tests point it at a local server speaking the same protocol).

use std::{future::Future, pin::Pin, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    channel::{Channel, SendError},
    message::{Lang, Notice},
};
use crate::secret::Secret;

pub const TELEGRAM_API: &str = "https://api.telegram.org";

#[derive(Clone, Serialize, Deserialize)]
pub struct TelegramConfig {
    pub api_base: String,
    /// The bot token (kept in the OS keyring by the app, never logged).
    #[serde(skip)]
    pub token: Option<Secret>,
    pub chat_id: String,
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("api_base", &self.api_base)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("chat_id", &self.chat_id)
            .finish()
    }
}

pub struct Telegram {
    cfg: TelegramConfig,
    http: reqwest::Client,
}

impl Telegram {
    /// The channel, sending through `http` (see [`crate::net::http_client`]).
    pub fn new(cfg: TelegramConfig, http: reqwest::Client) -> Self {
        Telegram { cfg, http }
    }
}

/// The Bot API's reply envelope.
#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    description: String,
    #[serde(default)]
    error_code: u16,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl Channel for Telegram {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn send<'a>(
        &'a self,
        notice: &'a Notice,
        lang: Lang,
    ) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        Box::pin(async move {
            let token = self.cfg.token.as_ref().ok_or(SendError::Permanent {
                message: "no Telegram bot token set".into(),
            })?;
            let url = format!(
                "{}/bot{}/sendMessage",
                self.cfg.api_base.trim_end_matches('/'),
                token.expose()
            );
            let body = serde_json::json!({
                "chat_id": self.cfg.chat_id,
                "text": notice.html(lang),
                "parse_mode": "HTML",
                "disable_web_page_preview": true,
            });
            let resp = self
                .http
                .post(url)
                .json(&body)
                .send()
                .await
                .map_err(|e| SendError::transport("telegram", e))?;
            let status = resp.status().as_u16();
            let reply: Option<Reply> = resp.json().await.ok();
            match reply {
                Some(r) if r.ok => Ok(()),
                Some(r) => {
                    let retry_after = r.parameters.and_then(|p| p.retry_after).map(Duration::from_secs);
                    let code = if r.error_code != 0 { r.error_code } else { status };
                    // the description is Telegram's text ("Bad Request: chat not found"); it never echoes the token
                    Err(SendError::from_status(
                        code,
                        format!("telegram: {} ({code})", r.description),
                        retry_after,
                    ))
                }
                None => Err(SendError::from_status(
                    status,
                    format!("telegram answered HTTP {status}"),
                    None,
                )),
            }
        })
    }
}
