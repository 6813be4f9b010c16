//! The page's state, shared through Leptos context.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use leptos::prelude::*;
use rcmd_types::{
    BatchInfo, BatchKind, BatchProgress, BatchReport, BreakerSnapshot, BwLimit, ConnectionView, FileEntry, IpcError,
    Properties, ServerCheckView, ServerInfo, SidecarState, TransferStats,
};

use crate::{
    i18n::{Lang, Texts},
    logic::{
        chart::Sample,
        listing::{visible, ViewOpts},
        selection::Selection,
    },
};

/// The local disk, as rclone's on-the-fly backend (no remote to configure).
pub const LOCAL_DISK: &str = ":local";

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
        Location {
            remote: remote.to_owned(),
            path: String::new(),
        }
    }

    /// The filesystem root (`remote:/`).
    pub fn absolute_root(remote: &str) -> Location {
        Location {
            remote: remote.to_owned(),
            path: "/".to_owned(),
        }
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
        Some(Location {
            remote: self.remote.clone(),
            path: parent.to_owned(),
        })
    }

    pub fn child(&self, name: &str) -> Location {
        let path = match self.path.as_str() {
            "" => name.to_owned(),
            "/" => format!("/{name}"),
            p => format!("{p}/{name}"),
        };
        Location {
            remote: self.remote.clone(),
            path,
        }
    }

    /// Parses `remote:path` (and the local disk's `:local:/path`); `None` without a remote.
    pub fn parse(spec: &str) -> Option<Location> {
        let (remote, path) = match spec.trim().strip_prefix(":local:") {
            Some(rest) => (LOCAL_DISK, rest),
            None => spec.trim().split_once(':')?,
        };
        if remote.is_empty() {
            return None;
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let path = if path.starts_with('/') {
            format!("/{}", segments.join("/"))
        } else {
            segments.join("/")
        };
        Some(Location {
            remote: remote.to_owned(),
            path,
        })
    }

    /// The folder's path segments with the location of each, for the breadcrumb bar: the
    /// root first (`remote:` or `remote:/`).
    pub fn crumbs(&self) -> Vec<(String, Location)> {
        let abs = self.path.starts_with('/');
        let root = if abs {
            Location::absolute_root(&self.remote)
        } else {
            Location::root(&self.remote)
        };
        let mut out = vec![(root.spec(), root.clone())];
        let mut at = root;
        for seg in self.path.split('/').filter(|s| !s.is_empty()) {
            at = at.child(seg);
            out.push((seg.to_owned(), at.clone()));
        }
        out
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

    #[test]
    fn parse_specs() {
        assert_eq!(Location::parse("nas:/a//b/").unwrap().spec(), "nas:/a/b");
        assert_eq!(Location::parse(" nas:x ").unwrap().spec(), "nas:x");
        assert_eq!(Location::parse(":local:/").unwrap(), Location::absolute_root(":local"));
        assert_eq!(Location::parse(":local:/tmp/x").unwrap().remote, ":local");
        assert!(Location::parse("no-colon").is_none() && Location::parse(":x").is_none());
    }

    #[test]
    fn breadcrumbs() {
        let abs = Location::absolute_root(":local").child("home").child("사용자");
        let crumbs: Vec<_> = abs
            .crumbs()
            .into_iter()
            .map(|(label, loc)| (label, loc.spec()))
            .collect();
        assert_eq!(
            crumbs,
            [
                (":local:/".into(), ":local:/".into()),
                ("home".into(), ":local:/home".into()),
                ("사용자".into(), ":local:/home/사용자".into())
            ]
        );
        let rel = Location::root("s3").child("b");
        assert_eq!(rel.crumbs().len(), 2);
        assert_eq!(rel.crumbs()[0].1, Location::root("s3"));
    }
}

/// One side of the commander: where it is, what it lists, how, and what is selected.
/// `Copy`: every field is a signal.
#[derive(Clone, Copy)]
pub struct Pane {
    /// 0 left, 1 right.
    pub idx: usize,
    pub location: RwSignal<Option<Location>>,
    /// The listing as the engine gave it (shared, never copied per render).
    pub entries: RwSignal<Option<Arc<Vec<FileEntry>>>>,
    /// Where the shown listing came from when the remote is paused: (cache age ms, fallback).
    pub listing_source: RwSignal<(Option<u64>, Option<String>)>,
    pub loading: RwSignal<bool>,
    /// While only a big folder's first rows are in (the rest is on its way): how many entries
    /// the folder has.
    pub partial: RwSignal<Option<usize>>,
    pub opts: RwSignal<ViewOpts>,
    pub sel: RwSignal<Selection>,
    /// Indices into `entries` in display order (sorted, filtered).
    pub rows: Memo<Vec<usize>>,
    pub scroll_top: RwSignal<f64>,
    /// How long the last folder took from the request to its first rows on screen (ms).
    pub open_ms: RwSignal<Option<f64>>,
    /// ... and to all its rows being there (ms).
    pub full_ms: RwSignal<Option<f64>>,
    /// How many entries the last folder opened showed first (a big folder's first rows, else
    /// all of it).
    pub first_shown: RwSignal<usize>,
    /// Of which the engine's first answer took (rclone's listing, IPC, decoding; of a big
    /// folder, its first rows) (ms).
    pub fetch_ms: RwSignal<Option<f64>>,
    /// A name to put the cursor on when the next listing arrives (the folder just left, a
    /// folder just made, a file just renamed).
    pub point_at: RwSignal<Option<String>>,
    /// The places this pane showed (Alt+←/→).
    pub history: RwSignal<crate::logic::nav::History>,
    /// The pane's tabs (remembered with its folder).
    pub tabs: RwSignal<crate::logic::nav::Tabs>,
    /// Letters typed to jump to a name.
    pub typeahead: RwSignal<crate::logic::nav::TypeAhead>,
    /// The path field replaces the breadcrumbs (Ctrl+L, or a click beside them).
    pub editing_path: RwSignal<bool>,
}

impl Pane {
    fn new(idx: usize) -> Pane {
        let entries: RwSignal<Option<Arc<Vec<FileEntry>>>> = RwSignal::new(None);
        let opts = RwSignal::new(ViewOpts::default());
        let rows =
            Memo::new(move |_| entries.with(|e| e.as_ref().map(|e| opts.with(|o| visible(e, o))).unwrap_or_default()));
        Pane {
            idx,
            location: RwSignal::new(None),
            entries,
            listing_source: RwSignal::new((None, None)),
            loading: RwSignal::new(false),
            partial: RwSignal::new(None),
            opts,
            sel: RwSignal::new(Selection::default()),
            rows,
            scroll_top: RwSignal::new(0.0),
            open_ms: RwSignal::new(None),
            full_ms: RwSignal::new(None),
            first_shown: RwSignal::new(0),
            fetch_ms: RwSignal::new(None),
            point_at: RwSignal::new(None),
            history: RwSignal::new(Default::default()),
            tabs: RwSignal::new(Default::default()),
            typeahead: RwSignal::new(Default::default()),
            editing_path: RwSignal::new(false),
        }
    }

    /// The names of the shown rows, in display order (untracked).
    pub fn row_names(&self) -> Vec<String> {
        let rows = self.rows.get_untracked();
        self.entries.with_untracked(|e| match e {
            Some(e) => rows.iter().map(|&i| e[i].name.clone()).collect(),
            None => vec![],
        })
    }

    /// The entry shown at display row `row` (untracked).
    pub fn entry_at(&self, row: usize) -> Option<FileEntry> {
        let i = self.rows.with_untracked(|r| r.get(row).copied())?;
        self.entries
            .with_untracked(|e| e.as_ref().and_then(|e| e.get(i).cloned()))
    }

    /// The folder shown and the entry under the cursor (untracked).
    pub fn at_cursor(&self) -> Option<(Location, FileEntry)> {
        let entry = self.entry_at(self.sel.with_untracked(|s| s.cursor))?;
        Some((self.location.get_untracked()?, entry))
    }

    /// Which of `names` are folders, in the order given (one pass over the listing: a
    /// selection can be the whole of a 10,000-entry folder).
    pub fn dirs_among(&self, names: &[String]) -> Vec<String> {
        let dirs: std::collections::HashSet<String> = self
            .entries
            .with_untracked(|e| {
                e.as_ref()
                    .map(|e| e.iter().filter(|x| x.is_dir).map(|x| x.name.clone()).collect())
            })
            .unwrap_or_default();
        names.iter().filter(|n| dirs.contains(*n)).cloned().collect()
    }

    /// How many entries are selected and the bytes of the selected files (tracked; one pass).
    pub fn selected_size(&self) -> (usize, i64) {
        self.sel.with(|s| {
            let bytes = self.entries.with(|e| {
                e.as_ref().map_or(0, |e| {
                    e.iter()
                        .filter(|x| !x.is_dir && s.names.contains(&x.name))
                        .map(|x| x.size.max(0))
                        .sum()
                })
            });
            (s.names.len(), bytes)
        })
    }

    /// Whether the pane shows a folder of the same remote and path as `loc`.
    pub fn shows(&self, loc: &Location) -> bool {
        self.location.with_untracked(|l| l.as_ref() == Some(loc))
    }

    /// The pane's place as a spec (`remote:path`), if it shows one (untracked).
    pub fn spec(&self) -> Option<String> {
        self.location.with_untracked(|l| l.as_ref().map(Location::spec))
    }

    pub fn dom_id(&self) -> &'static str {
        if self.idx == 0 {
            "pane-left"
        } else {
            "pane-right"
        }
    }
}

