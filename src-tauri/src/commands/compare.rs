//! Compare, sync and search: the engine's compare kept as a session the view pages through,
//! its rows' directions, the sync planned from it (preview, then a batch), and a search that
//! streams its finds. On a server, compare and sync run there (`rproxy/batch/compare|sync`:
//! server batches); search runs with this computer's rclone only.

use std::sync::Mutex;

use rcmd_core::{
    batch::{sync::plan, SyncError, SyncRequest},
    compare::{
        compare,
        find::{find, FindQuery},
        session::{SessionError, Sessions},
        CompareError, CompareRequest,
    },
    remote_path::RemotePath,
    settings::Settings,
    types::{
        BackupPlace, BatchInfo, CompareCounts, CompareMode, CompareProgress, CompareState, DeleteGuard, Direction,
        FileEntry, FilterPreset, FilterSpec, SyncPreview,
    },
};
use tauri::{ipc::Channel, State};
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState, CmdError};

/// The open compares and the running compare's and search's stop buttons.
#[derive(Default)]
pub struct Compares {
    pub sessions: Sessions,
    running: Mutex<Option<CancellationToken>>,
    finding: Mutex<Option<CancellationToken>>,
}

fn compare_err(e: CompareError) -> CmdError {
    match e {
        CompareError::Engine(e) => CmdError::from(e),
        e => CmdError::judged(&e, e.is_bad_request()),
    }
}

fn session_err(e: SessionError) -> CmdError {
    CmdError::invalid(e.to_string())
}

fn sync_err(e: SyncError) -> CmdError {
    match e {
        SyncError::Start(rcmd_core::batch::StartError::Plan(e)) => CmdError::from(*e),
        e => CmdError::judged(&e, e.is_bad_request()),
    }
}

fn local_only(state: &AppState) -> CmdResult<()> {
    if state.conn.is_local() {
        Ok(())
    } else {
        Err(CmdError::invalid(
            "search runs with this computer's rclone; switch to \"This computer\" to use it",
        ))
    }
}

fn server_err(e: rcmd_core::connection::BatchCallError) -> CmdError {
    match e.into_engine_error() {
        Ok(e) => CmdError::from(e),
        Err(e) => CmdError::judged(&e, e.is_bad_input()),
    }
}

fn replace(slot: &Mutex<Option<CancellationToken>>) -> CancellationToken {
    let token = CancellationToken::new();
    if let Some(old) = slot.lock().unwrap_or_else(|e| e.into_inner()).replace(token.clone()) {
        old.cancel();
    }
    token
}

/// Compares `left` and `right` (progress to `on_progress`); the first page of rows.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn compare_start(
    state: State<'_, AppState>,
    compares: State<'_, Compares>,
    left: String,
    right: String,
    mode: CompareMode,
    filter: FilterSpec,
    one_way: bool,
    download: bool,
    limit: usize,
    on_progress: Channel<CompareProgress>,
) -> CmdResult<tauri::ipc::Response> {
    let mut req = CompareRequest::new(&left, &right, filter, mode).map_err(compare_err)?;
    req.one_way = one_way;
    req.download = download;
    if state.conn.on_a_server() {
        // compared on the server (its remotes, its policy); the rows are kept here
        let c = state.conn.server_compare(&req).await.map_err(server_err)?;
        let id = compares.sessions.insert(c);
        return json(&compares.sessions.page(id, &[], 0, limit).map_err(session_err)?);
    }
    let cancel = replace(&compares.running);
    let progress = std::sync::Arc::new(move |p: CompareProgress| {
        let _ = on_progress.send(p);
    });
    let c = compare(&state.conn.rc(), &req, &cancel, progress)
        .await
        .map_err(compare_err)?;
    let id = compares.sessions.insert(c);
    let page = compares.sessions.page(id, &[], 0, limit).map_err(session_err)?;
    json(&page)
}

/// Stops the running compare.
#[tauri::command]
pub fn compare_cancel(compares: State<'_, Compares>) {
    if let Some(t) = compares.running.lock().unwrap_or_else(|e| e.into_inner()).take() {
        t.cancel();
    }
}

/// Rows `offset..offset + limit` of compare `id` whose state is in `states` (all if empty).
#[tauri::command]
pub fn compare_page(
    compares: State<'_, Compares>,
    id: u64,
    states: Vec<CompareState>,
    offset: usize,
    limit: usize,
) -> CmdResult<tauri::ipc::Response> {
    json(
        &compares
            .sessions
            .page(id, &states, offset, limit)
            .map_err(session_err)?,
    )
}

/// Sets the direction of rows `indices` of compare `id` (all or none); the new counts.
#[tauri::command]
pub fn compare_set(
    compares: State<'_, Compares>,
    id: u64,
    indices: Vec<u32>,
    direction: Direction,
) -> CmdResult<CompareCounts> {
    compares
        .sessions
        .set_direction(id, &indices, direction)
        .map_err(session_err)
}

