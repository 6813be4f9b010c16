//! Listings whose first rows went to the page ahead of the rest ([`crate::commands::files::open_dir`]):
//! each is held until the page takes it (once), for at most [`HELD_FOR`], and at most
//! [`HELD_MAX`] at a time (the oldest goes first: a page that moved on never asks for it).

use std::{
    collections::VecDeque,
    sync::Mutex,
    time::{Duration, Instant},
};

use rcmd_core::types::DirListing;

/// How long a listing waits for the page to take it.
pub const HELD_FOR: Duration = Duration::from_secs(60);
/// How many listings wait at most (two panes, a few quick moves each).
pub const HELD_MAX: usize = 4;

#[derive(Default)]
pub struct HeldListings {
    inner: Mutex<Held>,
}

/// The last number given, and the listings waiting (oldest first) with theirs.
#[derive(Default)]
struct Held {
    last: u64,
    waiting: VecDeque<(u64, Instant, DirListing)>,
}

impl HeldListings {
    /// Holds `listing`; the number that takes it.
    pub fn hold(&self, listing: DirListing) -> u64 {
        let mut held = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        held.last += 1;
        let (id, now) = (held.last, Instant::now());
        held.waiting.retain(|(_, at, _)| now.duration_since(*at) < HELD_FOR);
        while held.waiting.len() >= HELD_MAX {
            held.waiting.pop_front();
        }
        held.waiting.push_back((id, now, listing));
        id
    }

    /// The listing held as `id`, given up; `None` when it was taken, dropped or never held.
    pub fn take(&self, id: u64) -> Option<DirListing> {
        let mut held = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let at = held.waiting.iter().position(|(n, _, _)| *n == id)?;
        let (_, when, listing) = held.waiting.remove(at)?;
        (when.elapsed() < HELD_FOR).then_some(listing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(n: usize) -> DirListing {
        DirListing {
            entries: (0..n)
                .map(|i| rcmd_core::types::FileEntry {
                    name: format!("f{i}"),
                    path: format!("f{i}"),
                    size: 0,
                    mod_time: String::new(),
                    is_dir: false,
                    mime_type: None,
                })
                .collect(),
            stale_ms: None,
            fallback: None,
        }
    }

    #[test]
    fn a_listing_is_taken_once_and_the_oldest_goes_when_too_many_wait() {
        let held = HeldListings::default();
        let first = held.hold(listing(1));
        let ids: Vec<u64> = (2..=HELD_MAX + 1).map(|n| held.hold(listing(n))).collect();
        assert_eq!(held.take(first), None, "the oldest made room");
        assert_eq!(held.take(ids[0]).map(|l| l.entries.len()), Some(2));
        assert_eq!(held.take(ids[0]), None, "taken once");
        assert_eq!(held.take(999), None);
        assert_eq!(
            held.take(*ids.last().unwrap()).map(|l| l.entries.len()),
            Some(HELD_MAX + 1)
        );
    }
}
