//! Where a pane has been and can go: its history (Alt+←/→, Alt+↓), its tabs (Ctrl+T,
//! Ctrl+W, Ctrl+Tab) and the hotlist of bookmarked places (Ctrl+D). Places are `remote:path`
//! specs, as the panes show and parse them.

use serde::{Deserialize, Serialize};

/// How many places a pane's history keeps (the oldest are forgotten).
pub const HISTORY_MAX: usize = 100;
/// How many tabs a pane can have.
pub const TABS_MAX: usize = 20;

/// The places a pane showed, oldest first, and which one it shows now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    places: Vec<String>,
    at: usize,
}

impl History {
    /// The pane now shows `spec`. A place reached by going back or forward is already the
    /// current one and changes nothing; a new place drops the places ahead (as browsers do).
    pub fn visit(&mut self, spec: &str) {
        if self.places.get(self.at).is_some_and(|p| p == spec) {
            return;
        }
        if !self.places.is_empty() {
            self.places.truncate(self.at + 1);
        }
        self.places.push(spec.to_owned());
        if self.places.len() > HISTORY_MAX {
            self.places.remove(0);
        }
        self.at = self.places.len() - 1;
    }

    /// One place back, if there is one (it becomes the current place).
    pub fn back(&mut self) -> Option<String> {
        (self.at > 0).then(|| {
            self.at -= 1;
            self.places[self.at].clone()
        })
    }

    /// One place forward, if the pane went back before.
    pub fn forward(&mut self) -> Option<String> {
        (self.at + 1 < self.places.len()).then(|| {
            self.at += 1;
            self.places[self.at].clone()
        })
    }

    /// Jumps to the place at `index` of [`History::places`].
    pub fn jump(&mut self, index: usize) -> Option<String> {
        let spec = self.places.get(index)?.clone();
        self.at = index;
        Some(spec)
    }

    /// All places, oldest first.
    pub fn places(&self) -> &[String] {
        &self.places
    }

    /// The index of the current place.
    pub fn at(&self) -> usize {
        self.at
    }
}

/// A pane's tabs: the place each shows, and the one on screen. There is always one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tabs {
    pub places: Vec<String>,
    pub active: usize,
}

impl Default for Tabs {
    fn default() -> Self {
        Tabs {
            places: vec![String::new()],
            active: 0,
        }
    }
}

impl Tabs {
    /// Tabs as they were kept; a damaged entry (no tabs, the active one out of range) is
    /// repaired rather than refused.
    pub fn restored(places: Vec<String>, active: usize) -> Tabs {
        let mut places: Vec<String> = places.into_iter().take(TABS_MAX).collect();
        if places.is_empty() {
            places.push(String::new());
        }
        let active = active.min(places.len() - 1);
        Tabs { places, active }
    }

    /// The active tab now shows `spec`.
    pub fn show(&mut self, spec: &str) {
        self.places[self.active] = spec.to_owned();
    }

    /// Ctrl+T: a new tab showing the same place, after the active one; `false` at the limit.
    pub fn open(&mut self) -> bool {
        if self.places.len() >= TABS_MAX {
            return false;
        }
        let spec = self.places[self.active].clone();
        self.active += 1;
        self.places.insert(self.active, spec);
        true
    }

    /// Ctrl+W: closes the active tab (never the last one) and returns the place of the tab
    /// now active.
    pub fn close(&mut self) -> Option<String> {
        if self.places.len() < 2 {
            return None;
        }
        self.places.remove(self.active);
        self.active = self.active.min(self.places.len() - 1);
        Some(self.places[self.active].clone())
    }

    /// Ctrl+Tab (`step` 1) or Ctrl+Shift+Tab (-1), wrapping; the place of the tab now active.
    pub fn cycle(&mut self, step: isize) -> Option<String> {
        let n = self.places.len() as isize;
        if n < 2 {
            return None;
        }
        self.active = (self.active as isize + step).rem_euclid(n) as usize;
        Some(self.places[self.active].clone())
    }

    /// Activates tab `index`; its place.
    pub fn select(&mut self, index: usize) -> Option<String> {
        let spec = self.places.get(index)?.clone();
        self.active = index;
        Some(spec)
    }

