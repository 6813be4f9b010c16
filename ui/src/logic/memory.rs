//! What a pane remembers across restarts, per connection: the folder it showed and how it was
//! sorted (the filter is not kept: a pane that comes back filtered looks empty).

use serde::{Deserialize, Serialize};

use super::{
    listing::{SortKey, ViewOpts},
    nav::Tabs,
};

/// One pane's memory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneMemory {
    pub remote: String,
    pub path: String,
    /// `name`, `size` or `modified`.
    pub sort: String,
    pub ascending: bool,
    pub show_hidden: bool,
    /// The pane's tabs (specs) and which one shows `remote`/`path` (older memories have none).
    #[serde(default)]
    pub tabs: Vec<String>,
    #[serde(default)]
    pub tab: usize,
}

impl PaneMemory {
    /// The memory of a pane at `remote`/`path` with `opts`.
    pub fn of(remote: &str, path: &str, opts: &ViewOpts) -> PaneMemory {
        let sort = match opts.key {
            SortKey::Name => "name",
            SortKey::Size => "size",
            SortKey::Modified => "modified",
        };
        PaneMemory {
            remote: remote.to_owned(),
            path: path.to_owned(),
            sort: sort.to_owned(),
            ascending: opts.ascending,
            show_hidden: opts.show_hidden,
            tabs: vec![],
            tab: 0,
        }
    }

    /// The same memory with the pane's tabs.
    pub fn with_tabs(mut self, tabs: &Tabs) -> PaneMemory {
        self.tabs = tabs.places.clone();
        self.tab = tabs.active;
        self
    }

    /// The kept tabs; the active one is the kept folder (a memory without tabs: one tab).
    pub fn tabs(&self) -> Tabs {
        let spec = format!("{}:{}", self.remote, self.path);
        let mut tabs = Tabs::restored(self.tabs.clone(), self.tab);
        tabs.show(&spec);
        tabs
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `None` for anything that is not a memory (an old or damaged entry is forgotten).
    pub fn decode(text: &str) -> Option<PaneMemory> {
        serde_json::from_str(text).ok()
    }

    /// The sort order and hidden-files choice, put back into `opts`.
    pub fn apply(&self, opts: &mut ViewOpts) {
        opts.key = match self.sort.as_str() {
            "size" => SortKey::Size,
            "modified" => SortKey::Modified,
            _ => SortKey::Name,
        };
        opts.ascending = self.ascending;
        opts.show_hidden = self.show_hidden;
    }
}

/// Where pane `idx`'s memory is kept for the connection to `server` (`None`: this computer).
pub fn storage_key(idx: usize, server: Option<&str>) -> String {
    match server {
        Some(s) => format!("rcmd.pane.{idx}.server.{s}"),
        None => format!("rcmd.pane.{idx}.local"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_round_trips_and_sets_the_sort() {
        let mut opts = ViewOpts::default();
        opts.sort_by(SortKey::Size);
        opts.sort_by(SortKey::Size);
        opts.show_hidden = true;
        opts.filter = "x".into();
        let m = PaneMemory::of("e2e", "work/sub", &opts);
        let back = PaneMemory::decode(&m.encode()).unwrap();
        assert_eq!(back, m);
        let mut fresh = ViewOpts::default();
        back.apply(&mut fresh);
        assert_eq!(
            (fresh.key, fresh.ascending, fresh.show_hidden),
            (opts.key, opts.ascending, true)
        );
        assert!(fresh.filter.is_empty(), "the filter is not kept");
        assert_eq!(PaneMemory::decode("{broken"), None);
        assert_ne!(storage_key(0, None), storage_key(0, Some("nas")));
        assert_ne!(storage_key(0, None), storage_key(1, None));
    }

    #[test]
    fn tabs_are_kept_and_an_old_memory_has_one() {
        let old = r#"{"remote":"e2e","path":"work","sort":"name","ascending":true,"show_hidden":false}"#;
        let m = PaneMemory::decode(old).expect("a memory from before tabs");
        assert_eq!(m.tabs().places, ["e2e:work"]);
        let mut tabs = Tabs::default();
        tabs.show("e2e:a");
        tabs.open();
        tabs.show("e2e:b");
        tabs.cycle(1);
        let m = PaneMemory::of("e2e", "a", &ViewOpts::default()).with_tabs(&tabs);
        let back = PaneMemory::decode(&m.encode()).unwrap().tabs();
        assert_eq!(
            (back.places.as_slice(), back.active),
            (["e2e:a".to_owned(), "e2e:b".to_owned()].as_slice(), 0)
        );
    }
}