/// Light, dark, or what the desktop says (WebKitGTK's `prefers-color-scheme`, which the
/// window keeps in step with the desktop's colour scheme through the settings portal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn code(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_code(code: &str) -> Theme {
        match code {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

/// A question the commander asks before it acts, or what it shows about an entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    /// Copy or move `names` of `src` to the editable `dst` (`remote:path`).
    Transfer {
        kind: BatchKind,
        src: Location,
        names: Vec<String>,
        dirs: Vec<String>,
        dst: String,
    },
    Delete {
        src: Location,
        names: Vec<String>,
        dirs: Vec<String>,
    },
    NewFolder {
        at: Location,
    },
    Rename {
        at: Location,
        name: String,
        is_dir: bool,
    },
    Properties {
        at: Location,
        name: String,
        props: Option<Result<Properties, String>>,
    },
    /// Num+ / Num−: a name pattern to select (or deselect) the matching rows of the active
    /// pane.
    Pattern {
        select: bool,
    },
    /// A copy or move would meet files that exist at `dst`: asked one by one (or once "for
    /// all") before the batch is created. `at` is the conflict on screen; `choices` the answers
    /// so far (path → choice).
    Conflict {
        kind: BatchKind,
        src: Location,
        names: Vec<String>,
        dst: String,
        conflicts: Vec<rcmd_types::Conflict>,
        /// All conflicts, also beyond the listed ones (these follow the default policy).
        total: u64,
        at: usize,
        choices: std::collections::BTreeMap<String, rcmd_types::ConflictPolicy>,
    },
    /// F3: a file's quick view; `view` once it is fetched, `image` the object URL of an
    /// image's bytes (revoked when the dialog closes).
    View {
        at: Location,
        name: String,
        view: Option<Result<rcmd_types::QuickView, String>>,
        image: Option<String>,
    },
    /// Ctrl+D: the bookmarked places, to go to one, add the active pane's folder or remove one.
    Hotlist,
    /// Alt+↓: the places pane `pane` showed, to go back to one.
    History {
        pane: usize,
    },
}

