//! The desktop: the config password, the close prompt, start at login, the tray's language
//! (`commands/desktop.rs`).

use leptos::{prelude::*, task::spawn_local};
use rcmd_types::{AutostartState, ConfigLock, IpcError};
use serde::Serialize;

use super::NoArgs;
use crate::{ipc, state::Ctx};

/// Reads the config lock; when the config waits for its password the prompt opens.
pub fn check_config_lock(ctx: Ctx) {
    spawn_local(async move {
        match ipc::invoke::<_, ConfigLock>("config_lock_state", &NoArgs {}).await {
            Ok(lock) => ctx.config_lock.set(Some(lock)),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}

#[derive(Serialize)]
struct UnlockArgs<'a> {
    password: &'a str,
    remember: bool,
}

pub async fn unlock(password: &str, remember: bool) -> Result<ConfigLock, IpcError> {
    ipc::invoke("config_unlock", &UnlockArgs { password, remember }).await
}

#[derive(Serialize)]
struct ChoiceArgs<'a> {
    choice: &'a str,
}

/// The close prompt's answer: `background`, `pause`, `quit` or `cancel`.
pub fn close_choice(ctx: Ctx, choice: &'static str) {
    ctx.close_ask.set(None);
    spawn_local(async move {
        if let Err(e) = ipc::invoke::<_, ()>("close_choice", &ChoiceArgs { choice }).await {
            ctx.error.set(Some(e));
        }
    });
}

#[derive(Serialize)]
struct AutostartArgs {
    enabled: bool,
    minimized: bool,
}

pub async fn set_autostart(enabled: bool, minimized: bool) -> Result<AutostartState, IpcError> {
    ipc::invoke("autostart_set", &AutostartArgs { enabled, minimized }).await
}

#[derive(Serialize)]
struct LangArgs<'a> {
    lang: &'a str,
}

/// Tells the tray which language to speak.
pub fn tell_language(code: &'static str) {
    spawn_local(async move {
        let _ = ipc::invoke::<_, ()>("set_ui_language", &LangArgs { lang: code }).await;
    });
}
