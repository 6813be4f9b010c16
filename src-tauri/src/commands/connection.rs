//! Settings → Connection: saved servers, "Test connection", and which connection is active.

use std::path::PathBuf;

use rcmd_core::{
    rproxy_client,
    secret::Secret,
    settings::{ServerEntry, Settings},
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
        let name = self.name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
            return Err(invalid("give the server a short name (no slashes)"));
        }
        let url = self.url.trim();
        let parsed = url::Url::parse(url).map_err(|e| invalid(format!("{url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(format!("{url:?}: use http://host:port/ or https://host:port/")));
        }
        let user = self.user.trim();
        if user.is_empty() {
            return Err(invalid("the user name on the server is needed"));
        }
        let ca_file = self
            .ca_file
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(PathBuf::from);
        if let Some(ca) = &ca_file {
            if !ca.is_file() {
                return Err(invalid(format!("CA file {} is not a file", ca.display())));
            }
        }
        let token = self
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Secret::new(t.to_owned()));
        Ok((
            ServerEntry {
                name: name.to_owned(),
                url: url.to_owned(),
                user: user.to_owned(),
                ca_file,
            },
            token,
        ))
    }
}

/// The saved servers (tokens only say whether they are set). Async, so a slow keyring never
/// holds the window's thread.
#[tauri::command]
pub async fn server_list(state: State<'_, AppState>) -> CmdResult<Vec<ServerInfo>> {
    let settings = Settings::load(&state.settings_path).unwrap_or_default();
    let secrets = state.conn.secrets().clone();
    tokio::task::spawn_blocking(move || server_infos(&settings, &secrets))
        .await
        .map_err(internal)
}

fn server_infos(settings: &Settings, secrets: &rcmd_core::secrets::SecretStore) -> Vec<ServerInfo> {
    settings
        .servers
        .iter()
        .map(|s| ServerInfo {
            name: s.name.clone(),
            url: s.url.clone(),
            user: s.user.clone(),
            ca_file: s.ca_file.as_ref().map(|p| p.display().to_string()),
            token_set: secrets.get(&s.token_key()).is_some(),
        })
        .collect()
}

/// Saves a server (new or changed); its token goes to the keyring. A change to the active
/// server reconnects to it.
#[tauri::command]
pub async fn server_save(state: State<'_, AppState>, form: ServerForm) -> CmdResult<()> {
    let (entry, token) = form.check()?;
    let secrets = state.conn.secrets();
    if token.is_none() && secrets.get(&entry.token_key()).is_none() {
        return Err(invalid(
            "the token is needed (rproxy token create USER on the server prints one)",
        ));
    }
    if let Some(t) = &token {
        secrets.set(&entry.token_key(), Some(t)).map_err(internal)?;
    }
    Settings::update(&state.settings_path, |s| {
        match s.servers.iter_mut().find(|x| x.name == entry.name) {
            Some(old) => *old = entry.clone(),
            None => s.servers.push(entry.clone()),
        }
    })
    .map_err(internal)?;
    tracing::info!(server = %entry.name, "server saved");
    state.conn.server_changed(&entry.name).await.map_err(internal)
}

/// Forgets a server and its token; the app goes back to this computer if it was active.
#[tauri::command]
pub async fn server_remove(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    let mut key = None;
    Settings::update(&state.settings_path, |s| {
        key = s.servers.iter().find(|x| x.name == name).map(ServerEntry::token_key);
        s.servers.retain(|x| x.name != name);
    })
    .map_err(internal)?;
    let key = key.ok_or_else(|| invalid(format!("no saved server {name:?}")))?;
    state.conn.secrets().set(&key, None).map_err(internal)?;
    state.conn.server_changed(&name).await.map_err(internal)
}

/// Tries the server in the form (the saved token when none is typed): reachable, TLS trusted,
/// authenticated, role, rclone version, or what is wrong.
#[tauri::command]
pub async fn server_test(state: State<'_, AppState>, form: ServerForm) -> CmdResult<ServerCheckView> {
    let (entry, token) = form.check()?;
    let token = token
        .or_else(|| state.conn.secrets().get(&entry.token_key()))
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