/// What to do when a batch started here ends: refresh the panes showing its folders.
#[derive(Clone, Debug, PartialEq)]
pub struct Followup {
    pub src: Location,
    pub dst: Option<Location>,
}

/// All signals of the page; `Copy`, so components take it from context by value.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub theme: RwSignal<Theme>,
    /// Page zoom in percent (the window's own zoom: layout and text scale together).
    pub zoom: RwSignal<u32>,
    pub sidecar: RwSignal<Option<SidecarState>>,
    pub rclone_config: RwSignal<Option<String>>,
    pub auto_resume: RwSignal<bool>,
    pub error: RwSignal<Option<IpcError>>,
    /// The engine could not start: shown instead of any later error.
    pub startup_error: RwSignal<Option<String>>,
    pub remotes: RwSignal<Option<Vec<String>>>,
    pub panes: [Pane; 2],
    /// The pane the keyboard works in.
    pub active: RwSignal<usize>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub followups: RwSignal<HashMap<i64, Followup>>,
    /// Breaker of each remote, with the page time (ms) it arrived, for the probe countdown.
    pub breakers: RwSignal<BTreeMap<String, (BreakerSnapshot, f64)>>,
    /// Which main view is shown.
    pub tab: RwSignal<Tab>,
    pub batches: RwSignal<BTreeMap<i64, BatchInfo>>,
    pub progress: RwSignal<HashMap<i64, BatchProgress>>,
    /// Per batch: its bytes last seen and since when (a stalled transfer shows no ETA).
    pub progress_seen: RwSignal<HashMap<i64, crate::logic::stall::Seen>>,
    pub report: RwSignal<Option<BatchReport>>,
    /// Per server batch: the server outages (ms) it ran through, as this page saw them.
    pub outages: RwSignal<HashMap<i64, Vec<u64>>>,
    /// The last transfer figures and the total speed over the last minutes.
    pub stats: RwSignal<Option<TransferStats>>,
    pub speed: RwSignal<Vec<Sample>>,
    pub bwlimit: RwSignal<Option<BwLimit>>,
    /// What the app talks to and how that link is.
    pub connection: RwSignal<Option<ConnectionView>>,
    /// This computer's home folder (the local disk opens there), from the snapshot.
    pub home: RwSignal<Option<String>>,
    pub servers: RwSignal<Vec<ServerInfo>>,
    /// The last "Test connection" result, numbered (the count of results so far).
    pub server_check: RwSignal<Option<(u32, ServerCheckView)>>,
    /// A server form was saved (for a short "saved" mark).
    pub server_saved: RwSignal<bool>,
    /// The log view's text filter (a failed item's "log lines" link sets it).
    pub log_filter: RwSignal<String>,
    /// Counts schedule-run events: the schedules view reloads when it changes.
    pub schedule_rev: RwSignal<u32>,
    /// The window was closed while this many batches (and mounts) run: the close prompt is open.
    pub close_ask: RwSignal<Option<usize>>,
    /// The latest state of each mount and serve, from the mount-state events.
    pub mount_states: RwSignal<std::collections::HashMap<String, rcmd_types::MountStatus>>,
    /// The rclone config's lock (asked at start and after each rclone start).
    pub config_lock: RwSignal<Option<rcmd_types::ConfigLock>>,
    /// The file lists' size and time column widths (both panes), kept in the page's storage.
    pub columns: RwSignal<crate::logic::columns::Widths>,
    /// The page's clock (ms), moved once a second: what "for N s" texts are read against.
    pub clock: RwSignal<f64>,
    /// The files open in an editor (F4): each session's last report.
    pub edits: RwSignal<BTreeMap<u64, rcmd_types::EditEvent>>,
    /// Bookmarked places of this connection (Ctrl+D), kept in the page's storage.
    pub hotlist: RwSignal<crate::logic::nav::Hotlist>,
    /// Free space per place asked (see `actions::free_space`): bytes (`None`: the remote
    /// cannot say) and when it was read (page ms); absent while it is being read.
    pub free: RwSignal<HashMap<String, (Option<i64>, f64)>>,
    /// The compare and search views.
    pub cmp: crate::actions::compare::CompareCtx,
    /// The two panes' places for a new two-way pair (Ctrl+F2 in the commander).
    pub pair_prefill: RwSignal<Option<(String, String)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Files,
    Compare,
    Find,
    Transfers,
    Jobs,
    Setup,
    Schedules,
    Pairs,
    Mounts,
    Logs,
}

