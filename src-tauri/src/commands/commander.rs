//! The commander's commands beyond listing: rename, emptied folders, properties, transfer
//! figures and the live bandwidth limit. Every call goes through the resilient layer.

use rcmd_core::{
    ops,
    remote_path::RemotePath,
    types::{BwLimit, Properties, TransferStats},
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState};

/// Renames `remote:path` in place to `new_name`; answers the new path (`remote:path`).
#[tauri::command]
pub async fn rename(
    state: State<'_, AppState>,
    remote: String,
    path: String,
    new_name: String,
    is_dir: bool,
) -> CmdResult<String> {
    let from = RemotePath::new(&remote, &path)?;
    let to = state
        .conn
        .rc()
        .rename(&from, &new_name, is_dir, &CancellationToken::new())
        .await?;
    Ok(to.to_string())
}

#[tauri::command]
pub async fn properties(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<Properties> {
    let at = RemotePath::new(&remote, &path)?;
    Ok(state.conn.rc().properties(&at, &CancellationToken::new()).await?)
}

/// Files in flight and total speed from rclone, and the items this app's batches finished last.
#[tauri::command]
pub async fn transfer_stats(state: State<'_, AppState>) -> CmdResult<TransferStats> {
    let mut stats = state
        .conn
        .rc()
        .call_once(&[], &CancellationToken::new(), |rc| async move {
            Ok(ops::transfer_stats(&rc).await?)
        })
        .await?;
    if state.conn.is_local() {
        stats.done = state.engine.runner.recent();
    }
    Ok(stats)
}

/// Reads the live bandwidth limit, or sets it when `rate` is given.
#[tauri::command]
pub async fn bwlimit(state: State<'_, AppState>, rate: Option<String>) -> CmdResult<BwLimit> {
    Ok(state
        .conn
        .rc()
        .call_once(&[], &CancellationToken::new(), |rc| {
            let rate = rate.clone();
            async move { Ok(ops::bwlimit(&rc, rate.as_deref()).await?) }
        })
        .await?)
}
