//! The sidebar's Connection section: saved servers, "Test connection", and which connection is active.

use rcmd_core::{
    connection::{
        servers::{self, ServerError},
        ConnectionError,
    },
    rproxy_client,
    types::{ConnectionView, ServerCheckView, ServerForm, ServerInfo},
};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

fn server_err(e: ServerError) -> CmdError {
    CmdError::judged(&e, e.is_bad_input())
}

fn conn_err(e: ConnectionError) -> CmdError {
    CmdError::judged(&e, e.is_bad_input())
}

/// The saved servers (tokens only say whether they are set). Off the window's thread: a slow
/// keyring never holds it.
#[tauri::command]
pub async fn server_list(state: State<'_, AppState>) -> CmdResult<Vec<ServerInfo>> {
    let saved = state.conn.servers().clone();
    tokio::task::spawn_blocking(move || saved.list())
        .await
        .map_err(CmdError::internal)
}

/// Saves a server (new or changed); its token goes to the keyring. A change to the active
/// server reconnects to it; the same form saved again changes nothing.
#[tauri::command]
pub async fn server_save(state: State<'_, AppState>, form: ServerForm) -> CmdResult<()> {
    let (entry, token) = servers::from_form(&form).map_err(server_err)?;
    if state.conn.servers().save(&entry, token.as_ref()).map_err(server_err)? {
        state.conn.server_changed(&entry.name).await.map_err(conn_err)?;
    }
    Ok(())
}

/// Forgets a server and its token; the app goes back to this computer if it was active.
#[tauri::command]
pub async fn server_remove(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.conn.servers().remove(&name).map_err(server_err)?;
    state.conn.server_changed(&name).await.map_err(conn_err)
}

/// Tries the server in the form (the saved token when none is typed): reachable, TLS trusted,
/// authenticated, role, rclone version, or what is wrong.
#[tauri::command]
pub async fn server_test(state: State<'_, AppState>, form: ServerForm) -> CmdResult<ServerCheckView> {
    let (entry, token) = servers::from_form(&form).map_err(server_err)?;
    let token = token
        .or_else(|| state.conn.servers().token(&entry))
        .ok_or_else(|| server_err(ServerError::NoToken))?;
    let rc = rproxy_client::client_with(&entry, token).map_err(|e| CmdError::invalid(e.to_string()))?;
    let check = rproxy_client::check(&rc).await;
    tracing::info!(server = %entry.name, ok = check.problem.is_none(), "connection tested");
    Ok(check)
}

/// Talks to saved server `name` from now on, or to this computer (`None`).
#[tauri::command]
pub async fn connection_use(state: State<'_, AppState>, name: Option<String>) -> CmdResult<ConnectionView> {
    let name = name.as_deref().filter(|n| !n.is_empty());
    state.conn.switch(name).await.map_err(conn_err)
}

#[tauri::command]
pub fn connection_state(state: State<'_, AppState>) -> ConnectionView {
    state.conn.view()
}
