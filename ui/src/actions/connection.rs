//! The sidebar's Connection section: saved servers and the connection in use (`commands/connection.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{ConnectionView, LinkState, ServerCheckView, ServerForm, ServerInfo};
use serde::Serialize;

use super::{clear_panes, load_batches, reload, NoArgs};
use crate::{ipc, state::Ctx};

/// A new connection state. Another generation (a switch) starts the page over: remotes,
/// listing, jobs and breakers come from the new place. The same server coming back reloads
/// what is shown, so cached listings give way to fresh ones.
pub fn connection_changed(ctx: Ctx, v: ConnectionView) {
    let before = ctx.connection.get_untracked();
    if before.as_ref().is_some_and(|b| !v.replaces(b)) {
        // an older view (the start-up snapshot) arriving after an event's newer one
        return;
    }
    let switched = before.as_ref().map(|b| b.generation) != Some(v.generation);
    let back = !switched
        && v.state == LinkState::Connected
        && before.as_ref().is_some_and(|b| b.state != LinkState::Connected);
    let first = before.is_none();
    if v.server.is_some() && v.state != LinkState::Connected {
        // nothing answers now: a speed from before would be shown as live
        ctx.stats.set(None);
    }
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
        // the batches still running went through this outage: their details say so
        if let Some(ms) = ctx
            .connection
            .with_untracked(|c| c.as_ref().and_then(|c| c.down_for_ms))
        {
            let running: Vec<i64> = ctx.batches.with_untracked(|b| {
                b.values()
                    .filter(|b| {
                        matches!(
                            b.status,
                            rcmd_types::BatchStatus::Running | rcmd_types::BatchStatus::Queued
                        )
                    })
                    .map(|b| b.id)
                    .collect()
            });
            ctx.outages
                .update(|o| running.into_iter().for_each(|id| o.entry(id).or_default().push(ms)));
        }
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

#[derive(Serialize)]
struct FormArgs {
    form: ServerForm,
}

#[derive(Serialize)]
struct ServerNameArgs {
    name: Option<String>,
}

pub fn save_server(ctx: Ctx, form: ServerForm) {
    spawn_local(async move {
        ctx.server_saved.set(false);
        match ipc::invoke::<_, ()>("server_save", &FormArgs { form: form.clone() }).await {
            Ok(()) => {
                ctx.error.set(None);
                ctx.server_saved.set(true);
                load_servers(ctx);
                // what was saved is tested at once: a refused token is said next to "saved",
                // and an older result (red for the previous token) gives way
                test_server(ctx, form);
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
        match ipc::invoke::<_, ()>("server_remove", &ServerNameArgs { name: Some(name) }).await {
            Ok(()) => load_servers(ctx),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// Talks to server `name`, or to this computer (`None`).
pub fn use_connection(ctx: Ctx, name: Option<String>) {
    spawn_local(async move {
        match ipc::invoke::<_, ConnectionView>("connection_use", &ServerNameArgs { name }).await {
            // the state events of this generation may have come first and be newer ("connected"
            // while this reply still says "connecting"): the reply only starts a generation
            Ok(v) if ctx.connection.with_untracked(|c| c.as_ref().map(|c| c.generation)) == Some(v.generation) => {}
            Ok(v) => connection_changed(ctx, v),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}
