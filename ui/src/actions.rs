//! What the page asks of the backend. Each action updates the shared state; failures land
//! in `ctx.error` as a readable message.

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{AppSnapshot, FileEntry, SidecarState, EVENT_SIDECAR_STATE};
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
        match ipc::invoke::<_, AppSnapshot>("app_snapshot", &NoArgs {}).await {
            Ok(snap) => {
                ctx.rclone_config.set(snap.rclone_config);
                ctx.sidecar.set(Some(snap.sidecar));
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
    ctx.location.set(Some(loc.clone()));
    ctx.loading.set(true);
    spawn_local(async move {
        let reply = ipc::invoke::<_, Vec<FileEntry>>(
            "list_dir",
            &DirArgs { remote: &loc.remote, path: &loc.path },
        )
        .await;
        if ctx.location.get_untracked().as_ref() != Some(&loc) {
            return;
        }
        ctx.loading.set(false);
        match reply {
            Ok(entries) => {
                ctx.entries.set(Some(entries));
                ctx.error.set(None);
            }
            Err(e) => {
                ctx.entries.set(None);
                ctx.error.set(Some(e));
            }
        }
    });
}

pub fn reload(ctx: Ctx) {
    load_remotes(ctx);
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
