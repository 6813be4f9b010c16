//! Remotes and folders in the panes (`commands/files.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::DirListing;

use super::{DirArgs, NoArgs};
use crate::{
    ipc,
    state::{Ctx, Location, Pane},
};

pub fn load_remotes(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<String>>("list_remotes", &NoArgs {}).await {
            Ok(list) => ctx.remotes.set(Some(list)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Shows `loc` in `pane`. A reply that arrives after the pane moved elsewhere is dropped.
/// Going into a folder starts at its top with nothing selected; a refresh of the same folder
/// keeps the selection and cursor where the rows still are.
pub fn open(ctx: Ctx, pane: Pane, loc: Location) {
    let same = pane.shows(&loc);
    if !same {
        pane.sel.set(Default::default());
        pane.scroll_top.set(0.0);
        pane.opts.update(|o| o.filter.clear());
    }
    pane.location.set(Some(loc.clone()));
    let spec = loc.spec();
    pane.history.update(|h| h.visit(&spec));
    pane.tabs.update(|t| t.show(&spec));
    pane.loading.set(true);
    pane.open_ms.set(None);
    let started = js_sys::Date::now();
    spawn_local(async move {
        let reply = ipc::invoke_json::<_, DirListing>("list_dir", &DirArgs::of(&loc)).await;
        if !pane.shows(&loc) {
            return;
        }
        pane.fetch_ms.set(Some(js_sys::Date::now() - started));
        pane.loading.set(false);
        match reply {
            Ok(listing) => {
                // the cursor stays on its entry when a refresh moves it to another row
                let at = if same {
                    pane.entry_at(pane.sel.with_untracked(|s| s.cursor)).map(|e| e.name)
                } else {
                    None
                };
                pane.entries.set(Some(std::sync::Arc::new(listing.entries)));
                let names = pane.row_names();
                let point = pane.point_at.try_update(Option::take).flatten().or(at);
                pane.sel.update(|s| {
                    s.retain(&names);
                    if let Some(i) = point.and_then(|p| names.iter().position(|n| *n == p)) {
                        (s.cursor, s.anchor) = (i, None);
                    }
                });
                pane.listing_source.set((listing.stale_ms, listing.fallback));
                // the free space only of a folder that could be read: a remote that refuses
                // the listing would fail this too, and count twice against its breaker
                super::places::free_space(ctx, loc.clone());
                ctx.error.set(None);
                // the rows are in the DOM once this task yields to the next frame
                request_animation_frame(move || pane.open_ms.set(Some(js_sys::Date::now() - started)));
            }
            Err(e) => {
                pane.entries.set(None);
                pane.listing_source.set((None, None));
                ctx.error.set(Some(e));
            }
        }
    });
}

/// Opens `loc` in the pane the keyboard works in (a click in the remote list).
pub fn open_active(ctx: Ctx, loc: Location) {
    open(ctx, ctx.active_pane(), loc);
}

/// Reads the pane's folder again.
pub fn refresh(ctx: Ctx, pane: Pane) {
    if let Some(loc) = pane.location.get_untracked() {
        // the free space is read again too (a refresh after a copy should show it)
        let key = super::places::free_key(&loc);
        ctx.free.update(|f| {
            if f.get(&key).is_some_and(|(_, at)| *at >= 0.0) {
                f.remove(&key);
            }
        });
        open(ctx, pane, loc);
    }
}

/// Reads again every pane showing `loc`.
pub fn refresh_showing(ctx: Ctx, loc: &Location) {
    for pane in ctx.panes {
        if pane.shows(loc) {
            refresh(ctx, pane);
        }
    }
}
