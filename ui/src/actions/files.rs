//! Remotes and folders in the panes (`commands/files.rs`).

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{DirListing, DirOpened};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use super::{DirArgs, NoArgs, OpenArgs, RestArgs};
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

/// How many rows of a big folder come ahead of the rest: a screen and then some, in the
/// tallest window.
const FIRST_ROWS: usize = 200;

/// Shows `loc` in `pane`. A reply that arrives after the pane moved elsewhere is dropped.
/// Going into a folder starts at its top with nothing selected, and shows a big folder's
/// first rows before the rest has arrived; a refresh of the same folder waits for all of it
/// and keeps the selection and cursor where the rows still are.
pub fn open(ctx: Ctx, pane: Pane, loc: Location) {
    let same = pane.shows(&loc);
    if !same {
        pane.sel.set(Default::default());
        pane.scroll_top.set(0.0);
        pane.opts.update(|o| o.filter.clear());
        // the first rows of a folder left before the rest came are not this one's
        pane.partial.set(None);
    }
    pane.location.set(Some(loc.clone()));
    let spec = loc.spec();
    pane.history.update(|h| h.visit(&spec));
    pane.tabs.update(|t| t.show(&spec));
    pane.loading.set(true);
    pane.open_ms.set(None);
    pane.full_ms.set(None);
    let started = js_sys::Date::now();
    spawn_local(async move {
        let args = OpenArgs {
            remote: &loc.remote,
            path: &loc.path,
            view: pane.opts.get_untracked(),
            first: FIRST_ROWS,
        };
        let reply = match ipc::invoke_json::<_, DirOpened>("open_dir", &args).await {
            Ok(DirOpened::Whole(listing)) => Ok(listing),
            // a big folder: its first rows now (a refresh keeps what it shows, its selection
            // and cursor may be anywhere in it), then the rest
            Ok(DirOpened::First(page)) => {
                if !pane.shows(&loc) {
                    return;
                }
                pane.fetch_ms.set(Some(js_sys::Date::now() - started));
                if !same {
                    pane.partial.set(Some(page.total));
                    pane.first_shown.set(page.entries.len());
                    pane.entries.set(Some(Arc::new(page.entries)));
                    request_animation_frame(move || pane.open_ms.set(Some(js_sys::Date::now() - started)));
                    // on screen before the rest is asked for: its decoding holds the page
                    // for tens of ms, and it may come back before the next frame
                    after_paint().await;
                }
                match ipc::invoke_json::<_, DirListing>("dir_rest", &RestArgs { rest: page.rest }).await {
                    Ok(listing) => Ok(listing),
                    // no longer held (the page was busy for a minute): list it again
                    Err(_) => ipc::invoke_json::<_, DirListing>("list_dir", &DirArgs::of(&loc)).await,
                }
            }
            Err(e) => Err(e),
        };
        if !pane.shows(&loc) {
            return;
        }
        if pane.partial.with_untracked(Option::is_none) {
            pane.fetch_ms.set(Some(js_sys::Date::now() - started));
        }
        pane.loading.set(false);
        let partial = pane.partial.try_update(Option::take).flatten().is_some();
        match reply {
            Ok(listing) => {
                // the cursor stays on its entry when a refresh (or the rest of a big folder)
                // moves it to another row
                let at = if same || partial {
                    pane.entry_at(pane.sel.with_untracked(|s| s.cursor)).map(|e| e.name)
                } else {
                    None
                };
                if !partial {
                    pane.first_shown.set(listing.entries.len());
                }
                pane.entries.set(Some(Arc::new(listing.entries)));
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
                request_animation_frame(move || {
                    let ms = js_sys::Date::now() - started;
                    if !partial {
                        pane.open_ms.set(Some(ms));
                    }
                    pane.full_ms.set(Some(ms));
                });
            }
            Err(e) => {
                pane.entries.set(None);
                pane.listing_source.set((None, None));
                ctx.error.set(Some(e));
            }
        }
    });
}

/// Resolves once the page has painted its next frame (a task queued from that frame's
/// callback runs after the frame is drawn), or after 100 ms: a hidden window draws no frames.
async fn after_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(w) = web_sys::window() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 100);
        let queue = Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback(resolve.unchecked_ref());
            }
        });
        let _ = w.request_animation_frame(queue.unchecked_ref());
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
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