impl Ctx {
    pub fn new() -> Self {
        Ctx {
            lang: RwSignal::new(Lang::initial()),
            theme: RwSignal::new(Theme::System),
            zoom: RwSignal::new(100),
            sidecar: RwSignal::new(None),
            rclone_config: RwSignal::new(None),
            auto_resume: RwSignal::new(false),
            error: RwSignal::new(None),
            startup_error: RwSignal::new(None),
            remotes: RwSignal::new(None),
            panes: [Pane::new(0), Pane::new(1)],
            active: RwSignal::new(0),
            dialog: RwSignal::new(None),
            followups: RwSignal::new(HashMap::new()),
            breakers: RwSignal::new(BTreeMap::new()),
            tab: RwSignal::new(Tab::Files),
            batches: RwSignal::new(BTreeMap::new()),
            progress: RwSignal::new(HashMap::new()),
            progress_seen: RwSignal::new(HashMap::new()),
            report: RwSignal::new(None),
            outages: RwSignal::new(HashMap::new()),
            stats: RwSignal::new(None),
            speed: RwSignal::new(vec![]),
            bwlimit: RwSignal::new(None),
            home: RwSignal::new(None),
            connection: RwSignal::new(None),
            servers: RwSignal::new(vec![]),
            server_check: RwSignal::new(None),
            server_saved: RwSignal::new(false),
            log_filter: RwSignal::new(String::new()),
            schedule_rev: RwSignal::new(0),
            close_ask: RwSignal::new(None),
            mount_states: RwSignal::new(Default::default()),
            config_lock: RwSignal::new(None),
            columns: RwSignal::new(Default::default()),
            hotlist: RwSignal::new(Default::default()),
            edits: RwSignal::new(BTreeMap::new()),
            clock: RwSignal::new(js_sys::Date::now()),
            free: RwSignal::new(HashMap::new()),
            cmp: crate::actions::compare::CompareCtx::new(),
            pair_prefill: RwSignal::new(None),
        }
    }

