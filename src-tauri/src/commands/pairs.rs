//! Two-way sync pairs: kept on this computer, run with this computer's rclone, or on the
//! active server (`rproxy/batch/bisync`: a server batch, the pair's listings on the server).
//! And where the watches of watched schedules stand.

use rcmd_core::{
    bisync::BisyncError,
    types::{BatchInfo, BisyncPreview, PairInfo, PairSpec, PairState, ResyncMode, WatchStatus},
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState, CmdError};

/// The one mapping of pair errors to the page's error kinds.
fn err(e: BisyncError) -> CmdError {
    match e {
        BisyncError::Engine(e) => CmdError::from(e),
        e => CmdError::judged(&e, e.is_bad_request()),
    }
}

fn server_err(e: rcmd_core::connection::BatchCallError) -> CmdError {
    match e.into_engine_error() {
        Ok(e) => CmdError::from(e),
        Err(e) => CmdError::judged(&e, e.is_bad_input()),
    }
}

#[tauri::command]
pub async fn pair_list(state: State<'_, AppState>) -> CmdResult<Vec<PairInfo>> {
    state.engine.pairs.list().await.map_err(err)
}

/// Adds (`id` none) or changes a pair; returns its id.
#[tauri::command]
pub async fn pair_save(state: State<'_, AppState>, id: Option<i64>, spec: PairSpec) -> CmdResult<i64> {
    match id {
        Some(id) => state.engine.pairs.update(id, &spec).await.map(|()| id),
        None => state.engine.pairs.add(&spec).await,
    }
    .map_err(err)
}

/// Removes a pair (refused while a run of it is unfinished); its files stay.
#[tauri::command]
pub async fn pair_remove(state: State<'_, AppState>, id: i64) -> CmdResult<bool> {
    state.engine.pairs.remove(id).await.map_err(err)
}

/// What a run (`resync` none) or a resync would do: rclone's dry run, nothing written.
#[tauri::command]
pub async fn pair_preview(state: State<'_, AppState>, id: i64, resync: Option<ResyncMode>) -> CmdResult<BisyncPreview> {
    let pair = state.engine.pairs.find(&id.to_string()).await.map_err(err)?;
    if state.conn.on_a_server() {
        return state
            .conn
            .server_bisync_preview(&pair.spec, resync)
            .await
            .map_err(server_err);
    }
    state
        .engine
        .pairs
        .preview(&pair.spec, resync, &CancellationToken::new())
        .await
        .map_err(err)
}

/// Starts the resync of pair `id` with `mode` (after its preview).
#[tauri::command]
pub async fn pair_resync(state: State<'_, AppState>, id: i64, mode: ResyncMode) -> CmdResult<BatchInfo> {
    if state.conn.on_a_server() {
        let pair = state.engine.pairs.find(&id.to_string()).await.map_err(err)?;
        let b = state
            .conn
            .server_bisync_start(&pair.spec, Some(mode))
            .await
            .map_err(server_err)?;
        // the server keeps the listings; here the pair may run from now on
        let _ = state
            .engine
            .pairs
            .store()
            .set_state(id, PairState::Ready, Some("resynchronised on the server"))
            .await;
        return Ok(b);
    }
    state
        .engine
        .pairs
        .resync(&id.to_string(), mode, None)
        .await
        .map_err(err)
}

/// Starts a run of pair `id` (refused here until its first resync or while locked out; on
/// a server the server judges: no listings there is a lockout).
#[tauri::command]
pub async fn pair_run(state: State<'_, AppState>, id: i64) -> CmdResult<BatchInfo> {
    if state.conn.on_a_server() {
        let pair = state.engine.pairs.find(&id.to_string()).await.map_err(err)?;
        return state
            .conn
            .server_bisync_start(&pair.spec, None)
            .await
            .map_err(server_err);
    }
    state.engine.pairs.run(&id.to_string(), None).await.map_err(err)
}

/// Every watched schedule and where its watch stands.
#[tauri::command]
pub async fn watch_status(state: State<'_, AppState>) -> CmdResult<Vec<WatchStatus>> {
    state.engine.watches.refresh().await;
    Ok(state.engine.watches.status())
}
