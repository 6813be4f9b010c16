//! The remotes' circuit breakers (`commands/breakers.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{BreakerSnapshot, BreakerState};

use super::{NoArgs, RemoteArgs};
use crate::{ipc, state::Ctx};

/// Reads every breaker once (events cover later changes).
pub fn load_breakers(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, Vec<BreakerSnapshot>>("breaker_states", &NoArgs {}).await {
            Ok(all) => all.into_iter().for_each(|s| breaker_changed(ctx, s)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

/// A breaker's new state. When a remote's breaker closes again (a probe got through, or the
/// user reset it), the panes showing a cached copy of its folders (the "stale listing" note)
/// read them again: the note goes when the remote is back, without a Ctrl+R.
pub fn breaker_changed(ctx: Ctx, snap: BreakerSnapshot) {
    let remote = snap.remote.clone();
    let back = snap.state == BreakerState::Closed
        && ctx
            .breakers
            .with_untracked(|m| m.get(&remote).is_some_and(|(s, _)| s.state != BreakerState::Closed));
    ctx.set_breaker(snap);
    if !back {
        return;
    }
    for pane in ctx.panes {
        let shows = pane
            .location
            .with_untracked(|l| l.as_ref().is_some_and(|l| l.remote == remote));
        let cached = pane
            .listing_source
            .with_untracked(|(stale, fallback)| stale.is_some() || fallback.is_some());
        if shows && cached {
            super::refresh(ctx, pane);
        }
    }
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
