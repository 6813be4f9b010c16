//! The app: its state on load (and the events that keep it current), rclone's restart and
//! config file, batch auto-resume, zoom (`src-tauri/src/commands/app.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{
    AppSnapshot, BatchInfo, BatchProgress, BreakerSnapshot, ConnectionView, SidecarState, EVENT_BATCH_STATE,
    EVENT_BREAKER_STATE, EVENT_CONNECTION_STATE, EVENT_SIDECAR_STATE,
};
use serde::Serialize;

use super::{batch_ended, clear_panes, connection_changed, load_batches, load_breakers, load_remotes, refresh, NoArgs};
use crate::{ipc, state::Ctx};

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
        let breakers = ipc::listen(EVENT_BREAKER_STATE, move |snap: BreakerSnapshot| {
            crate::actions::breaker_changed(ctx, snap)
        })
        .await;
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
        let edits = ipc::listen(rcmd_types::EVENT_EDIT, move |e: rcmd_types::EditEvent| {
            crate::actions::view::edit_event(ctx, e)
        })
        .await;
        let mounts = ipc::listen(rcmd_types::EVENT_MOUNT_STATE, move |m: rcmd_types::MountStatus| {
            ctx.mount_states.update(|s| {
                s.insert(m.name.clone(), m);
            })
        })
        .await;
        if let Err(e) = runs.and(closing).and(edits).and(mounts) {
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
            let now = js_sys::Date::now();
            ctx.progress_seen.update(|m| {
                let seen = crate::logic::stall::Seen::after(m.get(&p.id).copied(), p.bytes_done, now);
                m.insert(p.id, seen);
            });
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
                ctx.home.set(snap.home_dir);
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
