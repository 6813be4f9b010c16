//! Remote setup: rclone's provider list, the create/edit state machine (OAuth included),
//! test, delete. On a server connection the same calls go to the server (admins only there).

use std::collections::BTreeMap;

use rcmd_core::{
    remote_config as rconf,
    types::{ConfigStep, Provider, RemoteConfig},
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState};

/// Runs `op` with the active connection's client (one attempt: a configuration step is not
/// repeated behind the user's back).
macro_rules! with_rc {
    ($state:expr, |$c:ident| $body:expr) => {
        $state.conn.rc().call_once(&[], &CancellationToken::new(), |$c| async move { $body }).await
    };
}

#[tauri::command]
pub async fn remote_providers(state: State<'_, AppState>) -> CmdResult<Vec<Provider>> {
    Ok(with_rc!(state, |c| Ok(rconf::providers(&c).await?))?)
}

#[tauri::command]
pub async fn remote_create(state: State<'_, AppState>, name: String, kind: String, params: BTreeMap<String, String>) -> CmdResult<ConfigStep> {
    tracing::info!(remote = %name, kind = %kind, "creating a remote");
    Ok(with_rc!(state, |c| rconf::create(&c, &name, &kind, &params).await)?)
}

#[tauri::command]
pub async fn remote_update(state: State<'_, AppState>, name: String, params: BTreeMap<String, String>) -> CmdResult<ConfigStep> {
    tracing::info!(remote = %name, "changing a remote");
    Ok(with_rc!(state, |c| rconf::update(&c, &name, &params).await)?)
}

/// Answers the step `state` of remote `name`'s configuration with `result`.
#[tauri::command]
pub async fn remote_answer(state: State<'_, AppState>, name: String, step: String, result: String) -> CmdResult<ConfigStep> {
    Ok(with_rc!(state, |c| rconf::answer(&c, &name, &step, &result).await)?)
}

#[tauri::command]
pub async fn remote_get(state: State<'_, AppState>, name: String) -> CmdResult<RemoteConfig> {
    Ok(with_rc!(state, |c| rconf::get(&c, &name).await)?)
}

#[tauri::command]
pub async fn remote_delete(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    tracing::info!(remote = %name, "deleting a remote");
    Ok(with_rc!(state, |c| rconf::delete(&c, &name).await)?)
}

/// Lists the remote's root: the number of entries.
#[tauri::command]
pub async fn remote_test(state: State<'_, AppState>, name: String) -> CmdResult<usize> {
    Ok(with_rc!(state, |c| rconf::test(&c, &name).await)?)
}

/// Stops a waiting OAuth login (rclone's browser redirect listener).
#[tauri::command]
pub async fn remote_oauth_stop(state: State<'_, AppState>) -> CmdResult<()> {
    Ok(with_rc!(state, |c| rconf::oauth_stop(&c).await)?)
}
