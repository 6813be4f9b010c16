//! What the page asks of the backend. Each action updates the shared state; failures land
//! in `ctx.error` as a readable message.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    AppSnapshot, BatchInfo, BatchKind, BatchProgress, BatchReport, BreakerSnapshot, ConnectionView, DirListing,
    LinkState, ServerCheckView, ServerInfo, SidecarState, EVENT_BATCH_STATE, EVENT_BREAKER_STATE,
    EVENT_CONNECTION_STATE, EVENT_SIDECAR_STATE,
};
use serde::Serialize;

use crate::{
    ipc,
    state::{Ctx, Followup, Location, Pane},
};

/// Empties both panes (another connection or rclone config: their folders mean nothing now).
fn clear_panes(ctx: Ctx) {
    for pane in ctx.panes {
        pane.location.set(None);
        pane.entries.set(None);
        pane.listing_source.set((None, None));
        pane.sel.set(Default::default());
    }
}

#[derive(Serialize)]
pub(crate) struct NoArgs {}

/// `remote` + `path`: the arguments of every command on one folder or file.
#[derive(Serialize)]
pub(crate) struct DirArgs<'a> {
    pub remote: &'a str,
    pub path: &'a str,
}

impl<'a> DirArgs<'a> {
    pub fn of(loc: &'a Location) -> Self {
        DirArgs {
            remote: &loc.remote,
            path: &loc.path,
        }
    }
}

#[derive(Serialize)]
struct RemoteArgs<'a> {
    remote: &'a str,
}

#[derive(Serialize)]
struct ConfigArgs {
    path: Option<String>,
}

