//! Settings → Connection: saved servers, "Test connection", and which connection is active.

use rcmd_core::{
    connection::servers::{self, SavedServers, ServerError},
    rproxy_client,
    secret::Secret,
    settings::ServerEntry,
    types::{ConnectionView, IpcErrorKind, ServerCheckView, ServerInfo},
};
use serde::Deserialize;
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

fn invalid(msg: impl Into<String>) -> CmdError {
    CmdError::new(IpcErrorKind::InvalidInput, msg)
}

fn internal(e: impl std::fmt::Display) -> CmdError {
    CmdError::new(IpcErrorKind::Internal, e.to_string())
}

fn server_err(e: ServerError) -> CmdError {
    if e.is_bad_input() {
        invalid(e.to_string())
    } else {
        internal(e)
    }
}

/// A server as typed in the form. An empty token keeps the saved one.
#[derive(Deserialize)]
pub struct ServerForm {
    pub name: String,
    pub url: String,
    pub user: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub ca_file: Option<String>,
}

impl ServerForm {
    /// The entry and the new token (if one was typed), or what is wrong with the form.
    fn check(&self) -> CmdResult<(ServerEntry, Option<Secret>)> {
        let entry = servers::entry(&self.name, &self.url, &self.user, self.ca_file.as_deref()).map_err(server_err)?;
        let token = self
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Secret::new(t.to_owned()));
        Ok((entry, token))
    }
}

fn saved(state: &AppState) -> SavedServers<'_> {
    SavedServers {
        settings_path: &state.settings_path,
        secrets: state.conn.secrets(),
    }
}

/// The saved servers (tokens only say whether they are set). Async, so a slow keyring never
/// holds the window's thread.
#[tauri::command]
pub async fn server_list(state: State<'_, AppState>) -> CmdResult<Vec<ServerInfo>> {
    let (path, secrets) = (state.settings_path.clone(), state.conn.secrets().clone());
    tokio::task::spawn_blocking(move || {
        SavedServers {
            settings_path: &path,
            secrets: &secrets,
        }
        .list()
    })
    .await
    .map_err(internal)
}

/// Saves a server (new or changed); its token goes to the keyring. A change to the active
/// server reconnects to it.
#[tauri::command]
pub async fn server_save(state: State<'_, AppState>, form: ServerForm) -> CmdResult<()> {
    let (entry, token) = form.check()?;
    saved(&state).save(&entry, token.as_ref()).map_err(server_err)?;
    state.conn.server_changed(&entry.name).await.map_err(internal)
}

/// Forgets a server and its token; the app goes back to this computer if it was active.
#[tauri::command]
pub async fn server_remove(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    saved(&state).remove(&name).map_err(server_err)?;
    state.conn.server_changed(&name).await.map_err(internal)
}

/// Tries the server in the form (the saved token when none is typed): reachable, TLS trusted,
/// authenticated, role, rclone version, or what is wrong.
#[tauri::command]
pub async fn server_test(state: State<'_, AppState>, form: ServerForm) -> CmdResult<ServerCheckView> {
    let (entry, token) = form.check()?;
    let token = token
        .or_else(|| saved(&state).token(&entry))
        .ok_or_else(|| invalid("the token is needed"))?;
    let rc = rproxy_client::client_with(&entry, token).map_err(invalid)?;
    let check = rproxy_client::check(&rc).await;
    tracing::info!(server = %entry.name, ok = check.problem.is_none(), "connection tested");
    Ok(check)
}

/// Talks to saved server `name` from now on, or to this computer (`None`).
#[tauri::command]
pub async fn connection_use(state: State<'_, AppState>, name: Option<String>) -> CmdResult<ConnectionView> {
    state
        .conn
        .switch(name.as_deref().filter(|n| !n.is_empty()))
        .await
        .map_err(invalid)
}

#[tauri::command]
pub fn connection_state(state: State<'_, AppState>) -> ConnectionView {
    state.conn.view()
}
