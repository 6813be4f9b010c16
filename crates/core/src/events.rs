//! Typed core events on a broadcast bus. The Tauri bridge forwards them to the UI; later,
//! notifications listen too.

use rcmd_types::{BatchInfo, BreakerReason, BreakerSnapshot, BreakerState, SidecarState};
use serde::Serialize;
use tokio::sync::broadcast;

/// Something the UI or a notifier may want to know about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CoreEvent {
    /// The local rclone sidecar changed state.
    Sidecar { state: SidecarState },
    /// A remote's circuit breaker changed state.
    Breaker {
        remote: String,
        from: BreakerState,
        to: BreakerState,
        reason: BreakerReason,
        /// Unix time in milliseconds.
        at_ms: u64,
        snapshot: BreakerSnapshot,
    },
    /// A batch changed status (started, paused, completed, failed, ...).
    Batch { info: BatchInfo },
    /// A schedule's due time was started, missed, skipped or is waiting.
    Schedule { run: rcmd_types::ScheduleRun },
    /// A mount changed state (mounting, mounted, degraded, recovering, failed, ...) or its
    /// pending uploads changed.
    Mount { status: rcmd_types::MountStatus },
    /// A serve changed state.
    Serve { status: rcmd_types::MountStatus },
}

/// A cheap-to-clone sender side; receivers that fall behind get `Lagged` and should resync
/// by querying current state.
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<CoreEvent>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        EventBus {
            tx: broadcast::channel(capacity).0,
        }
    }

    /// Publishes an event; having no listener is fine.
    pub fn emit(&self, event: CoreEvent) {
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.tx.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new(256)
    }
}
