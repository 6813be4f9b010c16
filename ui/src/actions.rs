//! What the page asks of the backend. Each action updates the shared state; failures land
//! in `ctx.error` as a readable message.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    AppSnapshot, BatchInfo, BatchKind, BatchProgress, BatchReport, BreakerSnapshot, ConnectionView, DirListing, LinkState,
    ServerCheckView, ServerInfo, SidecarState, EVENT_BATCH_STATE, EVENT_BREAKER_STATE, EVENT_CONNECTION_STATE,
    EVENT_SIDECAR_STATE,
};
use serde::Serialize;

use crate::{
    ipc,
    state::{Ctx, Location},
};

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct DirArgs<'a> {
    remote: &'a str,
    path: &'a str,
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
        let conn = ipc::listen(EVENT_CONNECTION_STATE, move |v: ConnectionView| connection_changed(ctx, v)).await;
        if let Err(e) = conn {
            ctx.error.set(Some(e));
        }
        let breakers = ipc::listen(EVENT_BREAKER_STATE, move |snap: BreakerSnapshot| ctx.set_breaker(snap)).await;
        if let Err(e) = breakers {
            ctx.error.set(Some(e));
        }
        load_breakers(ctx);
        let batches = ipc::listen(EVENT_BATCH_STATE, move |b: BatchInfo| {
            ctx.batches.update(|m| {
                m.insert(b.id, b);
            })
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

/// Shows `loc`. A reply that arrives after the user moved elsewhere is dropped.
pub fn open(ctx: Ctx, loc: Location) {
    if ctx.location.get_untracked().as_ref() != Some(&loc) {
        ctx.selected.set(Default::default());
    }
    ctx.location.set(Some(loc.clone()));
    ctx.loading.set(true);
    spawn_local(async move {
        let reply = ipc::invoke::<_, DirListing>(
            "list_dir",
            &DirArgs { remote: &loc.remote, path: &loc.path },
        )
        .await;
        if ctx.location.get_untracked().as_ref() != Some(&loc) {
            return;
        }
        ctx.loading.set(false);
        match reply {
            Ok(listing) => {
                ctx.entries.set(Some(listing.entries));
                ctx.listing_source.set((listing.stale_ms, listing.fallback));
                ctx.error.set(None);
            }
            Err(e) => {
                ctx.entries.set(None);
                ctx.listing_source.set((None, None));
                ctx.error.set(Some(e));
            }
        }
    });
}

pub fn reload(ctx: Ctx) {
    load_remotes(ctx);
    load_breakers(ctx);
    if let Some(loc) = ctx.location.get_untracked() {
        open(ctx, loc);
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
                ctx.location.set(None);
                ctx.entries.set(None);
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
                let elsewhere = all.iter().any(|b| b.runner.is_some() && b.status == rcmd_types::BatchStatus::Running);
                ctx.batches.set(all.into_iter().map(|b| (b.id, b)).collect());
                if elsewhere {
                    set_timeout(move || load_batches(ctx), std::time::Duration::from_secs(3));
                }
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Creates a batch over the folder being browsed and shows the job list.
pub fn create_batch(ctx: Ctx, kind: BatchKind, dst: String) {
    let Some(loc) = ctx.location.get_untracked() else { return };
    spawn_local(async move {
        let names = ctx.selected.get_untracked().into_iter().collect();
        let args = CreateArgs { kind, src: loc.spec(), dst: Some(dst), names };
        match ipc::invoke::<_, BatchInfo>("batch_create", &args).await {
            Ok(b) => {
                // a state event may have come first (the batch already running): it is newer
                // than this reply, which was read right after the start
                ctx.batches.update(|m| {
                    m.entry(b.id).or_insert(b);
                });
                ctx.error.set(None);
                ctx.tab.set(crate::state::Tab::Jobs);
            }
            Err(e) => ctx.error.set(Some(e)),
        }
    });
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
    let back = !switched && v.state == LinkState::Connected && before.as_ref().is_some_and(|b| b.state != LinkState::Connected);
    let first = before.is_none();
    ctx.connection.set(Some(v));
    if first {
        return;
    }
    if switched {
        ctx.location.set(None);
        ctx.entries.set(None);
        ctx.listing_source.set((None, None));
        ctx.selected.set(Default::default());
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

/// A server as typed in the settings form.
#[derive(Clone, Default, Serialize)]
pub struct ServerForm {
    pub name: String,
    pub url: String,
    pub user: String,
    pub token: Option<String>,
    pub ca_file: Option<String>,
}

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
            Ok(v) => connection_changed(ctx, v),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}
