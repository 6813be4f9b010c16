//! What the page is looking at: this computer, or which server (by its generation). Event
//! forwarders check it before sending anything to the page.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Mutex,
};

#[derive(Default)]
pub struct Focus {
    /// The active server's generation, 0 when this computer is active.
    server_generation: AtomicU64,
    server_name: Mutex<Option<String>>,
}

impl Focus {
    pub fn local(&self) -> bool {
        self.server_generation.load(Ordering::SeqCst) == 0
    }

    /// Whether the server of `generation` is the one looked at.
    pub fn is(&self, generation: u64) -> bool {
        self.server_generation.load(Ordering::SeqCst) == generation
    }

    /// The active server's name (`None`: this computer).
    pub fn server(&self) -> Option<String> {
        self.server_name.lock().ok().and_then(|n| n.clone())
    }

    /// Looks at the server of `generation` named `name` (0 and `None`: this computer).
    pub fn set(&self, generation: u64, name: Option<String>) {
        self.server_generation.store(generation, Ordering::SeqCst);
        if let Ok(mut n) = self.server_name.lock() {
            *n = name;
        }
    }
}
