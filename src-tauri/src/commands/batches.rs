//! Batch commands: create from a folder, list, run, pause, cancel, retry, report, on the
//! connection in use (this computer, or ON the server through `rproxy/batch/*`).

use rcmd_core::{
    batch::{BatchRequest, Selection},
    connection::BatchCallError,
    rproxy_client::batches::Verb,
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport},
};
use tauri::{ipc::Channel, State};

use crate::{error::CmdResult, state::AppState, CmdError};

fn batch_err(e: BatchCallError) -> CmdError {
    match e.into_engine_error() {
        Ok(e) => CmdError::from(e),
        Err(e) => CmdError::judged(&e, e.is_bad_input()),
    }
}

#[tauri::command]
pub async fn batch_list(state: State<'_, AppState>) -> CmdResult<Vec<BatchInfo>> {
    state.conn.batch_list(&state.engine.runner).await.map_err(batch_err)
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
    let req = BatchRequest::new(kind, &src, dst.as_deref(), Selection::names(names.unwrap_or_default()))
        .map_err(|e| batch_err(e.into()))?;
    state
        .conn
        .batch_create(&state.engine.runner, &req)
        .await
        .map_err(batch_err)
}

async fn act(state: &AppState, verb: Verb, id: i64) -> CmdResult<()> {
    state
        .conn
        .batch_act(&state.engine.runner, verb, id)
        .await
        .map_err(batch_err)
}

#[tauri::command]
pub async fn batch_resume(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    act(&state, Verb::Resume, id).await
}

#[tauri::command]
pub async fn batch_pause(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    act(&state, Verb::Pause, id).await
}

#[tauri::command]
pub async fn batch_cancel(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    act(&state, Verb::Cancel, id).await
}

#[tauri::command]
pub async fn batch_retry_failed(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    act(&state, Verb::Retry, id).await
}

#[tauri::command]
pub async fn batch_report(state: State<'_, AppState>, id: i64) -> CmdResult<BatchReport> {
    state
        .conn
        .batch_report(&state.engine.runner, id)
        .await
        .map_err(batch_err)
}

/// Sends throttled progress of every running batch (of the active connection) to `channel`.
#[tauri::command]
pub fn batch_progress(state: State<'_, AppState>, channel: Channel<BatchProgress>) {
    state.page.listen(channel);
}
