//! Mounts and serves on this computer (always the local engine's rclone, also while the
//! app is connected to a server: a mount lives where its folder is).

use std::time::Duration;

use rcmd_core::{
    mount::{os, MountError},
    types::{
        IpcErrorKind, MountSpec, MountSupport, MountView, PendingChoice, PendingUploads, ServeCreated, ServeSpec,
        ServeView,
    },
};
use tauri::State;

use crate::{error::CmdResult, state::AppState, CmdError};

/// The one mapping of mount errors to the page's error kinds.
fn err(e: MountError) -> CmdError {
    let kind = match &e {
        MountError::Invalid(_) | MountError::Exists(_) | MountError::Running { .. } | MountError::Elsewhere { .. } => {
            IpcErrorKind::InvalidInput
        }
        MountError::Unknown(_) => IpcErrorKind::NotFound,
        MountError::NoFuse(_) | MountError::Failed { .. } | MountError::Pending { .. } => IpcErrorKind::Rclone,
        MountError::Store(_) | MountError::Secret(_) => IpcErrorKind::Internal,
    };
    CmdError::new(kind, e.to_string())
}

#[tauri::command]
pub async fn mount_list(state: State<'_, AppState>) -> CmdResult<Vec<MountView>> {
    state.engine.mounts.list().await.map_err(err)
}

#[tauri::command]
pub fn mount_support() -> MountSupport {
    let home = dirs_home();
    MountSupport {
        types: os::mount_types().iter().map(|t| t.to_string()).collect(),
        missing: os::missing_fuse(""),
        suggested_root: if cfg!(windows) {
            "*".into()
        } else {
            home.join("RCMD").to_string_lossy().into_owned()
        },
    }
}

fn dirs_home() -> std::path::PathBuf {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
        .map(Into::into)
        .unwrap_or_default()
}

/// Adds a mount (`replace`: changes the one with that name; it must be down).
#[tauri::command]
pub async fn mount_save(state: State<'_, AppState>, spec: MountSpec, replace: bool) -> CmdResult<()> {
    state.engine.mounts.save(spec, replace).await.map_err(err)
}

#[tauri::command]
pub async fn mount_remove(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.engine.mounts.remove(&name).await.map_err(err)
}

/// Mounts `name`; returns once mounted, or with why not.
#[tauri::command]
pub async fn mount_up(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.engine.mounts.up(&name).await.map_err(err)
}

/// Cancels a mount or serve that is still starting; `false` when none was.
#[tauri::command]
pub fn mount_cancel(state: State<'_, AppState>, name: String) -> bool {
    state.engine.mounts.cancel_start(&name)
}

/// Unmounts `name`. With uploads pending and `choice` refuse, nothing is done and the
/// pending uploads are returned for the page to ask.
#[tauri::command]
pub async fn mount_down(
    state: State<'_, AppState>,
    name: String,
    choice: PendingChoice,
    wait_secs: u64,
) -> CmdResult<Option<PendingUploads>> {
    match state
        .engine
        .mounts
        .down(&name, choice, Duration::from_secs(wait_secs))
        .await
    {
        Ok(()) => Ok(None),
        Err(MountError::Pending { name, count, .. }) => {
            let files = state
                .engine
                .mounts
                .pending(&name)
                .await
                .map(|(_, f)| f.into_iter().take(20).collect())
                .unwrap_or_default();
            Ok(Some(PendingUploads { name, count, files }))
        }
        Err(e) => Err(err(e)),
    }
}

/// Every running mount's pending uploads (the quit prompt).
#[tauri::command]
pub async fn mount_pending_all(state: State<'_, AppState>) -> CmdResult<Vec<PendingUploads>> {
    Ok(state
        .engine
        .mounts
        .pending_all()
        .await
        .into_iter()
        .map(|(name, count)| PendingUploads {
            name,
            count,
            files: vec![],
        })
        .collect())
}

#[tauri::command]
pub async fn serve_list(state: State<'_, AppState>) -> CmdResult<Vec<ServeView>> {
    state.engine.mounts.serves().await.map_err(err)
}

/// Adds a serve; the generated password is in the answer, and only there.
#[tauri::command]
pub async fn serve_add(state: State<'_, AppState>, spec: ServeSpec, auth: bool) -> CmdResult<ServeCreated> {
    state.engine.mounts.serve_add(spec, auth).await.map_err(err)
}

#[tauri::command]
pub async fn serve_remove(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.engine.mounts.serve_remove(&name).await.map_err(err)
}

#[tauri::command]
pub async fn serve_up(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.engine.mounts.serve_up(&name).await.map_err(err)
}

#[tauri::command]
pub async fn serve_down(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state
        .engine
        .mounts
        .down(&name, PendingChoice::Leave, Duration::ZERO)
        .await
        .map_err(err)
}

/// Empties a remote's trash (`operations/cleanup`), on the connection in use.
#[tauri::command]
pub async fn remote_cleanup(state: State<'_, AppState>, remote: String) -> CmdResult<()> {
    let remote = rcmd_core::remote_path::RemoteName::parse(&remote).map_err(|e| CmdError::invalid(e.to_string()))?;
    state
        .conn
        .rc()
        .cleanup(&remote, &tokio_util::sync::CancellationToken::new())
        .await?;
    Ok(())
}
