//! Webhook: a JSON POST `{timestamp, event, data}` with the user's extra headers.

use std::{future::Future, pin::Pin, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    channel::{Channel, SendError},
    message::{Lang, Notice},
};
use crate::secret::Secret;

/// Where and how to POST.
#[derive(Clone, Serialize, Deserialize)]
pub struct WebhookConfig {
    /// A credential for most services (the token is in the path): never displayed.
    #[serde(skip)]
    pub url: Secret,
    /// Extra headers; values may be credentials, so they are secrets.
    #[serde(skip)]
    pub headers: Vec<(String, Secret)>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("WebhookConfig")
            .field("url", &"***")
            .field("headers", &names)
            .finish()
    }
}

pub struct Webhook {
    cfg: WebhookConfig,
    http: reqwest::Client,
}

impl Webhook {
    /// The channel, sending through `http` (see [`crate::net::http_client`]).
    pub fn new(cfg: WebhookConfig, http: reqwest::Client) -> Self {
        Webhook { cfg, http }
    }
}

impl Channel for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(
        &'a self,
        notice: &'a Notice,
        lang: Lang,
    ) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>> {
        Box::pin(async move {
            let timestamp = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let body = serde_json::json!({
                "timestamp": timestamp,
                "event": notice.kind,
                "data": {
                    "title": notice.title(lang),
                    "text": notice.body(lang),
                    "count": notice.count,
                    "subject": notice.subject,
                    "details": notice.data,
                },
            });
            if !self.cfg.url.expose().starts_with("http://") && !self.cfg.url.expose().starts_with("https://") {
                return Err(SendError::Permanent {
                    message: "webhook: no URL set (it must start with http:// or https://)".into(),
                });
            }
            let mut req = self.http.post(self.cfg.url.expose()).json(&body);
            for (name, value) in &self.cfg.headers {
                req = req.header(name.as_str(), value.expose());
            }
            let resp = req.send().await.map_err(|e| SendError::transport("webhook", e))?;
            let status = resp.status().as_u16();
            if resp.status().is_success() {
                return Ok(());
            }
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .map(Duration::from_secs);
            Err(SendError::from_status(
                status,
                format!("webhook answered HTTP {status}"),
                retry_after,
            ))
        })
    }
}