    /// A tab's label: the last folder of its place (the remote's root as `remote:`).
    pub fn label(spec: &str) -> String {
        let tail = spec.rsplit_once(':').map_or(spec, |(_, p)| p);
        match tail.trim_end_matches('/').rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_owned(),
            _ => spec.to_owned(),
        }
    }
}

/// Bookmarked places (Ctrl+D), in the order they were added; no duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hotlist {
    pub places: Vec<String>,
}

impl Hotlist {
    /// How many places a hotlist keeps.
    pub const MAX: usize = 50;

    /// Adds `spec` at the end; `false` when it is already there or the list is full.
    pub fn add(&mut self, spec: &str) -> bool {
        if spec.is_empty() || self.places.iter().any(|p| p == spec) || self.places.len() >= Self::MAX {
            return false;
        }
        self.places.push(spec.to_owned());
        true
    }

    pub fn remove(&mut self, spec: &str) {
        self.places.retain(|p| p != spec);
    }

    pub fn contains(&self, spec: &str) -> bool {
        self.places.iter().any(|p| p == spec)
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// An unreadable entry is an empty hotlist (never an error on start).
    pub fn decode(text: &str) -> Hotlist {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// Where the hotlist of the connection to `server` (`None`: this computer) is kept.
    pub fn storage_key(server: Option<&str>) -> String {
        match server {
            Some(s) => format!("rcmd.hotlist.server.{s}"),
            None => "rcmd.hotlist.local".to_owned(),
        }
    }
}

/// Type-ahead: letters typed in a pane within [`TypeAhead::PAUSE_MS`] of each other build a
/// prefix; the cursor jumps to the first name (from the cursor on, wrapping) that starts with
/// it, ignoring case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeAhead {
    pub text: String,
    last_ms: f64,
}

impl TypeAhead {
    /// A pause longer than this starts a new search.
    pub const PAUSE_MS: f64 = 1000.0;

    /// `ch` was typed at `now_ms` with the cursor on row `cursor`: the row to move to, if a
    /// name matches. A letter that matches nothing is dropped (the prefix stays what it was),
    /// so one wrong key does not lose the search.
    pub fn key(&mut self, ch: char, now_ms: f64, names: &[String], cursor: usize) -> Option<usize> {
        if now_ms - self.last_ms > Self::PAUSE_MS {
            self.text.clear();
        }
        self.last_ms = now_ms;
        let mut wanted = self.text.clone();
        wanted.push(ch);
        // a longer prefix keeps the current row if it still matches; a new one starts after it
        let from = if self.text.is_empty() { cursor + 1 } else { cursor };
        let row = find(names, &wanted, from)?;
        self.text = wanted;
        Some(row)
    }

    /// Ends the search: any other key (an arrow, F3, Enter) does, as in orthodox file managers.
    pub fn reset(&mut self) {
        self.text.clear();
    }

