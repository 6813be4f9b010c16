//! The page layout and the reactions to sidecar state.

use leptos::prelude::*;
use rcmd_types::{BatchInfo, SidecarState};

use crate::{
    actions,
    components::{
        BreakerPanel, ClosePrompt, Commander, ConnectionPanel, ErrorBanner, Header, Jobs, Logs, NotificationsPanel,
        PasswordPrompt, RemoteList, RemoteSetup, Schedules, SettingsPanel, Transfers,
    },
    logic::columns::Widths,
    state::{Ctx, Tab, Theme},
};

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);
    ctx.theme.set(load_theme());
    ctx.zoom.set(load_zoom());
    ctx.columns.set(load_columns());
    actions::connect(ctx);
    actions::commander::poll_stats(ctx);

    // Each new ready rclone process (first start or restart) reloads what is on screen.
    let ready_pid = Memo::new(move |_| match ctx.sidecar.get() {
        Some(SidecarState::Ready { pid, .. }) => Some(pid),
        _ => None,
    });
    Effect::new(move |_| {
        if ready_pid.get().is_some() {
            actions::reload(ctx);
            actions::commander::bwlimit(ctx, None);
            // an encrypted config without its password: ask for it
            crate::actions::desktop::check_config_lock(ctx);
        }
    });
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        lang.save();
        crate::actions::desktop::tell_language(lang.code());
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    });
    // "system" leaves the colours to prefers-color-scheme (style.css)
    Effect::new(move |_| {
        let theme = ctx.theme.get();
        save_theme(theme);
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", theme.code());
        }
    });
    Effect::new(move |_| {
        let zoom = ctx.zoom.get();
        save_zoom(zoom);
        actions::set_zoom(ctx, zoom);
    });
    Effect::new(move |_| save_columns(ctx.columns.get()));
    remember_panes(ctx);
    // each connection has its own hotlist
    let server = Memo::new(move |_| ctx.connection.with(|c| c.as_ref().and_then(|c| c.server.clone())));
    Effect::new(move |_| {
        server.track();
        actions::places::load_hotlist(ctx);
    });
    // Ctrl+= / Ctrl+- / Ctrl+0 change the setting, which zooms the page: the two never disagree
    // (the webview's own zoom keys are off in tauri.conf.json)
    let zoom_keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let now = ctx.zoom.get_untracked();
        if let Some(z) = crate::logic::zoom::after_key(&ev.key(), ev.ctrl_key() || ev.meta_key(), ev.alt_key(), now) {
            ev.prevent_default();
            ctx.zoom.set(z);
        }
    });
    on_cleanup(move || zoom_keys.remove());
    let tab = move |id: &'static str, which: Tab, label: fn(&Ctx) -> String| {
        view! {
            <button id=id role="tab" aria-selected=move || (ctx.tab.get() == which).to_string()
                class:active=move || ctx.tab.get() == which on:click=move |_| ctx.tab.set(which)>
                {move || label(&ctx)}
            </button>
        }
    };
    view! {
        <div class="app">
            <Header/>
            <ErrorBanner/>
            <div class="body">
                <aside class="sidebar">
                    <RemoteList/>
                    <BreakerPanel/>
                    <ConnectionPanel/>
                    <SettingsPanel/>
                    <NotificationsPanel/>
                </aside>
                <main class="content">
                    <nav class="tabs" role="tablist">
                        {tab("tab-files", Tab::Files, |c| c.t().tab_files.to_owned())}
                        {tab("tab-compare", Tab::Compare, |c| c.c().tab_compare.to_owned())}
                        {tab("tab-find", Tab::Find, |c| c.c().tab_find.to_owned())}
                        {tab("tab-transfers", Tab::Transfers, |c| {
                            let n = c.stats.with(|s| s.as_ref().map(|s| s.transferring.len()).unwrap_or(0));
                            format!("{} ({n})", c.t().tab_transfers)
                        })}
                        {tab("tab-jobs", Tab::Jobs, |c| format!("{} ({})", c.t().tab_jobs, c.batches.with(|b| b.len())))}
                        {tab("tab-setup", Tab::Setup, |c| c.m().tab_setup.to_owned())}
                        {tab("tab-schedules", Tab::Schedules, |c| c.m().tab_schedules.to_owned())}
                        {tab("tab-pairs", Tab::Pairs, |c| c.pt().tab_pairs.to_owned())}
                        {tab("tab-mounts", Tab::Mounts, |c| {
                            let trouble = c.mount_states.with(|m| m.values().filter(|s| matches!(s.state, rcmd_types::MountState::Degraded | rcmd_types::MountState::Recovering | rcmd_types::MountState::Failed)).count());
                            if trouble > 0 { format!("{} ⚠{trouble}", c.mt().tab_mounts) } else { c.mt().tab_mounts.to_owned() }
                        })}
                        {tab("tab-logs", Tab::Logs, |c| c.m().tab_logs.to_owned())}
                    </nav>
                    {move || match ctx.tab.get() {
                        Tab::Files => view! { <Commander/><RunningStrip/> }.into_any(),
                        Tab::Compare => view! { <crate::components::compare::CompareView/> }.into_any(),
                        Tab::Find => view! { <crate::components::find::FindView/> }.into_any(),
                        Tab::Transfers => view! { <Transfers/> }.into_any(),
                        Tab::Jobs => view! { <Jobs/> }.into_any(),
                        Tab::Setup => view! { <RemoteSetup/> }.into_any(),
                        Tab::Schedules => view! { <Schedules/> }.into_any(),
                        Tab::Pairs => view! { <crate::components::pairs::Pairs/> }.into_any(),
                        Tab::Mounts => view! { <crate::components::mounts::Mounts/> }.into_any(),
                        Tab::Logs => view! { <Logs/> }.into_any(),
                    }}
                </main>
            </div>
            <ClosePrompt/>
            <PasswordPrompt/>
        </div>
    }
}

