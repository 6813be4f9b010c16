//! Notifications sent by the server itself (webhook, Telegram, email; no desktop on a
//! server), configured in `rproxy.toml` under `[notifications]` with their secrets kept by
//! `rproxy secret set KEY` in the data folder's private secrets file (0600), never in the
//! config. They report what users care about: the end of a server batch (`rproxy/batch/*`,
//! not the queue's own internal batches), a remote's circuit opening or closing, and rclone
//! failing.

use crate::{db::Pool, on_pool};
use rcmd_core::{
    events::{CoreEvent, EventBus},
    notify::{settings::NotifySettings, Notifier},
    secrets::SecretStore,
};

/// The secret keys `rproxy secret` accepts.
pub const SECRET_KEYS: &[&str] = &[
    rcmd_core::notify::settings::KEY_WEBHOOK_URL,
    rcmd_core::notify::settings::KEY_WEBHOOK_HEADER,
    rcmd_core::notify::settings::KEY_TELEGRAM_TOKEN,
    rcmd_core::notify::settings::KEY_EMAIL_PASSWORD,
];

/// The server's secrets file (0600, in the data folder).
pub fn secrets_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("secrets.json")
}

/// The server's secrets.
pub fn secrets(data_dir: &std::path::Path) -> SecretStore {
    SecretStore::file_only(secrets_file(data_dir))
}

/// Starts delivery with `settings` (desktop off) for the events of `engine_bus` that concern
/// users; stop the returned notifier at exit. Inside a tokio runtime.
pub fn start(settings: &NotifySettings, secrets: &SecretStore, engine_bus: &EventBus, pool: Pool) -> Notifier {
    let mut settings = settings.clone();
    settings.desktop.enabled = false;
    let relevant = EventBus::default();
    let notifier = settings.start(&relevant, secrets);
    let mut rx = engine_bus.subscribe();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(CoreEvent::Batch { info }) => {
                    // the queue groups calls into engine batches of its own: not news; a user's
                    // batch has an owner
                    let owned: Option<i64> = on_pool!(&pool, p => sqlx::query_scalar("SELECT user_id FROM batch_owners WHERE batch_id = $1").bind(info.id).fetch_optional(p).await.ok().flatten());
                    if owned.is_some() {
                        relevant.emit(CoreEvent::Batch { info });
                    }
                }
                Ok(e) => relevant.emit(e),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "notifications missed events")
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    notifier
}
