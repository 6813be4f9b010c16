//! Batch commands: create from a folder, list, run, pause, cancel, retry, report. On a server
//! connection they run ON the server (its engine and database) through `rproxy/batch/*`.

use rcmd_core::{
    batch::plan,
    path::RemotePath,
    rc::RcError,
    server::{batches as remote, batches::Verb},
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport, IpcErrorKind},
};
use tauri::{ipc::Channel, State};
use tokio_util::sync::CancellationToken;

use crate::{connection::Target, error::CmdResult, state::AppState, CmdError};

fn store_err(e: rcmd_core::batch::StoreError) -> CmdError {
    let kind = match e {
        // the user asked for something another process is doing: say so, it is not a bug
        rcmd_core::batch::StoreError::Leased { .. } => IpcErrorKind::InvalidInput,
        _ => IpcErrorKind::Internal,
    };
    CmdError::new(kind, e.to_string())
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
        Target::Local(_) => state.batches.runner.list().await.map_err(store_err),
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
    let src = RemotePath::parse(&src)?;
    let dst = match (kind, dst.as_deref().map(str::trim).filter(|d| !d.is_empty())) {
        (BatchKind::Delete, _) => None,
        (_, Some(d)) => Some(RemotePath::parse(d)?),
        (_, None) => {
            return Err(CmdError::new(
                IpcErrorKind::InvalidInput,
                "a destination (remote:path) is needed",
            ))
        }
    };
    if dst.as_ref() == Some(&src) {
        return Err(CmdError::new(
            IpcErrorKind::InvalidInput,
            "source and destination are the same",
        ));
    }
    let names = names.unwrap_or_default();
    let rc = match state.conn.target() {
        Target::Local(rc) => rc,
        Target::Server { rc, .. } => {
            // planned and run by the server: it keeps going when this app quits
            let (s, d) = (src.to_string(), dst.as_ref().map(|d| d.to_string()));
            return on_server(&rc, |c| {
                let (s, d, names) = (s.clone(), d.clone(), names.clone());
                async move { remote::create(&c, kind, &s, d.as_deref(), &names).await }
            })
            .await;
        }
    };
    let src2 = src.clone();
    let items = rc
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
        .create(
            kind,
            &src.to_string(),
            dst.as_ref().map(|d| d.to_string()).as_deref(),
            &items,
        )
        .await
        .map_err(store_err)?;
    runner.start(id).await.map_err(store_err)?;
    runner.batch(id).await.map_err(store_err)
}

/// `verb` on a server batch, or `local` on this computer's.
async fn steer<F, Fut>(state: &AppState, verb: Verb, id: i64, local: F) -> CmdResult<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = CmdResult<()>>,
{
    match state.conn.target() {
        Target::Local(_) => local().await,
        Target::Server { rc, .. } => on_server(&rc, |c| async move { remote::act(&c, verb, id).await })
            .await
            .map(|_| ()),
    }
}

#[tauri::command]
pub async fn batch_resume(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Resume, id, || async {
        state.batches.runner.start(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_pause(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Pause, id, || async {
        state.batches.runner.pause(id);
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn batch_cancel(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Cancel, id, || async {
        state.batches.runner.cancel(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_retry_failed(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    steer(&state, Verb::Retry, id, || async {
        let runner = &state.batches.runner;
        runner.store().retry_failed(id).await.map_err(store_err)?;
        runner.start(id).await.map_err(store_err)
    })
    .await
}

#[tauri::command]
pub async fn batch_report(state: State<'_, AppState>, id: i64) -> CmdResult<BatchReport> {
    match state.conn.target() {
        Target::Local(_) => state.batches.runner.report(id).await.map_err(store_err),
        Target::Server { rc, .. } => on_server(&rc, |c| async move { remote::report(&c, id).await }).await,
    }
}

/// Sends throttled progress of every running batch (of the active connection) to `channel`.
#[tauri::command]
pub fn batch_progress(state: State<'_, AppState>, channel: Channel<BatchProgress>) {
    state.batches.listen(channel);
}
