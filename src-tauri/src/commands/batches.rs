//! Batch commands: create from a folder, list, run, pause, cancel, retry, report.

use rcmd_core::{
    batch::plan,
    path::RemotePath,
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport, IpcErrorKind},
};
use tauri::{ipc::Channel, State};
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState, CmdError};

fn store_err(e: rcmd_core::batch::StoreError) -> CmdError {
    let kind = match e {
        // the user asked for something another process is doing: say so, it is not a bug
        rcmd_core::batch::StoreError::Leased { .. } => IpcErrorKind::InvalidInput,
        _ => IpcErrorKind::Internal,
    };
    CmdError::new(kind, e.to_string())
}

#[tauri::command]
pub async fn batch_list(state: State<'_, AppState>) -> CmdResult<Vec<BatchInfo>> {
    // interrupted batches show as paused, batches of another process as running elsewhere
    state.batches.runner.list().await.map_err(store_err)
}

/// Creates a batch over the `names` selected in folder `src` (folders expanded), or over
/// every file under `src` when nothing is selected, and starts it.
#[tauri::command]
pub async fn batch_create(
    state: State<'_, AppState>,
    kind: BatchKind,
    src: String,
    dst: Option<String>,
    names: Option<Vec<String>>,
) -> CmdResult<BatchInfo> {
    let src = RemotePath::parse(&src)?;
    let dst = match (kind, dst.as_deref().map(str::trim).filter(|d| !d.is_empty())) {
        (BatchKind::Delete, _) => None,
        (_, Some(d)) => Some(RemotePath::parse(d)?),
        (_, None) => return Err(CmdError::new(IpcErrorKind::InvalidInput, "a destination (remote:path) is needed")),
    };
    if dst.as_ref() == Some(&src) {
        return Err(CmdError::new(IpcErrorKind::InvalidInput, "source and destination are the same"));
    }
    let src2 = src.clone();
    let names = names.unwrap_or_default();
    let items = state
        .rc
        .call(&[&src.remote], &CancellationToken::new(), |rc| {
            let (src, names) = (src2.clone(), names.clone());
            async move { plan::for_names(&rc, &src, &names).await }
        })
        .await?;
    if items.is_empty() {
        return Err(CmdError::new(IpcErrorKind::InvalidInput, format!("{src} has no files")));
    }
    let runner = &state.batches.runner;
    let id = runner
        .store()
        .create(kind, &src.to_string(), dst.as_ref().map(|d| d.to_string()).as_deref(), &items)
        .await
        .map_err(store_err)?;
    runner.start(id).await.map_err(store_err)?;
    runner.store().batch(id).await.map_err(store_err)
}

#[tauri::command]
pub async fn batch_resume(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.batches.runner.start(id).await.map_err(store_err)
}

#[tauri::command]
pub async fn batch_pause(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.batches.runner.pause(id);
    Ok(())
}

#[tauri::command]
pub async fn batch_cancel(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.batches.runner.cancel(id).await.map_err(store_err)
}

#[tauri::command]
pub async fn batch_retry_failed(state: State<'_, AppState>, id: i64) -> CmdResult<u64> {
    let runner = &state.batches.runner;
    let n = runner.store().retry_failed(id).await.map_err(store_err)?;
    runner.start(id).await.map_err(store_err)?;
    Ok(n)
}

#[tauri::command]
pub async fn batch_report(state: State<'_, AppState>, id: i64) -> CmdResult<BatchReport> {
    state.batches.runner.store().report(id).await.map_err(store_err)
}

/// Sends throttled progress of every running batch to `channel`.
#[tauri::command]
pub fn batch_progress(state: State<'_, AppState>, channel: Channel<BatchProgress>) {
    state.batches.listen(channel);
}
