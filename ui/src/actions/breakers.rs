//! The remotes' circuit breakers (`commands/breakers.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::BreakerSnapshot;

use super::{NoArgs, RemoteArgs};
use crate::{ipc, state::Ctx};

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
