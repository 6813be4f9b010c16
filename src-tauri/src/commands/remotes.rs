//! Remote setup: rclone's provider list, the create/edit state machine (OAuth included),
//! test, delete. On a server connection the same calls go to the server (admins only there).

use std::collections::BTreeMap;

use rcmd_core::rc::RcClient;
use rcmd_core::{
    remote_config as rconf,
    types::{ConfigStep, OAuthStatus, Provider, RemoteConfig},
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState};

/// The active connection's client, once rclone (or the server) is ready. Configuration steps
/// are made once with it: a step is never repeated behind the user's back.
async fn client(state: &AppState) -> CmdResult<RcClient> {
    super::desktop::refuse_if_locked(state)?;
    Ok(state
        .conn
        .rc()
        .call_once(&[], &CancellationToken::new(), |c| async move { Ok(c) })
        .await?)
}

#[tauri::command]
pub async fn remote_providers(state: State<'_, AppState>) -> CmdResult<Vec<Provider>> {
    Ok(rconf::providers(&client(&state).await?).await?)
}

#[tauri::command]
pub async fn remote_create(
    state: State<'_, AppState>,
    name: String,
    kind: String,
    params: BTreeMap<String, String>,
) -> CmdResult<ConfigStep> {
    tracing::info!(remote = %name, kind = %kind, "creating a remote");
    Ok(rconf::create(&client(&state).await?, &name, &kind, &params).await?)
}

#[tauri::command]
pub async fn remote_update(
    state: State<'_, AppState>,
    name: String,
    params: BTreeMap<String, String>,
) -> CmdResult<ConfigStep> {
    tracing::info!(remote = %name, "changing a remote");
    Ok(rconf::update(&client(&state).await?, &name, &params).await?)
}

/// Answers the step `state` of remote `name`'s configuration with `result`.
#[tauri::command]
pub async fn remote_answer(
    state: State<'_, AppState>,
    name: String,
    step: String,
    result: String,
) -> CmdResult<ConfigStep> {
    Ok(rconf::answer(&client(&state).await?, &name, &step, &result).await?)
}

#[tauri::command]
pub async fn remote_get(state: State<'_, AppState>, name: String) -> CmdResult<RemoteConfig> {
    Ok(rconf::get(&client(&state).await?, &name).await?)
}

#[tauri::command]
pub async fn remote_delete(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    tracing::info!(remote = %name, "deleting a remote");
    Ok(rconf::delete(&client(&state).await?, &name).await?)
}

/// Lists the remote's root: the number of entries.
#[tauri::command]
pub async fn remote_test(state: State<'_, AppState>, name: String) -> CmdResult<usize> {
    Ok(rconf::test(&client(&state).await?, &name).await?)
}

/// Stops a waiting OAuth login (rclone's browser redirect listener).
#[tauri::command]
pub async fn remote_oauth_stop(state: State<'_, AppState>) -> CmdResult<()> {
    Ok(rconf::oauth_stop(&client(&state).await?).await?)
}

/// A waiting OAuth login: its state and the URL the browser must open.
#[tauri::command]
pub async fn remote_oauth_status(state: State<'_, AppState>) -> CmdResult<OAuthStatus> {
    Ok(rconf::oauth_status(&client(&state).await?).await?)
}
