//! Batch commands: create from a folder, list, run, pause, cancel, retry, report. On a server
//! connection they run ON the server (its engine and database) through `rproxy/batch/*`.

use rcmd_core::{
    batch::{BatchRequest, Selection, StartError},
    rc::RcError,
    rproxy_client::{batches as remote, batches::Verb},
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport, IpcErrorKind},
};
use tauri::{ipc::Channel, State};
use tokio_util::sync::CancellationToken;

use rcmd_core::connection::Target;

use crate::{error::CmdResult, state::AppState, CmdError};

fn store_err(e: rcmd_core::batch::StoreError) -> CmdError {
    let kind = match e {
        // the user asked for something another process is doing: say so, it is not a bug
        rcmd_core::batch::StoreError::Leased { .. } => IpcErrorKind::InvalidInput,
        _ => IpcErrorKind::Internal,
    };
    CmdError::new(kind, e.to_string())
}

fn start_err(e: StartError) -> CmdError {
    match e {
        StartError::Plan(e) => CmdError::from(*e),
        StartError::Store(e) => store_err(e),
        e => CmdError::new(IpcErrorKind::InvalidInput, e.to_string()),
    }
}

/// A server batch call through the server's layer: fails at once while the server is offline.
async fn on_server<T, F, Fut>(rc: &rcmd_core::resilience::layer::Resilient, op: F) -> CmdResult<T>
where
    F: Fn(rcmd_core::rc::RcClient) -> Fut,
    Fut: std::future::Future<Output = Result<T, RcError>>,
{
    Ok(rc
        .call_once(&[], &CancellationToken::new(), |c| {
            let f = op(c);
            async move { Ok(f.await?) }
        })
        .await?)
}

#[tauri::command]
pub async fn batch_list(state: State<'_, AppState>) -> CmdResult<Vec<BatchInfo>> {
    match state.conn.target() {
        // interrupted batches show as paused, batches of another process as running elsewhere
        Target::Local => state.engine.runner.list().await.map_err(store_err),
        Target::Server { rc, .. } => on_server(&rc, |c| async move { remote::list(&c).await }).await,
    }
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
        .map_err(start_err)?;
    if let Target::Server { rc, .. } = state.conn.target() {
        // planned and run by the server: it keeps going when this app quits
        let (s, d) = (req.src.to_string(), req.dst.as_ref().map(|d| d.to_string()));
        let names = match &req.selection {
            Selection::Names(n) => n.clone(),
            _ => vec![],
        };
        return on_server(&rc, |c| {
            let (s, d, names) = (s.clone(), d.clone(), names.clone());
            async move { remote::create(&c, kind, &s, d.as_deref(), &names).await }
        })
        .await;
    }
    state.engine.runner.submit(&req).await.map_err(start_err)
}

/// `verb` on a server batch, or `local` on this computer's.
async fn steer<F, Fut>(state: &AppState, verb: Verb, id: i64, local: F) -> CmdResult<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = CmdResult<()>>,
{
    match state.conn.target() {
        Target::Local => local().await,
        Target::Server { rc, .. } => on_server(&rc, |c| async move { remote::act(&c, verb, id).await })
            .await
            .map(|_| ()),
    }
}

#[tauri::command]
pub async fn batch_resume(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Resume, id, || async {
        state.engine.runner.start(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_pause(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Pause, id, || async {
        state.engine.runner.pause(id);
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn batch_cancel(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Cancel, id, || async {
        state.engine.runner.cancel(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_retry_failed(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Retry, id, || async {
        let runner = &state.engine.runner;
        runner.store().retry_failed(id).await.map_err(store_err)?;
        runner.start(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_report(state: State<'_, AppState>, id: i64) -> CmdResult<BatchReport> {
    match state.conn.target() {
        Target::Local => state.engine.runner.report(id).await.map_err(store_err),
        Target::Server { rc, .. } => on_server(&rc, |c| async move { remote::report(&c, id).await }).await,
    }
}

/// Sends throttled progress of every running batch (of the active connection) to `channel`.
#[tauri::command]
pub fn batch_progress(state: State<'_, AppState>, channel: Channel<BatchProgress>) {
    state.batches.listen(channel);
}