fn sync_request(compares: &Compares, id: u64, guard: DeleteGuard, backup: BackupPlace) -> CmdResult<SyncRequest> {
    let c = compares.sessions.get(id).map_err(session_err)?;
    let mut req = SyncRequest::from_comparison(&c);
    req.guard = guard;
    req.backup = backup;
    Ok(req)
}

/// Compare `id`'s folders synchronised on the server (a preview with `dry_run`).
async fn on_server(
    state: &AppState,
    compares: &Compares,
    id: u64,
    guard: DeleteGuard,
    backup: &BackupPlace,
    dry_run: bool,
) -> CmdResult<rcmd_core::types::SyncStarted> {
    let c = compares.sessions.get(id).map_err(session_err)?;
    state
        .conn
        .server_sync(&c, guard, *backup != BackupPlace::Off, dry_run)
        .await
        .map_err(server_err)
}

/// What running compare `id` would do, without writing anything (at most `shown` actions
/// listed).
#[tauri::command]
pub async fn sync_preview(
    state: State<'_, AppState>,
    compares: State<'_, Compares>,
    id: u64,
    guard: DeleteGuard,
    backup: BackupPlace,
    shown: usize,
) -> CmdResult<SyncPreview> {
    if state.conn.on_a_server() {
        let mut p = on_server(&state, &compares, id, guard, &backup, true).await?.preview;
        p.actions.truncate(shown);
        return Ok(p);
    }
    let req = sync_request(&compares, id, guard, backup)?;
    let mut p = plan(&req, &rcmd_core::batch::sync::stamp_now())
        .map_err(sync_err)?
        .preview;
    p.actions.truncate(shown);
    Ok(p)
}

/// Runs compare `id` as a sync batch (refused by the delete guard before anything is written).
#[tauri::command]
pub async fn sync_start(
    state: State<'_, AppState>,
    compares: State<'_, Compares>,
    id: u64,
    guard: DeleteGuard,
    backup: BackupPlace,
) -> CmdResult<BatchInfo> {
    if state.conn.on_a_server() {
        let started = on_server(&state, &compares, id, guard, &backup, false).await?;
        return started
            .batch
            .ok_or_else(|| CmdError::internal("the server started no batch"));
    }
    let req = sync_request(&compares, id, guard, backup)?;
    let (info, _) = state.engine.runner.submit_sync(&req).await.map_err(sync_err)?;
    Ok(info)
}

/// Finds files below `root` (matches streamed to `on_found` folder by folder); whether it
/// stopped at `limit`.
#[tauri::command]
pub async fn find_start(
    state: State<'_, AppState>,
    compares: State<'_, Compares>,
    root: String,
    filter: FilterSpec,
    limit: usize,
    on_found: Channel<Vec<FileEntry>>,
) -> CmdResult<bool> {
    local_only(&state)?;
    let root = RemotePath::parse(&root).map_err(|e| CmdError::invalid(e.to_string()))?;
    let cancel = replace(&compares.finding);
    let q = FindQuery {
        root,
        filter,
        limit: limit.clamp(1, 100_000),
    };
    let end = find(&state.conn.rc(), &q, &cancel, |files| {
        let _ = on_found.send(files);
    })
    .await
    .map_err(compare_err)?;
    Ok(end.truncated)
}

#[tauri::command]
pub fn find_cancel(compares: State<'_, Compares>) {
    if let Some(t) = compares.finding.lock().unwrap_or_else(|e| e.into_inner()).take() {
        t.cancel();
    }
}

/// The saved filters.
#[tauri::command]
pub fn filter_presets(state: State<'_, AppState>) -> Vec<FilterPreset> {
    Settings::load_or_recover(&state.settings_path).0.filter_presets
}

/// Saves `preset` (replacing one of the same name); `remove`: deletes it instead.
#[tauri::command]
pub fn filter_preset_save(
    state: State<'_, AppState>,
    preset: FilterPreset,
    remove: bool,
) -> CmdResult<Vec<FilterPreset>> {
    let name = preset.name.trim().to_owned();
    if name.is_empty() {
        return Err(CmdError::invalid("a saved filter needs a name"));
    }
    rcmd_core::compare::filter::to_rclone(&preset.filter).map_err(|e| CmdError::invalid(e.to_string()))?;
    let s = Settings::update(&state.settings_path, |s| {
        s.filter_presets.retain(|p| p.name != name);
        if !remove {
            s.filter_presets.push(FilterPreset {
                name: name.clone(),
                filter: preset.filter.clone(),
            });
            s.filter_presets.sort_by(|a, b| a.name.cmp(&b.name));
        }
    })
    .map_err(CmdError::internal)?;
    Ok(s.filter_presets)
}

fn json<T: serde::Serialize>(v: &T) -> CmdResult<tauri::ipc::Response> {
    serde_json::to_vec(v)
        .map(tauri::ipc::Response::new)
        .map_err(CmdError::internal)
}