    /// Whether a search is under way at `now_ms` (for showing the typed text).
    pub fn active(&self, now_ms: f64) -> bool {
        !self.text.is_empty() && now_ms - self.last_ms <= Self::PAUSE_MS
    }
}

/// The first row from `from` on (wrapping) whose name starts with `prefix`, ignoring case.
pub fn find(names: &[String], prefix: &str, from: usize) -> Option<usize> {
    let prefix = prefix.to_lowercase();
    let n = names.len();
    (0..n)
        .map(|i| (from + i) % n)
        .find(|&i| names[i].to_lowercase().starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_goes_back_and_forward_and_forgets_what_was_ahead() {
        let mut h = History::default();
        assert_eq!(h.back(), None);
        for p in ["a:", "a:x", "a:x/y"] {
            h.visit(p);
        }
        assert_eq!(h.back().as_deref(), Some("a:x"));
        h.visit("a:x"); // the pane opens the place it went back to: nothing new
        assert_eq!(h.back().as_deref(), Some("a:"));
        assert_eq!(h.back(), None);
        assert_eq!(h.forward().as_deref(), Some("a:x"));
        h.visit("b:");
        assert_eq!(h.forward(), None, "a new place drops the places ahead");
        assert_eq!(h.places(), ["a:", "a:x", "b:"]);
        assert_eq!(h.jump(0).as_deref(), Some("a:"));
        assert_eq!(h.at(), 0);
        assert_eq!(h.jump(7), None);
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::default();
        for i in 0..HISTORY_MAX + 30 {
            h.visit(&format!("r:{i}"));
        }
        assert_eq!(h.places().len(), HISTORY_MAX);
        assert_eq!(h.places()[0], "r:30");
        assert_eq!(h.at(), HISTORY_MAX - 1);
    }

    #[test]
    fn tabs_open_close_and_cycle() {
        let mut t = Tabs::default();
        t.show("a:");
        assert_eq!(t.close(), None, "the last tab stays");
        assert_eq!(t.cycle(1), None);
        assert!(t.open());
        t.show("b:docs");
        assert_eq!(t.places, ["a:", "b:docs"]);
        assert_eq!(t.active, 1);
        assert_eq!(t.cycle(1).as_deref(), Some("a:"));
        assert_eq!(t.cycle(-1).as_deref(), Some("b:docs"));
        assert!(t.open()); // a copy of b:docs after it
        assert_eq!(t.places, ["a:", "b:docs", "b:docs"]);
        assert_eq!(t.close().as_deref(), Some("b:docs"));
        assert_eq!(t.select(0).as_deref(), Some("a:"));
        assert_eq!(t.close().as_deref(), Some("b:docs"));
        assert_eq!((t.places.len(), t.active), (1, 0));
        for _ in 0..TABS_MAX + 3 {
            t.open();
        }
        assert_eq!(t.places.len(), TABS_MAX);
    }

    #[test]
    fn damaged_tabs_are_repaired() {
        assert_eq!(Tabs::restored(vec![], 3), Tabs::default());
        let t = Tabs::restored(vec!["a:".into(), "b:".into()], 9);
        assert_eq!(t.active, 1);
    }

    #[test]
    fn tab_labels() {
        assert_eq!(Tabs::label("nas:photos/2026"), "2026");
        assert_eq!(Tabs::label(":local:/home/사용자"), "사용자");
        assert_eq!(Tabs::label("nas:"), "nas:");
        assert_eq!(Tabs::label(":local:/"), ":local:/");
    }

    #[test]
    fn hotlist_keeps_each_place_once() {
        let mut h = Hotlist::default();
        assert!(h.add("nas:photos"));
        assert!(!h.add("nas:photos"));
        assert!(!h.add(""));
        assert!(h.add(":local:/tmp"));
        assert!(h.contains(":local:/tmp"));
        let back = Hotlist::decode(&h.encode());
        assert_eq!(back, h);
        h.remove("nas:photos");
        assert_eq!(h.places, [":local:/tmp"]);
        assert_eq!(Hotlist::decode("not json"), Hotlist::default());
        assert_ne!(Hotlist::storage_key(None), Hotlist::storage_key(Some("srv")));
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn type_ahead_builds_a_prefix_and_wraps() {
        let rows = names(&["..x", "Alpha", "beta", "Bravo", "bz", "사진"]);
        let mut t = TypeAhead::default();
        assert_eq!(t.key('b', 0.0, &rows, 0), Some(2));
        assert_eq!(t.key('r', 100.0, &rows, 2), Some(3), "br: Bravo");
        assert_eq!(t.key('q', 200.0, &rows, 3), None, "brq matches nothing");
        assert_eq!(t.text, "br", "the search keeps its prefix");
        assert!(t.active(300.0) && !t.active(5000.0));
        // a pause starts again; b from Bravo goes on to bz, then wraps to beta
        assert_eq!(t.key('b', 5000.0, &rows, 3), Some(4));
        assert_eq!(t.key('b', 9000.0, &rows, 4), Some(2));
        assert_eq!(t.key('A', 20000.0, &rows, 2), Some(1), "case is ignored");
        assert_eq!(t.key('사', 30000.0, &rows, 0), Some(5));
        assert_eq!(TypeAhead::default().key('z', 0.0, &[], 0), None);
        // another key ends the search at once: "b" right after is a new search from the cursor
        let mut t = TypeAhead::default();
        assert_eq!(t.key('b', 0.0, &rows, 0), Some(2));
        t.reset();
        assert!(!t.active(1.0));
        assert_eq!(
            t.key('b', 2.0, &rows, 2),
            Some(3),
            "a new search goes on after the cursor"
        );
    }
}