/// Subscribes to sidecar state events, then reads the current state once (events sent before
/// the page listened are not replayed).
pub fn connect(ctx: Ctx) {
    spawn_local(async move {
        let listening = ipc::listen(EVENT_SIDECAR_STATE, move |state: SidecarState| {
            ctx.sidecar.set(Some(state));
        })
        .await;
        if let Err(e) = listening {
            ctx.error.set(Some(e));
        }
        let conn = ipc::listen(EVENT_CONNECTION_STATE, move |v: ConnectionView| {
            connection_changed(ctx, v)
        })
        .await;
        if let Err(e) = conn {
            ctx.error.set(Some(e));
        }
        let breakers = ipc::listen(EVENT_BREAKER_STATE, move |snap: BreakerSnapshot| ctx.set_breaker(snap)).await;
        if let Err(e) = breakers {
            ctx.error.set(Some(e));
        }
        load_breakers(ctx);
        let runs = ipc::listen(rcmd_types::EVENT_SCHEDULE_RUN, move |_: rcmd_types::ScheduleRun| {
            ctx.schedule_rev.update(|n| *n += 1)
        })
        .await;
        let closing = ipc::listen(rcmd_types::EVENT_CLOSE_REQUESTED, move |n: usize| {
            ctx.close_ask.set(Some(n))
        })
        .await;
        if let Err(e) = runs.and(closing) {
            ctx.error.set(Some(e));
        }
        let batches = ipc::listen(EVENT_BATCH_STATE, move |b: BatchInfo| {
            let (id, ended) = (b.id, !b.status.is_resumable());
            ctx.batches.update(|m| {
                m.insert(b.id, b);
            });
            if ended {
                batch_ended(ctx, id);
            }
        })
        .await;
        if let Err(e) = batches {
            ctx.error.set(Some(e));
        }
        let progress = ipc::invoke_with_channel("batch_progress", move |p: BatchProgress| {
            ctx.progress.update(|m| {
                m.insert(p.id, p);
            })
        })
        .await;
        if let Err(e) = progress {
            ctx.error.set(Some(e));
        }
        load_batches(ctx);
        match ipc::invoke::<_, AppSnapshot>("app_snapshot", &NoArgs {}).await {
            Ok(snap) => {
                ctx.rclone_config.set(snap.rclone_config);
                ctx.auto_resume.set(snap.auto_resume_batches);
                ctx.sidecar.set(Some(snap.sidecar));
                if let Some(c) = snap.connection {
                    connection_changed(ctx, c);
                }
                // a start-up failure (database locked or corrupt, disk full) stays on screen;
                // settings kept aside are said once
                ctx.startup_error.set(snap.startup_error);
                if let Some(problem) = snap.settings_problem {
                    ctx.error.set(Some(rcmd_types::IpcError {
                        kind: rcmd_types::IpcErrorKind::Internal,
                        message: problem,
                        failure: None,
                    }));
                }
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

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

pub fn reload(ctx: Ctx) {
    load_remotes(ctx);
    load_breakers(ctx);
    for pane in ctx.panes {
        refresh(ctx, pane);
    }
}

pub fn restart_sidecar(ctx: Ctx) {
    spawn_local(async move {
        if let Err(e) = ipc::invoke::<_, ()>("restart_sidecar", &NoArgs {}).await {
            ctx.error.set(Some(e));
        }
    });
}

pub fn set_rclone_config(ctx: Ctx, path: String) {
    spawn_local(async move {
        let path = Some(path).filter(|p| !p.trim().is_empty());
        match ipc::invoke::<_, ()>("set_rclone_config", &ConfigArgs { path: path.clone() }).await {
            Ok(()) => {
                ctx.rclone_config.set(path);
                clear_panes(ctx);
                ctx.error.set(None);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Reads every breaker once (events cover later changes).
pub fn load_breakers(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<BreakerSnapshot>>("breaker_states", &NoArgs {}).await {
            Ok(all) => all.into_iter().for_each(|s| ctx.set_breaker(s)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Closes (`reset_breaker`) or force-opens (`pause_remote`) a remote's breaker.
pub fn breaker_action(ctx: Ctx, command: &'static str, remote: String) {
    spawn_local(async move {
        if let Err(e) = ipc::invoke::<_, ()>(command, &RemoteArgs { remote: &remote }).await {
            ctx.error.set(Some(e));
        }
        load_breakers(ctx);
    });
}

#[derive(Serialize)]
struct IdArgs {
    id: i64,
}

#[derive(Serialize)]
struct CreateArgs {
    kind: BatchKind,
    src: String,
    dst: Option<String>,
    names: Vec<String>,
}

/// Reads all batches once (events cover later status changes).
pub fn load_batches(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<BatchInfo>>("batch_list", &NoArgs {}).await {
            Ok(all) => {
                // another process's batch sends no events here: follow it by reading the list
                // again every few seconds while one runs elsewhere
                let elsewhere = all
                    .iter()
                    .any(|b| b.runner.is_some() && b.status == rcmd_types::BatchStatus::Running);
                ctx.batches.set(all.into_iter().map(|b| (b.id, b)).collect());
                if elsewhere {
                    set_timeout(move || load_batches(ctx), std::time::Duration::from_secs(3));
                }
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Creates a batch over `names` in `src` (folders expanded) to `dst` (none for a delete).
/// The panes showing either side are read again when it ends (the engine removes the folders
/// a clean move or delete emptied, as part of the batch).
pub fn create_batch(ctx: Ctx, kind: BatchKind, src: Location, names: Vec<String>, dst: Option<String>) {
    spawn_local(async move {
        let args = CreateArgs {
            kind,
            src: src.spec(),
            dst: dst.clone(),
            names,
        };
        match ipc::invoke::<_, BatchInfo>("batch_create", &args).await {
            Ok(b) => {
                let dst = dst.as_deref().and_then(Location::parse);
                let id = b.id;
                ctx.followups.update(|f| {
                    f.insert(id, Followup { src, dst });
                });
                // a state event may have come first (the batch already running): it is newer
                // than this reply, which was read right after the start
                let ended = ctx
                    .batches
                    .with_untracked(|m| m.get(&id).is_some_and(|x| !x.status.is_resumable()));
                ctx.batches.update(|m| {
                    m.entry(id).or_insert(b);
                });
                if ended {
                    batch_ended(ctx, id);
                }
                ctx.error.set(None);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// A batch started here ended: refresh the panes on its folders.
pub fn batch_ended(ctx: Ctx, id: i64) {
    let Some(f) = ctx.followups.try_update(|m| m.remove(&id)).flatten() else {
        return;
    };
    refresh_showing(ctx, &f.src);
    if let Some(d) = &f.dst {
        refresh_showing(ctx, d);
    }
}

/// `batch_resume`, `batch_pause`, `batch_cancel` or `batch_retry_failed`.
pub fn batch_action(ctx: Ctx, command: &'static str, id: i64) {
    spawn_local(async move {
        if let Err(e) = ipc::invoke::<_, serde::de::IgnoredAny>(command, &IdArgs { id }).await {
            ctx.error.set(Some(e));
        }
        load_batches(ctx);
    });
}

pub fn show_report(ctx: Ctx, id: i64) {
    spawn_local(async move {
        match ipc::invoke::<_, BatchReport>("batch_report", &IdArgs { id }).await {
            Ok(r) => ctx.report.set(Some(r)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

#[derive(Serialize)]
struct OnArgs {
    on: bool,
}

pub fn set_auto_resume(ctx: Ctx, on: bool) {
    spawn_local(async move {
        match ipc::invoke::<_, ()>("set_auto_resume", &OnArgs { on }).await {
            Ok(()) => ctx.auto_resume.set(on),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// A new connection state. Another generation (a switch) starts the page over: remotes,
/// listing, jobs and breakers come from the new place. The same server coming back reloads
/// what is shown, so cached listings give way to fresh ones.
pub fn connection_changed(ctx: Ctx, v: ConnectionView) {
    let before = ctx.connection.get_untracked();
    let switched = before.as_ref().map(|b| b.generation) != Some(v.generation);
    let back = !switched
        && v.state == LinkState::Connected
        && before.as_ref().is_some_and(|b| b.state != LinkState::Connected);
    let first = before.is_none();
    ctx.connection.set(Some(v));
    if first {
        return;
    }
    if switched {
        clear_panes(ctx);
        ctx.remotes.set(None);
        ctx.batches.set(Default::default());
        ctx.progress.set(Default::default());
        ctx.breakers.set(Default::default());
        ctx.report.set(None);
        ctx.error.set(None);
        reload(ctx);
        load_batches(ctx);
    } else if back {
        ctx.error.set(None);
        reload(ctx);
        load_batches(ctx);
    }
}

pub fn load_servers(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<ServerInfo>>("server_list", &NoArgs {}).await {
            Ok(list) => ctx.servers.set(list),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

pub use rcmd_types::ServerForm;

#[derive(Serialize)]
struct FormArgs {
    form: ServerForm,
}

#[derive(Serialize)]
struct NameArgs {
    name: Option<String>,
}

pub fn save_server(ctx: Ctx, form: ServerForm) {
    spawn_local(async move {
        ctx.server_saved.set(false);
        match ipc::invoke::<_, ()>("server_save", &FormArgs { form }).await {
            Ok(()) => {
                ctx.error.set(None);
                ctx.server_saved.set(true);
                load_servers(ctx);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

pub fn test_server(ctx: Ctx, form: ServerForm) {
    spawn_local(async move {
        // the earlier result stays until this one replaces it
        let run = ctx.server_check.get_untracked().map(|(n, _)| n).unwrap_or(0) + 1;
        match ipc::invoke::<_, ServerCheckView>("server_test", &FormArgs { form }).await {
            Ok(c) => ctx.server_check.set(Some((run, c))),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

pub fn remove_server(ctx: Ctx, name: String) {
    spawn_local(async move {
        match ipc::invoke::<_, ()>("server_remove", &NameArgs { name: Some(name) }).await {
            Ok(()) => load_servers(ctx),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Talks to server `name`, or to this computer (`None`).
pub fn use_connection(ctx: Ctx, name: Option<String>) {
    spawn_local(async move {
        match ipc::invoke::<_, ConnectionView>("connection_use", &NameArgs { name }).await {
            // the state events of this generation may have come first and be newer ("connected"
            // while this reply still says "connecting"): the reply only starts a generation
            Ok(v) if ctx.connection.with_untracked(|c| c.as_ref().map(|c| c.generation)) == Some(v.generation) => {}
            Ok(v) => connection_changed(ctx, v),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

#[derive(Serialize)]
struct ZoomArgs {
    label: &'static str,
    value: f64,
}

/// Zooms the window's page (Tauri's webview zoom: the layout reflows as at a browser's 200 %).
pub fn set_zoom(ctx: Ctx, percent: u32) {
    spawn_local(async move {
        let args = ZoomArgs {
            label: "main",
            value: percent as f64 / 100.0,
        };
        if let Err(e) = ipc::invoke::<_, ()>("plugin:webview|set_webview_zoom", &args).await {
            ctx.error.set(Some(e));
        }
    });
}
