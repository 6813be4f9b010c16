//! Where the panes go besides into and out of folders: history, tabs, the hotlist, typed
//! places, type-ahead, and the free space shown under each pane.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::RemoteUsage;
use serde::Serialize;

use crate::{
    app::storage,
    ipc,
    logic::nav::{Hotlist, TypeAhead},
    state::{Ctx, Location, Pane, LOCAL_DISK},
};

/// How long a free-space figure is shown before it is read again (ms).
const FREE_TTL_MS: f64 = 60_000.0;

/// Opens the place `spec` (`remote:path`) in `pane`; `false` when it names no place.
pub fn go(ctx: Ctx, pane: Pane, spec: &str) -> bool {
    match Location::parse(spec) {
        Some(loc) => {
            super::open(ctx, pane, loc);
            true
        }
        None => false,
    }
}

/// Alt+← (`forward` false) or Alt+→.
pub fn step(ctx: Ctx, pane: Pane, forward: bool) {
    let to = pane
        .history
        .try_update(|h| if forward { h.forward() } else { h.back() })
        .flatten();
    if let Some(spec) = to {
        go(ctx, pane, &spec);
    }
}

/// Goes to the place at `index` of the pane's history (the Alt+↓ list).
pub fn jump(ctx: Ctx, pane: Pane, index: usize) {
    if let Some(spec) = pane.history.try_update(|h| h.jump(index)).flatten() {
        go(ctx, pane, &spec);
    }
}

/// Ctrl+T: a new tab on the same folder.
pub fn new_tab(pane: Pane) {
    pane.tabs.update(|t| {
        t.open();
    });
}

/// Ctrl+W, Ctrl+Tab, a click on a tab: shows the tab's place (`None`: nothing changed).
pub fn switch_tab(ctx: Ctx, pane: Pane, to: Option<String>) {
    if let Some(spec) = to.filter(|s| !s.is_empty()) {
        go(ctx, pane, &spec);
    }
}

/// A letter typed in a pane: the cursor jumps to the next name starting with what was typed.
pub fn type_ahead(pane: Pane, ch: char) {
    let names = pane.row_names();
    let cursor = pane.sel.with_untracked(|s| s.cursor);
    let now = js_sys::Date::now();
    let row = pane.typeahead.try_update(|t| t.key(ch, now, &names, cursor)).flatten();
    if let Some(row) = row {
        pane.sel.update(|s| {
            s.cursor = row;
            s.anchor = None;
        });
    }
    // the typed text disappears from the status line when the search ends
    let pause = std::time::Duration::from_millis(TypeAhead::PAUSE_MS as u64 + 50);
    set_timeout(move || pane.typeahead.update(|_| {}), pause);
}

/// Where the hotlist of the current connection is kept.
fn hotlist_key(ctx: Ctx) -> String {
    let server = ctx
        .connection
        .with_untracked(|c| c.as_ref().and_then(|c| c.server.clone()));
    Hotlist::storage_key(server.as_deref())
}

/// Reads the hotlist of the current connection (at start and after switching connections).
pub fn load_hotlist(ctx: Ctx) {
    let text = storage().and_then(|s| s.get_item(&hotlist_key(ctx)).ok().flatten());
    ctx.hotlist.set(text.map(|t| Hotlist::decode(&t)).unwrap_or_default());
}

/// Changes the hotlist and keeps it.
pub fn edit_hotlist(ctx: Ctx, change: impl FnOnce(&mut Hotlist)) {
    ctx.hotlist.update(change);
    if let Some(s) = storage() {
        let _ = s.set_item(&hotlist_key(ctx), &ctx.hotlist.with_untracked(Hotlist::encode));
    }
}

#[derive(Serialize)]
struct UsageArgs<'a> {
    remote: &'a str,
    path: Option<&'a str>,
}

/// What the free space of `loc` is cached under: the local disk per folder (a folder can be
/// on another disk), any other remote once.
pub fn free_key(loc: &Location) -> String {
    if loc.remote == LOCAL_DISK {
        loc.spec()
    } else {
        format!("{}:", loc.remote)
    }
}

/// Reads the free space where `loc` is, unless a recent figure is known or a read is under way.
pub fn free_space(ctx: Ctx, loc: Location) {
    let key = free_key(&loc);
    let now = js_sys::Date::now();
    let known = ctx.free.with_untracked(|f| f.get(&key).map(|(_, at)| *at));
    match known {
        Some(at) if at < 0.0 || now - at < FREE_TTL_MS => return,
        _ => {}
    }
    // being read: a negative time
    ctx.free.update(|f| {
        f.insert(key.clone(), (None, -1.0));
    });
    spawn_local(async move {
        let args = UsageArgs {
            remote: &loc.remote,
            path: (loc.remote == LOCAL_DISK).then_some(loc.path.as_str()),
        };
        // a remote that cannot tell (or fails to) shows "unknown": never an error banner
        let free = match ipc::invoke::<_, RemoteUsage>("remote_usage", &args).await {
            Ok(u) => u.free,
            Err(_) => None,
        };
        ctx.free.update(|f| {
            f.insert(key, (free, js_sys::Date::now()));
        });
    });
}

/// The folder names of `parent` (a spec), for completing a typed path; empty when it cannot
/// be listed (a typo is not an error while typing).
pub async fn folders_of(parent: &str) -> Vec<String> {
    let Some(loc) = Location::parse(parent) else {
        return vec![];
    };
    let reply = ipc::invoke_json::<_, rcmd_types::DirListing>("list_dir", &super::DirArgs::of(&loc)).await;
    match reply {
        Ok(listing) => listing
            .entries
            .into_iter()
            .filter(|e| e.is_dir)
            .map(|e| e.name)
            .collect(),
        Err(_) => vec![],
    }
}
