//! The last items the batches of this process finished, newest first, for the transfers
//! view: a chunk's files run as one rclone job whose stats group is deleted at its end, so
//! rclone's own `core/transferred` does not keep them.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use rcmd_types::TransferDone;

/// A bounded ring of finished items. Cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct Recent {
    ring: Arc<Mutex<VecDeque<TransferDone>>>,
}

impl Recent {
    /// How many finished items are kept.
    pub const KEEP: usize = 100;

    /// Records finished items (oldest first in `done`); the oldest beyond [`Recent::KEEP`] go.
    pub fn push(&self, done: impl IntoIterator<Item = TransferDone>) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        for d in done {
            ring.push_front(d);
        }
        ring.truncate(Self::KEEP);
    }

    /// Newest first.
    pub fn list(&self) -> Vec<TransferDone> {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize) -> TransferDone {
        TransferDone {
            name: format!("f{n}"),
            size: n as i64,
            error: String::new(),
            completed_at_ms: 0,
        }
    }

    #[test]
    fn newest_first_and_bounded() {
        let r = Recent::default();
        r.push((0..Recent::KEEP + 5).map(item));
        let list = r.list();
        assert_eq!(list.len(), Recent::KEEP);
        assert_eq!(list[0].name, format!("f{}", Recent::KEEP + 4));
        assert_eq!(list.last().unwrap().name, "f5");
    }
}
