//! The engine's notifier: built from the settings and the secret store, replaced when the
//! settings change.

use std::sync::{Arc, Mutex};

use super::{settings::NotifySettings, Notifier};
use crate::{events::EventBus, secrets::SecretStore};

/// The live notifier of an engine. Cheap to clone.
#[derive(Clone)]
pub struct Notifications {
    pub secrets: SecretStore,
    bus: EventBus,
    current: Arc<Mutex<Option<Notifier>>>,
}

impl Notifications {
    pub fn new(secrets: SecretStore, bus: EventBus) -> Self {
        Notifications {
            secrets,
            bus,
            current: Arc::default(),
        }
    }

    /// (Re)starts delivery with `settings`. Must run inside the async runtime.
    pub fn apply(&self, settings: &NotifySettings) {
        let next = settings.start(&self.bus, &self.secrets);
        if let Ok(mut cur) = self.current.lock() {
            if let Some(old) = cur.replace(next) {
                old.stop();
            }
        }
    }

    /// Sends what is still queued (the last events before an exit), for at most `limit`.
    pub async fn flush(&self, limit: std::time::Duration) {
        let current = self.current.lock().ok().and_then(|mut c| c.take());
        if let Some(n) = current {
            n.flush(limit).await;
        }
    }

    pub fn statuses(&self) -> Vec<(&'static str, super::ChannelStatus)> {
        self.current
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(Notifier::statuses))
            .unwrap_or_default()
    }
}
