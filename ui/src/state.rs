//! The page's state, shared through Leptos context.

use leptos::prelude::*;
use std::collections::BTreeMap;

use std::collections::HashMap;

use rcmd_types::{BatchInfo, BatchProgress, BatchReport, BreakerSnapshot, ConnectionView, FileEntry, IpcError, ServerCheckView, ServerInfo, SidecarState};

use crate::i18n::{Lang, Texts};

/// The directory being browsed, as rclone reads `remote:path`: `path` is relative to the
/// remote's root (`""` is the root: the login's home on sftp, rclone's working directory on
/// local) or absolute with a leading slash (`"/"` is the filesystem root). No trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub remote: String,
    pub path: String,
}

impl Location {
    /// The remote's root (`remote:`).
    pub fn root(remote: &str) -> Location {
        Location { remote: remote.to_owned(), path: String::new() }
    }

    /// The filesystem root (`remote:/`).
    pub fn absolute_root(remote: &str) -> Location {
        Location { remote: remote.to_owned(), path: "/".to_owned() }
    }

    pub fn parent(&self) -> Option<Location> {
        let parent = match self.path.as_str() {
            "" | "/" => return None,
            p => match p.rsplit_once('/') {
                Some(("", _)) => "/",
                Some((parent, _)) => parent,
                None => "",
            },
        };
        Some(Location { remote: self.remote.clone(), path: parent.to_owned() })
    }

    pub fn child(&self, name: &str) -> Location {
        let path = match self.path.as_str() {
            "" => name.to_owned(),
            "/" => format!("/{name}"),
            p => format!("{p}/{name}"),
        };
        Location { remote: self.remote.clone(), path }
    }

    /// `remote:path`, the string rclone and the batch commands take.
    pub fn spec(&self) -> String {
        format!("{}:{}", self.remote, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn relative_and_absolute_navigation() {
        let rel = Location::root("sftp").child("backup").child("2026");
        assert_eq!(rel.spec(), "sftp:backup/2026");
        assert_eq!(rel.parent().unwrap().spec(), "sftp:backup");
        assert_eq!(rel.parent().unwrap().parent().unwrap().spec(), "sftp:");
        assert!(Location::root("sftp").parent().is_none());
        let abs = Location::absolute_root("sftp").child("backup").child("2026");
        assert_eq!(abs.spec(), "sftp:/backup/2026");
        assert_eq!(abs.parent().unwrap().spec(), "sftp:/backup");
        assert_eq!(abs.parent().unwrap().parent().unwrap().spec(), "sftp:/");
        assert!(Location::absolute_root("sftp").parent().is_none());
    }
}

/// All signals of the page; `Copy`, so components take it from context by value.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub sidecar: RwSignal<Option<SidecarState>>,
    pub rclone_config: RwSignal<Option<String>>,
    pub auto_resume: RwSignal<bool>,
    pub error: RwSignal<Option<IpcError>>,
    /// The engine could not start: shown instead of any later error.
    pub startup_error: RwSignal<Option<String>>,
    pub remotes: RwSignal<Option<Vec<String>>>,
    pub location: RwSignal<Option<Location>>,
    pub entries: RwSignal<Option<Vec<FileEntry>>>,
    /// Where the shown listing came from when the remote is paused: (cache age ms, fallback).
    pub listing_source: RwSignal<(Option<u64>, Option<String>)>,
    pub loading: RwSignal<bool>,
    /// Breaker of each remote, with the page time (ms) it arrived, for the probe countdown.
    pub breakers: RwSignal<BTreeMap<String, (BreakerSnapshot, f64)>>,
    /// Which main view is shown.
    pub tab: RwSignal<Tab>,
    pub batches: RwSignal<BTreeMap<i64, BatchInfo>>,
    pub progress: RwSignal<HashMap<i64, BatchProgress>>,
    pub report: RwSignal<Option<BatchReport>>,
    /// Names checked in the file table (cleared when the folder changes).
    pub selected: RwSignal<std::collections::BTreeSet<String>>,
    /// What the app talks to and how that link is.
    pub connection: RwSignal<Option<ConnectionView>>,
    pub servers: RwSignal<Vec<ServerInfo>>,
    /// The last "Test connection" result, numbered (the count of results so far).
    pub server_check: RwSignal<Option<(u32, ServerCheckView)>>,
    /// A server form was saved (for a short "saved" mark).
    pub server_saved: RwSignal<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Files,
    Jobs,
}

impl Ctx {
    pub fn new() -> Self {
        Ctx {
            lang: RwSignal::new(Lang::initial()),
            sidecar: RwSignal::new(None),
            rclone_config: RwSignal::new(None),
            auto_resume: RwSignal::new(false),
            error: RwSignal::new(None),
            startup_error: RwSignal::new(None),
            remotes: RwSignal::new(None),
            location: RwSignal::new(None),
            entries: RwSignal::new(None),
            listing_source: RwSignal::new((None, None)),
            loading: RwSignal::new(false),
            breakers: RwSignal::new(BTreeMap::new()),
            tab: RwSignal::new(Tab::Files),
            batches: RwSignal::new(BTreeMap::new()),
            progress: RwSignal::new(HashMap::new()),
            report: RwSignal::new(None),
            selected: RwSignal::new(Default::default()),
            connection: RwSignal::new(None),
            servers: RwSignal::new(vec![]),
            server_check: RwSignal::new(None),
            server_saved: RwSignal::new(false),
        }
    }

    pub fn set_breaker(&self, snap: BreakerSnapshot) {
        let now = js_sys::Date::now();
        self.breakers.update(|m| {
            m.insert(snap.remote.clone(), (snap, now));
        });
    }

    /// Whether the active server is offline (listings may be cached copies).
    pub fn offline(&self) -> bool {
        self.connection.with(|c| c.as_ref().is_some_and(|c| c.state == rcmd_types::LinkState::Offline))
    }

    /// The texts of the current language (reactive).
    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }
}

pub fn use_ctx() -> Ctx {
    use_context::<Ctx>().unwrap_or_else(Ctx::new)
}
