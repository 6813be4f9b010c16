//! File browser commands.

use rcmd_core::{
    ops,
    path::{RemoteName, RemotePath},
    types::{FileEntry, RemoteUsage},
};
use tauri::State;

use crate::{error::CmdResult, state::AppState};

#[tauri::command]
pub async fn list_remotes(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    let rc = state.supervisor.client()?;
    Ok(ops::list_remotes(&rc).await?)
}

#[tauri::command]
pub async fn list_dir(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<Vec<FileEntry>> {
    let dir = RemotePath::new(&remote, &path)?;
    let rc = state.supervisor.client()?;
    Ok(ops::list(&rc, &dir).await?)
}

#[tauri::command]
pub async fn remote_usage(state: State<'_, AppState>, remote: String) -> CmdResult<RemoteUsage> {
    let remote = RemoteName::parse(&remote)?;
    let rc = state.supervisor.client()?;
    Ok(ops::about(&rc, &remote).await?)
}

#[tauri::command]
pub async fn make_dir(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<()> {
    let dir = RemotePath::new(&remote, &path)?;
    let rc = state.supervisor.client()?;
    Ok(ops::mkdir(&rc, &dir).await?)
}

#[tauri::command]
pub async fn delete_file(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<()> {
    let file = RemotePath::new(&remote, &path)?;
    let rc = state.supervisor.client()?;
    Ok(ops::delete_file(&rc, &file).await?)
}

#[tauri::command]
pub async fn copy_file(
    state: State<'_, AppState>,
    src_remote: String,
    src_path: String,
    dst_remote: String,
    dst_path: String,
) -> CmdResult<()> {
    let src = RemotePath::new(&src_remote, &src_path)?;
    let dst = RemotePath::new(&dst_remote, &dst_path)?;
    let rc = state.supervisor.client()?;
    ops::copy_file(&rc, &src, &dst).await?;
    Ok(())
}
