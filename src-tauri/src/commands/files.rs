//! File browser commands; every call goes through the resilient layer.

use rcmd_core::{
    remote_path::{RemoteName, RemotePath},
    types::{
        listing::{first_rows, ViewOpts},
        DirListing, DirOpened, DirPage, RemoteUsage,
    },
};
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::{error::CmdResult, state::AppState};

#[tauri::command]
pub async fn list_remotes(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    super::desktop::refuse_if_locked(&state)?;
    Ok(state.conn.rc().list_remotes(&CancellationToken::new()).await?)
}

/// A folder's listing as JSON bytes ([`DirListing`]): a 10,000-entry folder is 1.2 MB, which
/// the page decodes much faster from one buffer than from Tauri's parsed JS objects.
#[tauri::command]
pub async fn list_dir(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<tauri::ipc::Response> {
    json_reply(&listing(&state, &remote, &path).await?)
}

/// A folder opened in a pane ([`DirOpened`] as JSON bytes): a folder of more than `first`
/// entries answers with its first `first` rows in the pane's order (`view`) and holds the
/// whole listing for [`dir_rest`]. A 10,000-entry listing takes ~100 ms to cross to the page
/// and be decoded there; its first screen is there without waiting for that.
#[tauri::command]
pub async fn open_dir(
    state: State<'_, AppState>,
    remote: String,
    path: String,
    view: ViewOpts,
    first: usize,
) -> CmdResult<tauri::ipc::Response> {
    let listing = listing(&state, &remote, &path).await?;
    if listing.entries.len() <= first {
        return json_reply(&DirOpened::Whole(listing));
    }
    let page = DirPage {
        entries: first_rows(&listing.entries, &view, first),
        total: listing.entries.len(),
        rest: 0,
    };
    let rest = state.held.hold(listing);
    json_reply(&DirOpened::First(DirPage { rest, ..page }))
}

/// The whole listing held by [`open_dir`] as `rest` (once); an error when it is gone (taken,
/// or the page waited longer than [`crate::held::HELD_FOR`]): the page lists the folder again.
#[tauri::command]
pub fn dir_rest(state: State<'_, AppState>, rest: u64) -> CmdResult<tauri::ipc::Response> {
    match state.held.take(rest) {
        Some(listing) => json_reply(&listing),
        None => Err(crate::CmdError::internal(format!("listing {rest} is no longer held"))),
    }
}

async fn listing(state: &AppState, remote: &str, path: &str) -> CmdResult<DirListing> {
    let dir = RemotePath::new(remote, path)?;
    let served = state.conn.rc().list(&dir, &CancellationToken::new()).await?;
    Ok(DirListing {
        entries: served.value,
        stale_ms: served.stale_ms,
        fallback: served.fallback,
    })
}

/// `value` as JSON bytes, which the page decodes in one pass (much faster than from Tauri's
/// parsed JS objects for a big listing).
fn json_reply<T: serde::Serialize>(value: &T) -> CmdResult<tauri::ipc::Response> {
    let json = serde_json::to_vec(value).map_err(crate::CmdError::internal)?;
    Ok(tauri::ipc::Response::new(json))
}

/// Space usage of a remote, or where its folder `path` is when given (the pane's free space).
#[tauri::command]
pub async fn remote_usage(state: State<'_, AppState>, remote: String, path: Option<String>) -> CmdResult<RemoteUsage> {
    let rc = state.conn.rc();
    let cancel = CancellationToken::new();
    Ok(match path {
        Some(path) => rc.about_dir(&RemotePath::new(&remote, &path)?, &cancel).await?.value,
        None => rc.about(&RemoteName::parse(&remote)?, &cancel).await?.value,
    })
}

#[tauri::command]
pub async fn make_dir(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<()> {
    let dir = RemotePath::new(&remote, &path)?;
    Ok(state.conn.rc().mkdir(&dir, &CancellationToken::new()).await?)
}

#[tauri::command]
pub async fn delete_file(state: State<'_, AppState>, remote: String, path: String) -> CmdResult<()> {
    let file = RemotePath::new(&remote, &path)?;
    Ok(state.conn.rc().delete_file(&file, &CancellationToken::new()).await?)
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
    state.conn.rc().copy_file(&src, &dst, &CancellationToken::new()).await?;
    Ok(())
}