    pub fn set_breaker(&self, snap: BreakerSnapshot) {
        let now = js_sys::Date::now();
        self.breakers.update(|m| {
            m.insert(snap.remote.clone(), (snap, now));
        });
    }

    /// The pane the keyboard works in (tracked).
    pub fn pane(&self) -> Pane {
        self.panes[self.active.get()]
    }

    pub fn active_pane(&self) -> Pane {
        self.panes[self.active.get_untracked()]
    }

    pub fn other_pane(&self, pane: Pane) -> Pane {
        self.panes[1 - pane.idx]
    }

    /// Whether the app talks to its own rclone (the local disk is offered then only).
    pub fn is_local(&self) -> bool {
        self.connection.with(|c| c.as_ref().is_none_or(|c| c.server.is_none()))
    }

    /// Whether the active server is offline (listings may be cached copies).
    pub fn offline(&self) -> bool {
        self.connection
            .with(|c| c.as_ref().is_some_and(|c| c.state == rcmd_types::LinkState::Offline))
    }

    /// The texts of the current language (reactive).
    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }

    /// The texts of compare, sync and search (reactive).
    pub fn c(&self) -> &'static crate::i18n::compare::CompareTexts {
        crate::i18n::compare::texts(self.lang.get())
    }

    /// The texts of mounts, serves and remote housekeeping (reactive).
    pub fn mt(&self) -> &'static crate::i18n::mounts::MountTexts {
        crate::i18n::mounts::texts(self.lang.get())
    }

    /// The texts of two-way pairs and watch mode (reactive).
    pub fn pt(&self) -> &'static crate::i18n::pairs::PairTexts {
        crate::i18n::pairs::texts(self.lang.get())
    }

    /// The texts of remote setup, schedules, logs and the desktop prompts (reactive).
    pub fn m(&self) -> &'static crate::i18n::ViewTexts {
        crate::i18n::views(self.lang.get())
    }
}

pub fn use_ctx() -> Ctx {
    use_context::<Ctx>().unwrap_or_else(Ctx::new)
}