/// Batches still running or paused, under the commander, with their progress and buttons.
#[component]
fn RunningStrip() -> impl IntoView {
    let ctx = crate::state::use_ctx();
    move || {
        let live: Vec<BatchInfo> = ctx.batches.with(|m| {
            m.values()
                .filter(|b| b.status.is_resumable())
                .rev()
                .take(3)
                .cloned()
                .collect()
        });
        (!live.is_empty()).then(|| view! {
            <ul class="job-list strip" id="running-batches">
                <For each=move || live.clone() key=|b| (b.id, format!("{:?}", b.status), b.counts.done, b.counts.failed)
                    children=move |b| view! { <crate::components::JobRow batch=b/> }/>
            </ul>
        })
    }
}

/// The page's storage (settings of the page, pane memories, the hotlist).
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn load_theme() -> Theme {
    storage()
        .and_then(|s| s.get_item("rcmd.theme").ok().flatten())
        .map(|c| Theme::from_code(&c))
        .unwrap_or(Theme::System)
}

fn save_theme(theme: Theme) {
    if let Some(s) = storage() {
        let _ = s.set_item("rcmd.theme", theme.code());
    }
}

fn load_zoom() -> u32 {
    storage()
        .and_then(|s| s.get_item("rcmd.zoom").ok().flatten())
        .and_then(|z| z.parse().ok())
        .filter(|z| (50..=300).contains(z))
        .unwrap_or(100)
}

fn save_zoom(zoom: u32) {
    if let Some(s) = storage() {
        let _ = s.set_item("rcmd.zoom", &zoom.to_string());
    }
}

fn load_columns() -> Widths {
    storage()
        .and_then(|s| s.get_item("rcmd.columns").ok().flatten())
        .map(|t| Widths::decode(&t))
        .unwrap_or_default()
}

fn save_columns(widths: Widths) {
    if let Some(s) = storage() {
        let _ = s.set_item("rcmd.columns", &widths.encode());
    }
}

/// Each pane's folder and sort order are kept (per connection, in the page's storage) and come
/// back when the remotes of that connection are known: at the next start, or after switching
/// back to the connection. A folder on a remote that is gone is not reopened.
fn remember_panes(ctx: Ctx) {
    use crate::logic::memory::{storage_key, PaneMemory};
    let server = move || {
        ctx.connection
            .with_untracked(|c| c.as_ref().and_then(|c| c.server.clone()))
    };
    for pane in ctx.panes {
        Effect::new(move |_| {
            let opts = pane.opts.get();
            let tabs = pane.tabs.get();
            let Some(loc) = pane.location.get() else { return };
            if let Some(s) = storage() {
                let memory = PaneMemory::of(&loc.remote, &loc.path, &opts).with_tabs(&tabs);
                let _ = s.set_item(&storage_key(pane.idx, server().as_deref()), &memory.encode());
            }
        });
    }
    Effect::new(move |_| {
        let Some(remotes) = ctx.remotes.get() else { return };
        let Some(s) = storage() else { return };
        for pane in ctx.panes {
            if pane.location.get_untracked().is_some() {
                continue;
            }
            let key = storage_key(pane.idx, server().as_deref());
            let Some(memory) = s.get_item(&key).ok().flatten().and_then(|t| PaneMemory::decode(&t)) else {
                continue;
            };
            pane.opts.update(|o| memory.apply(o));
            pane.tabs.set(memory.tabs());
            let local = memory.remote == crate::state::LOCAL_DISK && server().is_none();
            if local || remotes.contains(&memory.remote) {
                actions::open(
                    ctx,
                    pane,
                    crate::state::Location {
                        remote: memory.remote,
                        path: memory.path,
                    },
                );
            }
        }
    });
}
