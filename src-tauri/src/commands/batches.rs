//! Batch commands: create from a folder, list, run, pause, cancel, retry, report, on the
//! connection in use (this computer, or ON the server through `rproxy/batch/*`).

use std::collections::BTreeMap;

use rcmd_core::{
    batch::{BatchRequest, Selection},
    connection::BatchCallError,
    rproxy_client::batches::Verb,
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport, ConflictPlan, ConflictPolicy},
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
///
/// `on_conflict` (default: replace only older files) and the per-file `choices` (path → choice)
/// decide what happens to files that exist at the destination.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn batch_create(
    state: State<'_, AppState>,
    kind: BatchKind,
    src: String,
    dst: Option<String>,
    names: Option<Vec<String>>,
    on_conflict: Option<ConflictPolicy>,
    choices: Option<BTreeMap<String, ConflictPolicy>>,
) -> CmdResult<BatchInfo> {
    let req = BatchRequest::new(kind, &src, dst.as_deref(), Selection::names(names.unwrap_or_default()))
        .map_err(|e| batch_err(e.into()))?
        .with_conflicts(on_conflict.unwrap_or_default(), choices.unwrap_or_default());
    state
        .conn
        .batch_create(&state.engine.runner, &req)
        .await
        .map_err(batch_err)
}

/// The files a copy or move of `names` in `src` to `dst` would find at the destination, before
/// anything is created (the commander asks about them); `None` when connected to a server.
#[tauri::command]
pub async fn batch_conflicts(
    state: State<'_, AppState>,
    kind: BatchKind,
    src: String,
    dst: String,
    names: Option<Vec<String>>,
) -> CmdResult<Option<ConflictPlan>> {
    let req = BatchRequest::new(kind, &src, Some(&dst), Selection::names(names.unwrap_or_default()))
        .map_err(|e| batch_err(e.into()))?;
    state
        .conn
        .batch_conflicts(&state.engine.runner, &req)
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
