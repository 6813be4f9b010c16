//! The app's notifier: built from the saved settings and the secret store, replaced when the
//! settings change.

use std::sync::{Arc, Mutex};

use rcmd_core::{
    events::EventBus,
    notify::{settings::NotifySettings, Notifier},
    secrets::SecretStore,
};

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

    pub fn statuses(&self) -> Vec<(&'static str, rcmd_core::notify::ChannelStatus)> {
        self.current
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(Notifier::statuses))
            .unwrap_or_default()
    }
}
